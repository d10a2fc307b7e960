// Reads a uWebSockets.js request head. The addon can read it natively
// (native/js_uws.h): one call instead of a JS callback and two strings per
// header, and the headers go straight into the record Python gets, never
// becoming JS strings. That depends on a memory layout the uWS.js binary does
// not promise, so the first requests are read both ways and compared; on any
// difference siphon reads every request through uWS's own accessors from then
// on, and says so once.
import type { HttpRequest } from 'uWebSockets.js';

import type { Addon } from '../addon/addon';
import { logger } from '../log';
import { addHeader, newRequestHead, RequestHead } from './admission';

// uWS.js gives methods lower-case.
const METHODS: Record<string, string> = {
  get: 'GET', post: 'POST', put: 'PUT', patch: 'PATCH', delete: 'DELETE', head: 'HEAD', options: 'OPTIONS',
};

// Requests compared both ways before the native reading is trusted.
const CHECKS = 16;

// A head whose headers stay in the addon (`headers` is empty): submit passes
// null for them, or a kept handle when the body comes later.
export interface UwsRequestHead extends RequestHead {
  staged: boolean;
}

// Scratch for the JS header walk: a module-level callback avoids a closure per request.
let walking: RequestHead;
function collectHeader(name: string, value: string): void {
  addHeader(walking, name, value);
}

function readInJs(req: HttpRequest): UwsRequestHead {
  const rawMethod = req.getMethod();
  walking = newRequestHead(METHODS[rawMethod] ?? rawMethod.toUpperCase(), req.getUrl(), req.getQuery() ?? '', false);
  req.forEach(collectHeader);
  return Object.assign(walking, { staged: false });
}

function readNatively(req: HttpRequest, addon: Addon): UwsRequestHead | undefined {
  const read = addon.readRequest(req);
  if (!read) return undefined;
  const [method, path, query, host, contentLength, transferEncoding, forwardedFor, fields, bytes, hosts, contentLengths, transferEncodings] = read;
  return {
    method,
    path,
    query,
    headers: [],
    headerCount: fields,
    headerBytes: bytes,
    contentLength: contentLength ?? '',
    contentLengths,
    transferEncoding: transferEncoding ?? '',
    transferEncodings,
    host: host ?? '',
    hosts,
    forwardedFor,
    http10: false,
    staged: true,
  };
}

function differences(native: UwsRequestHead, js: UwsRequestHead, nativeHeaders: string[]): string[] {
  const out: string[] = [];
  const keys = ['method', 'path', 'query', 'headerCount', 'headerBytes', 'host', 'hosts', 'contentLength', 'contentLengths', 'transferEncoding', 'transferEncodings', 'forwardedFor'] as const;
  for (const key of keys) if (native[key] !== js[key]) out.push(`${key}: ${JSON.stringify(native[key])} vs ${JSON.stringify(js[key])}`);
  if (nativeHeaders.join('\n') !== js.headers.join('\n')) out.push('the header list differs');
  return out;
}

class UwsHeadReader {
  private mode: 'checking' | 'native' | 'js' = process.env.SIPHON_NATIVE_HEADERS === '0' ? 'js' : 'checking';
  private checked = 0;

  read(req: HttpRequest, addon: Addon): UwsRequestHead {
    if (this.mode === 'native') return readNatively(req, addon) ?? readInJs(req);
    if (this.mode === 'js') return readInJs(req);
    const native = readNatively(req, addon);
    const js = readInJs(req);
    if (!native) return js; // not readable this time (e.g. an unusual target): no verdict
    const diff = differences(native, js, addon.stagedHeaders());
    if (diff.length > 0) {
      this.mode = 'js';
      logger.warn('siphon.server', `reading requests natively from this uWebSockets.js build disagrees with its own accessors (${diff.join('; ')}); reading them in JavaScript from now on`);
      return js;
    }
    if (++this.checked >= CHECKS) this.mode = 'native';
    return native;
  }
}

export const uwsHead = new UwsHeadReader();
