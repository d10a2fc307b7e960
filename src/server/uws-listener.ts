// One uWebSockets.js app per `servers` entry: reads each request (headers
// copied at once -- uWS frees them when the callback returns), enforces the
// listener's limits, routes, and hands the request to the dispatcher.
import * as net from 'node:net';

import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket } from 'uWebSockets.js';

import type { ServerConfig } from '../config';
import { isSupervisedChild } from '../supervisor';
import { listenOn, Uws } from '../uws';
import type { Addon } from '../addon/addon';
import { admit, BodyCollector, FoundMatch, PAYLOAD_TOO_LARGE, RequestHead } from './admission';
import { Endpoint, EndpointAnswer, endpointsFor } from './endpoints';
import { BAD_VALUE, badHeader, controlCharacterMessage, HOP_HEADER, inspectHeaders, withoutHopHeaders } from './response-checks';
import { UNMATCHED } from './outcome';
import { peerCheck } from './peer-check';
import type { PendingRequest } from './pending';
import { INTERNAL_ERROR, PlainAnswer, plainBody, plainHeaders, RETRY_LATER } from './plain-answers';
import type { RouteInfo } from './routes';
import type { ServingState } from './serving';
import { isBodiless, statusLine } from './status';
import { TLS_CIPHERS } from './tls-policy';
import { formatClient, TrustedProxies } from './trusted-proxies';
import { uwsHead } from './uws-head';


// The only methods uWebSockets.js parses; it closes the connection on others.
export const UWS_METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'CONNECT', 'TRACE']);


