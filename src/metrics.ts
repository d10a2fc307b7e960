// Prometheus metrics (prom-client), served natively on the configured path
// and listener without entering Python. Per-request recording goes through
// label children cached per (route, method, status class), so the hot path
// costs a Map lookup and two increments.
import * as client from 'prom-client';

import type { Addon } from './addon/addon';
import type { RequestOutcome } from './server/outcome';

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

interface Children {
  requests: client.Counter.Internal;
}

export class Metrics {
  readonly registry = new client.Registry();
  private readonly requests: client.Counter<'route' | 'method' | 'status_class'>;
  private readonly latency: client.Histogram<'route'>;
  private readonly children = new Map<string, Children>();
  private readonly latencyChildren = new Map<string, client.Histogram.Internal<'route'>>();
  readonly reloads: client.Counter<'result'>;
  readonly shutdowns: client.Counter<'signal'>;
  readonly draining: client.Gauge;
  private inflightValue = 0;

  constructor(addon: Addon, inflight: () => number, processIndex?: number) {
    const registry = this.registry;
    // With script.processes > 1 each process has its own numbers; say whose.
    if (processIndex !== undefined) registry.setDefaultLabels({ process: String(processIndex) });
    client.collectDefaultMetrics({ register: registry });
    this.requests = new client.Counter({
      name: 'siphon_http_requests_total',
      help: 'HTTP requests answered, by route pattern, method and status class',
      labelNames: ['route', 'method', 'status_class'],
      registers: [registry],
    });
    this.latency = new client.Histogram({
      name: 'siphon_http_request_duration_seconds',
      help: 'Time from reading a request to answering it, by route pattern',
      labelNames: ['route'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    });
    const self = this;
    new client.Gauge({
      name: 'siphon_http_requests_inflight',
      help: 'Requests handed to Python and not yet answered',
      registers: [registry],
      collect() {
        self.inflightValue = inflight();
        this.set(self.inflightValue);
      },
    });
    this.reloads = new client.Counter({ name: 'siphon_reloads_total', help: 'Script reloads, by result', labelNames: ['result'], registers: [registry] });
    this.shutdowns = new client.Counter({ name: 'siphon_shutdowns_total', help: 'Shutdown signals received', labelNames: ['signal'], registers: [registry] });
    this.draining = new client.Gauge({ name: 'siphon_draining', help: '1 while shutting down', registers: [registry] });
    this.reloads.inc({ result: 'ok' }, 0);
    this.reloads.inc({ result: 'failed' }, 0);

    // The Python executor (docs/operations.md "Metrics"): read from the addon at scrape time.
    const pyexec = (name: string, help: string, read: (s: ReturnType<Addon['stats']>) => number, kind: 'gauge' | 'counter') => {
      const options = {
        name: `siphon_pyexec_${name}`,
        help,
        registers: [registry],
        collect(this: client.Gauge | client.Counter) {
          const value = read(addon.stats());
          if (kind === 'gauge') (this as client.Gauge).set(value);
          else {
            (this as client.Counter).reset();
            (this as client.Counter).inc(value);
          }
        },
      };
      return kind === 'gauge' ? new client.Gauge(options) : new client.Counter(options);
    };
    pyexec('pool_size', 'Threads in the sync worker pool', (s) => s.syncThreads, 'gauge');
    pyexec('pool_max', 'Most threads the sync worker pool may grow to', (s) => s.syncMax, 'gauge');
    pyexec('async_loops', 'Threads driving asyncio loops', (s) => s.asyncLoops, 'gauge');
    pyexec('inflight', 'Jobs running in Python now', (s) => s.inflight, 'gauge');
    pyexec('queue_depth', 'Jobs waiting for a worker', (s) => s.queued, 'gauge');
    pyexec('jobs_completed_total', 'Jobs finished by Python workers', (s) => s.completed, 'counter');
    pyexec('jobs_shed_total', 'Requests refused with 503 because the executor queue was full', (s) => s.shed, 'counter');
  }

  observe = (outcome: RequestOutcome): void => {
    const method = KNOWN_METHODS.has(outcome.method) ? outcome.method : 'OTHER';
    const statusClass = `${Math.floor(outcome.status / 100)}xx`;
    const key = `${outcome.route}\u0000${method}\u0000${statusClass}`;
    let children = this.children.get(key);
    if (!children) {
      children = { requests: this.requests.labels({ route: outcome.route, method, status_class: statusClass }) };
      this.children.set(key, children);
    }
    children.requests.inc();
    let latency = this.latencyChildren.get(outcome.route);
    if (!latency) {
      latency = this.latency.labels({ route: outcome.route });
      this.latencyChildren.set(outcome.route, latency);
    }
    latency.observe(outcome.durationMs / 1000);
  };

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
