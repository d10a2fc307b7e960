// What every listener consults per request: the route table currently
// serving (swapped atomically on reload) and the in-flight table.
import type { Logger } from '../log';
import type { Metrics } from '../metrics';
import type { Addon } from '../addon/addon';
import type { InflightRequests } from './inflight';
import type { OutcomeSink } from './outcome';
import { Router } from './router';
import type { RouteInfo, ScriptDescription } from './routes';

export interface RouteTable {
  router: Router;
  routes: readonly RouteInfo[];
}

export function routeTable(description: ScriptDescription): RouteTable {
  return { router: new Router(description.routes), routes: description.routes };
}

export class ServingState {
  table: RouteTable = routeTable({ routes: [], middleware: [], startup: [], shutdown: [] });
  // Set on SIGTERM/SIGINT: health answers 503 and responses close their connection.
  draining = false;
  metrics: Metrics | undefined;
  // Told about every answered request when metrics or the access log want it.
  observe: OutcomeSink | undefined;
  // The access log needs the client address even on the uWS engine's fast path.
  wantsClient = false;

  constructor(
    readonly addon: Addon,
    readonly inflight: InflightRequests,
    readonly log: Logger,
  ) {}
}
