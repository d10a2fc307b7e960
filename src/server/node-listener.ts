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
import { admit, BodyCollector, PLAIN_TEXT, RequestHead, RETRY_LATER } from './admission';
import { Endpoint, endpointsFor } from './endpoints';
import { UNMATCHED } from './outcome';
import type { PendingRequest } from './pending';
import type { RouteInfo } from './routes';
import type { ServingState } from './serving';
import { isBodiless } from './status';
import { TLS_CIPHERS } from './tls-policy';
import { formatClient, TrustedProxies } from './trusted-proxies';

type Request = http.IncomingMessage | http2.Http2ServerRequest;
type Response = http.ServerResponse | http2.Http2ServerResponse;

const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

// Connection-specific headers are illegal in HTTP/2 responses (RFC 9113 §8.2.2).
const HTTP2_FORBIDDEN = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

function isHttp2(req: Request): req is http2.Http2ServerRequest {
  return req.httpVersionMajor === 2;
}

function write(res: Response, h2: boolean, status: number, headers: readonly string[] | undefined, body: Buffer | string, head: boolean, close = false): void {
  if (res.headersSent || res.writableEnded || res.destroyed) return;
  const out: Record<string, string> = {};
  if (headers) {
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i].toLowerCase();
      if (h2 && HTTP2_FORBIDDEN.has(name)) continue;
      out[name] = out[name] !== undefined ? `${out[name]}, ${headers[i + 1]}` : headers[i + 1];
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
    // Node's streams may queue the buffer by reference; the batch memory is reused.
    const owned = typeof body === 'string' ? body : Buffer.from(body);
    write(this.res, this.h2, status, headers, owned, this.head, this.state.draining);
  }
}

