// The checks every request passes before it may reach Python, whichever
// engine (uWS or node:http/http2) parsed it: header size, framing headers,
// routing (404/405) and the declared body size (413). One place, so both
// engines refuse exactly the same requests.
import type { ServerConfig } from '../config';
import type { RouteMatch } from './router';
import type { RouteInfo } from './routes';
import type { RouteTable } from './serving';

export interface RequestHead {
  method: string; // upper-case
  path: string; // raw, without the query
  query: string;
  headers: string[]; // name0, value0, ...; names lower-case
  headerBytes: number;
  contentLength: string; // '' when absent
  contentLengthConflict: boolean;
  transferEncoding: boolean;
}

export type FoundMatch = Extract<RouteMatch, { kind: 'found' }>;

export type Admission =
  | { ok: false; status: number; text: string; close: boolean; headers?: string[] }
  | { ok: true; match: FoundMatch; route: RouteInfo; declared: number; hasBody: boolean };

const CONTENT_LENGTH = /^\d{1,15}$/;

export function admit(config: ServerConfig, table: RouteTable, head: RequestHead): Admission {
  if (head.headerBytes > config.maxHeaderBytes) {
    return { ok: false, status: 431, text: 'Request Header Fields Too Large', close: true };
  }
  if (head.contentLengthConflict || (head.contentLength !== '' && !CONTENT_LENGTH.test(head.contentLength))) {
    return { ok: false, status: 400, text: 'Bad Request: invalid Content-Length', close: true };
  }
  if (head.transferEncoding && head.contentLength !== '') {
    return { ok: false, status: 400, text: 'Bad Request: both Content-Length and Transfer-Encoding', close: true };
  }
  const declared = head.contentLength === '' ? 0 : Number(head.contentLength);
  const hasBody = declared > 0 || head.transferEncoding;
  const match = table.router.match(head.method, head.path);
  if (match.kind === 'method') {
    return { ok: false, status: 405, text: 'Method Not Allowed', close: hasBody, headers: ['allow', match.allow] };
  }
  if (match.kind === 'none') return { ok: false, status: 404, text: 'Not Found', close: hasBody };
  if (declared > config.maxBodyBytes) return { ok: false, status: 413, text: 'Payload Too Large', close: true };
  return { ok: true, match, route: table.routes[match.route], declared, hasBody };
}

// Collects a request body within max_body_bytes, in one allocation when the
// length is declared.
export class BodyCollector {
  private body: Buffer | undefined;
  private chunks: Buffer[] = [];
  private received = 0;

  constructor(
    declared: number,
    private readonly limit: number,
  ) {
    if (declared > 0) this.body = Buffer.allocUnsafe(declared);
  }

  // `chunk` may be reused by the caller after this returns: it is copied.
  // False once the body is over the limit (answer 413).
  push(chunk: Uint8Array): boolean {
    const start = this.received;
    this.received += chunk.byteLength;
    if (this.received > this.limit || (this.body && this.received > this.body.length)) return false;
    if (this.body) this.body.set(chunk, start);
    else this.chunks.push(Buffer.from(chunk));
    return true;
  }

  finish(): Buffer {
    if (!this.body) return Buffer.concat(this.chunks);
    return this.received < this.body.length ? this.body.subarray(0, this.received) : this.body;
  }
}

export const PLAIN_TEXT = ['content-type', 'text/plain; charset=utf-8'];
export const RETRY_LATER = { status: 503, text: 'Service Unavailable', headers: ['retry-after', '1'] };
