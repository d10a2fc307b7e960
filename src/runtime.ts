// The embedded Python as the rest of the host sees it: start the addon, load
// the script into a generation, run its hooks, make it the serving one; and
// route what the addon sends back (host messages) to whoever handles each kind.
import { Addon, loadAddon, PYTHON_PACKAGE_DIR } from './addon/addon';
import { HostMessageArrays, hostMessageInput, hostMessageReader, wireLayoutDrift } from './addon/host-messages';
import type { SiphonConfig } from './config';
import { cpuCount } from './config';
import { OutboundClients } from './client/outbound';
import { HostCalls } from './host-calls';
import { levelFromValue, Logger } from './log';
import { InflightRequests } from './server/inflight';
import type { ScriptDescription } from './server/routes';

export interface LoadedScript {
  loadId: number;
  description: ScriptDescription;
}

// A control task (script load, hook run) failed; the message is Python's traceback.
export class ControlFailure extends Error {}

// One asyncio loop per core where threads really run Python in parallel.
// With a GIL, loops only take turns holding it, and two already cost more CPU
// per request and a worse p99 than one (docs/performance.md).
export function defaultAsyncLoops(freeThreaded: boolean): number {
  return freeThreaded ? cpuCount() : 1;
}

// What Python reads of the config (python/siphon/_runtime.py host_settings):
// the named clients, http._config's listen strings, script.include_paths.
// It travels as the addon's clientConfig start option.
function pythonSettings(config: SiphonConfig, clients: OutboundClients): string {
  return JSON.stringify({
    clients: clients.describe(),
    listen_addrs: config.servers.map((server) => server.listenAsWritten),
    include_paths: config.script.includePaths,
  });
}

export class PythonRuntime {
  readonly addon: Addon;
  readonly inflight: InflightRequests;
  readonly hostCalls: HostCalls;
  clients: OutboundClients | undefined;
  private readonly controls = new Map<number, { resolve: (payload: string) => void; reject: (err: Error) => void }>();
  private keptAlive = false;

  constructor(private readonly log: Logger) {
    this.addon = loadAddon();
    const drift = wireLayoutDrift(this.addon.hostMessageWireLayout());
    if (drift.length > 0) {
      throw new Error(`the addon and src/addon/host-messages.ts disagree (rebuild with npm run build): ${drift.join('; ')}`);
    }
    this.inflight = new InflightRequests(this.addon, log, () => this.keepAlive(), (answer) => this.input.readInline(answer));
    this.hostCalls = new HostCalls(this.addon);
  }

  start(config: SiphonConfig, uwsBinary: string): void {
    const clients = new OutboundClients(config.clients, this.log);
    this.clients = clients;
    this.hostCalls.register('client', clients);
    this.arrays = this.addon.start(
      {
        packageDir: PYTHON_PACKAGE_DIR,
        venv: config.script.venv,
        logLevel: this.log.levelValue,
        syncPoolSize: config.script.syncPoolSize,
        syncPoolMax: config.script.syncPoolMax,
        asyncPoolSize: config.script.asyncPoolSize ?? defaultAsyncLoops(this.addon.describe().freeThreaded),
        queueCapacity: config.script.queueCapacity,
        uwsBinary,
        clientConfig: pythonSettings(config, clients),
      },
      this.input.deliver,
    );
  }

  // Rejects with the Python traceback (ControlFailure) when the import fails.
  async load(scriptPath: string): Promise<LoadedScript> {
    let loadId = 0;
    const payload = await this.control(() => (loadId = this.addon.loadScript(scriptPath)));
    return { loadId, description: JSON.parse(payload) as ScriptDescription };
  }

  async runStartup(script: LoadedScript): Promise<void> {
    if (script.description.startup.length === 0) return;
    await this.control(() => this.addon.runHooks('startup', script.loadId));
  }

  async runShutdown(script: LoadedScript): Promise<void> {
    if (script.description.shutdown.length === 0) return;
    await this.control(() => this.addon.runHooks('shutdown', script.loadId));
  }

  // New requests run on `script` from now on; running ones finish on theirs.
  activate(script: LoadedScript): void {
    this.addon.activate(script.loadId);
  }

  // Forget a generation that is not serving (failed candidate, or replaced
  // and done with its hooks).
  retire(script: LoadedScript): void {
    this.addon.retire(script.loadId);
  }

  private arrays: HostMessageArrays | undefined;
  private readonly input = hostMessageInput(() => this.arrays as HostMessageArrays, hostMessageReader(
    {
      response: (id, status, headers, body) => this.inflight.respond(id, status, headers, body),
      handlerFailed: (id) => this.inflight.fail(id),
      log: (level, target, text) => this.log.log(levelFromValue(level), target, text),
      controlDone: (id, failed, payload) => this.settleControl(id, failed, payload),
      // undici sends the body after this call returns: it needs its own copy.
      hostCall: (id, timeoutMs, service, args, body) => this.hostCalls.call(id, timeoutMs, service, args, Buffer.from(body)),
      clientDefine: (id, json) => this.clients?.define(id, json),
      clientClose: (id) => this.clients?.close(id),
    },
    (err) => this.log.error('siphon.server', `failed to handle a message from Python: ${(err as Error).stack ?? String(err)}`),
  ));

  // Runs a control task (script load, hooks) and resolves with its payload.
  private control(start: () => number): Promise<string> {
    return new Promise((resolve, reject) => {
      const id = start();
      this.controls.set(id, { resolve, reject });
      this.keepAlive();
    });
  }

  private settleControl(id: number, failed: boolean, payload: string): void {
    const waiter = this.controls.get(id);
    if (!waiter) return;
    this.controls.delete(id);
    if (failed) waiter.reject(new ControlFailure(payload));
    else waiter.resolve(payload);
    this.keepAlive();
  }

  // The addon keeps Node's event loop alive while Python owes an answer.
  private keepAlive(): void {
    const wanted = this.inflight.count > 0 || this.controls.size > 0;
    if (wanted === this.keptAlive) return;
    this.keptAlive = wanted;
    this.addon.setKeepAlive(wanted);
  }
}
