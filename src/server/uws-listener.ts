// One uWebSockets.js app per `servers` entry: reads each request (headers
// copied at once -- uWS frees them when the callback returns), enforces the
// listener's limits, routes, and hands the request to the dispatcher.
import * as net from 'node:net';

import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket } from 'uWebSockets.js';

import type { ServerConfig } from '../config';
import { listenOn, Uws } from '../uws';
import { admit, BodyCollector, FoundMatch, PLAIN_TEXT, RequestHead, RETRY_LATER } from './admission';
import { peerCheck } from './peer-check';
import type { PendingRequest } from './pending';
import type { ServingState } from './serving';
import { isBodiless, statusLine } from './status';
import { TLS_CIPHERS } from './tls-policy';
import { TrustedProxies } from './trusted-proxies';

const METHODS: Record<string, string> = {
  get: 'GET', post: 'POST', put: 'PUT', patch: 'PATCH', delete: 'DELETE', head: 'HEAD', options: 'OPTIONS',
};

// Scratch for the header walk: handlers run one at a time on the JS thread,
// and a module-level callback avoids a closure per request.
let head: RequestHead;
let forwardedFor: string | undefined;
function collectHeader(name: string, value: string): void {
  head.headers.push(name, value);
  head.headerBytes += name.length + value.length + 4;
  if (name === 'content-length') {
    if (head.contentLength !== '' && head.contentLength !== value) head.contentLengthConflict = true;
    head.contentLength = value;
  } else if (name === 'transfer-encoding') {
    head.transferEncoding = true;
  } else if (name === 'x-forwarded-for' && forwardedFor === undefined) {
    forwardedFor = value;
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

function reject(res: HttpResponse, status: number, text: string, close: boolean, extra?: string[]): void {
  const headers = extra ? [...PLAIN_TEXT, ...extra] : PLAIN_TEXT;
  writeResponse(res, status, headers, `${text}\n`, false, close);
}

export class UwsListener {
  private listenSocket: us_listen_socket | undefined;
  app: TemplatedApp | undefined; // kept referenced for the listener's lifetime
  port = 0;
  private readonly proxies: TrustedProxies;

  constructor(
    private readonly uws: Uws,
    readonly config: ServerConfig,
    private readonly state: ServingState,
  ) {
    this.proxies = new TrustedProxies(config.trustedProxies);
  }

  readonly engine = 'uWebSockets.js (http/1.1)';

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
    const path = req.getUrl();
    const query = req.getQuery() ?? '';
    head = {
      method: METHODS[rawMethod] ?? rawMethod.toUpperCase(),
      path,
      query,
      headers: [],
      headerBytes: path.length + query.length,
      contentLength: '',
      contentLengthConflict: false,
      transferEncoding: false,
    };
    forwardedFor = undefined;
    req.forEach(collectHeader);

    const verdict = admit(config, state.table, head);
    if (!verdict.ok) return reject(res, verdict.status, verdict.text, verdict.close, verdict.headers);
    const { match, route } = verdict;
    const request = head;
    const pending = new UwsPending(res, match.head, route.name, request.method, path, performance.now() + config.requestTimeoutMs);
    res.onAborted(() => {
      pending.done = true;
    });
    const client = this.clientFor(res, forwardedFor);

    if (!verdict.hasBody) {
      this.submit(pending, match, request, undefined, client);
      return;
    }
    const body = new BodyCollector(verdict.declared, config.maxBodyBytes);
    res.onData((chunk, isLast) => {
      if (pending.done) return;
      // uWS neuters the chunk after this call; push() copies it.
      if (!body.push(new Uint8Array(chunk))) {
        pending.done = true;
        res.cork(() => reject(res, 413, 'Payload Too Large', true));
        return;
      }
      if (isLast) this.submit(pending, match, request, body.finish(), client);
    });
  }

  // undefined: the addon reads the peer from the socket; else the client to report.
  private clientFor(res: HttpResponse, forwarded: string | undefined): string | undefined {
    if (forwarded !== undefined && !this.proxies.empty) {
      const viaProxy = this.proxies.clientFor(Buffer.from(res.getRemoteAddressAsText()).toString(), forwarded);
      if (viaProxy !== undefined) return viaProxy;
    }
    return peerCheck.clientFor(res, this.state.native);
  }

  private submit(pending: UwsPending, match: FoundMatch, request: RequestHead, body: Buffer | undefined, client: string | undefined): void {
    const { dispatcher } = this.state;
    const accepted = dispatcher.submit(pending, match.route, request.query, request.headers, body, match.params, client ? undefined : pending.res, client);
    if (!accepted) {
      pending.done = true;
      pending.res.cork(() => reject(pending.res, RETRY_LATER.status, RETRY_LATER.text, false, RETRY_LATER.headers));
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
