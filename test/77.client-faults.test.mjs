// Hostile input, part 8: the outbound client against broken upstreams
// (issue 8). Raw sockets answer with byte-exact garbage -- bad status lines,
// conflicting framing, a gzip bomb, bodies too large, stalls -- and TLS
// servers present expired, not-yet-valid, wrong-host and self-signed
// certificates. Each call must end in the documented http.Client exception
// (SPEC §5; docs/clients.md "Errors") with a message naming the problem,
// within the client's timeout_ms plus slack, with nothing left hanging.
// (Untrusted CA, connection refused and a plain "never answers" are in test/40.)
import assert from 'node:assert/strict';
import * as http2 from 'node:http2';
import * as zlib from 'node:zlib';
import { after, before, describe, it } from 'node:test';

import { certUpstream, issueNotYetValid, rawUpstream, silentUpstream } from './helpers/client-faults.mjs';
import { assertNoInternalErrors, assertNothingStuck, lines, rssMiB, sleep } from './helpers/hostile.mjs';
import { json, request } from './helpers/http.mjs';
import { startSiphon } from './helpers/siphon.mjs';
import { issue, makePki } from './helpers/tls.mjs';
import { plainUpstream } from './helpers/upstreams.mjs';

const TIMEOUT_MS = 600;
const SLACK_MS = 1500;
const MiB = 1 << 20;

// 64 gzip members of 16 MiB of zeros each: 1 GiB once inflated, ~1 MiB on the wire.
const BOMB_MEMBER = zlib.gzipSync(Buffer.alloc(16 * MiB), { level: 9 });
const BOMB = Buffer.concat(Array(64).fill(BOMB_MEMBER));

const head = (...h) => `${h.join('\r\n')}\r\n\r\n`;

// Streams `total` bytes of 'z' as chunked (or raw) body, honouring backpressure.
function pour(socket, total, chunked) {
  const block = Buffer.alloc(MiB, 'z');
  const frame = chunked ? Buffer.concat([Buffer.from(`${MiB.toString(16)}\r\n`), block, Buffer.from('\r\n')]) : block;
  let sent = 0;
  const more = () => {
    while (sent < total && !socket.destroyed) {
      sent += MiB;
      if (!socket.write(frame)) return socket.once('drain', more);
    }
  };
  more();
}

// Path segment -> what the upstream does once it has read the request head.
const BEHAVIOURS = {
  'bad-status': (s) => s.end(head('HTTP/1.1 2OO OK', 'Content-Length: 2') + 'ok'),
  'not-http': (s) => s.end('SSH-2.0-OpenSSH_9.2p1\r\n'),
  'http09': (s) => s.end('<html>a body with no status line or headers</html>\n'),
  'no-status-code': (s) => s.end(head('HTTP/1.0', 'Content-Length: 2') + 'ok'),
  'bad-version': (s) => s.end(head('HTTP/9.9 200 OK', 'Content-Length: 2') + 'ok'),
  'cl-te': (s) => s.end(head('HTTP/1.1 200 OK', 'Content-Length: 5', 'Transfer-Encoding: chunked') + '5\r\nhello\r\n0\r\n\r\n'),
  'two-lengths': (s) => s.end(head('HTTP/1.1 200 OK', 'Content-Length: 5', 'Content-Length: 7') + 'hello, w'),
  'bad-chunk': (s) => s.end(head('HTTP/1.1 200 OK', 'Transfer-Encoding: chunked') + 'zz\r\nhello\r\n0\r\n\r\n'),
  'nul-header': (s) => s.end(head('HTTP/1.1 200 OK', 'X-Evil: a\0b', 'Content-Length: 2') + 'ok'),
  'header-flood': (s) => s.end(head('HTTP/1.1 200 OK', ...Array.from({ length: 2000 }, (_, i) => `X-Flood-${i}: ${'v'.repeat(64)}`), 'Content-Length: 2') + 'ok'),
  'short-body': (s) => s.end(head('HTTP/1.1 200 OK', 'Content-Length: 100') + 'only 24 of the 100 bytes'),
  'reset-mid-body': (s) => {
    s.write(head('HTTP/1.1 200 OK', 'Content-Length: 100') + 'abc');
    setTimeout(() => s.resetAndDestroy(), 50);
  },
  'close-at-once': (s) => s.destroy(),
  'gzip-bomb': (s) => s.end(Buffer.concat([Buffer.from(head('HTTP/1.1 200 OK', 'Content-Encoding: gzip', 'Content-Type: application/octet-stream', `Content-Length: ${BOMB.length}`), 'latin1'), BOMB])),
  'declared-too-big': (s) => {
    s.write(head('HTTP/1.1 200 OK', `Content-Length: ${100 * MiB}`));
    pour(s, 100 * MiB, false);
  },
  'chunked-too-big': (s) => {
    s.write(head('HTTP/1.1 200 OK', 'Transfer-Encoding: chunked'));
    pour(s, 80 * MiB, true);
  },
  'silent': () => undefined,
  'status-then-stall': (s) => s.write('HTTP/1.1 200 OK\r\nContent-Le'),
  'headers-then-stall': (s) => s.write(head('HTTP/1.1 200 OK', 'Content-Length: 10') + 'abc'),
  // One byte every 50 ms never trips an idle timer: only a total deadline ends it.
  'trickle': (s) => {
    s.write(head('HTTP/1.1 200 OK', 'Content-Length: 100000'));
    const timer = setInterval(() => (s.destroyed ? clearInterval(timer) : s.write('.')), 50);
  },
  'continue-flood': (s) => {
    const timer = setInterval(() => (s.destroyed ? clearInterval(timer) : s.write('HTTP/1.1 100 Continue\r\n\r\n')), 20);
  },
};

