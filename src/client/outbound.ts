// The outbound side of http.Client: the connection pools of each named
// client in http.yaml, shared by every worker thread, plus those of the
// inline clients scripts create. Calls arrive from Python through the
// completion bridge and their outcomes go back through the addon.
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { Agent, Dispatcher } from 'undici';

import type { ClientConfig } from '../config';
import type { Logger } from '../log';
import type { HostCallReply, HostService } from '../host-calls';
import { DEFAULT_TIMEOUT_MS, Failure, failure, INLINE_POOL_SIZE, MAX_REDIRECTS } from './contract';
import { BodyFailure, classify, MAX_RESPONSE_BYTES, TooManyRedirects } from './errors';

// A named client's config, or an inline client's settings, plus a name for logs.
type ClientSettings = Omit<ClientConfig, 'name'> & { label: string };

interface InlineSettingsJson {
  base_url?: string | null;
  verify?: string | null;
  cert?: string | null;
  key?: string | null;
  timeout_ms?: number;
  http2_prior_knowledge?: boolean;
  follow_redirects?: boolean;
}

// What a script learns about the named clients (python/siphon/_native_client.py).
export type ClientDescriptions = Record<string, { base_url?: string; timeout_ms: number }>;

// Connections opened beyond pool_size while the kept ones are all busy close
// after this long idle, so only pool_size stay open between bursts.
const OVERFLOW_IDLE_MS = 1000;

const REDIRECT_STATUSES = new Set([300, 301, 302, 303, 307, 308]);

function tooLarge(): Error {
  return Object.assign(new Error('response larger than the limit'), { code: 'UND_ERR_RES_EXCEEDED_MAX_SIZE' });
}

// Drops an answer's body unread. undici reports the abort as an 'error' event,
// which would end the process with nobody listening.
function discard(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => undefined);
  body.destroy();
}

// The body, refused past MAX_RESPONSE_BYTES. undici's maxResponseSize guards
// HTTP/1.1 only: an HTTP/2 upstream (ALPN) could otherwise fill the memory.
// undici is loaded on the first outbound call: a process that makes none
// keeps ~19 MB of RSS (docs/performance.md "Memory").
let loaded: typeof import('undici') | undefined;
function undici(): typeof import('undici') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= require('undici') as typeof import('undici');
  return loaded;
}

async function readCapped(response: Dispatcher.ResponseData): Promise<Buffer> {
  const { body } = response;
  const declared = Number(response.headers['content-length']);
  if (declared > MAX_RESPONSE_BYTES) {
    discard(body);
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_RESPONSE_BYTES) {
      body.destroy();
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

class FileProblem extends Error {
  constructor(readonly failure: Failure) {
    super(failure.message);
  }
}

// The two pools of one client: `kept` holds up to pool_size connections per
// origin open between requests; `overflow` takes a request when every kept
// connection is busy, so pool_size never caps how many run at once (reqwest's
// pool_max_idle_per_host, which the Rust siphon-http's pool_size is).
interface Pools {
  kept: Agent;
  keptDispatch: Dispatcher;
  overflow: Agent;
  overflowDispatch: Dispatcher;
}

class OutboundClient {
  private pools: Pools | undefined;
  private inflight = 0;
  private closing = false;

  constructor(readonly settings: ClientSettings) {}

  private open(): Pools {
    if (this.pools) return this.pools;
    const { settings } = this;
    const read = (file: string | undefined, what: string) => {
      if (file === undefined) return undefined;
      const absolute = path.resolve(file);
      try {
        return fs.readFileSync(absolute);
      } catch (err) {
        throw new FileProblem(failure('unreadable_file', { what, path: absolute, code: (err as NodeJS.ErrnoException).code ?? String(err) }));
      }
    };
    const cert = read(settings.cert, 'client certificate');
    const options: Agent.Options = {
      allowH2: true,
      maxResponseSize: MAX_RESPONSE_BYTES,
      headersTimeout: settings.timeoutMs,
      bodyTimeout: settings.timeoutMs,
      connect: {
        timeout: settings.timeoutMs,
        ca: read(settings.verify, 'CA bundle'),
        cert,
        // A combined PEM carries the key too: Node picks the key block out of it.
        key: settings.key !== undefined ? read(settings.key, 'client key') : cert,
        rejectUnauthorized: true,
        // Pool builds its connector from these options alone, so h2c has to
        // be asked for here rather than beside allowH2.
        ...(settings.http2PriorKnowledge ? { useH2c: true } : {}),
      } as Agent.Options['connect'],
    };
    const { Agent: UndiciAgent, interceptors } = undici();
    const kept = new UndiciAgent({ ...options, connections: settings.poolSize });
    const overflow = new UndiciAgent({ ...options, keepAliveTimeout: OVERFLOW_IDLE_MS, keepAliveMaxTimeout: OVERFLOW_IDLE_MS });
    // undici's redirect handler drops Authorization, Cookie and Proxy-Authorization
    // when the origin changes, and turns 303 (and 301/302 after POST) into GET, as reqwest does.
    const follow = (agent: Agent): Dispatcher =>
      settings.followRedirects ? agent.compose(interceptors.redirect({ maxRedirections: MAX_REDIRECTS })) : agent;
    this.pools = { kept, keptDispatch: follow(kept), overflow, overflowDispatch: follow(overflow) };
    return this.pools;
  }

  // The kept pool while it has a free connection or room for another.
  private dispatcherFor(pools: Pools, origin: string): Dispatcher {
    const stats = pools.kept.stats[origin] as { free?: number; size?: number } | undefined;
    if (!stats || (stats.free ?? 0) > 0 || (stats.size ?? 0) < this.settings.poolSize) return pools.keptDispatch;
    return pools.overflowDispatch;
  }

  async send(method: string, url: URL, headers: string[], body: Buffer, timeoutMs: number): Promise<{ status: number; headers: string[]; body: Buffer }> {
    this.inflight++;
    try {
      const pools = this.open();
      const response = await this.dispatcherFor(pools, url.origin).request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: method as 'GET',
        headers,
        body: body.length > 0 || !['GET', 'HEAD', 'DELETE', 'OPTIONS'].includes(method) ? body : undefined,
        signal: AbortSignal.timeout(timeoutMs),
      });
      // The redirect handler hands back a redirect it may not follow: that was one hop too many.
      if (this.settings.followRedirects && REDIRECT_STATUSES.has(response.statusCode) && response.headers.location !== undefined) {
        discard(response.body);
        throw new TooManyRedirects();
      }
      let payload: Buffer;
      try {
        payload = await readCapped(response);
      } catch (err) {
        throw new BodyFailure(err);
      }
      const flat: string[] = [];
      for (const [name, value] of Object.entries(response.headers)) {
        if (value === undefined) continue;
        if (Array.isArray(value)) for (const item of value) flat.push(name, item);
        else flat.push(name, value);
      }
      return { status: response.statusCode, headers: flat, body: payload };
    } finally {
      this.inflight--;
      if (this.closing && this.inflight === 0) void this.close();
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.inflight > 0 || !this.pools) return;
    const { kept, overflow } = this.pools;
    this.pools = undefined;
    await Promise.all([kept.close().catch(() => undefined), overflow.close().catch(() => undefined)]);
  }
}

