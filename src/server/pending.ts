import type { RouteInfo } from './routes';

// One request handed to Python and not yet answered, as the dispatcher sees
// it: whichever engine accepted it (uWS, node:http2) supplies how to answer.
export interface PendingRequest {
  // True once the response was written or the client went away: nothing more may be written.
  done: boolean;
  readonly route: RouteInfo;
  readonly method: string;
  readonly path: string;
  readonly started: number; // performance.now() ms
  readonly deadline: number; // performance.now() ms
  readonly client: string | undefined; // only when someone asked (access log)
  // `body` may be a view into memory reused after this call returns: an
  // engine that writes it later must copy it first.
  send(status: number, headers: readonly string[] | undefined, body: Buffer | string): void;
}
