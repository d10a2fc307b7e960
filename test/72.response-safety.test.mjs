// Hostile input, part 3: response safety (issue 8). Handlers that return
// what must never reach the wire -- CR/LF/NUL or other control characters in
// header names and values, statuses outside 100-599 or informational ones,
// their own Content-Length or Transfer-Encoding, bodies of the wrong type, a
// huge body. Every answer is read as raw bytes and checked: one well-formed
// response, one Content-Length that matches the body, no Transfer-Encoding;
// and every refused response is a 500 with an error logged for the script's author.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { ENGINES, assertHealthy, assertNoInternalErrors, assertNothingStuck, exchange, lines, rssMiB, sleep, twoEngines } from './helpers/hostile.mjs';
import { startSiphon } from './helpers/siphon.mjs';

// [case, python statements building `r` (a Response) or raising]
const BROKEN = [
  ['ctor-crlf-value', 'r = http.Response(200, headers={"x-a": "a\\r\\nSet-Cookie: evil=1"})'],
  ['ctor-bad-status', 'r = http.Response(1000)'],
  ['ctor-bad-body', 'r = http.Response(200, body=123)'],
  ['crlf-value', 'r = http.Response(200); r.headers["x-a"] = "a\\r\\nSet-Cookie: evil=1"'],
  ['lf-value', 'r = http.Response(200); r.headers["x-a"] = "a\\nSet-Cookie: evil=1"'],
  ['cr-value', 'r = http.Response(200); r.headers["x-a"] = "a\\rb"'],
  ['nul-value', 'r = http.Response(200); r.headers["x-a"] = "a\\0b"'],
  ['crlf-name', 'r = http.Response(200); r.headers["x-a\\r\\nset-cookie"] = "evil=1"'],
  ['space-name', 'r = http.Response(200); r.headers["x a"] = "1"'],
  ['colon-name', 'r = http.Response(200); r.headers["x:a"] = "1"'],
  ['empty-name', 'r = http.Response(200); r.headers[""] = "1"'],
  ['non-ascii-name', 'r = http.Response(200); r.headers["x-é"] = "1"'],
  ['int-value', 'r = http.Response(200); r.headers["x-a"] = 5'],
  ['ctl-value', 'r = http.Response(200); r.headers["x-a"] = "a\\x01b"'],
  ['del-value', 'r = http.Response(200); r.headers["x-a"] = "a\\x7fb"'],
  ['esc-value', 'r = http.Response(200); r.headers["x-a"] = "\\x1b[31mred"'],
  ['headers-not-dict', 'r = http.Response(200); r.headers = [("x-a", "1")]'],
  ['status-1000', 'r = http.Response(200); r.status = 1000'],
  ['status-99', 'r = http.Response(200); r.status = 99'],
  ['status-0', 'r = http.Response(200); r.status = 0'],
  ['status-negative', 'r = http.Response(200); r.status = -200'],
  ['status-huge', 'r = http.Response(200); r.status = 10 ** 30'],
  ['status-bool', 'r = http.Response(200); r.status = True'],
  ['status-str', 'r = http.Response(200); r.status = "200"'],
  ['status-float', 'r = http.Response(200); r.status = 200.0'],
  ['status-100', 'r = http.Response(100)'],
  ['status-101', 'r = http.Response(101, headers={"upgrade": "websocket", "connection": "upgrade"})'],
  ['status-103', 'r = http.Response(103, headers={"link": "</a.css>; rel=preload"})'],
  ['body-int', 'r = http.Response(200); r.body = 5'],
  ['body-list', 'r = http.Response(200); r.body = [b"a"]'],
  ['body-bytearray', 'r = http.Response(200); r.body = bytearray(b"abc")'],
  ['body-memoryview', 'r = http.Response(200); r.body = memoryview(b"abc")'],
  ['not-a-response', 'r = (200, {}, b"x")'],
  ['response-class', 'r = http.Response'],
];

