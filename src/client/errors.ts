// Turns undici/Node errors into the kind + message a script's exception
// carries (python/siphon/_client_errors.py maps the kind to a class).
export type FailureKind = 'connect' | 'timeout' | 'tls' | 'unknown_client' | 'error';

export interface Failure {
  kind: FailureKind;
  message: string;
}

// An upstream answer bigger than this is refused rather than buffered.
export const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

// A failure after the status and headers arrived: the body did not. Kept
// apart because "closed before a response" would be wrong for it.
export class BodyFailure extends Error {
  constructor(readonly reason: unknown) {
    super('response body failed');
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

const CONNECT_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused to',
  EHOSTUNREACH: 'host unreachable:',
  ENETUNREACH: 'network unreachable for',
  ENOTFOUND: 'cannot resolve host of',
  EAI_AGAIN: 'cannot resolve host of',
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

export function classify(failure: unknown, target: URL, timeoutMs: number): Failure {
  const where = `${target.hostname}:${target.port || (target.protocol === 'https:' ? 443 : 80)}`;
  const inBody = failure instanceof BodyFailure;
  const err = inBody ? failure.reason : failure;
  const code = codeOf(err);
  const name = (err as Error).name;
  if (TIMEOUT_CODES.has(code) || name === 'TimeoutError' || name === 'AbortError') {
    return { kind: 'timeout', message: `request to ${target.origin}${target.pathname} timed out after ${timeoutMs} ms` };
  }
  if (code in CONNECT_CODES) return { kind: 'connect', message: `${CONNECT_CODES[code]} ${where}` };
  const message = messageOf(err);
  if (TLS_CODES.has(code) || code.startsWith('ERR_SSL') || /certificate|ssl|tls|alert/i.test(message)) {
    return { kind: 'tls', message: `TLS handshake with ${where} failed: ${message}${code ? ` [${code}]` : ''}` };
  }
  if (code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') {
    return { kind: 'error', message: `response from ${where} is larger than the client's limit (${MAX_RESPONSE_BYTES / 1024 / 1024} MiB)` };
  }
  const malformed = malformation(err, code);
  if (malformed !== undefined) return { kind: 'error', message: `invalid HTTP response from ${where}: ${malformed}` };
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE') {
    const when = inBody ? 'the whole response arrived' : 'a response';
    return { kind: 'connect', message: `connection to ${where} was closed before ${when}: ${message}` };
  }
  return { kind: 'error', message: `request to ${target.origin}${target.pathname} failed: ${message}${code ? ` [${code}]` : ''}` };
}
