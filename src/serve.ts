// `siphon -c siphon.yaml`: start Python, load the script, run its startup
// hooks, open the listeners, and on SIGTERM/SIGINT drain and shut down.
import type { SiphonConfig } from './config';
import { ExitCode, SiphonExit } from './exit';
import type { Logger } from './log';
import { PythonRuntime } from './runtime';
import { ControlFailure } from './server/dispatcher';
import type { Listener } from './server/listener';
import { NodeListener } from './server/node-listener';
import { routeTable, ServingState } from './server/serving';
import { UwsListener } from './server/uws-listener';
import { loadUws } from './uws';

export class Server {
  private readonly runtime: PythonRuntime;
  private readonly state: ServingState;
  private listeners: Listener[] = [];
  private stopping = false;
  // With no listeners nothing else keeps Node's loop alive.
  private idleKeeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: SiphonConfig,
    private readonly log: Logger,
  ) {
    this.runtime = new PythonRuntime(log);
    this.state = new ServingState(this.runtime.native, this.runtime.dispatcher, log);
  }

  async run(): Promise<void> {
    const { config, log, runtime } = this;
    let uws;
    try {
      uws = loadUws();
    } catch (err) {
      throw new SiphonExit(ExitCode.Runtime, (err as Error).message);
    }
    // Node must own these before Python starts, so Python leaves them alone.
    this.installSignalHandlers();
    try {
      runtime.start(config, uws.binary);
    } catch (err) {
      throw new SiphonExit(ExitCode.Runtime, `cannot start Python: ${(err as Error).message}`);
    }
    const script = await runtime.load(config.script.path).catch((err: unknown) => {
      throw scriptError(config.script.path, err);
    });
    const { description } = script;
    log.info('siphon', `loaded ${config.script.path}: ${description.routes.length} route(s)`);
    try {
      await runtime.runStartup(script);
    } catch (err) {
      const detail = err instanceof ControlFailure ? err.message : String(err);
      throw new SiphonExit(ExitCode.Runtime, `an @http.on_startup hook raised:\n${detail}`);
    }
    runtime.activate(script);
    this.state.table = routeTable(description);
    this.runtime.dispatcher.setShortestTimeout(Math.min(...config.servers.map((s) => s.requestTimeoutMs), 30000));

    for (const server of config.servers) {
      // uWS serves HTTP/1.1 fastest; HTTP/2 and required client certificates need Node's stacks.
      const listener: Listener =
        server.http2 || server.tls?.clientCa ? new NodeListener(server, this.state) : new UwsListener(uws.uws, server, this.state);
      try {
        await listener.listen();
      } catch (err) {
        for (const open of this.listeners) open.close();
        throw new SiphonExit(ExitCode.Runtime, (err as Error).message);
      }
      this.listeners.push(listener);
      log.info('siphon.server', `listening on ${listener.url}`, { listen: server.listen, engine: listener.engine });
    }
    if (config.servers.length === 0) {
      log.warn('siphon.server', 'no servers configured: nothing is listening (clients and hooks still run)');
      this.idleKeeper = setInterval(() => undefined, 1 << 30);
    }
    log.info('siphon', 'ready');
  }

  private installSignalHandlers(): void {
    process.on('SIGTERM', () => void this.shutdown('SIGTERM'));
    process.on('SIGINT', () => void this.shutdown('SIGINT'));
    process.on('SIGHUP', () => this.log.info('siphon', 'SIGHUP received (reload is not enabled in this build)'));
  }

  private async shutdown(signal: string): Promise<void> {
    const { log, runtime } = this;
    if (this.stopping) {
      if (signal === 'SIGINT') {
        log.warn('siphon', 'second SIGINT: exiting now');
        process.exit(ExitCode.Runtime);
      }
      return;
    }
    this.stopping = true;
    this.state.draining = true;
    log.info('siphon', `${signal} received: closing listeners and draining`, { inflight: runtime.dispatcher.inflightCount });
    for (const listener of this.listeners) listener.close();
    clearInterval(this.idleKeeper);
    const grace = this.config.script.shutdownGraceMs;
    let forced = false;
    await Promise.race([
      runtime.dispatcher.whenIdle(),
      new Promise<void>((resolve) =>
        setTimeout(() => {
          forced = true;
          resolve();
        }, grace).unref(),
      ),
    ]);
    if (forced) {
      const count = runtime.dispatcher.abandonAll(503, 'Service Unavailable: shutting down');
      log.error('siphon', `shutdown grace period (${grace} ms) exceeded: ${count} request(s) answered 503, exit forced`);
    }
    try {
      await runtime.runShutdown();
    } catch (err) {
      log.error('siphon', `on_shutdown hooks failed: ${(err as Error).message}`);
    }
    await runtime.clients?.closeAll();
    runtime.native.stop();
    log.info('siphon', forced ? 'stopped (forced)' : 'stopped');
    process.exit(forced ? ExitCode.Runtime : ExitCode.Ok);
  }
}

function scriptError(scriptPath: string, err: unknown): SiphonExit {
  const detail = err instanceof ControlFailure ? err.message : String(err);
  return new SiphonExit(ExitCode.Usage, `cannot load script ${scriptPath}:\n${detail}`);
}

export { scriptError };