// [case, python building `r`, what the wire must show]
const SANITISED = [
  ['own-content-length', 'r = http.Response(200, headers={"Content-Length": "99999"}, body=b"hello")', { status: 200, body: 'hello' }],
  ['own-content-length-zero', 'r = http.Response(200, headers={"content-length": "0"}, body=b"hello")', { status: 200, body: 'hello' }],
  ['own-negative-length', 'r = http.Response(200, headers={"CONTENT-LENGTH": "-1"}, body=b"hello")', { status: 200, body: 'hello' }],
  ['own-transfer-encoding', 'r = http.Response(200, headers={"Transfer-Encoding": "chunked"}, body=b"5\\r\\nhello\\r\\n0\\r\\n\\r\\n")', { status: 200, body: '5\r\nhello\r\n0\r\n\r\n' }],
  ['own-both', 'r = http.Response(200, headers={"transfer-encoding": "chunked", "content-length": "3"}, body=b"hello world")', { status: 200, body: 'hello world' }],
  ['204-with-body', 'r = http.Response(204, body=b"this must not be sent")', { status: 204, body: '', noLength: true }],
  ['304-with-body', 'r = http.Response(304, headers={"etag": "\\"x\\""}, body=b"this must not be sent")', { status: 304, body: '', noLength: true }],
  ['status-599', 'r = http.Response(599, body=b"odd")', { status: 599, body: 'odd' }],
  ['non-ascii-value', 'r = http.Response(200, headers={"x-name": "café €"}, body=b"ok")', { status: 200, body: 'ok', header: ['x-name', Buffer.from('café €').toString('latin1')] }],
  ['tab-in-value', 'r = http.Response(200, headers={"x-a": "a\\tb"}, body=b"ok")', { status: 200, body: 'ok', header: ['x-a', 'a\tb'] }],
  ['long-value', 'r = http.Response(200, headers={"x-long": "v" * 65536}, body=b"ok")', { status: 200, body: 'ok' }],
  ['many-headers', 'r = http.Response(200, headers={f"x-h{i}": str(i) for i in range(500)}, body=b"ok")', { status: 200, body: 'ok' }],
  ['own-date', 'r = http.Response(200, headers={"Date": "Thu, 01 Jan 1970 00:00:00 GMT"}, body=b"ok")', { status: 200, body: 'ok' }],
  ['own-connection-keep-alive', 'r = http.Response(200, headers={"connection": "keep-alive"}, body=b"ok")', { status: 200, body: 'ok' }],
  ['own-connection-close', 'r = http.Response(200, headers={"Connection": "close"}, body=b"ok")', { status: 200, body: 'ok' }],
  ['surrogate-value', 'r = http.Response(200); r.headers["x-a"] = "\\ud800"; r.body = b"ok"', { status: 200, body: 'ok' }],
];

const script = lines(
  'import asyncio',
  'from siphon import http',
  'KEEP = []',
  ...[...BROKEN, ...SANITISED].flatMap(([name, build]) => [
    `@http.route("/r/${name}")`,
    `def r_${name.replace(/-/g, '_')}(req):`,
    `    ${build}`,
    '    return r',
  ]),
  '@http.route("/huge/{mib}")',
  'def huge(req):',
  '    return http.Response(200, body=b"h" * (int(req.path_params["mib"]) << 20))',
  '@http.route("/count")',
  'def count(req):',
  '    return http.Response(200, body="ok")',
  '@http.route("/async/{key}")',
  'async def count_async(req):',
  '    return http.Response(200, body="ok")',
  '@http.route("/count/{key}")',
  'def count_key(req):',
  '    return http.Response(200, body="ok")',
);

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

