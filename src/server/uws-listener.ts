// One uWebSockets.js app per `servers` entry: reads each request (headers
// copied at once -- uWS frees them when the callback returns), enforces the
// listener's limits, routes, and hands the request to the dispatcher.
import * as net from 'node:net';

import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket } from 'uWebSockets.js';

import type { ServerConfig } from '../config';
import { listenOn, Uws } from '../uws';
import { peerCheck } from './peer-check';
import type { PendingRequest } from './pending';
import type { ServingState } from './serving';
import { isBodiless, statusLine } from './status';

// Modern TLS only: ECDHE with AEAD ciphers for TLS 1.2 (TLS 1.3 suites are fixed).
const TLS_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

const METHODS: Record<string, string> = {
  get: 'GET', post: 'POST', put: 'PUT', patch: 'PATCH', delete: 'DELETE', head: 'HEAD', options: 'OPTIONS',
};

// Scratch space for the header walk; handlers run one at a time on the JS thread.
let scratch: string[] = [];
let scratchBytes = 0;
let contentLength = '';
let contentLengthConflict = false;
let transferEncoding = false;
function collectHeader(name: string, value: string): void {
  scratch.push(name, value);
  scratchBytes += name.length + value.length + 4;
  if (name === 'content-length') {
    if (contentLength !== '' && contentLength !== value) contentLengthConflict = true;
    contentLength = value;
  } else if (name === 'transfer-encoding') {
    transferEncoding = true;
  }
}

class UwsPending implements PendingRequest {
  done = false;

  constructor(
    readonly res: HttpResponse,
    readonly head: boolean,
    readonly routeName: string,
    readonly method: string,
    readonly path: string,
    readonly deadline: number,
  ) {}

  send(status: number, headers: readonly string[] | undefined, body: Buffer | string): void {
    const { res, head } = this;
    this.done = true;
    res.cork(() => writeResponse(res, status, headers, body, head));
  }
}

export function writeResponse(
  res: HttpResponse,
  status: number,
  headers: readonly string[] | undefined,
  body: Buffer | string,
  head: boolean,
  close = false,
): void {
  res.writeStatus(statusLine(status));
  if (headers) {
    for (let i = 0; i < headers.length; i += 2) res.writeHeader(headers[i], headers[i + 1]);
  }
  if (isBodiless(status)) {
    // uWS would add "Content-Length: 0" to end(); these statuses must not carry one.
    // (endWithoutBody must get no arguments: an explicit undefined length is
    // written as Content-Length: 9223372036854775808.)
    res.endWithoutBody();
  } else if (head) {
    // endWithoutBody(length) leaves uWS expecting body bytes; say the length ourselves.
    res.writeHeader('content-length', String(Buffer.byteLength(body)));
    res.endWithoutBody();
  } else {
    res.end(body, close);
  }
}

const PLAIN = ['content-type', 'text/plain; charset=utf-8'];

function reject(res: HttpResponse, status: number, text: string, close: boolean, extra?: string[]): void {
  const headers = extra ? [...PLAIN, ...extra] : PLAIN;
  writeResponse(res, status, headers, `${text}\n`, false, close);
}

export class UwsListener {
  private listenSocket: us_listen_socket | undefined;
  app: TemplatedApp | undefined; // kept referenced for the listener's lifetime
  port = 0;

  constructor(
    private readonly uws: Uws,
    readonly config: ServerConfig,
    private readonly state: ServingState,
  ) {}

  get url(): string {
    const host = net.isIPv6(this.config.host) ? `[${this.config.host}]` : this.config.host;
    return `${this.config.tls ? 'https' : 'http'}://${host}:${this.port}`;
  }

  listen(): Promise<void> {
    const { config, uws } = this;
    const app = config.tls
      ? uws.SSLApp({ cert_file_name: config.tls.certPath, key_file_name: config.tls.keyPath, ssl_ciphers: TLS_CIPHERS })
      : uws.App();
    app.any('/*', (res, req) => this.onRequest(res, req));
    this.app = app;
    return new Promise((resolve, reject) => {
      listenOn(uws, app, config.host, config.port, false, (socket) => {
        if (!socket) {
          explainBindFailure(config.host, config.port).then((why) => reject(new Error(`cannot listen on ${config.listen}: ${why}`)));
          return;
        }
        this.listenSocket = socket;
        this.port = uws.us_socket_local_port(socket as unknown as Parameters<Uws['us_socket_local_port']>[0]);
        resolve();
      });
    });
  }

