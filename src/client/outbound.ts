// The outbound side of http.Client: one undici Agent (a pool per origin) for
// each named client in http.yaml, shared by every worker thread, plus the
// inline clients scripts create. Calls arrive from Python through the
// completion bridge and their outcomes go back through the addon.
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { Agent, Dispatcher } from 'undici';

import type { ClientConfig } from '../config';
import type { Logger } from '../log';
import type { HostCallReply, HostService } from '../host-calls';
import { BodyFailure, classify, MAX_RESPONSE_BYTES } from './errors';

// A named client's config, or an inline client's settings, plus a name for logs.
type ClientSettings = Omit<ClientConfig, 'name'> & { label: string };

interface InlineSettingsJson {
  base_url?: string | null;
  verify?: string | null;
  cert?: string | null;
  key?: string | null;
  timeout_ms?: number;
  http2_prior_knowledge?: boolean;
}

function tooLarge(): Error {
  return Object.assign(new Error('response larger than the limit'), { code: 'UND_ERR_RES_EXCEEDED_MAX_SIZE' });
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
    body.destroy();
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

class OutboundClient {
  private agent: Agent | undefined;
  private inflight = 0;
  private closing = false;

  constructor(readonly settings: ClientSettings) {}

  private pool(): Agent {
    if (this.agent) return this.agent;
    const { settings } = this;
    const read = (file: string | undefined, what: string) => {
      if (file === undefined) return undefined;
      const absolute = path.resolve(file);
      try {
        return fs.readFileSync(absolute);
      } catch (err) {
        throw Object.assign(new Error(`cannot read ${what} ${absolute}: ${(err as NodeJS.ErrnoException).code ?? err}`), { code: 'SIPHON_CLIENT_FILE' });
      }
    };
    const cert = read(settings.cert, 'client certificate');
    this.agent = new (undici().Agent)({
      connections: settings.poolSize,
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
    });
    return this.agent;
  }

  async send(method: string, url: URL, headers: string[], body: Buffer, timeoutMs: number): Promise<{ status: number; headers: string[]; body: Buffer }> {
    this.inflight++;
    try {
      const response = await this.pool().request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: method as 'GET',
        headers,
        body: body.length > 0 || !['GET', 'HEAD', 'DELETE', 'OPTIONS'].includes(method) ? body : undefined,
        signal: AbortSignal.timeout(timeoutMs),
      });
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
    if (this.inflight > 0 || !this.agent) return;
    const agent = this.agent;
    this.agent = undefined;
    await agent.close().catch(() => undefined);
  }
}

// The "client" host service: http.Client calls from Python.
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
  describe(): string {
    const out: Record<string, { base_url?: string; timeout_ms: number }> = {};
    for (const [name, client] of this.named) out[name] = { base_url: client.settings.baseUrl, timeout_ms: client.settings.timeoutMs };
    return JSON.stringify(out);
  }

  define(id: number, json: string): void {
    const raw = JSON.parse(json) as InlineSettingsJson;
    this.inline.set(id, new OutboundClient({
      label: raw.base_url ?? `inline #${id}`,
      baseUrl: raw.base_url ?? undefined,
      timeoutMs: raw.timeout_ms ?? 5000,
      verify: raw.verify ?? undefined,
      cert: raw.cert ?? undefined,
      key: raw.key ?? undefined,
      poolSize: 8,
      http2PriorKnowledge: raw.http2_prior_knowledge ?? false,
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
      reply.failed('unknown_client', `no client ${key} (closed, or not in http.yaml)`);
      return;
    }
    let url: URL;
    try {
      url = new URL(rawUrl);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`unsupported scheme ${url.protocol}`);
    } catch (err) {
      reply.failed('error', `invalid URL ${JSON.stringify(rawUrl)}: ${(err as Error).message}`);
      return;
    }
    const timeout = timeoutMs > 0 ? timeoutMs : client.settings.timeoutMs;
    client.send(method, url, headers, body, timeout).then(
      (result) => reply.done(result.status, result.headers, result.body),
      (err: unknown) => {
        const failure = (err as { code?: string }).code === 'SIPHON_CLIENT_FILE'
          ? { kind: 'error' as const, message: (err as Error).message }
          : classify(err, url, timeout);
        this.log.debug('siphon.client', `${method} ${url.origin}${url.pathname} via ${client.settings.label}: ${failure.message}`);
        reply.failed(failure.kind, failure.message);
      },
    );
  }
}
