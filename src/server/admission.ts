// The checks every request passes before it may reach Python, whichever
// engine (uWS or node:http/http2) parsed it: header size, framing headers,
// routing (404/405) and the declared body size (413). One place, so both
// engines refuse exactly the same requests.
import type { ServerConfig } from '../config';
import type { PlainAnswer } from './plain-answers';
import type { RouteMatch } from './router';
import type { RouteInfo } from './routes';
import { Coding, transferCoding, validHost, validTargetPart } from './request-checks';
import type { RouteTable } from './serving';

export interface RequestHead {
  method: string; // upper-case
  path: string; // raw, without the query
  query: string;
  headers: string[]; // name0, value0, ...; names lower-case (empty when read natively: see uws-head.ts)
  headerCount: number; // header fields
  headerBytes: number;
  contentLength: string; // the first Content-Length value ('' when absent or empty)
  contentLengths: number; // Content-Length field lines
  transferEncoding: string; // every Transfer-Encoding field line joined with ", " ('' when absent)
  transferEncodings: number; // Transfer-Encoding field lines
  host: string; // the first Host value
  hosts: number; // Host field lines
  forwardedFor: string | undefined; // the first X-Forwarded-For value
  http10: boolean; // an HTTP/1.0 request (the node:http engine; uWS parses only HTTP/1.1)
}

// A head with no header fields counted yet: each engine fills in what it parses.
export function newRequestHead(method: string, path: string, query: string, http10: boolean): RequestHead {
  return {
    method,
    path,
    query,
    headers: [],
    headerCount: 0,
    headerBytes: path.length + query.length,
    contentLength: '',
    contentLengths: 0,
    transferEncoding: '',
    transferEncodings: 0,
    host: '',
    hosts: 0,
    forwardedFor: undefined,
    http10,
  };
}

// Adds one header field as either engine parsed it (name lower-case),
// noting the fields admission and the client address look at.
export function addHeader(head: RequestHead, name: string, value: string): void {
  head.headers.push(name, value);
  head.headerCount++;
  head.headerBytes += name.length + value.length + 4;
  // Compare lengths first: the usual headers miss at once.
  switch (name.length) {
    case 4:
      if (name === 'host' && head.hosts++ === 0) head.host = value;
      break;
    case 14:
      if (name === 'content-length' && head.contentLengths++ === 0) head.contentLength = value;
      break;
    case 15:
      if (name === 'x-forwarded-for' && head.forwardedFor === undefined) head.forwardedFor = value;
      break;
    case 17:
      if (name === 'transfer-encoding') {
        head.transferEncoding = head.transferEncodings++ === 0 ? value : `${head.transferEncoding}, ${value}`;
      }
      break;
  }
}

// More header fields than this get 431 on every engine. (uWebSockets.js
// cannot parse more than 48 at all: see docs/security.md.)
export const MAX_HEADER_FIELDS = 100;

export type FoundMatch = Extract<RouteMatch, { kind: 'found' }>;

// A refusal names the route it matched (405, 413: for metrics and the access
// log), and whether the connection must close.
export type Admission =
  | { ok: false; answer: PlainAnswer; close: boolean; route?: RouteInfo }
  | { ok: true; match: FoundMatch; route: RouteInfo; declared: number; hasBody: boolean }; // declared: -1 without Content-Length

const CONTENT_LENGTH = /^\d{1,15}$/;

export const PAYLOAD_TOO_LARGE: PlainAnswer = { status: 413, text: 'Payload Too Large', headers: [] };
export const NOT_FOUND: PlainAnswer = { status: 404, text: 'Not Found', headers: [] };
export const BAD_VERSION: PlainAnswer = { status: 505, text: 'HTTP Version Not Supported', headers: [] };

function refuse(status: number, text: string): Admission {
  return { ok: false, answer: { status, text, headers: [] }, close: true };
}

