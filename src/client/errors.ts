// Turns undici/Node errors into the kind + message a script's exception
// carries (python/siphon/_client_errors.py maps the kind to a class).
export type FailureKind = 'connect' | 'timeout' | 'tls' | 'unknown_client' | 'error';

export interface Failure {
  kind: FailureKind;
  message: string;
}

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

export function classify(err: unknown, target: URL, timeoutMs: number): Failure {
  const where = `${target.hostname}:${target.port || (target.protocol === 'https:' ? 443 : 80)}`;
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
    return { kind: 'error', message: `response from ${where} is larger than the client's limit` };
  }
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE') {
    return { kind: 'connect', message: `connection to ${where} was closed before a response: ${message}` };
  }
  return { kind: 'error', message: `request to ${target.origin}${target.pathname} failed: ${message}${code ? ` [${code}]` : ''}` };
}
