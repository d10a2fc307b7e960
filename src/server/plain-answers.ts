// The answers siphon writes itself, without a handler: one home for their
// status, headers and text, whichever engine or module sends them.
// python/siphon/testing.py mirrors them; test/50 compares its answers with
// the server's.

export const PLAIN_TEXT: readonly string[] = ['content-type', 'text/plain; charset=utf-8'];

export interface PlainAnswer {
  status: number;
  text: string; // sent with a trailing newline
  headers: readonly string[]; // beyond PLAIN_TEXT
}

export const INTERNAL_ERROR: PlainAnswer = { status: 500, text: 'Internal Server Error', headers: [] };
export const GATEWAY_TIMEOUT: PlainAnswer = { status: 504, text: 'Gateway Timeout', headers: [] };
export const RETRY_LATER: PlainAnswer = { status: 503, text: 'Service Unavailable', headers: ['retry-after', '1'] };
export const SHUTTING_DOWN: PlainAnswer = { status: 503, text: 'Service Unavailable: shutting down', headers: [] };
export const HEALTHY: PlainAnswer = { status: 200, text: 'ok', headers: [] };
export const DRAINING: PlainAnswer = { status: 503, text: 'draining', headers: ['retry-after', '1'] };

export function plainHeaders(answer: PlainAnswer): readonly string[] {
  return answer.headers.length === 0 ? PLAIN_TEXT : [...PLAIN_TEXT, ...answer.headers];
}

export function plainBody(answer: PlainAnswer): string {
  return `${answer.text}\n`;
}