// The "client" host service: http.Client calls from Python.
function fail(reply: HostCallReply, outcome: Failure): void {
  reply.failed(outcome.kind, outcome.message);
}

export class OutboundClients implements HostService {
  private readonly named = new Map<string, OutboundClient>();
  private readonly inline = new Map<number, OutboundClient>();

  constructor(
    configs: readonly ClientConfig[],
    private readonly log: Logger,
  ) {
    for (const config of configs) {
      this.named.set(config.name, new OutboundClient({ label: config.name, ...config }));
    }
  }

  // What Python needs to know about the named clients.
  describe(): ClientDescriptions {
    const out: ClientDescriptions = {};
    for (const [name, client] of this.named) out[name] = { base_url: client.settings.baseUrl, timeout_ms: client.settings.timeoutMs };
    return out;
  }

  define(id: number, json: string): void {
    const raw = JSON.parse(json) as InlineSettingsJson;
    this.inline.set(id, new OutboundClient({
      label: raw.base_url ?? `inline #${id}`,
      baseUrl: raw.base_url ?? undefined,
      timeoutMs: raw.timeout_ms ?? DEFAULT_TIMEOUT_MS,
      verify: raw.verify ?? undefined,
      cert: raw.cert ?? undefined,
      key: raw.key ?? undefined,
      poolSize: INLINE_POOL_SIZE,
      http2PriorKnowledge: raw.http2_prior_knowledge ?? false,
      followRedirects: raw.follow_redirects ?? true,
    }));
  }

  close(id: number): void {
    const client = this.inline.get(id);
    this.inline.delete(id);
    void client?.close();
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.named.values(), ...this.inline.values()].map((c) => c.close()));
  }

  // args: [client key, method, url, name0, value0, ...] (python/siphon/_client.py).
  call(args: string[], body: Buffer, timeoutMs: number, reply: HostCallReply): void {
    const [key, method, rawUrl] = args;
    const headers = args.slice(3);
    const client = key.startsWith('#') ? this.inline.get(Number(key.slice(1))) : this.named.get(key);
    if (!client) {
      fail(reply, failure('no_such_client', { key }));
      return;
    }
    let url: URL;
    try {
      url = new URL(rawUrl);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`unsupported scheme ${url.protocol}`);
    } catch (err) {
      fail(reply, failure('invalid_url', { url: JSON.stringify(rawUrl), detail: (err as Error).message }));
      return;
    }
    const timeout = timeoutMs > 0 ? timeoutMs : client.settings.timeoutMs;
    client.send(method, url, headers, body, timeout).then(
      (result) => reply.done(result.status, result.headers, result.body),
      (err: unknown) => {
        const outcome = err instanceof FileProblem ? err.failure : classify(err, url, timeout);
        this.log.debug('siphon.client', `${method} ${url.origin}${url.pathname} via ${client.settings.label}: ${outcome.message}`);
        fail(reply, outcome);
      },
    );
  }
}
