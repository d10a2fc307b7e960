// Hands matched requests to the native worker pools and writes back what
// comes out: responses, log lines from Python, and control results (script
// loads, hooks). Owns request_timeout_ms (504) for every listener.
import type { Logger } from '../log';
import { levelFromValue } from '../log';
import { CompletionKind, DeliverFn, NativeAddon } from '../native';
import type { OutcomeSink } from './outcome';
import type { PendingRequest } from './pending';

const TEXT = ['content-type', 'text/plain; charset=utf-8'];
const EMPTY: Buffer = Buffer.alloc(0);

export class ControlFailure extends Error {}

// Where outbound http.Client traffic from Python goes (src/client/outbound.ts).
export interface ClientSink {
  call(callId: number, timeoutMs: number, call: string[], body: Buffer): void;
  define(id: number, json: string): void;
  close(id: number): void;
}

export class Dispatcher {
  private readonly inflight = new Map<number, PendingRequest>();
  private readonly controls = new Map<number, { resolve: (payload: string) => void; reject: (err: Error) => void }>();
  private nextId = 1;
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweepEveryMs = 250;
  private idleWaiters: Array<() => void> = [];
  private finishWaiters: Array<{ ids: Set<number>; resolve: () => void }> = [];
  clients: ClientSink | undefined;
  observe: OutcomeSink | undefined;

  constructor(
    private readonly native: NativeAddon,
    private readonly log: Logger,
  ) {}

  // Called once listeners are known: check timeouts often enough for the shortest.
  setShortestTimeout(ms: number): void {
    this.sweepEveryMs = Math.min(250, Math.max(10, Math.floor(ms / 4)));
  }

  get inflightCount(): number {
    return this.inflight.size;
  }

  // Returns false when the executor queue is full (the caller answers 503).
  submit(
    pending: PendingRequest,
    route: number,
    query: string,
    headers: string[],
    body: Buffer | ArrayBuffer | undefined,
    params: string[] | undefined,
    socket: Parameters<NativeAddon['submit']>[8],
    client: string | undefined,
  ): boolean {
    const id = this.nextId;
    this.nextId = id >= 0x7fffffff ? 1 : id + 1;
    const accepted = this.native.submit(id, route, pending.method, pending.path, query, headers, body, params, socket, client);
    if (!accepted) return false;
    this.inflight.set(id, pending);
    if (this.inflight.size === 1) {
      this.native.setKeepAlive(true);
      if (!this.sweepTimer) this.sweepTimer = setInterval(() => this.sweep(), this.sweepEveryMs);
    }
    return true;
  }

  deliver: DeliverFn = (count, meta, bodies, strings) => {
    try {
      let s = 0;
      for (let i = 0; i < count * 6; i += 6) {
        const kind = meta[i] as CompletionKind;
        const id = meta[i + 1];
        const status = meta[i + 2];
        const count = meta[i + 3];
        const offset = meta[i + 4];
        const headers = count > 0 && strings ? strings.slice(s, s + count) : undefined;
        s += count;
        let text = '';
        let body: Buffer = EMPTY;
        if (offset < 0) text = strings ? strings[s++] : '';
        else if (meta[i + 5] > 0) body = bodies.subarray(offset, offset + meta[i + 5]);
        switch (kind) {
          case CompletionKind.Response:
            this.respond(id, status, headers, body);
            break;
          case CompletionKind.Log:
            this.log.log(levelFromValue(status), headers?.[0] ?? 'script', text);
            break;
          case CompletionKind.Control:
            this.settleControl(id, status, text);
            break;
          case CompletionKind.ClientCall:
            // undici sends the body after this call returns: it needs its own copy.
            this.clients?.call(id, status, headers ?? [], Buffer.from(body));
            break;
          case CompletionKind.ClientDefine:
            this.clients?.define(id, text);
            break;
          case CompletionKind.ClientClose:
            this.clients?.close(id);
            break;
        }
      }
    } catch (err) {
      this.log.error('siphon.server', `failed to deliver responses: ${(err as Error).stack ?? String(err)}`);
    }
  };

  // Runs a control task (script load, hooks) and resolves with its payload.
  control(start: () => number): Promise<string> {
    return new Promise((resolve, reject) => {
      const id = start();
      this.controls.set(id, { resolve, reject });
      this.native.setKeepAlive(true);
    });
  }

  // The requests in flight now, for whenFinished().
  snapshot(): number[] {
    return [...this.inflight.keys()];
  }

  // Resolves once every request in `ids` has been answered (or dropped).
  whenFinished(ids: readonly number[]): Promise<void> {
    const remaining = new Set(ids.filter((id) => this.inflight.has(id)));
    if (remaining.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.finishWaiters.push({ ids: remaining, resolve }));
  }

  // Resolves once nothing is in flight (used by graceful shutdown).
  whenIdle(): Promise<void> {
    if (this.inflight.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  // Answers everything still in flight with `status` (shutdown grace expired).
  abandonAll(status: number, reason: string): number {
    let count = 0;
    for (const [id, pending] of this.inflight) {
      this.remove(id);
      if (!pending.done) {
        this.answer(pending, status, TEXT, `${reason}\n`);
        count++;
      }
    }
    this.afterRemoval();
    return count;
  }

  private respond(id: number, status: number, headers: string[] | undefined, body: Buffer): void {
    const pending = this.inflight.get(id);
    if (!pending) return; // timed out: the 504 already went out
    this.remove(id);
    if (!pending.done) this.answer(pending, status, headers, body);
    if (this.inflight.size === 0) this.afterRemoval();
  }

  private remove(id: number): void {
    this.inflight.delete(id);
    if (this.finishWaiters.length === 0) return;
    this.finishWaiters = this.finishWaiters.filter((waiter) => {
      waiter.ids.delete(id);
      if (waiter.ids.size > 0) return true;
      waiter.resolve();
      return false;
    });
  }

  private answer(pending: PendingRequest, status: number, headers: readonly string[] | undefined, body: Buffer | string): void {
    pending.send(status, headers, body);
    this.observe?.({
      route: pending.route.path,
      method: pending.method,
      path: pending.path,
      status,
      bytes: Buffer.byteLength(body),
      durationMs: performance.now() - pending.started,
      client: pending.client,
    });
  }

  private settleControl(id: number, status: number, payload: string): void {
    const waiter = this.controls.get(id);
    if (!waiter) return;
    this.controls.delete(id);
    if (status === 0) waiter.resolve(payload);
    else waiter.reject(new ControlFailure(payload));
    this.afterRemoval();
  }

  private sweep(): void {
    const now = performance.now();
    for (const [id, pending] of this.inflight) {
      // Still in flight but done: the client went away. Nobody waits for an
      // async handler any more, so its Task is cancelled now rather than left
      // awaiting until the deadline; a sync handler cannot be interrupted, so
      // it runs on and its answer is dropped.
      const abandoned = pending.done && pending.route.kind === 'async';
      if (!abandoned && pending.deadline > now) continue;
      this.remove(id);
      if (pending.route.kind === 'async') this.native.cancel(id);
      if (pending.done) continue;
      this.log.warn('siphon.server', `handler ${pending.route.name} exceeded its timeout (${pending.method} ${pending.path}): answered 504`);
      this.answer(pending, 504, TEXT, 'Gateway Timeout\n');
    }
    this.afterRemoval();
  }

  private afterRemoval(): void {
    if (this.inflight.size > 0) return;
    if (this.sweepTimer) {
      clearInterval(this.sweepTimer);
      this.sweepTimer = undefined;
    }
    if (this.controls.size === 0) this.native.setKeepAlive(false);
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
