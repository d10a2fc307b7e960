// Mutual TLS, TLS policy, HTTP/2 listeners and trusted proxies (SPEC §4.1-4.3).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { run, curl, sClient } from './helpers/cli.mjs';
import { json, request } from './helpers/http.mjs';
import { startSiphon } from './helpers/siphon.mjs';
import { issue, makePki } from './helpers/tls.mjs';
import { loadUws } from '../dist/uws.js';

const script = [
  'import asyncio, json',
  'from siphon import http',
  'calls = {"n": 0}',
  '@http.route("/count")',
  'def count(req):',
  '    calls["n"] += 1',
  '    return http.Response(200, body=str(calls["n"]))',
  '@http.route("/seen")',
  'def seen(req):',
  '    return http.Response(200, body=str(calls["n"]))',
  '@http.route("/echo/{id}", methods=["GET", "POST"])',
  'async def echo(req):',
  '    return http.Response(200, headers={"content-type": "application/json", "connection": "keep-alive"}, body=json.dumps({',
  '        "method": req.method, "path": req.path, "params": req.path_params, "query": req.query_params,',
  '        "headers": req.headers, "client": req.client, "body": req.body().decode()}))',
  '@http.route("/slow")',
  'async def slow(req):',
  '    await asyncio.sleep(2)',
  '    return http.Response(200, body="late")',
  '',
].join('\n');

const hostPort = (url) => new URL(url).host;

describe('mutual TLS', () => {
  let siphon, pki, foreign;
  before(async () => {
    pki = makePki({ extras: [{ name: 'expired', cn: 'expired-client', expired: true }, { name: 'selfsigned', cn: 'self', selfSigned: true }] });
    foreign = makePki({ cn: 'foreign CA' });
    siphon = await startSiphon({
      script,
      http: [
        'servers:',
        '  - listen: "127.0.0.1:0"',
        '    tls:',
        `      cert_path: ${pki.path('server.crt')}`,
        `      key_path: ${pki.path('server.key')}`,
        `      client_ca: ${pki.path('ca.crt')}`,
        '',
      ].join('\n'),
    });
  });
  after(() => siphon.stop());

  const seen = async () => Number((await curl(['--cacert', pki.path('ca.crt'), '--cert', pki.path('client.crt'), '--key', pki.path('client.key'), `${siphon.url}/seen`])).body);

  it('confirms uWS alone does not require a client certificate (why client_ca uses node:https)', async () => {
    const { uws } = loadUws();
    const app = uws.SSLApp({ cert_file_name: pki.path('server.crt'), key_file_name: pki.path('server.key'), ca_file_name: pki.path('ca.crt') });
    app.get('/*', (res) => res.end('reached the handler without a client certificate'));
    const socket = await new Promise((resolve) => app.listen('127.0.0.1', 0, resolve));
    try {
      const port = uws.us_socket_local_port(socket);
      const res = await curl(['--cacert', pki.path('ca.crt'), `https://127.0.0.1:${port}/`]);
      assert.equal(res.status, 200, 'uWS answered a client that presented no certificate');
    } finally {
      uws.us_listen_socket_close(socket);
    }
  });

  it('accepts a client certificate issued by client_ca', async () => {
    const before = await seen();
    const res = await curl(['--cacert', pki.path('ca.crt'), '--cert', pki.path('client.crt'), '--key', pki.path('client.key'), `${siphon.url}/count`]);
    assert.equal(res.status, 200);
    assert.equal(Number(res.body), before + 1);
  });

  const refused = [
    ['no certificate', []],
    ['a certificate from a foreign CA', ['--cert', 'foreign:client.crt', '--key', 'foreign:client.key']],
    ['an expired certificate', ['--cert', 'expired.crt', '--key', 'expired.key']],
    ['a self-signed certificate', ['--cert', 'selfsigned.crt', '--key', 'selfsigned.key']],
  ];
  for (const [what, certArgs] of refused) {
    it(`refuses ${what} before any handler runs`, async () => {
      const before = await seen();
      const args = certArgs.map((a) => (a.startsWith('foreign:') ? foreign.path(a.slice(8)) : a.startsWith('-') ? a : pki.path(a)));
      const viaCurl = await curl(['--cacert', pki.path('ca.crt'), ...args, `${siphon.url}/count`]);
      assert.notEqual(viaCurl.status, 200, viaCurl.stdout + viaCurl.stderr);
      const sArgs = [];
      for (let i = 0; i < args.length; i += 2) sArgs.push(args[i] === '--cert' ? '-cert' : '-key', args[i + 1]);
      const viaOpenssl = await sClient(hostPort(siphon.url), ['-CAfile', pki.path('ca.crt'), ...sArgs]);
      assert.equal(viaOpenssl.answered, false, viaOpenssl.text);
      assert.equal(await seen(), before, 'the handler never ran');
    });
  }
});

