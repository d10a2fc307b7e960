// Hostile input, part 2: size limits and hostile paths (issue 8), on both
// engines. Limits: request line, header bytes and count, declared and
// undeclared bodies. Paths: dot segments, encoded slashes, NUL, double
// encoding, overlong and invalid UTF-8, lone '%': a handler sees exactly the
// path that was sent, decoding never fails, and a route is matched on the
// path as sent (never on a decoded or normalised one).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { ENGINES, HOSTILE_SCRIPT, assertHealthy, assertNoInternalErrors, assertNothingStuck, exchange, hits, rssMiB, sleep, twoEngines, verdict } from './helpers/hostile.mjs';
import { startSiphon } from './helpers/siphon.mjs';

const get = (target, headers = []) => `GET ${target} HTTP/1.1\r\nHost: x\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n`;
const fields = (n) => Array.from({ length: n }, (_, i) => `X-F${i}: v`);

// The server's percent-decoding: %XX pairs become bytes, anything else stays
// as is, and the bytes are read as UTF-8 with U+FFFD for invalid sequences.
function decode(text, plusIsSpace = false) {
  const bytes = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '%' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(plusIsSpace && c === '+' ? ' ' : c));
  }
  return new TextDecoder().decode(Buffer.from(bytes));
}

function parseQuery(query) {
  const out = {};
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decode(eq < 0 ? pair : pair.slice(0, eq), true);
    out[name] = decode(eq < 0 ? '' : pair.slice(eq + 1), true); // a repeated key: the last value wins
  }
  return out;
}

function answer(result) {
  const end = result.text.indexOf('\r\n\r\n');
  return JSON.parse(result.data.subarray(end + 4).toString('utf8'));
}

// [name, bytes(key) or { parts, gapMs }, { uws, node }, reaches: { uws?, node? }]
const LIMITS = [
  ['a 20 KiB request line (max_header_bytes 16384)', (k) => get(`/count/${k}?${'q'.repeat(20 * 1024)}`), { uws: 431, node: 431 }],
  ['a 10 KiB request line in one write', (k) => get(`/count/${k}?${'q'.repeat(10 * 1024)}`), { uws: 200, node: 200 }, { uws: 1, node: 1 }],
  // uWS keeps at most 4 KiB of an unfinished head between reads (engine limit).
  ['a 10 KiB request line in 1 KiB writes', (k) => ({ parts: get(`/count/${k}?${'q'.repeat(10 * 1024)}`).match(/[^]{1,1024}/g), gapMs: 30 }), { uws: 'closed', node: 200 }, { node: 1 }],
  ['one 20 KiB header value', (k) => get(`/count/${k}`, [`X-Big: ${'b'.repeat(20 * 1024)}`]), { uws: 431, node: 431 }],
  ['15 KiB of headers in ten fields (under the limit)', (k) => get(`/count/${k}`, Array.from({ length: 10 }, (_, i) => `X-${i}: ${'h'.repeat(1500)}`)), { uws: 200, node: 200 }, { uws: 1, node: 1 }],
  ['48 header fields (the most uWS parses)', (k) => get(`/count/${k}`, fields(47)), { uws: 200, node: 200 }, { uws: 1, node: 1 }],
  // uWS cannot parse more than 48 fields and waits for its idle timeout (engine limit).
  ['49 header fields', (k) => get(`/count/${k}`, fields(48)), { uws: 'stall', node: 200 }, { node: 1 }],
  ['150 header fields (over the 100-field limit)', (k) => get(`/count/${k}`, fields(149)), { uws: 'stall', node: 431 }],
  ['5,000 header fields (40 KiB)', (k) => get(`/count/${k}`, fields(5000)), { uws: 'closed', node: 431 }],
  ['a body over max_body_bytes, declared', (k) => `POST /count/${k} HTTP/1.1\r\nHost: x\r\nContent-Length: 20000\r\n\r\n${'x'.repeat(20000)}`, { uws: 413, node: 413 }],
  ['a body at max_body_bytes, declared', (k) => `POST /count/${k} HTTP/1.1\r\nHost: x\r\nContent-Length: 16384\r\n\r\n${'x'.repeat(16384)}`, { uws: 200, node: 200 }, { uws: 1, node: 1 }],
  ['a chunked body growing over max_body_bytes', (k) => `POST /count/${k} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${'1000\r\n'.concat('c'.repeat(4096), '\r\n').repeat(5)}0\r\n\r\n`, { uws: 413, node: 413 }],
  ['a chunked body of 16,384 one-byte chunks', (k) => `POST /count/${k} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${'1\r\nc\r\n'.repeat(16384)}0\r\n\r\n`, { uws: 200, node: 200 }, { uws: 1, node: 1 }],
];