const script = lines(
  'import hashlib, json, time',
  'from siphon import http',
  'def outcome(started, call):',
  '    try:',
  '        r = call()',
  '        out = {"status": r.status, "headers": r.headers, "body_len": len(r.body), "sha256": hashlib.sha256(r.body).hexdigest()}',
  '    except http.ClientError as exc:',
  '        out = {"type": type(exc).__name__, "message": str(exc), "runtime_error": isinstance(exc, RuntimeError)}',
  '    out["ms"] = (time.monotonic() - started) * 1000',
  '    return http.Response(200, headers={"content-type": "application/json"}, body=json.dumps(out))',
  '@http.route("/async/{client}/{*rest}")',
  'async def via_async(req):',
  '    started = time.monotonic()',
  '    try:',
  '        r = await http.Client(req.path_params["client"]).get("/" + req.path_params["rest"])',
  '    except http.ClientError as exc:',
  '        r = exc',
  '    def result():',
  '        if isinstance(r, Exception):',
  '            raise r',
  '        return r',
  '    return outcome(started, result)',
  '@http.route("/sync/{client}/{*rest}")',
  'def via_sync(req):',
  '    return outcome(time.monotonic(), lambda: http.Client(req.path_params["client"]).get("/" + req.path_params["rest"]))',
  '@http.route("/count/{key}")',
  'def count_key(req):',
  '    return http.Response(200, body="ok")',
  '@http.route("/async/{key}")',
  'async def async_key(req):',
  '    return http.Response(200, body="ok")',
);

// [behaviour, exception class, message pattern]
const BAD = (what) => new RegExp(`^invalid HTTP response from 127\\.0\\.0\\.1:\\d+: ${what}`);
const TIMED_OUT = new RegExp(`^request to http://127\\.0\\.0\\.1:\\d+/[a-z-]+ timed out after ${TIMEOUT_MS} ms$`);
const TOO_LARGE = /^response from 127\.0\.0\.1:\d+ is larger than the client's limit \(64 MiB\)$/;
const RAW_CASES = [
  ['bad-status', 'ClientError', BAD('Invalid status code$')],
  ['not-http', 'ClientError', BAD('Expected HTTP/')],
  ['http09', 'ClientError', BAD('Expected HTTP/')],
  ['no-status-code', 'ClientError', BAD('Expected space after version$')],
  ['bad-version', 'ClientError', BAD('Invalid HTTP version$')],
  // llhttp lets Transfer-Encoding win over Content-Length; undici then sees the mismatch.
  ['cl-te', 'ClientError', BAD('its body length does not match its Content-Length')],
  ['two-lengths', 'ClientError', BAD('its body length does not match its Content-Length')],
  ['bad-chunk', 'ClientError', BAD('Invalid character in chunk size$')],
  ['nul-header', 'ClientError', BAD('Invalid header value char$')],
  ['header-flood', 'ClientError', BAD('its headers are larger than 16 KiB')],
  ['continue-flood', 'ClientError', BAD('an unexpected informational \\(1xx\\) response$')],
  ['short-body', 'ConnectError', /^connection to 127\.0\.0\.1:\d+ was closed before the whole response arrived: other side closed$/],
  ['reset-mid-body', 'ConnectError', /^connection to 127\.0\.0\.1:\d+ was closed before the whole response arrived: read ECONNRESET$/],
  ['close-at-once', 'ConnectError', /^connection to 127\.0\.0\.1:\d+ was closed before a response: other side closed$/],
  ['declared-too-big', 'ClientError', TOO_LARGE],
  ['chunked-too-big', 'ClientError', TOO_LARGE],
  ['silent', 'ClientTimeoutError', TIMED_OUT],
  ['status-then-stall', 'ClientTimeoutError', TIMED_OUT],
  ['headers-then-stall', 'ClientTimeoutError', TIMED_OUT],
  ['trickle', 'ClientTimeoutError', TIMED_OUT],
];

