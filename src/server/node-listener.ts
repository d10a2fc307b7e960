// Listeners served by Node's own HTTP stacks instead of uWebSockets.js:
//  - `http2: true`: node:http2, h2 + HTTP/1.1 by ALPN over TLS, or h2c
//    (prior knowledge) + HTTP/1.1 on one cleartext port;
//  - `tls.client_ca`: node:https with requestCert + rejectUnauthorized, because
//    uWS.js verifies a client certificate only when one is presented and gives
//    JavaScript no view of it.
// Requests go through the same admission checks, router and dispatcher as
// the uWS engine, so a script cannot tell the engines apart.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import * as net from 'node:net';
import type * as tls from 'node:tls';

import type { ServerConfig } from '../config';
import { sharedHandle } from '../supervisor';
import { addHeader, admit, Admission, BAD_VERSION, BodyCollector, newRequestHead, PAYLOAD_TOO_LARGE, RequestHead } from './admission';
import { Endpoint, endpointsFor } from './endpoints';
import { BAD_VALUE, badHeader, controlCharacterMessage, inspectHeaders } from './response-checks';
import { UNMATCHED } from './outcome';
import type { PendingRequest } from './pending';
import { INTERNAL_ERROR, PlainAnswer, plainBody, plainHeaders, RETRY_LATER } from './plain-answers';
import type { RouteInfo } from './routes';
import type { ServingState } from './serving';
import { isBodiless } from './status';
import { TLS_CIPHERS } from './tls-policy';
import { H2_MAX_CONCURRENT_STREAMS, watchSession } from './h2-sessions';
import { sniff } from './protocol-sniff';
import { formatClient, stripMapped, TrustedProxies } from './trusted-proxies';

type Request = http.IncomingMessage | http2.Http2ServerRequest;
type Response = http.ServerResponse | http2.Http2ServerResponse;

// Time limits of this engine (docs/security.md), close to uWebSockets.js's
// fixed ones: 10 s to finish a TLS handshake, to send the request head, or to
// open a cleartext connection with its first bytes; a body may take 10 s plus
// one second per 16 KiB of max_body_bytes (uWS drops uploads slower than 16 KiB/s).
export const HANDSHAKE_TIMEOUT_MS = 10_000;
export const HEADERS_TIMEOUT_MS = 10_000;
export const SLOWEST_UPLOAD_BYTES_PER_S = 16 * 1024;
// An answer nobody reads is dropped after this long without progress.
export const SEND_STALL_MS = 10_000;
// An HTTP/1.1 request body that stops arriving is dropped after this long
// without a byte, as uWS's idle timeout drops it; the whole-request limit
// alone (10 s + 1 s per 16 KiB: 74 s at 1 MiB) let a client hold a
// connection seven times longer than on uWS (found by the fuzz run, test/fuzz).
export const BODY_IDLE_MS = 10_000;
const BODY_TOO_LONG: PlainAnswer = { status: 400, text: 'Bad Request: body longer than its Content-Length', headers: [] };
const BODY_TOO_SHORT: PlainAnswer = { status: 400, text: 'Bad Request: body shorter than its Content-Length', headers: [] };

function requestTimeoutFor(config: ServerConfig): number {
  return HEADERS_TIMEOUT_MS + Math.ceil(config.maxBodyBytes / SLOWEST_UPLOAD_BYTES_PER_S) * 1000;
}

// Applies the HTTP/1.1 time limits to a node:http(s) server (or an http2
// server's allowHTTP1 side), checked every second rather than Node's 30.
function limitHttp1(server: http.Server | https.Server | http2.Http2SecureServer, config: ServerConfig): void {
  const limits = server as unknown as { headersTimeout: number; requestTimeout: number; connectionsCheckingInterval: number };
  limits.headersTimeout = HEADERS_TIMEOUT_MS;
  limits.requestTimeout = requestTimeoutFor(config);
  limits.connectionsCheckingInterval = 1000;
}

// Connection-specific headers are illegal in HTTP/2 responses (RFC 9113 §8.2.2).
const HTTP2_FORBIDDEN = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

// By the object, not the version: an HTTP/1 request line may claim any version.
function isHttp2(req: Request): req is http2.Http2ServerRequest {
  return (req as http2.Http2ServerRequest).stream !== undefined;
}