export function writeResponse(
  res: HttpResponse,
  status: number,
  headers: readonly string[] | undefined,
  body: Buffer | string,
  head: boolean,
  close = false,
): void {
  // uWS writes "200 OK" itself when no status was set: one native call fewer.
  if (status !== 200) res.writeStatus(statusLine(status));
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

// What the next res.cork() call writes: set just before it, read inside it.
// cork runs its callback synchronously, so one module-level function serves
// every response instead of a new closure each time.
let corked: { res: HttpResponse; status: number; headers: readonly string[] | undefined; body: Buffer | string; head: boolean; close: boolean };
function writeCorked(): void {
  writeResponse(corked.res, corked.status, corked.headers, corked.body, corked.head, corked.close);
}

// True while uWS runs onRequest: writes there need no cork of their own.
let inRequestCallback = false;

class UwsPending implements PendingRequest {
  done = false;

  constructor(
    readonly res: HttpResponse,
    readonly head: boolean,
    readonly route: RouteInfo,
    readonly method: string,
    readonly path: string,
    readonly started: number,
    readonly deadline: number,
    readonly client: string | undefined,
    private readonly state: ServingState,
  ) {}

  send(status: number, headers: readonly string[] | undefined, body: Buffer | string): void {
    this.done = true;
    // While draining, each answer closes its connection so clients reconnect elsewhere.
    let close = this.state.draining;
    const flags = headers === undefined ? 0 : inspectHeaders(headers);
    if (flags & BAD_VALUE) {
      this.state.log.error('siphon.handler', controlCharacterMessage(this.route.name, this.method, this.path, badHeader));
      [status, headers, body] = [INTERNAL_ERROR.status, plainHeaders(INTERNAL_ERROR), plainBody(INTERNAL_ERROR)];
    } else if (flags & HOP_HEADER) {
      const cleaned = withoutHopHeaders(headers as string[]);
      headers = cleaned.headers;
      close ||= cleaned.close;
    }
    // Inside uWS's request callback (a handler run inline) writes are corked
    // already; anywhere else they are corked here, into one send.
    if (inRequestCallback) {
      writeResponse(this.res, status, headers, body, this.head, close);
      return;
    }
    corked = { res: this.res, status, headers, body, head: this.head, close };
    this.res.cork(writeCorked);
  }
}

export class UwsListener {
  private listenSocket: us_listen_socket | undefined;
  app: TemplatedApp | undefined; // kept referenced for the listener's lifetime
  port = 0;
  readonly engine = 'uWebSockets.js (http/1.1)';
  private readonly proxies: TrustedProxies;
  private readonly endpoints: Map<string, Endpoint>;

  constructor(
    private readonly uws: Uws,
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

  listen(): Promise<void> {
    const { config, uws } = this;
    const app = config.tls
      ? uws.SSLApp({ cert_file_name: config.tls.certPath, key_file_name: config.tls.keyPath, ssl_ciphers: TLS_CIPHERS })
      : uws.App();
    app.any('/*', (res, req) => this.onRequest(res, req));
    this.app = app;
    return new Promise((resolve, reject) => {
      // Supervised children share the port on purpose (the parent checked it was free).
      listenOn(uws, app, config.host, config.port, isSupervisedChild(), (socket) => {
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

  // Stops accepting: the port closes at once. Open connections live on.
  close(): void {
    if (this.listenSocket) this.uws.us_listen_socket_close(this.listenSocket);
    this.listenSocket = undefined;
  }

  // Closes every connection left (idle keep-alives, once nothing is in flight).
  closeConnections(): void {
    (this.app as unknown as { close?: () => void } | undefined)?.close?.();
  }

  private onRequest(res: HttpResponse, req: HttpRequest): void {
    inRequestCallback = true;
    try {
      this.handle(res, req);
    } finally {
      inRequestCallback = false;
    }
  }

  private handle(res: HttpResponse, req: HttpRequest): void {
    const { config, state } = this;
    const request = uwsHead.read(req, state.addon);
    const { path } = request;
    const started = performance.now();

    const endpoint = this.endpoints.get(path);
    if (endpoint && (request.method === 'GET' || request.method === 'HEAD')) {
      this.answerEndpoint(res, request, endpoint);
      return;
    }
    const verdict = admit(config, state.table, request);
    if (!verdict.ok) {
      this.reject(res, request, started, verdict.answer, verdict.close || state.draining, verdict.route);
      return;
    }
    const { match, route } = verdict;
    const client = this.clientFor(res, request.forwardedFor);
    const reported = client ?? (state.wantsClient ? this.peerText(res) : undefined);
    const pending = new UwsPending(res, request.method === 'HEAD', route, request.method, path, started, started + config.requestTimeoutMs, reported, state);
    if (!verdict.hasBody) {
      this.submit(pending, match, request, request.staged ? null : request.headers, undefined, client);
      // Answered already when the handler ran inline (nothing to abort);
      // else uWS needs the abort handler before this callback returns.
      if (!pending.done) res.onAborted(() => (pending.done = true));
      return;
    }
    res.onAborted(() => {
      pending.done = true;
    });
    // The body comes after this callback: keep the natively read head for it.
    const headers = request.staged ? (state.addon.keepStaged() ?? null) : request.headers;
    let body: BodyCollector | undefined;
    res.onData((chunk, isLast) => {
      if (pending.done) return;
      if (isLast && body === undefined) {
        // The whole body in one chunk (the usual case): the addon copies it
        // before uWS neuters it, with no JS buffer in between.
        if (chunk.byteLength > config.maxBodyBytes) this.tooLarge(pending, request, route);
        else this.submit(pending, match, request, headers, chunk, client);
        return;
      }
      body ??= new BodyCollector(verdict.declared, config.maxBodyBytes);
      // uWS neuters the chunk after this call; push() copies it. (uWS frames
      // bodies by Content-Length itself, so only the limit can be exceeded.)
      if (body.push(new Uint8Array(chunk)) !== 0) return this.tooLarge(pending, request, route);
      if (isLast) this.submit(pending, match, request, headers, body.finish(), client);
    });
  }

  // undefined: the addon reads the peer from the socket; else the client to report.
  private clientFor(res: HttpResponse, forwarded: string | undefined): string | undefined {
    if (forwarded !== undefined && !this.proxies.empty) {
      const viaProxy = this.proxies.clientFor(Buffer.from(res.getRemoteAddressAsText()).toString(), forwarded);
      if (viaProxy !== undefined) return viaProxy;
    }
    return peerCheck.clientFor(res, this.state.addon);
  }

  private peerText(res: HttpResponse): string {
    return this.state.addon.peerAddress(res) ?? formatClient(Buffer.from(res.getRemoteAddressAsText()).toString(), 0);
  }

  private tooLarge(pending: UwsPending, request: RequestHead, route: RouteInfo): void {
    pending.done = true;
    this.reject(pending.res, request, pending.started, PAYLOAD_TOO_LARGE, true, route);
  }

  private submit(
    pending: UwsPending,
    match: FoundMatch,
    request: RequestHead,
    headers: Parameters<Addon['submit']>[5],
    body: Buffer | ArrayBuffer | undefined,
    client: string | undefined,
  ): void {
    const accepted = this.state.inflight.submit(pending, match.route, request.query, headers, body, match.params, client ? undefined : pending.res, client);
    if (!accepted) {
      pending.done = true;
      pending.res.cork(() =>
        this.reject(pending.res, request, pending.started, RETRY_LATER, false, pending.route),
      );
    }
  }

  private reject(res: HttpResponse, request: RequestHead, started: number, answer: PlainAnswer, close: boolean, route?: RouteInfo): void {
    const body = plainBody(answer);
    // Read before writing: uWS invalidates the response object once it has ended.
    const client = this.state.wantsClient ? this.peerText(res) : undefined;
    const headers = plainHeaders(answer);
    const { status } = answer;
    if (close) refuseLater(res, () => writeResponse(res, status, headers, body, request.method === 'HEAD', true));
    else writeResponse(res, status, headers, body, request.method === 'HEAD', false);
    this.state.observe?.({
      route: route?.path ?? UNMATCHED,
      method: request.method,
      path: request.path,
      status,
      bytes: request.method === 'HEAD' ? 0 : body.length,
      durationMs: performance.now() - started,
      client,
    });
  }

  // Health and metrics answers are not counted in the request metrics: probes would drown them.
  private answerEndpoint(res: HttpResponse, request: RequestHead, endpoint: Endpoint): void {
    const answer = endpoint();
    const write = ({ status, headers, body }: EndpointAnswer) =>
      writeResponse(res, status, headers, body, request.method === 'HEAD', this.state.draining);
    if (!(answer instanceof Promise)) return write(answer);
    let gone = false;
    res.onAborted(() => {
      gone = true;
    });
    answer.then(
      (ready) => !gone && res.cork(() => write(ready)),
      (err: unknown) => !gone && res.cork(() => write({ status: 500, headers: plainHeaders(INTERNAL_ERROR), body: `${(err as Error).message}\n` })),
    );
  }
}

// A refusal that closes the connection is written on the next turn of the
// event loop, never from inside uWS's parser. Once a response is written, uWS
// goes on parsing whatever followed it in the same read -- and would serve a
// request smuggled behind, say, a refused Content-Length -- even when that
// response said "Connection: close". A request still unanswered when the next
// one is parsed makes uWS close the connection instead. So: the refusal goes
// out alone and closes the connection, or, when more requests were already
// queued behind the refused one, the connection is closed without answers.
function refuseLater(res: HttpResponse, write: () => void): void {
  let gone = false;
  res.onAborted(() => {
    gone = true;
  });
  setImmediate(() => {
    if (!gone) res.cork(write);
  });
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
