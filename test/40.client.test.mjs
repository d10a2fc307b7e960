// http.Client (SPEC §5 "http.Client", §4 clients) against real upstreams.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { json, request } from './helpers/http.mjs';
import { startSiphon, writeProject } from './helpers/siphon.mjs';
import { makePki } from './helpers/tls.mjs';
import { closedPort, h2Upstream, plainUpstream, tlsUpstream } from './helpers/upstreams.mjs';

const script = fs.readFileSync(path.join(import.meta.dirname, 'scripts', 'client_routes.py'), 'utf8');

describe('http.Client', () => {
  let siphon, plain, pooledUpstream, secure, mtls, h2c, h2, pki, foreign, deadPort;

  const call = (client, method, spec) => json(`${siphon.url}/call/${client}/${method}`, { method: 'POST', body: JSON.stringify(spec) });
  const inline = (spec) => json(`${siphon.url}/inline`, { method: 'POST', body: JSON.stringify(spec) });

  before(async () => {
    pki = makePki();
    foreign = makePki({ cn: 'some other CA' });
    [plain, pooledUpstream, secure, mtls, h2c, h2] = await Promise.all([
      plainUpstream(), plainUpstream(), tlsUpstream(pki), tlsUpstream(pki, { requireClientCert: true }), h2Upstream(), h2Upstream(pki),
    ]);
    deadPort = await closedPort();
    siphon = await startSiphon({
      script,
      http: [
        'servers:',
        '  - listen: "127.0.0.1:0"',
        'clients:',
        '  plain:',
        `    base_url: ${plain.url}/v1/`,
        '  pooled:',
        `    base_url: ${pooledUpstream.url}`,
        '    pool_size: 3',
        '  wide:',
        `    base_url: ${plain.url}`,
        '    pool_size: 64',
        '  nobase: {}',
        '  secure:',
        `    base_url: ${secure.url}`,
        `    verify: ${pki.path('ca.crt')}`,
        '  untrusted:',
        `    base_url: ${secure.url}`,
        `    verify: ${foreign.path('ca.crt')}`,
        '  mtls:',
        `    base_url: ${mtls.url}`,
        `    verify: ${pki.path('ca.crt')}`,
        `    cert: ${pki.path('client.crt')}`,
        `    key: ${pki.path('client.key')}`,
        '  mtls_pem:',
        `    base_url: ${mtls.url}`,
        `    verify: ${pki.path('ca.crt')}`,
        `    cert: ${pki.path('client.pem')}`,
        '  mtls_nocert:',
        `    base_url: ${mtls.url}`,
        `    verify: ${pki.path('ca.crt')}`,
        '  h2c:',
        `    base_url: ${h2c.url}`,
        '    http2_prior_knowledge: true',
        '  h2:',
        `    base_url: ${h2.url}`,
        `    verify: ${pki.path('ca.crt')}`,
        '  slow:',
        `    base_url: ${plain.url}`,
        '    timeout_ms: 300',
        '  dead:',
        `    base_url: http://127.0.0.1:${deadPort}`,
        '',
      ].join('\n'),
    });
  });
  after(async () => {
    await siphon?.stop();
    await Promise.all([plain, pooledUpstream, secure, mtls, h2c, h2].map((u) => u?.close()));
  });

  it('runs an on_startup hook that uses a named client', async () => {
    assert.deepEqual((await json(`${siphon.url}/startup`)).json, { status: 200 });
  });

  for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
    it(`sends ${method} with headers and body and returns status, lower-case headers and bytes`, async () => {
      const res = await call('plain', method, { path: 'users/7?q=1', headers: { 'X-Trace': 'abc' }, body: `payload-${method}`, as_bytes: method === 'PUT' });
      assert.equal(res.status, 200, res.text);
      const { status, headers, upstream } = res.json;
      assert.equal(status, 200);
      assert.equal(headers['x-upstream'], 'yes');
      assert.equal(headers['content-type'], 'application/json');
      assert.equal(headers['set-cookie'], 'a=1, b=2');
      assert.equal(upstream.method, method);
      assert.equal(upstream.url, '/v1/users/7?q=1');
      assert.equal(upstream.headers['x-trace'], 'abc');
      assert.equal(upstream.body, ['POST', 'PUT', 'PATCH'].includes(method) ? `payload-${method}` : '');
    });
  }

  it('joins relative paths onto base_url without doubling or losing slashes', async () => {
    assert.equal((await call('plain', 'GET', { path: '/a/b' })).json.upstream.url, '/v1/a/b');
    assert.equal((await call('plain', 'GET', { path: 'a' })).json.upstream.url, '/v1/a');
    assert.equal((await call('pooled', 'GET', { path: 'a' })).json.upstream.url, '/a');
    assert.equal((await call('pooled', 'GET', { path: '/a' })).json.upstream.url, '/a');
    assert.equal((await call('plain', 'GET', { path: '' })).json.upstream.url, '/v1/');
    assert.equal((await call('plain', 'GET', { path: `${plain.url}/elsewhere?x=1` })).json.upstream.url, '/elsewhere?x=1');
    assert.equal((await call('nobase', 'GET', { path: `${plain.url}/abs` })).json.upstream.url, '/abs');
    const missing = await json(`${siphon.url}/relative-without-base`);
    assert.equal(missing.json.type, 'ClientError');
    assert.match(missing.json.message, /needs a client with a base_url/);
  });

  it('verifies the upstream with a custom CA', async () => {
    const res = await call('secure', 'GET', { path: '/tls' });
    assert.equal(res.json.status, 200);
    assert.equal(res.json.upstream.url, '/tls');
  });

  it('rejects an upstream whose certificate does not chain to the CA, saying why', async () => {
    const res = await call('untrusted', 'GET', { path: '/tls' });
    assert.equal(res.status, 502);
    assert.equal(res.json.type, 'TLSError');
    assert.equal(res.json.is_runtime_error, true);
    assert.match(res.json.message, /TLS handshake with 127\.0\.0\.1:\d+ failed: .*(unable to verify|self[- ]signed|certificate)/i);
  });

  it('presents a client certificate (cert + key, and a combined PEM) to an mTLS upstream', async () => {
    for (const client of ['mtls', 'mtls_pem']) {
      const res = await call(client, 'GET', { path: '/who' });
      assert.equal(res.json.status, 200, JSON.stringify(res.json));
      assert.equal(res.json.upstream.clientCert, 'trusted-client');
    }
  });

  it('fails clearly when the mTLS upstream wants a certificate and none is configured', async () => {
    const res = await call('mtls_nocert', 'GET', { path: '/who' });
    assert.equal(res.status, 502);
    assert.match(res.json.type, /TLSError|ConnectError/);
    assert.match(res.json.message, /127\.0\.0\.1:\d+/);
  });

  it('speaks h2c with http2_prior_knowledge and h2 by ALPN over TLS', async () => {
    const cleartext = await call('h2c', 'GET', { path: '/proto' });
    assert.equal(cleartext.json.upstream.httpVersion, '2.0');
    const tls = await call('h2', 'POST', { path: '/proto', body: 'over h2' });
    assert.equal(tls.json.upstream.httpVersion, '2.0');
    assert.equal(tls.json.upstream.alpn, 'h2');
    assert.equal(tls.json.upstream.body, 'over h2');
  });

  it('raises ClientTimeoutError after timeout_ms, and the server stays healthy', async () => {
    const started = Date.now();
    const res = await call('slow', 'GET', { path: '/hang' });
    assert.equal(res.json.type, 'ClientTimeoutError');
    assert.match(res.json.message, /timed out after 300 ms/);
    assert.ok(Date.now() - started < 3000);
    assert.equal((await call('plain', 'GET', { path: '/after-timeout' })).json.status, 200);
  });

  it('raises ConnectError naming host:port when the connection is refused', async () => {
    const res = await call('dead', 'GET', { path: '/x' });
    assert.equal(res.json.type, 'ConnectError');
    assert.equal(res.json.message, `connection refused to 127.0.0.1:${deadPort}`);
    assert.equal((await call('plain', 'GET', { path: '/after-refused' })).json.status, 200);
  });

  it('raises UnknownClientError listing the configured names', async () => {
    const res = await json(`${siphon.url}/unknown-client`);
    assert.equal(res.json.type, 'UnknownClientError');
    assert.match(res.json.message, /no client named 'nope' in http\.yaml \(configured: dead, h2, h2c, mtls, mtls_nocert, mtls_pem, nobase, plain, pooled, secure, slow, untrusted, wide\)/);
  });

  it('offers raise_for_status() on client responses', async () => {
    const res = await request(`${siphon.url}/raise-for-status`);
    assert.equal(res.text, 'HTTPStatusError: HTTP 503 (server error) status=503');
  });

  it('blocks only the calling thread in a sync handler', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => json(`${siphon.url}/sync-call/plain`, { method: 'POST', body: JSON.stringify({ path: `/sync/${i}` }) })));
    assert.deepEqual(results.map((r) => r.json.upstream.url), [0, 1, 2, 3, 4, 5].map((i) => `/v1/sync/${i}`));
    const failed = await json(`${siphon.url}/sync-call/dead`, { method: 'POST', body: '{}' });
    assert.equal(failed.json.type, 'ConnectError');
  });

  it('builds inline clients: base_url, verify, cert tuple and combined PEM, h2c, timeout', async () => {
    assert.equal((await inline({ base_url: plain.url, path: '/inline' })).json.upstream.url, '/inline');
    const tls = await inline({ base_url: mtls.url, verify: pki.path('ca.crt'), cert: [pki.path('client.crt'), pki.path('client.key')], path: '/i' });
    assert.equal(tls.json.upstream.clientCert, 'trusted-client');
    const pem = await inline({ base_url: mtls.url, verify: pki.path('ca.crt'), cert: pki.path('client.pem'), path: '/i' });
    assert.equal(pem.json.upstream.clientCert, 'trusted-client');
    assert.equal((await inline({ base_url: h2c.url, h2c: true, path: '/i' })).json.upstream.httpVersion, '2.0');
    const slow = await inline({ base_url: plain.url, timeout_ms: 200, path: '/hang' });
    assert.match(slow.json.message, /timed out after 200 ms/);
    const untrusted = await inline({ base_url: secure.url, path: '/i' });
    assert.equal(untrusted.json.type, 'TLSError');
    const missingFile = await inline({ base_url: secure.url, verify: '/nonexistent/ca.crt', path: '/i' });
    assert.match(missingFile.json.message, /cannot read CA bundle \/nonexistent\/ca\.crt: ENOENT/);
  });

  it('keeps the loop running other handlers while calls are in flight', async () => {
    // The upstream answers nobody until it holds 50 requests at once.
    const results = await Promise.all(Array.from({ length: 50 }, () => request(`${siphon.url}/gather/50`, { timeoutMs: 8000 })));
    assert.ok(results.every((r) => r.status === 200 && r.text === 'released'), results.map((r) => r.status).join(','));
  });

  it('pools connections: 1,000 sequential calls open at most pool_size connections', async () => {
    // Only the `pooled` client talks to this upstream: count every connection it ever saw.
    const res = await request(`${siphon.url}/sequential/1000`, { timeoutMs: 60000 });
    assert.equal(res.status, 200);
    const opened = pooledUpstream.state.connections;
    assert.ok(opened >= 1 && opened <= 3, `opened ${opened} connections`);
  });
});

describe('http.Client without servers', () => {
  it('runs clients from on_startup when http.yaml has no servers, then waits for a signal', async () => {
    const upstream = await plainUpstream();
    try {
      const dir = writeProject({
        script: [
          'from siphon import http, log',
          '@http.on_startup',
          'def fetch():',
          '    response = http.Client("up").get("/from-startup")',
          '    log.info("upstream said %d %s" % (response.status, response.headers["x-upstream"]))',
          '',
        ].join('\n'),
        http: `clients:\n  up:\n    base_url: ${upstream.url}\n`,
      });
      const { spawnSiphon } = await import('./helpers/siphon.mjs');
      const proc = spawnSiphon(['-c', path.join(dir, 'siphon.yaml')], { cwd: dir });
      await proc.waitForLog(/^ready$/);
      assert.ok(proc.logs.some((l) => l.message === 'upstream said 200 yes'), proc.logText());
      assert.equal(proc.child.exitCode, null, 'still running with no listeners');
      const { code } = await proc.stop();
      assert.equal(code, 0);
    } finally {
      await upstream.close();
    }
  });
});
