// Shared pieces of the hostile-input suite (test/7x.*.test.mjs): a script
// whose handlers record every request that reaches them, a siphon with one
// listener per engine, and a raw exchange that reports how the server ended
// the conversation (answered, closed at once, closed after a stall, or hung).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';

import { request } from './http.mjs';
import { parseMetrics, sample } from './prometheus.mjs';

const lines = (...l) => `${l.join('\n')}\n`;

// Every route but /hits and /seen records req.path in `hits`, so a case can
// prove that nothing it sent reached a handler.
export const HOSTILE_SCRIPT = lines(
  'import asyncio, json, time',
  'from siphon import http, log',
  'hits = {}',
  'def record(req):',
  '    hits[req.path] = hits.get(req.path, 0) + 1',
  'def describe(req, **extra):',
  '    body = req.body()',
  '    return http.Response(200, headers={"content-type": "application/json"}, body=json.dumps({',
  '        "method": req.method, "path": req.path, "params": req.path_params, "query": req.query_params,',
  '        "headers": req.headers, "client": req.client, "body_len": len(body), "body": body.decode("latin-1"), **extra}))',
  'ALL = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]',
  '@http.route("/count", methods=ALL)',
  'def count(req):',
  '    record(req)',
  '    return describe(req)',
  '@http.route("/count/{key}", methods=ALL)',
  'def count_key(req):',
  '    record(req)',
  '    return describe(req)',
  '@http.route("/async/{key}", methods=ALL)',
  'async def count_async(req):',
  '    record(req)',
  '    await asyncio.sleep(0)',
  '    return describe(req)',
  '@http.route("/p/{x}", methods=ALL)',
  'def one_param(req):',
  '    record(req)',
  '    return describe(req, route="param")',
  '@http.route("/p/fixed")',
  'def fixed(req):',
  '    record(req)',
  '    return describe(req, route="static")',
  '@http.route("/files/{*rest}")',
  'def files(req):',
  '    record(req)',
  '    return describe(req, route="catch-all")',
  '@http.route("/slow/{ms}")',
  'async def slow(req):',
  '    record(req)',
  '    await asyncio.sleep(int(req.path_params["ms"]) / 1000)',
  '    return describe(req)',
  '@http.route("/big/{n}")',
  'def big(req):',
  '    record(req)',
  '    return http.Response(200, body=b"x" * int(req.path_params["n"]))',
  '@http.route("/hits")',
  'def show_hits(req):',
  '    return http.Response(200, headers={"content-type": "application/json"}, body=json.dumps(hits))',
  '@http.route("/seen")',
  'def seen(req):',
  '    return http.Response(200, body=str(sum(hits.values())))',
);

// http.yaml with a uWebSockets.js listener first (metrics on it) and a
// node:http engine listener second (`http2: true`, cleartext: HTTP/1.1 and h2c).
export function twoEngines({ extra = [], metrics = true } = {}) {
  return lines(
    'servers:',
    '  - listen: "127.0.0.1:0"',
    ...extra.map((line) => `    ${line}`),
    '  - listen: "127.0.0.1:0"',
    '    http2: true',
    ...extra.map((line) => `    ${line}`),
    ...(metrics ? ['metrics:', '  path: /metrics', '  listen: "127.0.0.1:0"'] : []),
  );
}

export const ENGINES = [
  ['uws', 0],
  ['node', 1],
];