describe('TLS policy', () => {
  let siphon, pki;
  before(async () => {
    pki = makePki();
    const tls = `    tls:\n      cert_path: ${pki.path('server.crt')}\n      key_path: ${pki.path('server.key')}\n`;
    siphon = await startSiphon({
      script,
      http: `servers:\n  - listen: "127.0.0.1:0"\n${tls}  - listen: "127.0.0.1:0"\n${tls}    http2: true\n`,
    });
  });
  after(() => siphon.stop());

  for (const [index, engine] of [[0, 'uWS'], [1, 'node:http2']]) {
    it(`${engine}: refuses TLS 1.0/1.1 and weak ciphers, accepts TLS 1.2 and 1.3`, async () => {
      const target = hostPort(siphon.urls[index]);
      for (const old of ['-tls1', '-tls1_1']) {
        const res = await sClient(target, [old, '-cipher', 'DEFAULT@SECLEVEL=0']);
        assert.equal(res.answered, false, `${old} was accepted`);
      }
      for (const weak of ['AES128-SHA', 'ECDHE-RSA-AES128-SHA', 'ECDHE-RSA-DES-CBC3-SHA:DES-CBC3-SHA@SECLEVEL=0']) {
        const res = await sClient(target, ['-tls1_2', '-cipher', weak]);
        assert.equal(res.answered, false, `cipher ${weak} was accepted`);
      }
      for (const good of ['-tls1_2', '-tls1_3']) {
        const res = await sClient(target, [good, '-CAfile', pki.path('ca.crt')]);
        assert.equal(res.answered, true, `${good} was refused: ${res.text.slice(-400)}`);
      }
    });
  }
});

describe('HTTP/2 listeners', () => {
  let siphon, pki;
  before(async () => {
    pki = makePki();
    siphon = await startSiphon({
      script,
      http: [
        'servers:',
        '  - listen: "127.0.0.1:0"',
        '    http2: true',
        '    max_body_bytes: 1000',
        '    request_timeout_ms: 500',
        '  - listen: "127.0.0.1:0"',
        '    http2: true',
        '    tls:',
        `      cert_path: ${pki.path('server.crt')}`,
        `      key_path: ${pki.path('server.key')}`,
        '',
      ].join('\n'),
    });
  });
  after(() => siphon.stop());

  it('speaks h2c with prior knowledge and HTTP/1.1 on the same cleartext port', async () => {
    const h2 = await curl(['--http2-prior-knowledge', `${siphon.urls[0]}/echo/1?x=y`]);
    assert.equal(h2.version, '2');
    assert.equal(h2.status, 200);
    const body = JSON.parse(h2.body);
    assert.deepEqual(body.params, { id: '1' });
    assert.deepEqual(body.query, { x: 'y' });
    assert.ok(!Object.keys(body.headers).some((name) => name.startsWith(':')), 'no pseudo-headers');
    assert.equal(body.headers.host, hostPort(siphon.urls[0]), ':authority shows up as host');
    assert.match(body.client, /^127\.0\.0\.1:\d+$/);
    const h1 = await curl(['--http1.1', `${siphon.urls[0]}/echo/2`]);
    assert.equal(h1.version, '1.1');
    assert.equal(JSON.parse(h1.body).path, '/echo/2');
  });

  it('speaks h2 by ALPN over TLS, and HTTP/1.1 to clients that ask for it', async () => {
    const h2 = await curl(['--http2', '--cacert', pki.path('ca.crt'), '-X', 'POST', '--data-binary', 'h2 body', `${siphon.urls[1]}/echo/3`]);
    assert.equal(h2.version, '2');
    assert.equal(JSON.parse(h2.body).body, 'h2 body');
    const h1 = await curl(['--http1.1', '--cacert', pki.path('ca.crt'), `${siphon.urls[1]}/echo/4`]);
    assert.equal(h1.version, '1.1');
  });

  it('applies the same limits: 404, 405, 413 and 504', async () => {
    assert.equal((await curl(['--http2-prior-knowledge', `${siphon.urls[0]}/nope`])).status, 404);
    const notAllowed = await curl(['--http2-prior-knowledge', '-i', '-X', 'DELETE', `${siphon.urls[0]}/echo/1`]);
    assert.equal(notAllowed.status, 405);
    assert.match(notAllowed.body, /allow: GET, HEAD, POST/);
    const big = await curl(['--http2-prior-knowledge', '-X', 'POST', '--data-binary', 'x'.repeat(5000), `${siphon.urls[0]}/echo/1`]);
    assert.equal(big.status, 413);
    const slow = await curl(['--http2-prior-knowledge', `${siphon.urls[0]}/slow`]);
    assert.equal(slow.status, 504);
    assert.equal((await curl(['--http2-prior-knowledge', `${siphon.urls[0]}/echo/5`])).status, 200);
  });

  it('serves thousands of h2 requests over several streams with no errors (h2load)', async () => {
    for (const [url, extra] of [[siphon.urls[0], []], [siphon.urls[1], []]]) {
      const res = await run('h2load', ['-n', '4000', '-c', '4', '-m', '16', ...extra, `${url}/echo/7`], { timeoutMs: 60000 });
      assert.equal(res.code, 0, res.stdout + res.stderr);
      assert.match(res.stdout, /requests: 4000 total, 4000 started, 4000 done, 4000 succeeded, 0 failed, 0 errored, 0 timeout/);
      assert.match(res.stdout, /status codes: 4000 2xx/);
    }
  });
});

