// What happened to one request, for metrics and the access log. Engines and
// the dispatcher report every answered request here, including the ones
// refused before Python (404, 405, 413, 431, 503).
export interface RequestOutcome {
  route: string; // the matched pattern, or "unmatched"
  method: string;
  path: string;
  status: number;
  bytes: number;
  durationMs: number;
  client: string | undefined;
}

export type OutcomeSink = (outcome: RequestOutcome) => void;

export const UNMATCHED = 'unmatched';
