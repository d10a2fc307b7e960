// Live reload (docs/operations.md "Reload"): on SIGHUP, and when the script file changes under
// `reload: auto`. The new script is imported into a fresh module and its
// on_startup hooks run before the swap; the swap of route table and handlers
// is atomic for new requests; requests already running finish on the old
// code, after which the old script's on_shutdown hooks run. A script that
// fails to load or start leaves the old one serving.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { Logger } from './log';
import type { Metrics } from './metrics';
import type { LoadedScript, PythonRuntime } from './runtime';
import { ControlFailure } from './runtime';
import { routeTable, ServingState } from './server/serving';

function digest(file: string): string | undefined {
  try {
    return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  } catch {
    return undefined; // mid-save (renamed away): the next event will see it
  }
}

export class ScriptReloader {
  private running = false;
  private again: string | undefined;
  private watcher: fs.FSWatcher | undefined;
  private debounce: NodeJS.Timeout | undefined;
  // The content last tried, so a broken file is not retried on every event.
  private triedDigest: string | undefined;
  stopped = false;

  constructor(
    private current: LoadedScript,
    private readonly scriptPath: string,
    private readonly runtime: PythonRuntime,
    private readonly state: ServingState,
    private readonly log: Logger,
    private readonly metrics: Metrics | undefined,
  ) {
    this.triedDigest = digest(scriptPath);
  }

  get serving(): LoadedScript {
    return this.current;
  }

  // Watches the script's folder (editors and Kubernetes ConfigMaps replace
  // files rather than writing them in place) and reloads when the content changes.
  watch(): void {
    try {
      this.watcher = fs.watch(path.dirname(this.scriptPath), () => {
        clearTimeout(this.debounce);
        this.debounce = setTimeout(() => {
          const now = digest(this.scriptPath);
          if (now !== undefined && now !== this.triedDigest) this.request('file changed');
        }, 150);
        this.debounce.unref();
      });
      this.watcher.unref();
    } catch (err) {
      this.log.warn('siphon.reload', `cannot watch ${this.scriptPath} for changes (${(err as Error).message}); reload on SIGHUP only`);
    }
  }

  stop(): void {
    this.stopped = true;
    this.watcher?.close();
    clearTimeout(this.debounce);
  }

  request(reason: string): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = reason; // coalesce: one more reload after this one
      return;
    }
    this.running = true;
    void this.reload(reason).finally(() => {
      this.running = false;
      const next = this.again;
      this.again = undefined;
      if (next !== undefined) this.request(next);
    });
  }

  private async reload(reason: string): Promise<void> {
    const { runtime, log } = this;
    this.triedDigest = digest(this.scriptPath);
    log.info('siphon.reload', `reloading ${this.scriptPath} (${reason})`);
    let next: LoadedScript;
    try {
      next = await runtime.load(this.scriptPath);
    } catch (err) {
      return this.failed(`cannot load ${this.scriptPath}`, err);
    }
    try {
      await runtime.runStartup(next);
    } catch (err) {
      runtime.retire(next);
      return this.failed('an @http.on_startup hook of the new script raised', err);
    }
    if (this.stopped) {
      runtime.retire(next);
      return;
    }
    const previous = this.current;
    const running = this.state.inflight.snapshot();
    runtime.activate(next);
    this.state.table = routeTable(next.description);
    this.current = next;
    this.metrics?.reloads.inc({ result: 'ok' });
    log.info('siphon.reload', `reloaded ${this.scriptPath}: ${next.description.routes.length} route(s); ${running.length} request(s) finishing on the previous version`);
    await this.state.inflight.whenFinished(running);
    try {
      await runtime.runShutdown(previous);
    } catch (err) {
      log.error('siphon.reload', `on_shutdown hooks of the previous script failed: ${(err as Error).message}`);
    }
    runtime.retire(previous);
  }

  private failed(what: string, err: unknown): void {
    this.metrics?.reloads.inc({ result: 'failed' });
    const detail = err instanceof ControlFailure ? err.message : String(err);
    this.log.error('siphon.reload', `reload failed, the previous script keeps serving: ${what}:\n${detail}`);
  }
}