// Writes `parts` (strings are Latin-1: every char one byte) `gapMs` apart and
// records what comes back until the server closes, `idleMs` of silence after
// an answer, or `limitMs`. `answeredMs`/`closedMs` are from the first write.
export function exchange(url, parts, { gapMs = 0, idleMs = 600, limitMs = 15000, tlsOptions, keepOpen = false } = {}) {
  const target = new URL(url);
  const chunks = (Array.isArray(parts) ? parts : [parts]).map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : p));
  return new Promise((resolve) => {
    const port = Number(target.port);
    const host = target.hostname.replace(/^\[|\]$/g, '');
    const socket = tlsOptions ? tls.connect({ host, port, ...tlsOptions }) : net.connect({ host, port });
    const data = [];
    let started = 0;
    let answeredMs;
    let idle;
    let limit;
    let error;
    let writeError;
    let done = false;
    const finish = (closed) => {
      if (done) return;
      done = true;
      clearTimeout(idle);
      clearTimeout(limit);
      const elapsed = Date.now() - started;
      socket.destroy();
      const buffer = Buffer.concat(data);
      const text = buffer.toString('latin1');
      resolve({
        data: buffer,
        text,
        closed,
        closedMs: closed ? elapsed : undefined,
        elapsedMs: elapsed,
        answeredMs,
        statuses: [...text.matchAll(/^HTTP\/1\.[01] (\d{3}) /gm)].map((m) => Number(m[1])),
        error,
        writeError,
      });
    };
    socket.once(tlsOptions ? 'secureConnect' : 'connect', async () => {
      started = Date.now();
      limit = setTimeout(() => finish(false), limitMs);
      for (const chunk of chunks) {
        if (socket.destroyed || done) break;
        socket.write(chunk, (err) => {
          if (err) writeError = err.code;
        });
        if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
      }
    });
    socket.on('data', (chunk) => {
      data.push(chunk);
      answeredMs ??= Date.now() - started;
      if (!keepOpen) {
        clearTimeout(idle);
        idle = setTimeout(() => finish(false), idleMs);
      }
    });
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', (err) => {
      error = err.code;
      finish(true);
    });
  });
}

// How a conversation ended, in one word a test table can name:
//  a status number   the first final (non-1xx) response's status;
//  'closed'          closed without a byte within 2 s;
//  'stall'           closed without a byte, but only by an engine timeout (2-15 s);
//  'hang'            still open and silent at the limit (always a failure).
export function verdict(result) {
  const final = result.statuses.find((status) => status >= 200);
  if (final !== undefined) return final;
  if (result.data.length > 0) return 'garbage';
  if (!result.closed) return 'hang';
  return result.closedMs < 2000 ? 'closed' : 'stall';
}

// What the hostile script's handlers have seen, by req.path.
export async function hits(url, options = {}) {
  const res = await request(`${url}/hits`, options);
  assert.equal(res.status, 200);
  return JSON.parse(res.text);
}

// An ordinary request is answered promptly (by a sync and an async handler).
export async function assertHealthy(siphon, url = siphon.url, options = {}) {
  assert.equal(siphon.child.exitCode, null, 'siphon is still running');
  for (const path of ['/count/healthy', '/async/healthy']) {
    const started = Date.now();
    const res = await request(`${url}${path}`, { timeoutMs: 5000, ...options });
    assert.equal(res.status, 200, `${path} answered`);
    assert.ok(Date.now() - started < 2000, `${path} answered within 2 s`);
  }
}

// Nothing left in flight anywhere: no handler or worker is stuck.
export async function assertNothingStuck(siphon, metricsUrl = `${siphon.urls[0]}/metrics`, options = {}) {
  let families;
  for (let i = 0; i < 50; i++) {
    families = parseMetrics((await request(metricsUrl, options)).text);
    const busy = sample(families, 'siphon_http_requests_inflight') + sample(families, 'siphon_pyexec_inflight') + sample(families, 'siphon_pyexec_queue_depth');
    if (busy === 0) return families;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`requests still in flight: ${JSON.stringify(['siphon_http_requests_inflight', 'siphon_pyexec_inflight', 'siphon_pyexec_queue_depth'].map((f) => families[f]?.samples))}`);
}

// No log line says the process or a worker broke.
export function assertNoInternalErrors(siphon) {
  const bad = siphon.logs.filter(
    (l) => (l.level === 'error' && l.target !== 'siphon.handler') || /uncaught|fatal|segmentation|abort|failed to deliver/i.test(l.message ?? ''),
  );
  assert.deepEqual(bad, [], 'no internal errors in the log');
}

// Resident set size of a process, in MiB.
export function rssMiB(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) / 1024;
}

export function openFds(pid) {
  return fs.readdirSync(`/proc/${pid}/fd`).length;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export { lines };
