// What every listener consults per request: the route table currently
// serving (swapped atomically on reload) and the shared dispatcher.
import type { Logger } from '../log';
import type { NativeAddon } from '../native';
import type { Dispatcher } from './dispatcher';
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
  draining = false;

  constructor(
    readonly native: NativeAddon,
    readonly dispatcher: Dispatcher,
    readonly log: Logger,
  ) {}
}