// [target, { status, route?, params?, query? }]; `path` is always the target without the query.
const PATHS = [
  ['/files/../count', { status: 200, route: 'catch-all', params: { rest: '../count' } }],
  ['/files/%2e%2e/count', { status: 200, route: 'catch-all', params: { rest: '../count' } }],
  ['/p/..%2fcount', { status: 200, route: 'param', params: { x: '../count' } }],
  ['/p/%2e%2e', { status: 200, route: 'param', params: { x: '..' } }],
  ['/p/a%2fb', { status: 200, route: 'param', params: { x: 'a/b' } }],
  ['/p/a%2Fb%2F..%2F..', { status: 200, route: 'param', params: { x: 'a/b/../..' } }],
  ['/p/%00', { status: 200, route: 'param', params: { x: '\0' } }],
  ['/p/a%00.py', { status: 200, route: 'param', params: { x: 'a\0.py' } }],
  ['/p/%252e%252e', { status: 200, route: 'param', params: { x: '%2e%2e' } }],
  ['/p/%c0%ae%c0%ae', { status: 200, route: 'param' }],
  ['/p/%e0%80%ae', { status: 200, route: 'param' }],
  ['/p/%', { status: 200, route: 'param', params: { x: '%' } }],
  ['/p/%%', { status: 200, route: 'param', params: { x: '%%' } }],
  ['/p/%zz', { status: 200, route: 'param', params: { x: '%zz' } }],
  ['/p/%4', { status: 200, route: 'param', params: { x: '%4' } }],
  ['/p/a%', { status: 200, route: 'param', params: { x: 'a%' } }],
  ['/p/%ff%fe', { status: 200, route: 'param' }],
  ['/p/%e2%82', { status: 200, route: 'param' }],
  ['/p/%ed%a0%80', { status: 200, route: 'param' }],
  ['/p/%f4%90%80%80', { status: 200, route: 'param' }],
  ['/p/%f0%9f%98%80', { status: 200, route: 'param', params: { x: '😀' } }],
  ['/p/caf%C3%A9', { status: 200, route: 'param', params: { x: 'café' } }],
  ['/p/..\\count', { status: 200, route: 'param', params: { x: '..\\count' } }],
  ['/p/fixed', { status: 200, route: 'static' }],
  ['/p/fixe%64', { status: 200, route: 'param', params: { x: 'fixed' } }],
  ['/p/%66ixed', { status: 200, route: 'param', params: { x: 'fixed' } }],
  ['/p/x?a=%ff&b=%&c=%2&d=1+2%2B3&a=second&&=e&f', { status: 200, route: 'param' }],
  ['/p/x?%00=%00', { status: 200, route: 'param' }],
  ['/p/x?a=%c0%ae', { status: 200, route: 'param' }],
  ['//count', { status: 404 }],
  ['/./count', { status: 404 }],
  ['/count/../seen', { status: 404 }],
  ['/%63ount', { status: 404 }],
  [`/p/${'s'.repeat(8000)}`, { status: 200, route: 'param' }],
  [`/files/${'a/'.repeat(2000)}end`, { status: 200, route: 'catch-all' }],
  // Raw bytes a target may not carry are refused before routing.
  ['/p/caf\xc3\xa9', { status: 400 }],
  ['/p/\xff', { status: 400 }],
  ['/p/a\x7fb', { status: 400 }],
  ['/p/a#b', { status: 400 }],
  ['/p/x?q=\xe9', { status: 400 }],
  ['/p/x?q=a#frag', { status: 400 }],
];