  close(): void {
    if (this.listenSocket) this.uws.us_listen_socket_close(this.listenSocket);
    this.listenSocket = undefined;
  }

  private onRequest(res: HttpResponse, req: HttpRequest): void {
    const { config, state } = this;
    const rawMethod = req.getMethod();
    const method = METHODS[rawMethod] ?? rawMethod.toUpperCase();
    const path = req.getUrl();
    const query = req.getQuery() ?? '';

    scratch = [];
    scratchBytes = path.length + query.length;
    contentLength = '';
    contentLengthConflict = false;
    transferEncoding = false;
    req.forEach(collectHeader);
    const headers = scratch;

    if (scratchBytes > config.maxHeaderBytes) {
      return reject(res, 431, 'Request Header Fields Too Large', true);
    }
    if (contentLengthConflict || (contentLength !== '' && !/^\d{1,15}$/.test(contentLength))) {
      return reject(res, 400, 'Bad Request: invalid Content-Length', true);
    }
    if (transferEncoding && contentLength !== '') {
      return reject(res, 400, 'Bad Request: both Content-Length and Transfer-Encoding', true);
    }
    const declared = contentLength === '' ? 0 : Number(contentLength);
    const hasBody = declared > 0 || transferEncoding;

    const match = state.table.router.match(method, path);
    if (match.kind !== 'found') {
      if (match.kind === 'method') return reject(res, 405, 'Method Not Allowed', hasBody, ['allow', match.allow]);
      return reject(res, 404, 'Not Found', hasBody);
    }
    if (declared > config.maxBodyBytes) {
      return reject(res, 413, 'Payload Too Large', true);
    }

    const route = state.table.routes[match.route];
    const pending = new UwsPending(res, match.head, route.name, method, path, performance.now() + config.requestTimeoutMs);
    res.onAborted(() => {
      pending.done = true;
    });
    const client = peerCheck.clientFor(res, state.native);

    if (!hasBody) {
      this.submit(pending, match.route, query, headers, undefined, match.params, client);
      return;
    }
    const limit = config.maxBodyBytes;
    let body = declared > 0 ? Buffer.allocUnsafe(declared) : undefined;
    let chunks: Buffer[] | undefined = declared > 0 ? undefined : [];
    let received = 0;
    res.onData((chunk, isLast) => {
      if (pending.done) return;
      received += chunk.byteLength;
      if (received > limit || (body && received > body.length)) {
        pending.done = true;
        res.cork(() => reject(res, 413, 'Payload Too Large', true));
        return;
      }
      const view = Buffer.from(chunk);
      if (body) view.copy(body, received - chunk.byteLength);
      else chunks!.push(Buffer.from(view)); // copy: uWS neuters the chunk after this call
      if (!isLast) return;
      if (!body) body = Buffer.concat(chunks!);
      else if (received < body.length) body = body.subarray(0, received);
      chunks = undefined;
      this.submit(pending, match.route, query, headers, body, match.params, client);
    });
  }

  private submit(
    pending: UwsPending,
    route: number,
    query: string,
    headers: string[],
    body: Buffer | undefined,
    params: string[] | undefined,
    client: string | undefined,
  ): void {
    const { dispatcher } = this.state;
    if (!dispatcher.submit(pending, route, query, headers, body, params, client ? undefined : pending.res, client)) {
      pending.done = true;
      pending.res.cork(() => reject(pending.res, 503, 'Service Unavailable', false, ['retry-after', '1']));
    }
  }
}

// uWS reports only "failed"; ask the kernel why, for the error message.
function explainBindFailure(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      const reasons: Record<string, string> = {
        EADDRINUSE: 'the address is already in use by another program',
        EACCES: 'permission denied (ports below 1024 need privileges)',
        EADDRNOTAVAIL: 'the address is not available on this machine',
      };
      resolve(reasons[err.code ?? ''] ?? err.message);
    });
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve('the listener could not be opened')));
  });
}
