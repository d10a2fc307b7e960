// `siphon -c siphon.yaml`: start Python, load the script, run its startup
// hooks, open the listeners; reload on SIGHUP (and file changes); on
// SIGTERM/SIGINT drain, run the shutdown hooks and exit.
import type { SiphonConfig } from './config';
import { ExitCode, SiphonExit } from './exit';
import type { Logger } from './log';
import type { Metrics } from './metrics';
import { ScriptReloader } from './reload';
import { ControlFailure, PythonRuntime } from './runtime';
import type { Listener } from './server/listener';
import { engineFor } from './server/engine';
import { NodeListener } from './server/node-listener';
import type { OutcomeSink, RequestOutcome } from './server/outcome';
import { SHUTTING_DOWN } from './server/plain-answers';
import { routeTable, ServingState } from './server/serving';
import { UWS_METHODS, UwsListener } from './server/uws-listener';
import { CHILD_ENV, isSupervisedChild, tellParentReady } from './supervisor';
import { loadUws } from './uws';

export class Server {
  private readonly runtime: PythonRuntime;
  private readonly state: ServingState;
  private listeners: Listener[] = [];
  private reloader: ScriptReloader | undefined;
  private stopping = false;
  // With no listeners nothing else keeps Node's loop alive.
  private idleKeeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: SiphonConfig,
    private readonly log: Logger,
  ) {
    this.runtime = new PythonRuntime(log);
    this.state = new ServingState(this.runtime.addon, this.runtime.inflight, log);
  }

  async run(): Promise<void> {
    const { config, log, runtime, state } = this;
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
    this.setUpObservers();
    const script = await runtime.load(config.script.path).catch((err: unknown) => {
      throw scriptError(config.script.path, err);
    });
    log.info('siphon', `loaded ${config.script.path}: ${script.description.routes.length} route(s)`);
    try {
      await runtime.runStartup(script);
    } catch (err) {
      const detail = err instanceof ControlFailure ? err.message : String(err);
      throw new SiphonExit(ExitCode.Runtime, `an @http.on_startup hook raised:\n${detail}`);
    }
    runtime.activate(script);
    state.table = routeTable(script.description);
    runtime.inflight.setShortestTimeout(Math.min(...config.servers.map((s) => s.requestTimeoutMs), 30000));

    for (const server of config.servers) {
      const listener: Listener = engineFor(server) === 'node' ? new NodeListener(server, state) : new UwsListener(uws.uws, server, state);
      try {
        await listener.listen();
      } catch (err) {
        for (const open of this.listeners) open.close();
        throw new SiphonExit(ExitCode.Runtime, (err as Error).message);
      }
      this.listeners.push(listener);
      log.info('siphon.server', `listening on ${listener.url}`, { listen: server.listen, engine: listener.engine });
      if (server.metricsPath) log.info('siphon.server', `metrics on ${listener.url}${server.metricsPath}`);
    }
    if (this.listeners.some((listener) => listener instanceof UwsListener)) {
      for (const route of script.description.routes) {
        const unreachable = route.methods.filter((method) => !UWS_METHODS.has(method));
        if (unreachable.length > 0) {
          log.warn('siphon.server', `${route.name} (${route.path}) registers ${unreachable.join(', ')}: uWebSockets.js listeners cannot receive these methods; only http2 listeners can`);
        }
      }
    }
    if (config.servers.length === 0) {
      log.warn('siphon.server', 'no servers configured: nothing is listening (clients and hooks still run)');
      this.idleKeeper = setInterval(() => undefined, 1 << 30);
    }
    this.reloader = new ScriptReloader(script, config.script.path, runtime, state, log, state.metrics);
    if (config.script.reload === 'auto') this.reloader.watch();
    this.startStallWatchdog();
    log.info('siphon', 'ready');
    tellParentReady();
  }

  // Metrics and the access log both want every request's outcome; with
  // neither configured the hot path skips the reporting entirely.
  private setUpObservers(): void {
    const { config, runtime, state, log } = this;
    const sinks: OutcomeSink[] = [];
    if (config.servers.some((server) => server.metricsPath)) {
      const index = process.env[CHILD_ENV];
      // prom-client is loaded only where metrics are served (~11 MB of RSS).
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { Metrics: MetricsClass } = require('./metrics') as { Metrics: typeof Metrics };
      state.metrics = new MetricsClass(runtime.addon, () => runtime.inflight.count, index === undefined ? undefined : Number(index));
      sinks.push(state.metrics.observe);
    }
    if (config.log.access) {
      state.wantsClient = true;
      sinks.push((o: RequestOutcome) =>
        log.info('siphon.access', `${o.method} ${o.path} ${o.status}`, {
          method: o.method,
          path: o.path,
          status: o.status,
          bytes: o.bytes,
          duration_ms: Math.round(o.durationMs * 1000) / 1000,
          client: o.client,
          route: o.route,
        }),
      );
    }
    if (sinks.length === 0) return;
    const observe: OutcomeSink = sinks.length === 1 ? sinks[0] : (outcome) => sinks.forEach((sink) => sink(outcome));
    state.observe = observe;
    runtime.inflight.observe = observe;
  }

  // handler_stall_abort_secs: work is pending and nothing has started or
  // finished for that long -- a deadlock or a wedged loop. Abort, so the
  // supervisor or the orchestrator restarts the process. Idle is not a stall.
  private startStallWatchdog(): void {
    const limit = this.config.script.stallAbortSecs;
    if (limit <= 0) return;
    const timer = setInterval(() => {
      const stats = this.runtime.addon.stats();
      if (stats.queued + stats.inflight === 0 || stats.lastProgressAgeS < limit) return;
      this.log.error(
        'siphon',
        `handler stall: ${stats.inflight} running and ${stats.queued} queued job(s), none started or finished for ` +
          `${Math.floor(stats.lastProgressAgeS)} s (handler_stall_abort_secs: ${limit}); aborting so the process is restarted`,
      );
      process.abort();
    }, Math.min(1000, limit * 250));
    timer.unref();
  }

  private installSignalHandlers(): void {
    process.on('SIGTERM', () => void this.shutdown('SIGTERM'));
    process.on('SIGINT', () => void this.shutdown('SIGINT'));
    // The IPC channel closes when the supervisor dies (SIGKILL, the OOM
    // killer): an orphan would go on serving the shared ports with nobody to
    // stop or restart it, so it drains and exits as on SIGTERM.
    if (isSupervisedChild()) process.on('disconnect', () => void this.shutdown('supervisor exit'));
    process.on('SIGHUP', () => {
      if (this.stopping) return;
      if (this.reloader) this.reloader.request('SIGHUP');
      else this.log.warn('siphon.reload', 'SIGHUP before startup finished: ignored');
    });
  }

  private async shutdown(signal: string): Promise<void> {
    const { log, runtime, state } = this;
    state.metrics?.shutdowns.inc({ signal });
    if (this.stopping) {
      if (signal === 'SIGINT') {
        log.warn('siphon', 'second SIGINT: exiting now');
        process.exit(ExitCode.Runtime);
      }
      return;
    }
    this.stopping = true;
    state.draining = true;
    state.metrics?.draining.set(1);
    this.reloader?.stop();
    for (const listener of this.listeners) listener.close();
    log.info('siphon', `${signal} received: listeners closed, draining`, { inflight: runtime.inflight.count });
    clearInterval(this.idleKeeper);
    const grace = this.config.script.shutdownGraceMs;
    let forced = false;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      runtime.inflight.whenIdle(),
      new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          forced = true;
          resolve();
        }, grace);
      }),
    ]);
    clearTimeout(timer);
    if (forced) {
      const count = runtime.inflight.abandonAll(SHUTTING_DOWN);
      log.error('siphon', `shutdown grace period (${grace} ms) exceeded: ${count} request(s) answered 503, exit forced`);
    } else {
      log.info('siphon', 'all in-flight requests answered');
    }
    if (this.reloader) {
      try {
        await runtime.runShutdown(this.reloader.serving);
      } catch (err) {
        log.error('siphon', `on_shutdown hooks failed: ${(err as Error).message}`);
      }
    }
    for (const listener of this.listeners) listener.closeConnections();
    await runtime.clients?.closeAll();
    runtime.addon.stop();
    log.info('siphon', forced ? 'stopped (forced)' : 'stopped');
    process.exit(forced ? ExitCode.Runtime : ExitCode.Ok);
  }
}

export function scriptError(scriptPath: string, err: unknown): SiphonExit {
  const detail = err instanceof ControlFailure ? err.message : String(err);
  return new SiphonExit(ExitCode.Usage, `cannot load script ${scriptPath}:\n${detail}`);
}
