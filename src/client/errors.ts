// Turns undici/Node errors into the kind + message a script's exception
// carries. The messages live in python/siphon/client_contract.json (contract.ts).
import { Failure, failure, FailureName, MAX_REDIRECTS, MAX_RESPONSE_MIB } from './contract';

export type { Failure, FailureKind } from './contract';

// An upstream answer bigger than this is refused rather than buffered.
export const MAX_RESPONSE_BYTES = MAX_RESPONSE_MIB * 1024 * 1024;

// A failure after the status and headers arrived: the body did not. Kept
// apart because "closed before a response" would be wrong for it.
export class BodyFailure extends Error {
  constructor(readonly reason: unknown) {
    super('response body failed');
  }
}

// More redirects than MAX_REDIRECTS: the last answer was one more redirect.
export class TooManyRedirects extends Error {
  constructor() {
    super('too many redirects');
  }
}

// Codes for answers that are not valid HTTP/1.1: undici's parser errors
// carry no code, only the HTTPParserError name.
const MALFORMED_CODES: Record<string, string> = {
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'its body length does not match its Content-Length',
  UND_ERR_HEADERS_OVERFLOW: 'its headers are larger than 16 KiB',
};

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'ERR_TLS_CERT_ALTNAME_INVALID', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT', 'CERT_SIGNATURE_FAILURE', 'CERT_UNTRUSTED', 'CERT_REVOKED', 'EPROTO',
]);

const CONNECT_CODES: Record<string, FailureName> = {
  ECONNREFUSED: 'refused',
  EHOSTUNREACH: 'unreachable_host',
  ENETUNREACH: 'unreachable_network',
  ENOTFOUND: 'unresolved',
  EAI_AGAIN: 'unresolved',
};

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

function codeOf(err: unknown): string {
  let current: unknown = err;
  for (let depth = 0; current && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR_SOCKET') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return (err as { code?: string }).code ?? '';
}

function messageOf(err: unknown): string {
  const cause = (err as { cause?: { message?: string } }).cause;
  const own = (err as Error).message ?? String(err);
  return cause?.message && cause.message !== own ? `${own} (${cause.message})` : own;
}

// What went wrong with an answer that is not HTTP, or undefined when it was.
function malformation(err: unknown, code: string): string | undefined {
  const { name, message } = err as Error;
  // "Response does not match the HTTP/1.1 protocol (Invalid status code)": the parenthesis says what.
  if (name === 'HTTPParserError') return /\((.+)\)$/.exec(message)?.[1] ?? message;
  if (code in MALFORMED_CODES) return `${MALFORMED_CODES[code]} [${code}]`;
  // undici's word for an informational (1xx) answer it did not ask for.
  if (message === 'bad response') return 'an unexpected informational (1xx) response';
  return undefined;
}

export function classify(problem: unknown, target: URL, timeoutMs: number): Failure {
  const where = `${target.hostname}:${target.port || (target.protocol === 'https:' ? 443 : 80)}`;
  const url = `${target.origin}${target.pathname}`;
  if (problem instanceof TooManyRedirects) return failure('too_many_redirects', { url, max_redirects: MAX_REDIRECTS });
  const inBody = problem instanceof BodyFailure;
  const err = inBody ? problem.reason : problem;
  const code = codeOf(err);
  const name = (err as Error).name;
  if (TIMEOUT_CODES.has(code) || name === 'TimeoutError' || name === 'AbortError') {
    return failure('timeout', { url, timeout_ms: timeoutMs });
  }
  if (code in CONNECT_CODES) return failure(CONNECT_CODES[code], { where });
  const message = messageOf(err);
  const withCode = `${message}${code ? ` [${code}]` : ''}`;
  if (TLS_CODES.has(code) || code.startsWith('ERR_SSL') || /certificate|ssl|tls|alert/i.test(message)) {
    return failure('tls', { where, detail: withCode });
  }
  if (code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') return failure('too_large', { where, limit_mib: MAX_RESPONSE_MIB });
  // undici refuses to visit a URL twice while following redirects.
  if (code === 'UND_ERR_INVALID_ARG' && /^Redirect loop detected/.test(message)) return failure('redirect_loop', { url });
  const malformed = malformation(err, code);
  if (malformed !== undefined) return failure('malformed', { where, detail: malformed });
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE') {
    return failure(inBody ? 'closed_before_body' : 'closed_before_response', { where, detail: message });
  }
  return failure('failed', { url, detail: withCode });
}