// Header values as the uWS engine writes them: a string's UTF-8 bytes. Node
// writes one byte per character (Latin-1), so anything beyond ASCII is
// re-spelled as the string of its UTF-8 bytes.
function wireValue(value: string): string {
  for (let i = 0; i < value.length; i++) {
    if (value.charCodeAt(i) > 0x7f) return Buffer.from(value, 'utf8').toString('latin1');
  }
  return value;
}

// Writes a response; throws when Node refuses a header (a control character
// the addon lets through), before anything went out.
function write(res: Response, h2: boolean, status: number, headers: readonly string[] | undefined, body: Buffer | string, head: boolean, close = false): void {
  if (res.headersSent || res.writableEnded || res.destroyed) return;
  const out: Record<string, string> = {};
  if (headers) {
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i].toLowerCase();
      if (h2 && HTTP2_FORBIDDEN.has(name)) continue;
      const value = wireValue(headers[i + 1]);
      out[name] = out[name] !== undefined ? `${out[name]}, ${value}` : value;
    }
  }
  if (close && !h2) out.connection = 'close';
  if (isBodiless(status)) {
    res.writeHead(status, out);
    res.end();
    return;
  }
  out['content-length'] = String(Buffer.byteLength(body));
  res.writeHead(status, out);
  if (head) res.end();
  else res.end(body);
  if (!res.writableFinished) closeIfStalled(res, h2);
}

// An answer the peer stops reading is dropped once nothing has moved for
// SEND_STALL_MS, as uWS does: the bytes queued for it are freed.
function closeIfStalled(res: Response, h2: boolean): void {
  if (h2) {
    // node:http2 re-arms a stream's timeout while its writes make progress,
    // so half the limit drops a stalled answer 5-10 s after it stopped, as below.
    const stream = (res as http2.Http2ServerResponse).stream;
    stream.setTimeout(SEND_STALL_MS / 2, () => stream.close(http2.constants.NGHTTP2_CANCEL));
    return;
  }
  // node:http destroys a socket whose timeout nobody handles, and sets its
  // keep-alive timeout instead once the answer is out. A socket with a write
  // in progress times out only after a whole period without progress, so
  // half the limit makes it 5-10 s.
  (res as http.ServerResponse).socket?.setTimeout(SEND_STALL_MS / 2);
}

class NodePending implements PendingRequest {
  done = false;

  constructor(
    private readonly res: Response,
    private readonly h2: boolean,
    private readonly head: boolean,
    readonly route: RouteInfo,
    readonly method: string,
    readonly path: string,
    readonly started: number,
    readonly deadline: number,
    readonly client: string,
    private readonly state: ServingState,
  ) {}

  send(status: number, headers: readonly string[] | undefined, body: Buffer | string): void {
    this.done = true;
    if (headers !== undefined && inspectHeaders(headers) & BAD_VALUE) {
      this.state.log.error('siphon.handler', controlCharacterMessage(this.route.name, this.method, this.path, badHeader));
      this.sendInternalError();
      return;
    }
    // Node's streams may queue the buffer by reference; the batch memory is reused.
    const owned = typeof body === 'string' ? body : Buffer.from(body);
    try {
      write(this.res, this.h2, status, headers, owned, this.head, this.state.draining);
    } catch (err) {
      this.state.log.error('siphon.handler', `handler ${this.route.name} (${this.method} ${this.path}) returned a header that cannot be sent: ${(err as Error).message}`);
      this.sendInternalError();
    }
  }

  private sendInternalError(): void {
    write(this.res, this.h2, INTERNAL_ERROR.status, plainHeaders(INTERNAL_ERROR), plainBody(INTERNAL_ERROR), this.head, this.state.draining);
  }
}

function readHead(req: Request): RequestHead {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? '' : url.slice(q + 1);
  const head = newRequestHead((req.method ?? 'GET').toUpperCase(), path, query, req.httpVersionMajor === 1 && req.httpVersionMinor === 0);
  let authority: string | undefined;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    const value = raw[i + 1];
    if (name.startsWith(':')) {
      // Pseudo-headers are HTTP/2 framing; only :authority means something to scripts.
      if (name === ':authority') authority = value;
      continue;
    }
    addHeader(head, name, value);
  }
  if (head.hosts === 0 && authority !== undefined) {
    head.headers.push('host', authority);
    head.host = authority;
  } else if (authority !== undefined && head.host !== authority) {
    head.hosts++; // Host and :authority disagree: refused like a repeated Host (RFC 9113 §8.3.1)
  }
  return head;
}

