// The requests handed to Python and not yet answered: submits them to the
// addon's worker pool, writes their answers when the addon sends them, and
// owns request_timeout_ms (504) for every listener. Whichever engine accepted
// a request supplies how to answer it (PendingRequest).
import type { Addon } from '../addon/addon';
import type { InlineAnswer } from '../addon/host-messages';
import type { Logger } from '../log';
import type { OutcomeSink } from './outcome';
import type { PendingRequest } from './pending';
import { isBodiless } from './status';
import { GATEWAY_TIMEOUT, INTERNAL_ERROR, PlainAnswer, plainBody, plainHeaders } from './plain-answers';

export class InflightRequests {
  private readonly pending = new Map<number, PendingRequest>();
  // The request being submitted: a handler run inline answers it before
  // submit returns, and then it never needs a place in the table.
  private submitting: PendingRequest | undefined;
  private submittingId = 0;
  private nextId = 1;
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweepEveryMs = 250;
  private idleWaiters: Array<() => void> = [];
  private finishWaiters: Array<{ ids: Set<number>; resolve: () => void }> = [];
  observe: OutcomeSink | undefined;

  constructor(
    private readonly addon: Addon,
    private readonly log: Logger,
    // Told when the table turns non-empty or empty.
    private readonly onBusyChange: () => void,
    // Reads what a handler run inline produced (its answer comes back through respond).
    private readonly readInline: (answer: InlineAnswer) => void,
  ) {}

  // Called once listeners are known: check timeouts often enough for the shortest.
  setShortestTimeout(ms: number): void {
    this.sweepEveryMs = Math.min(250, Math.max(10, Math.floor(ms / 4)));
  }

  get count(): number {
    return this.pending.size;
  }

  // Returns false when the executor queue is full (the caller answers 503).
  submit(
    pending: PendingRequest,
    route: number,
    query: string,
    headers: Parameters<Addon['submit']>[5],
    body: Buffer | ArrayBuffer | undefined,
    params: string[] | undefined,
    socket: Parameters<Addon['submit']>[8],
    client: string | undefined,
  ): boolean {
    const id = this.nextId;
    this.nextId = id >= 0x7fffffff ? 1 : id + 1;
    this.submitting = pending;
    this.submittingId = id;
    const accepted = this.addon.submit(id, route, pending.method, pending.path, query, headers, body, params, socket, client);
    if (accepted !== true && accepted !== false) this.readInline(accepted);
    const unanswered = this.submitting !== undefined;
    this.submitting = undefined;
    if (accepted === false) return false;
    if (!unanswered) return true;
    this.pending.set(id, pending);
    if (this.pending.size === 1) {
      this.onBusyChange();
      if (!this.sweepTimer) this.sweepTimer = setInterval(() => this.sweep(), this.sweepEveryMs);
    }
    return true;
  }

  // A handler's answer (the addon's Response message).
  respond(id: number, status: number, headers: readonly string[] | undefined, body: Buffer | string): void {
    if (this.submitting !== undefined && id === this.submittingId) {
      const answered = this.submitting;
      this.submitting = undefined;
      if (!answered.done) this.answer(answered, status, headers, body);
      return;
    }
    const pending = this.pending.get(id);
    if (!pending) return; // timed out: the 504 already went out
    this.remove(id);
    if (!pending.done) this.answer(pending, status, headers, body);
    if (this.pending.size === 0) this.afterRemoval();
  }

  // The handler failed; the addon logged why (HandlerFailed message).
  fail(id: number): void {
    this.respondPlain(id, INTERNAL_ERROR);
  }

  // The requests in flight now, for whenFinished().
  snapshot(): number[] {
    return [...this.pending.keys()];
  }

  // Resolves once every request in `ids` has been answered (or dropped).
  whenFinished(ids: readonly number[]): Promise<void> {
    const remaining = new Set(ids.filter((id) => this.pending.has(id)));
    if (remaining.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.finishWaiters.push({ ids: remaining, resolve }));
  }

  // Resolves once nothing is in flight (used by graceful shutdown).
  whenIdle(): Promise<void> {
    if (this.pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  // Answers everything still in flight with `answer` (shutdown grace expired).
  abandonAll(answer: PlainAnswer): number {
    let count = 0;
    for (const [id, pending] of this.pending) {
      this.remove(id);
      if (!pending.done) {
        this.answer(pending, answer.status, plainHeaders(answer), plainBody(answer));
        count++;
      }
    }
    this.afterRemoval();
    return count;
  }

  private respondPlain(id: number, answer: PlainAnswer): void {
    this.respond(id, answer.status, plainHeaders(answer), plainBody(answer));
  }

  private remove(id: number): void {
    this.pending.delete(id);
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
      // What went on the wire: nothing for HEAD or a status without a body.
      bytes: isBodiless(status) || pending.method === 'HEAD' ? 0 : Buffer.byteLength(body),
      durationMs: performance.now() - pending.started,
      client: pending.client,
    });
  }

  private sweep(): void {
    const now = performance.now();
    for (const [id, pending] of this.pending) {
      // Still in flight but done: the client went away. Nobody waits for an
      // async handler any more, so its Task is cancelled now rather than left
      // awaiting until the deadline; a sync handler cannot be interrupted, so
      // it runs on and its answer is dropped.
      const abandoned = pending.done && pending.route.kind === 'async';
      if (!abandoned && pending.deadline > now) continue;
      this.remove(id);
      if (pending.route.kind === 'async') this.addon.cancel(id);
      if (pending.done) continue;
      this.log.warn('siphon.server', `handler ${pending.route.name} exceeded its timeout (${pending.method} ${pending.path}): answered 504`);
      this.answer(pending, GATEWAY_TIMEOUT.status, plainHeaders(GATEWAY_TIMEOUT), plainBody(GATEWAY_TIMEOUT));
    }
    this.afterRemoval();
  }

  private afterRemoval(): void {
    if (this.pending.size > 0) return;
    if (this.sweepTimer) {
      clearInterval(this.sweepTimer);
      this.sweepTimer = undefined;
    }
    this.onBusyChange();
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