// Parses exactly one HTTP/1.1 response from `data` and checks its framing.
function wire(data, { head = false } = {}) {
  const text = data.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  assert.ok(end > 0, `a complete head: ${JSON.stringify(text.slice(0, 200))}`);
  const [statusLine, ...headerLines] = text.slice(0, end).split('\r\n');
  const m = /^HTTP\/1\.1 ([1-5]\d\d) [\x20-\x7e]*$/.exec(statusLine);
  assert.ok(m, `status line ${JSON.stringify(statusLine)}`);
  const headers = headerLines.map((line) => {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon);
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
    assert.match(name, TOKEN, `header name in ${JSON.stringify(line)}`);
    assert.match(value, VALUE, `header value in ${JSON.stringify(line)}`);
    return [name.toLowerCase(), value];
  });
  const status = Number(m[1]);
  const lengths = headers.filter(([n]) => n === 'content-length');
  assert.equal(headers.filter(([n]) => n === 'transfer-encoding').length, 0, 'no Transfer-Encoding');
  assert.ok(headers.filter(([n]) => n === 'date').length <= 1, 'at most one Date');
  assert.ok(headers.filter(([n]) => n === 'connection').length <= 1, 'at most one Connection');
  const bodiless = status === 204 || status === 304;
  assert.equal(lengths.length, bodiless ? 0 : 1, 'one Content-Length (none for 204/304)');
  const length = bodiless || head ? 0 : Number(lengths[0][1]);
  const body = data.subarray(end + 4);
  assert.equal(body.length, length, 'the body is exactly Content-Length bytes, and nothing follows');
  return { status, headers, body, header: (name) => headers.find(([n]) => n === name)?.[1] };
}

describe('response safety', () => {
  let siphon;
  before(async () => {
    siphon = await startSiphon({ script, http: twoEngines() });
  });
  after(() => siphon?.stop());

  const fetchRaw = (index, path, method = 'GET') =>
    exchange(siphon.urls[index], `${method} ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, { idleMs: 2000 });

  for (const [engine, index] of ENGINES) {
    describe(engine === 'uws' ? 'uWebSockets.js engine' : 'node:http engine', () => {
      for (const [name] of BROKEN) {
        it(`${name}: 500 on the wire, an error in the log`, async () => {
          const since = siphon.logs.length;
          const result = await fetchRaw(index, `/r/${name}`);
          const res = wire(result.data);
          assert.equal(res.status, 500);
          assert.equal(res.body.toString(), 'Internal Server Error\n');
          assert.doesNotMatch(result.text, /evil|Set-Cookie/i, 'nothing the handler tried to inject');
          const logged = await siphon.waitForLog((l) => siphon.logs.indexOf(l) >= since && l.level === 'error' && l.target === 'siphon.handler' && l.message.includes(`r_${name.replace(/-/g, '_')}`), 5000);
          assert.ok(logged.message.length > 0);
        });
      }
      for (const [name, , expected] of SANITISED) {
        it(`${name}: framed by the server (${expected.status}, ${expected.body.length} body bytes)`, async () => {
          const res = wire((await fetchRaw(index, `/r/${name}`)).data);
          assert.equal(res.status, expected.status);
          assert.equal(res.body.toString('latin1'), expected.body);
          if (expected.header) assert.equal(res.header(expected.header[0]), expected.header[1]);
        });
      }
      it('a handler\'s "Connection: close" closes the connection after the answer', async () => {
        const result = await exchange(siphon.urls[index], ['GET /r/own-connection-close HTTP/1.1\r\nHost: x\r\n\r\n', 'GET /count HTTP/1.1\r\nHost: x\r\n\r\n'], { gapMs: 300, idleMs: 1000 });
        assert.equal(result.statuses.length, 1, 'one answer, then the connection closed');
        assert.ok(result.closed);
      });
      it('HEAD answers carry the length of the GET body and no body', async () => {
        const res = wire((await fetchRaw(index, '/r/own-content-length', 'HEAD')).data, { head: true });
        assert.equal(res.status, 200);
        assert.equal(res.header('content-length'), '5');
      });
      it('a 64 MiB body arrives whole, framed by one Content-Length, and memory is given back', async () => {
        const pid = siphon.child.pid;
        const result = await exchange(siphon.urls[index], 'GET /huge/64 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', { idleMs: 5000, limitMs: 30000 });
        const res = wire(result.data);
        assert.equal(res.body.length, 64 << 20);
        assert.ok(res.body.every((b) => b === 0x68));
        await sleep(500);
        assert.ok(rssMiB(pid) < 600, `RSS ${rssMiB(pid).toFixed(0)} MiB after the huge answer`);
      });
    });
  }

  it('answers ordinary requests afterwards, with nothing stuck and no internal error', async () => {
    for (const url of siphon.urls) await assertHealthy(siphon, url);
    await assertNothingStuck(siphon);
    assertNoInternalErrors(siphon);
  });
});