describe('trusted proxies', () => {
  let siphon;
  before(async () => {
    siphon = await startSiphon({
      script,
      http: [
        'servers:',
        '  - listen: "127.0.0.1:0"',
        '    trusted_proxies: ["127.0.0.1"]',
        '  - listen: "127.0.0.1:0"',
        '    trusted_proxies: ["10.0.0.0/8", "127.0.0.0/8"]',
        '  - listen: "127.0.0.1:0"',
        '    trusted_proxies: ["10.0.0.0/8", "192.168.1.1"]',
        '  - listen: "[::1]:0"',
        '    trusted_proxies: ["::1/128"]',
        '  - listen: "[::1]:0"',
        '  - listen: "127.0.0.1:0"',
        '    http2: true',
        '    trusted_proxies: ["127.0.0.1/32"]',
        '',
      ].join('\n'),
    });
  });
  after(() => siphon.stop());

  const clientVia = async (url, xff) => (await json(`${url}/echo/1`, { headers: xff ? { 'x-forwarded-for': xff } : {} })).json.client;

  it('uses the left-most X-Forwarded-For entry from a trusted exact IP', async () => {
    assert.equal(await clientVia(siphon.urls[0], '203.0.113.7, 10.1.2.3'), '203.0.113.7');
  });

  it('trusts a CIDR range, and keeps a port the proxy gave', async () => {
    assert.equal(await clientVia(siphon.urls[1], '198.51.100.4:5555'), '198.51.100.4:5555');
    assert.equal(await clientVia(siphon.urls[1], '2001:db8::7'), '2001:db8::7');
  });

  it('ignores a forged header from an untrusted peer', async () => {
    assert.match(await clientVia(siphon.urls[2], '203.0.113.7'), /^127\.0\.0\.1:\d+$/);
  });

  it('ignores a malformed forwarded entry', async () => {
    assert.match(await clientVia(siphon.urls[0], 'not-an-ip, 1.2.3.4'), /^127\.0\.0\.1:\d+$/);
  });

  it('formats IPv6 peers as [addr]:port and honours IPv6 ranges', async () => {
    assert.match(await clientVia(siphon.urls[4]), /^\[::1\]:\d+$/);
    assert.match(await clientVia(siphon.urls[4], '203.0.113.9'), /^\[::1\]:\d+$/);
    assert.equal(await clientVia(siphon.urls[3], '203.0.113.9'), '203.0.113.9');
  });

  it('applies to the HTTP/2 engine too', async () => {
    assert.equal(await clientVia(siphon.urls[5], '203.0.113.10'), '203.0.113.10');
  });

  it('rejects malformed entries in the config', async () => {
    const { runSiphon, writeProject } = await import('./helpers/siphon.mjs');
    for (const [entry, message] of [['10.0.0.0/33', /invalid prefix length \(0-32 for IPv4\)/], ['not-an-ip', /is not an IP address or CIDR range/], ['::1/129', /invalid prefix length \(0-128 for IPv6\)/]]) {
      const dir = writeProject({ http: `servers:\n  - listen: "127.0.0.1:0"\n    trusted_proxies: ["127.0.0.1", "${entry}"]\n` });
      const result = await runSiphon(['-c', 'siphon.yaml'], { cwd: dir });
      assert.equal(result.code, 2);
      assert.match(result.stderr, /http\.yaml:3:\d+: servers\[0\]\.trusted_proxies\[1\]: /);
      assert.match(result.stderr, message);
    }
  });
});