describe('limits and paths', () => {
  let siphon;
  const limitResults = new Map();
  before(async () => {
    siphon = await startSiphon({ script: HOSTILE_SCRIPT, http: twoEngines({ extra: ['max_body_bytes: 16384'] }) });
    await Promise.all(
      ENGINES.flatMap(([engine, index]) =>
        LIMITS.map(async ([name, bytes], i) => {
          const key = `${engine}-l${i}`;
          const spec = bytes(key);
          const { parts, gapMs } = typeof spec === 'string' ? { parts: spec } : spec;
          limitResults.set(`${engine} ${name}`, { result: await exchange(siphon.urls[index], parts, { gapMs, idleMs: 1000 }), key });
        }),
      ),
    );
  });
  after(() => siphon?.stop());

  for (const [engine, index] of ENGINES) {
    describe(`${engine === 'uws' ? 'uWebSockets.js' : 'node:http'} engine: limits`, () => {
      LIMITS.forEach(([name, , expected, reaches = {}]) => {
        const want = expected[engine];
        it(`${name}: ${typeof want === 'number' ? want : want === 'closed' ? 'connection closed' : 'stalls until the engine timeout (engine limit)'}`, async () => {
          const { result, key } = limitResults.get(`${engine} ${name}`);
          assert.equal(verdict(result), want, result.text.slice(0, 200));
          if (typeof want === 'number' && want >= 400) assert.ok(result.closed, 'the connection is closed after a refusal');
          const seen = await hits(siphon.url);
          assert.equal(seen[`/count/${key}`] ?? 0, reaches[engine] ?? 0, 'handler calls');
        });
      });

      it('an endless chunked body: 413 and the connection closed while the client still sends', async () => {
        const url = new URL(siphon.urls[index]);
        const net = await import('node:net');
        const pid = siphon.child.pid;
        const rssBefore = rssMiB(pid);
        const outcome = await new Promise((resolve) => {
          const socket = net.connect(Number(url.port), url.hostname);
          let sent = 0;
          let text = '';
          const chunk = Buffer.from(`400\r\n${'e'.repeat(1024)}\r\n`);
          const stop = (how) => {
            clearInterval(pump);
            socket.destroy();
            resolve({ how, sent, text });
          };
          let pump;
          socket.on('connect', () => {
            socket.write(`POST /count/${engine}-endless HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n`);
            pump = setInterval(() => {
              for (let i = 0; i < 64 && !socket.destroyed; i++) {
                socket.write(chunk);
                sent += chunk.length;
              }
              if (sent > 64 * 1024 * 1024) stop('still accepting after 64 MiB');
            }, 1);
          });
          socket.on('data', (c) => (text += c.toString('latin1')));
          socket.on('error', () => stop('closed'));
          socket.on('close', () => stop('closed'));
        });
        assert.equal(outcome.how, 'closed');
        // The server closes right after its 413, so a client still sending may see a reset first.
        if (outcome.text !== '') assert.match(outcome.text, /^HTTP\/1\.1 413 /);
        assert.ok(outcome.sent < 16 * 1024 * 1024, `closed after ${outcome.sent} bytes`);
        assert.ok(rssMiB(pid) - rssBefore < 64, 'memory stayed bounded');
        assert.equal((await hits(siphon.url))[`/count/${engine}-endless`], undefined);
      });
    });

    describe(`${engine === 'uws' ? 'uWebSockets.js' : 'node:http'} engine: paths`, () => {
      for (const [target, expected] of PATHS) {
        const shown = JSON.stringify(target.length > 60 ? `${target.slice(0, 60)}…` : target);
        it(`${shown}: ${expected.status}${expected.route ? ` via the ${expected.route} route` : ''}`, async () => {
          const result = await exchange(siphon.urls[index], get(target, ['Connection: close']), { idleMs: 300 });
          assert.equal(verdict(result), expected.status, result.text.slice(0, 200));
          if (expected.status !== 200) {
            if (expected.status === 400) assert.ok(result.closed);
            return;
          }
          const q = target.indexOf('?');
          const sentPath = q < 0 ? target : target.slice(0, q);
          const got = answer(result);
          assert.equal(got.path, sentPath, 'req.path is the path as sent');
          if (expected.route) assert.equal(got.route, expected.route);
          if (expected.params) assert.deepEqual(got.params, expected.params);
          for (const [name, value] of Object.entries(got.params)) {
            const segment = got.route === 'catch-all' ? sentPath.slice('/files/'.length) : sentPath.slice('/p/'.length);
            assert.equal(value, decode(segment), `path_params[${name}] is the UTF-8 decoding (U+FFFD for invalid bytes)`);
          }
          assert.deepEqual(got.query, q < 0 ? {} : parseQuery(target.slice(q + 1)));
        });
      }
    });
  }

  it('never routes a dot segment or an encoded path to another handler', async () => {
    const seen = await hits(siphon.url);
    assert.equal(seen['/count'], undefined, '/count was never reached through ../ or %2e%2e');
  });

  it('property test (Hypothesis): any percent-encoded path is echoed exactly and decodes like urllib', () => {
    const script = path.join(import.meta.dirname, 'fuzz', 'paths_property.py');
    const examples = process.env.SIPHON_SOAK ? '5000' : '300';
    for (const url of siphon.urls) {
      const run = spawnSync('/usr/bin/python3', [script, url, examples], { encoding: 'utf8', timeout: 120000, cwd: os.tmpdir() });
      assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
      assert.match(run.stdout, /ok: \d+ examples/);
    }
  });

  it('answers ordinary requests afterwards, with nothing stuck and no internal error', async () => {
    await sleep(100);
    for (const url of siphon.urls) await assertHealthy(siphon, url);
    await assertNothingStuck(siphon);
    assertNoInternalErrors(siphon);
  });
});