describe('outbound client faults', () => {
  let siphon, raw, pki, upstreams, h2big;

  const via = (mode, client, rest) => json(`${siphon.url}/${mode}/${client}/${rest}`, { timeoutMs: 15000 });

  before(async () => {
    pki = makePki();
    issue(pki.dir, 'expired', { cn: 'localhost', san: 'DNS:localhost,IP:127.0.0.1', usage: 'serverAuth', expired: true });
    issue(pki.dir, 'wronghost', { cn: 'elsewhere.example', san: 'DNS:elsewhere.example', usage: 'serverAuth' });
    issue(pki.dir, 'selfsigned', { cn: 'localhost', san: 'DNS:localhost,IP:127.0.0.1', usage: 'serverAuth', selfSigned: true });
    issueNotYetValid(pki, 'future');
    raw = await rawUpstream(BEHAVIOURS);
    upstreams = {
      expired: await certUpstream(pki, 'expired'),
      wronghost: await certUpstream(pki, 'wronghost'),
      selfsigned: await certUpstream(pki, 'selfsigned'),
      future: await certUpstream(pki, 'future'),
      handshake_stall: await silentUpstream(),
      plain: await plainUpstream(),
    };
    // An h2 upstream (ALPN) sending more than the limit: undici's HTTP/1.1
    // size check does not cover HTTP/2 streams.
    h2big = http2.createSecureServer({ key: pki.read('server.key'), cert: pki.read('server.crt') }, (req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const block = Buffer.alloc(MiB, 'h');
      let sent = 0;
      const more = () => {
        while (sent < 80 && !res.destroyed) {
          sent++;
          if (!res.write(block)) return res.once('drain', more);
        }
        if (!res.destroyed) res.end();
      };
      more();
    });
    await new Promise((resolve) => h2big.listen(0, '127.0.0.1', resolve));
    const client = (name, url, extra = [], timeoutMs = TIMEOUT_MS) => [`  ${name}:`, `    base_url: ${url}`, `    timeout_ms: ${timeoutMs}`, ...extra.map((l) => `    ${l}`)];
    const verify = [`verify: ${pki.path('ca.crt')}`];
    siphon = await startSiphon({
      script,
      http: lines(
        'servers:',
        '  - listen: "127.0.0.1:0"',
        'metrics:',
        '  path: /metrics',
        '  listen: "127.0.0.1:0"',
        'clients:',
        ...client('raw', raw.url),
        ...client('raw_slow', raw.url, [], 20000),
        ...client('expired', upstreams.expired.url, verify),
        ...client('wronghost', upstreams.wronghost.url, verify),
        ...client('selfsigned', upstreams.selfsigned.url, verify),
        ...client('future', upstreams.future.url, verify),
        ...client('handshake_stall', `https://127.0.0.1:${upstreams.handshake_stall.port}`, verify),
        ...client('plain_on_https', upstreams.plain.url.replace('http:', 'https:'), verify),
        ...client('nxdomain', 'http://siphon-test-upstream.invalid'),
        ...client('h2big', `https://127.0.0.1:${h2big.address().port}`, verify, 20000),
      ),
    });
  });
  after(async () => {
    await siphon?.stop();
    await raw?.close();
    await Promise.all(Object.values(upstreams ?? {}).map((u) => u.close()));
    h2big?.close();
  });

  const expectFailure = (res, type, message, { withinMs = TIMEOUT_MS + SLACK_MS } = {}) => {
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.type, type, JSON.stringify(res.json));
    assert.equal(res.json.runtime_error, true);
    assert.match(res.json.message, message);
    assert.ok(res.json.ms < withinMs, `raised after ${res.json.ms.toFixed(0)} ms (limit ${withinMs})`);
  };

  describe('malformed, oversized and stalled HTTP/1.1 answers', () => {
    for (const [behaviour, type, message] of RAW_CASES) {
      for (const mode of ['async', 'sync']) {
        it(`${behaviour} (${mode} handler): ${type}`, async () => {
          expectFailure(await via(mode, 'raw', behaviour), type, message);
        });
      }
    }
  });

  describe('a gzip bomb', () => {
    it('is passed through compressed (the client never inflates), and memory stays bounded', async () => {
      const pid = siphon.child.pid;
      const before = rssMiB(pid);
      const res = await via('async', 'raw_slow', 'gzip-bomb');
      assert.equal(res.json.status, 200, JSON.stringify(res.json));
      assert.equal(res.json.headers['content-encoding'], 'gzip');
      assert.equal(res.json.body_len, BOMB.length, 'exactly the compressed bytes');
      const { createHash } = await import('node:crypto');
      assert.equal(res.json.sha256, createHash('sha256').update(BOMB).digest('hex'));
      assert.ok(rssMiB(pid) - before < 200, `RSS grew ${(rssMiB(pid) - before).toFixed(0)} MiB for a 1 GiB bomb`);
    });
  });

  describe('an HTTP/2 upstream', () => {
    it('sending more than the 64 MiB limit: ClientError, and memory stays bounded', async () => {
      const pid = siphon.child.pid;
      const res = await via('async', 'h2big', 'big');
      expectFailure(res, 'ClientError', TOO_LARGE, { withinMs: 15000 });
      assert.ok(rssMiB(pid) < 800, `RSS ${rssMiB(pid).toFixed(0)} MiB`);
    });
  });

  describe('TLS and name faults', () => {
    const TLS_CASES = [
      ['expired', 'TLSError', /TLS handshake with 127\.0\.0\.1:\d+ failed: certificate has expired \[CERT_HAS_EXPIRED\]/],
      ['future', 'TLSError', /TLS handshake with 127\.0\.0\.1:\d+ failed: certificate is not yet valid \[CERT_NOT_YET_VALID\]/],
      ['wronghost', 'TLSError', /TLS handshake with 127\.0\.0\.1:\d+ failed: .*IP: 127\.0\.0\.1 is not in the cert's list.*\[ERR_TLS_CERT_ALTNAME_INVALID\]/],
      ['selfsigned', 'TLSError', /TLS handshake with 127\.0\.0\.1:\d+ failed: self[- ]signed certificate \[DEPTH_ZERO_SELF_SIGNED_CERT\]/],
      ['plain_on_https', 'TLSError', /TLS handshake with 127\.0\.0\.1:\d+ failed: .*wrong version number/i],
      ['handshake_stall', 'ClientTimeoutError', new RegExp(`^request to https://127\\.0\\.0\\.1:\\d+/x timed out after ${TIMEOUT_MS} ms$`)],
      ['nxdomain', 'ConnectError', /^cannot resolve host of siphon-test-upstream\.invalid:80$/],
    ];
    for (const [client, type, message] of TLS_CASES) {
      for (const mode of ['async', 'sync']) {
        it(`${client} (${mode} handler): ${type}`, async () => {
          expectFailure(await via(mode, client, 'x'), type, message);
        });
      }
    }
  });

  it('answers ordinary requests afterwards, with nothing stuck, no stalled upstream socket left open and no internal error', async () => {
    for (const path of ['/count/healthy', '/async/healthy']) assert.equal((await request(`${siphon.url}${path}`)).status, 200);
    await assertNothingStuck(siphon);
    // Every timed-out or refused answer closed its socket; a pooled keep-alive one may remain.
    for (let i = 0; i < 50 && raw.connections() > 1; i++) await sleep(100);
    assert.ok(raw.connections() <= 1, `${raw.connections()} upstream connections still open`);
    assertNoInternalErrors(siphon);
  });
});