function readHead(req: Request): { head: RequestHead; forwardedFor: string | undefined } {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? '' : url.slice(q + 1);
  const head: RequestHead = {
    method: (req.method ?? 'GET').toUpperCase(),
    path,
    query,
    headers: [],
    headerBytes: path.length + query.length,
    contentLength: '',
    contentLengthConflict: false,
    transferEncoding: false,
  };
  let forwardedFor: string | undefined;
  let authority: string | undefined;
  let host = false;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    const value = raw[i + 1];
    if (name.startsWith(':')) {
      // Pseudo-headers are HTTP/2 framing; only :authority means something to scripts.
      if (name === ':authority') authority = value;
      continue;
    }
    head.headers.push(name, value);
    head.headerBytes += name.length + value.length + 4;
    if (name === 'host') host = true;
    else if (name === 'content-length') {
      if (head.contentLength !== '' && head.contentLength !== value) head.contentLengthConflict = true;
      head.contentLength = value;
    } else if (name === 'transfer-encoding') head.transferEncoding = true;
    else if (name === 'x-forwarded-for' && forwardedFor === undefined) forwardedFor = value;
  }
  if (!host && authority !== undefined) head.headers.push('host', authority);
  return { head, forwardedFor };
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
    const handler = (req: Request, res: Response) => this.onRequest(req, res);
    const { config } = this;
    const headerLimit = Math.max(16384, config.maxHeaderBytes * 2);
    let server: net.Server;
    if (config.tls) {
      const tlsOptions: tls.SecureContextOptions & tls.TlsOptions = {
        cert: fs.readFileSync(config.tls.certPath),
        key: fs.readFileSync(config.tls.keyPath),
        minVersion: 'TLSv1.2',
        ciphers: TLS_CIPHERS,
        honorCipherOrder: true,
      };
      if (config.tls.clientCa) {
        Object.assign(tlsOptions, { ca: fs.readFileSync(config.tls.clientCa), requestCert: true, rejectUnauthorized: true });
      }
      server = config.http2
        ? http2.createSecureServer({ ...tlsOptions, allowHTTP1: true, settings: { maxHeaderListSize: headerLimit } }, handler)
        : https.createServer({ ...tlsOptions, maxHeaderSize: headerLimit }, handler);
      this.inner.push(server as https.Server);
    } else {
      const h1 = http.createServer({ maxHeaderSize: headerLimit }, handler);
      const h2 = http2.createServer({ settings: { maxHeaderListSize: headerLimit } }, handler);
      this.inner.push(h1, h2);
      server = net.createServer((socket) => sniff(socket, h1, h2));
    }
    for (const inner of this.inner) {
      inner.on('session', (session: http2.ServerHttp2Session) => {
        this.sessions.add(session);
        session.on('close', () => this.sessions.delete(session));
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

  private onRequest(req: Request, res: Response): void {
    const { config, state } = this;
    const h2 = isHttp2(req);
    const { head, forwardedFor } = readHead(req);
    const started = performance.now();
    const socket = req.socket;
    const peerIp = stripMapped(socket.remoteAddress ?? '');
    const client = this.proxies.clientFor(peerIp, forwardedFor) ?? formatClient(peerIp, socket.remotePort ?? 0);

    const endpoint = this.endpoints.get(head.path);
    if (endpoint && (head.method === 'GET' || head.method === 'HEAD')) {
      Promise.resolve(endpoint()).then(
        (answer) => write(res, h2, answer.status, answer.headers, answer.body, head.method === 'HEAD', state.draining),
        (err: unknown) => write(res, h2, 500, PLAIN_TEXT, `${(err as Error).message}\n`, false),
      );
      return;
    }
    const refuse = (status: number, text: string, close: boolean, extra?: string[], route?: RouteInfo) => {
      const body = `${text}\n`;
      write(res, h2, status, extra ? [...PLAIN_TEXT, ...extra] : PLAIN_TEXT, body, head.method === 'HEAD', close || state.draining);
      state.observe?.({ route: route?.path ?? UNMATCHED, method: head.method, path: head.path, status, bytes: body.length, durationMs: performance.now() - started, client });
    };
    const verdict = admit(config, state.table, head);
    if (!verdict.ok) {
      refuse(verdict.status, verdict.text, verdict.close, verdict.headers);
      if (verdict.close) req.resume();
      return;
    }
    const { match, route } = verdict;
    const pending = new NodePending(res, h2, head.method === 'HEAD', route, head.method, head.path, started, started + config.requestTimeoutMs, client, state);
    res.once('close', () => {
      pending.done = true;
    });
    // HTTP/2 requests need not declare a length, so the body is always read to its end.
    const body = new BodyCollector(verdict.declared, config.maxBodyBytes);
    req.on('data', (chunk: Buffer) => {
      if (pending.done) return;
      if (!body.push(chunk)) {
        pending.done = true;
        refuse(413, 'Payload Too Large', true, undefined, route);
      }
    });
    req.on('end', () => {
      if (pending.done) return;
      const payload = body.finish();
      const accepted = state.dispatcher.submit(pending, match.route, head.query, head.headers, payload.length > 0 ? payload : undefined, match.params, undefined, client);
      if (!accepted) {
        pending.done = true;
        refuse(RETRY_LATER.status, RETRY_LATER.text, false, RETRY_LATER.headers, route);
      }
    });
    req.on('error', () => {
      pending.done = true;
    });
  }
}

function stripMapped(ip: string): string {
  return ip.startsWith('::ffff:') && net.isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
}

// One cleartext port, two protocols: a connection that opens with the HTTP/2
// preface goes to the h2c server, anything else to the HTTP/1.1 server.
function sniff(socket: net.Socket, h1: http.Server, h2: http2.Http2Server): void {
  let seen = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    seen = Buffer.concat([seen, chunk]);
    const n = Math.min(seen.length, H2_PREFACE.length);
    const isPrefix = seen.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
    if (isPrefix && seen.length < H2_PREFACE.length) return; // need more bytes to decide
    socket.removeListener('data', onData);
    socket.pause();
    socket.unshift(seen);
    if (isPrefix) {
      // Http2Session reads the unshifted bytes itself; resuming would hand them to nobody.
      h2.emit('connection', socket);
    } else {
      h1.emit('connection', socket);
      socket.resume();
    }
  };
  socket.on('data', onData);
  socket.on('error', () => socket.destroy());
}