const HEADERS_TOO_LARGE = refuse(431, 'Request Header Fields Too Large');
const BAD_TARGET = refuse(400, 'Bad Request: invalid request target');
const BAD_HOST = refuse(400, 'Bad Request: invalid or repeated Host');
const BAD_LENGTH = refuse(400, 'Bad Request: invalid Content-Length');
const LENGTH_AND_CHUNKED = refuse(400, 'Bad Request: both Content-Length and Transfer-Encoding');
const BAD_CODING = refuse(400, 'Bad Request: invalid Transfer-Encoding');
const OLD_CODING = refuse(400, 'Bad Request: Transfer-Encoding in an HTTP/1.0 request');
const UNSUPPORTED_CODING = refuse(501, 'Not Implemented: only the chunked transfer coding is supported');

export function admit(config: ServerConfig, table: RouteTable, head: RequestHead): Admission {
  if (head.headerBytes > config.maxHeaderBytes || head.headerCount > MAX_HEADER_FIELDS) return HEADERS_TOO_LARGE;
  if (!validTargetPart(head.path) || (head.query !== '' && !validTargetPart(head.query))) return BAD_TARGET;
  if (head.hosts > 1 || !validHost(head.host)) return BAD_HOST;
  // Framing: one Content-Length of plain digits, or Transfer-Encoding: chunked
  // alone -- anything a proxy in front could read differently is refused.
  if (head.contentLengths > 0) {
    if (head.contentLengths > 1 || !CONTENT_LENGTH.test(head.contentLength)) return BAD_LENGTH;
    if (head.transferEncodings > 0) return LENGTH_AND_CHUNKED;
  }
  if (head.transferEncodings > 0) {
    if (head.http10) return OLD_CODING;
    const coding = transferCoding(head.transferEncoding);
    if (coding === Coding.Invalid) return BAD_CODING;
    if (coding === Coding.Unsupported) return UNSUPPORTED_CODING;
  }
  const declared = head.contentLengths === 0 ? -1 : Number(head.contentLength);
  const hasBody = declared > 0 || head.transferEncodings > 0;
  // A listener for health and metrics only (routes: false) serves no script route.
  if (!config.routes) return { ok: false, answer: NOT_FOUND, close: hasBody };
  const match = table.router.match(head.method, head.path);
  if (match.kind === 'method') {
    const answer = { status: 405, text: 'Method Not Allowed', headers: ['allow', match.allow] };
    return { ok: false, answer, close: hasBody, route: table.routes[match.route] };
  }
  if (match.kind === 'none') return { ok: false, answer: NOT_FOUND, close: hasBody };
  const route = table.routes[match.route];
  if (declared > config.maxBodyBytes) return { ok: false, answer: PAYLOAD_TOO_LARGE, close: true, route };
  return { ok: true, match, route, declared, hasBody };
}

// Collects a request body within max_body_bytes, in one allocation when the
// length is declared.
export class BodyCollector {
  private body: Buffer | undefined;
  private chunks: Buffer[] = [];
  private received = 0;

  // declared: the Content-Length, or -1 when there was none.
  constructor(
    private readonly declared: number,
    private readonly limit: number,
  ) {
    if (declared > 0) this.body = Buffer.allocUnsafe(declared);
  }

  // `chunk` may be reused by the caller after this returns: it is copied.
  // 0 when taken; else the status to answer: 413 once the body is over the
  // limit, 400 when it is longer than its Content-Length (HTTP/2 can say so).
  push(chunk: Uint8Array): number {
    const start = this.received;
    this.received += chunk.byteLength;
    if (this.received > this.limit) return 413;
    if (this.declared >= 0 && this.received > this.declared) return 400;
    if (this.body) this.body.set(chunk, start);
    else this.chunks.push(Buffer.from(chunk));
    return 0;
  }

  // True when a Content-Length was declared and fewer bytes came.
  get short(): boolean {
    return this.received < this.declared;
  }

  finish(): Buffer {
    if (!this.body) return Buffer.concat(this.chunks);
    return this.received < this.body.length ? this.body.subarray(0, this.received) : this.body;
  }
}

