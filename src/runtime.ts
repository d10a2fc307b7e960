// The embedded Python as the rest of the host sees it: start the addon, load
// the script into a generation, run its hooks, make it the serving one.
import type { SiphonConfig } from './config';
import type { Logger } from './log';
import { OutboundClients } from './client/outbound';
import { cpuCount } from './config';
import { loadNative, NativeAddon, PYTHON_PACKAGE_DIR } from './native';
import { Dispatcher } from './server/dispatcher';
import type { ScriptDescription } from './server/routes';

export interface LoadedScript {
  loadId: number;
  description: ScriptDescription;
}

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
  readonly native: NativeAddon;
  readonly dispatcher: Dispatcher;
  clients: OutboundClients | undefined;

  constructor(private readonly log: Logger) {
    this.native = loadNative();
    this.dispatcher = new Dispatcher(this.native, log);
  }

  start(config: SiphonConfig, uwsBinary: string): void {
    this.clients = new OutboundClients(config.clients, this.native, this.log);
    this.dispatcher.clients = this.clients;
    this.native.start(
      {
        packageDir: PYTHON_PACKAGE_DIR,
        venv: config.script.venv,
        logLevel: this.log.levelValue,
        syncPoolSize: config.script.syncPoolSize,
        syncPoolMax: config.script.syncPoolMax,
        asyncPoolSize: config.script.asyncPoolSize ?? defaultAsyncLoops(this.native.describe().freeThreaded),
        queueCapacity: config.script.queueCapacity,
        uwsBinary,
        clientConfig: pythonSettings(config, this.clients),
      },
      this.dispatcher.deliver,
    );
  }

  // Rejects with the Python traceback (ControlFailure) when the import fails.
  async load(scriptPath: string): Promise<LoadedScript> {
    let loadId = 0;
    const payload = await this.dispatcher.control(() => (loadId = this.native.loadScript(scriptPath)));
    return { loadId, description: JSON.parse(payload) as ScriptDescription };
  }

  async runStartup(script: LoadedScript): Promise<void> {
    if (script.description.startup.length === 0) return;
    await this.dispatcher.control(() => this.native.runHooks('startup', script.loadId));
  }

  async runShutdown(script: LoadedScript): Promise<void> {
    if (script.description.shutdown.length === 0) return;
    await this.dispatcher.control(() => this.native.runHooks('shutdown', script.loadId));
  }

  // New requests run on `script` from now on; running ones finish on theirs.
  activate(script: LoadedScript): void {
    this.native.activate(script.loadId);
  }

  // Forget a generation that is not serving (failed candidate, or replaced
  // and done with its hooks).
  retire(script: LoadedScript): void {
    this.native.retire(script.loadId);
  }
}