export class NodeListener {
  port = 0;
  private server: net.Server | undefined;
  private readonly inner: Array<http.Server | http2.Http2Server | http2.Http2SecureServer | https.Server> = [];
  private readonly sessions = new Set<http2.ServerHttp2Session>();
  private readonly proxies: TrustedProxies;
  private readonly endpoints: Map<string, Endpoint>;

  constructor(
    readonly config: ServerConfig,
    private readonly state: ServingState,
  ) {
    this.proxies = new TrustedProxies(config.trustedProxies);
    this.endpoints = endpointsFor(config, state);
  }

  get url(): string {
    const host = net.isIPv6(this.config.host) ? `[${this.config.host}]` : this.config.host;
    return `${this.config.tls ? 'https' : 'http'}://${host}:${this.port}`;
  }

  get engine(): string {
    const { tls, http2: h2 } = this.config;
    if (h2) return tls ? 'node:http2 (h2 + http/1.1 by ALPN)' : 'node:http2 (h2c prior knowledge + http/1.1)';
    return 'node:https (client certificates required)';
  }

  listen(): Promise<void> {
    const handler = (req: Request, res: Response) => this.onRequest(req, res, false);
    const { config } = this;
    const headerLimit = Math.max(16384, config.maxHeaderBytes * 2);
    const h2Settings = { maxHeaderListSize: headerLimit, maxConcurrentStreams: H2_MAX_CONCURRENT_STREAMS };
    let server: net.Server;
    if (config.tls) {
      const tlsOptions: tls.SecureContextOptions & tls.TlsOptions = {
        cert: fs.readFileSync(config.tls.certPath),
        key: fs.readFileSync(config.tls.keyPath),
        minVersion: 'TLSv1.2',
        ciphers: TLS_CIPHERS,
        honorCipherOrder: true,
        handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
      };
      if (config.tls.clientCa) {
        Object.assign(tlsOptions, { ca: fs.readFileSync(config.tls.clientCa), requestCert: true, rejectUnauthorized: true });
      }
      if (config.http2) {
        const secure = http2.createSecureServer({ ...tlsOptions, allowHTTP1: true, settings: h2Settings }, handler);
        limitHttp1(secure, config);
        server = secure;
      } else {
        const secure = https.createServer({ ...tlsOptions, maxHeaderSize: headerLimit }, handler);
        limitHttp1(secure, config);
        server = secure;
      }
      this.inner.push(server as https.Server);
    } else {
      const h1 = http.createServer({ maxHeaderSize: headerLimit }, handler);
      limitHttp1(h1, config);
      // h1 never listens itself (sniff() hands it sockets), so start the timer that
      // enforces headersTimeout/requestTimeout the way listening would.
      h1.emit('listening');
      const h2 = http2.createServer({ settings: h2Settings }, handler);
      this.inner.push(h1, h2);
      server = net.createServer((socket) => sniff(socket, h1, h2, HEADERS_TIMEOUT_MS));
    }
    for (const inner of this.inner) {
      // "Expect: 100-continue" is answered only once the request passed admission.
      inner.on('checkContinue', (req: Request, res: Response) => this.onRequest(req, res, true));
      inner.on('session', (session: http2.ServerHttp2Session) => {
        this.sessions.add(session);
        session.on('close', () => this.sessions.delete(session));
        watchSession(session);
      });
    }
    this.server = server;
    const shared = sharedHandle(config.index);
    return new Promise((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        const why = err.code === 'EADDRINUSE' ? 'the address is already in use by another program' : err.message;
        reject(new Error(`cannot listen on ${config.listen}: ${why}`));
      });
      const listening = () => {
        this.port = (server.address() as net.AddressInfo).port;
        resolve();
      };
      // A supervised child accepts on the socket its parent opened for all of them.
      if (shared) void shared.then((handle) => server.listen(handle, listening));
      else server.listen({ host: config.host, port: config.port, exclusive: true }, listening);
    });
  }

  // Stops accepting; idle HTTP/1.1 connections close and HTTP/2 sessions get
  // GOAWAY, so in-flight requests finish and nothing new starts.
  close(): void {
    this.server?.close();
    for (const inner of this.inner) {
      if (inner !== this.server) inner.close();
    }
    for (const session of this.sessions) session.close();
    for (const inner of this.inner) (inner as http.Server).closeIdleConnections?.();
  }

  closeConnections(): void {
    for (const inner of this.inner) (inner as http.Server).closeAllConnections?.();
    for (const session of this.sessions) session.destroy();
  }

  private onRequest(req: Request, res: Response, expectsContinue: boolean): void {
    const { config, state } = this;
    const h2 = isHttp2(req);
    const head = readHead(req);
    const started = performance.now();
    const socket = req.socket;
    const peerIp = stripMapped(socket.remoteAddress ?? '');
    const client = this.proxies.clientFor(peerIp, head.forwardedFor) ?? formatClient(peerIp, socket.remotePort ?? 0);

    const endpoint = this.endpoints.get(head.path);
    if (endpoint && (head.method === 'GET' || head.method === 'HEAD')) {
      Promise.resolve(endpoint()).then(
        (answer) => write(res, h2, answer.status, answer.headers, answer.body, head.method === 'HEAD', state.draining),
        (err: unknown) => write(res, h2, 500, plainHeaders(INTERNAL_ERROR), `${(err as Error).message}\n`, false),
      ).catch(() => res.destroy());
      return;
    }
    const refuse = (answer: PlainAnswer, close: boolean, route?: RouteInfo) => {
      const body = plainBody(answer);
      write(res, h2, answer.status, plainHeaders(answer), body, head.method === 'HEAD', close || state.draining);
      state.observe?.({ route: route?.path ?? UNMATCHED, method: head.method, path: head.path, status: answer.status, bytes: head.method === 'HEAD' ? 0 : body.length, durationMs: performance.now() - started, client });
    };
    // node:http parses any HTTP/x.y request line; siphon speaks HTTP/1.0 and 1.1 (and h2).
    const verdict: Admission = h2 || (req.httpVersionMajor === 1 && req.httpVersionMinor <= 1)
      ? admit(config, state.table, head)
      : { ok: false, answer: BAD_VERSION, close: true };
    if (!verdict.ok) {
      refuse(verdict.answer, verdict.close, verdict.route);
      if (verdict.close) req.resume();
      return;
    }
    if (expectsContinue) (res as http.ServerResponse).writeContinue();
    const { match, route } = verdict;
    const pending = new NodePending(res, h2, head.method === 'HEAD', route, head.method, head.path, started, started + config.requestTimeoutMs, client, state);
    res.once('close', () => {
      pending.done = true;
    });
    // HTTP/2 requests need not declare a length, so the body is always read to its end.
    const body = new BodyCollector(verdict.declared, config.maxBodyBytes);
    // No callback: node:http destroys a socket whose timeout nobody handles.
    // Cleared at the end of the body, so a slow handler never trips it.
    if (!h2 && verdict.hasBody) socket.setTimeout(BODY_IDLE_MS);
    req.on('data', (chunk: Buffer) => {
      if (pending.done) return;
      const refused = body.push(chunk);
      if (refused !== 0) {
        pending.done = true;
        if (refused === 413) refuse(PAYLOAD_TOO_LARGE, true, route);
        else refuse(BODY_TOO_LONG, true, route);
      }
    });
    const complete = () => {
      if (pending.done) return;
      if (body.short) {
        // Only HTTP/2 can end a stream early; HTTP/1.1 framing waits for the bytes.
        pending.done = true;
        refuse(BODY_TOO_SHORT, true, route);
        return;
      }
      const payload = body.finish();
      const accepted = state.inflight.submit(pending, match.route, head.query, head.headers, payload.length > 0 ? payload : undefined, match.params, undefined, client);
      if (!accepted) {
        pending.done = true;
        refuse(RETRY_LATER, false, route);
      }
    };
    req.on('end', () => {
      if (!h2 && verdict.hasBody) socket.setTimeout(0);
      if (!h2) {
        complete();
        return;
      }
      // A rapid-reset client (CVE-2023-44487) cancels each stream in the same
      // read as its request, and node:http2 ends the request before it handles
      // the RST_STREAM: waiting for the rest of the read keeps cancelled
      // streams from reaching a handler.
      const stream = (req as http2.Http2ServerRequest).stream;
      setImmediate(() => {
        if (stream.closed) pending.done = true;
        else complete();
      });
    });
    req.on('error', () => {
      pending.done = true;
    });
  }
}
