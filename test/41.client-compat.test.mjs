// http.Client behaving as the Rust siphon-http's does (issue 13): `async with`
// leaves a client usable, pool_size is idle connections and not a cap on
// concurrency, redirects are followed like reqwest's (and can be turned off),
// call signatures take positional arguments, an unreadable verify= file fails
// at construction. Against real upstreams on loopback.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { json } from './helpers/http.mjs';
import { runPython } from './helpers/python.mjs';
import { startSiphon } from './helpers/siphon.mjs';
import { closedPort, redirectUpstream } from './helpers/upstreams.mjs';

const script = fs.readFileSync(path.join(import.meta.dirname, 'scripts', 'client_compat_routes.py'), 'utf8');

// Resolves once `predicate()` holds, polling a counter; rejects after `limitMs`.
async function until(predicate, what, limitMs = 10000) {
  const deadline = Date.now() + limitMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('http.Client as in the Rust siphon-http', () => {
  let siphon, upstream, other, pooled, deadPort;

  const call = (client, spec) => json(`${siphon.url}/call/${client}`, { method: 'POST', body: JSON.stringify(spec), timeoutMs: 20000 });
  const inline = (spec) => json(`${siphon.url}/inline`, { method: 'POST', body: JSON.stringify(spec) });

  before(async () => {
    [upstream, other, pooled] = await Promise.all([redirectUpstream(), redirectUpstream(), redirectUpstream()]);
    deadPort = await closedPort();
    siphon = await startSiphon(
      {
        script,
        http: [
          'servers:',
          '  - listen: "127.0.0.1:0"',
          'clients:',
          '  plain:',
          `    base_url: ${upstream.url}`,
          '  pooled:',
          `    base_url: ${pooled.url}`,
          '    pool_size: 2',
          '  slow:',
          `    base_url: ${upstream.url}`,
          '    timeout_ms: 300',
          '  dead:',
          `    base_url: http://127.0.0.1:${deadPort}`,
          '  noredirect:',
          `    base_url: ${upstream.url}`,
          '    follow_redirects: false',
          '',
        ].join('\n'),
      },
      { env: { UPSTREAM_URL: upstream.url } },
    );
  });
  after(async () => {
    await siphon?.stop();
    await Promise.all([upstream, other, pooled].map((u) => u?.close()));
  });

  it('leaves module-level named and inline clients usable after `async with`', async () => {
    for (const which of ['named', 'inline']) {
      const res = await json(`${siphon.url}/async-with/${which}`);
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.json, [200, 200]);
    }
  });

  it('runs six 2-second calls through pool_size: 2 at once (~2 s, not ~6 s), then keeps at most 2 open', async () => {
    const res = await json(`${siphon.url}/burst/pooled/6/2000`, { timeoutMs: 20000 });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json.statuses, [200, 200, 200, 200, 200, 200]);
    assert.ok(res.json.elapsed_ms < 3900, `six calls took ${Math.round(res.json.elapsed_ms)} ms: they queued behind the pool`);
    assert.ok(pooled.state.connections >= 6, `only ${pooled.state.connections} connections were opened`);
    // The connections opened past pool_size close once idle; pool_size stay for reuse.
    await until(() => pooled.state.open <= 2, `idle connections to drop to pool_size (open: ${pooled.state.open})`);
    assert.ok(pooled.state.open >= 1, 'the kept connections stay open for reuse');
  });

  it('takes positional body and headers, as the Rust signatures do', async () => {
    const res = await json(`${siphon.url}/positional`, { method: 'POST' });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json, [
      ['POST', 'posted', 'post'], ['PUT', 'put', 'put'], ['PATCH', 'patched', 'patch'], ['GET', '', 'get'], ['DELETE', '', 'delete'],
    ]);
  });

  it('follows up to 10 redirects and names the count past that', async () => {
    const ten = await call('plain', { path: '/hops/10' });
    assert.equal(ten.status, 200, ten.text);
    assert.equal(ten.json.status, 200);
    assert.equal(ten.json.upstream.url, '/hops/0');
    const eleven = await call('plain', { path: '/hops/11' });
    assert.equal(eleven.status, 502);
    assert.deepEqual(eleven.json, {
      type: 'ClientError', stage: 'call', message: `request to ${upstream.url}/hops/11 was redirected more than 10 times`,
    });
  });

  it('drops Authorization, Cookie and Proxy-Authorization when the origin changes, and only then', async () => {
    const secrets = { authorization: 'Bearer s3cr3t', cookie: 'session=1', 'proxy-authorization': 'Basic eA==', 'x-keep': 'kept' };
    const across = await call('plain', { path: `/redirect?status=302&to=${encodeURIComponent(`${other.url}/landed`)}`, headers: secrets });
    assert.equal(across.status, 200, across.text);
    assert.equal(across.json.upstream.url, '/landed');
    const seenAcross = across.json.upstream.headers;
    assert.equal(seenAcross['x-keep'], 'kept');
    for (const name of ['authorization', 'cookie', 'proxy-authorization']) assert.equal(seenAcross[name], undefined, `${name} crossed origins`);
    const same = await call('plain', { path: `/redirect?status=302&to=${encodeURIComponent('/landed')}`, headers: secrets });
    assert.equal(same.json.upstream.headers.authorization, 'Bearer s3cr3t');
    assert.equal(same.json.upstream.headers.cookie, 'session=1');
  });

  it('turns 303, and 301/302 after POST, into GET; keeps method and body on 307/308', async () => {
    const to = encodeURIComponent('/landed');
    for (const [method, status, expected, body] of [
      ['PUT', 303, 'GET', ''], ['POST', 301, 'GET', ''], ['POST', 302, 'GET', ''], ['POST', 307, 'POST', 'payload'], ['PUT', 308, 'PUT', 'payload'],
    ]) {
      const res = await call('plain', { method, path: `/redirect?status=${status}&to=${to}`, body: 'payload' });
      assert.equal(res.status, 200, `${method} → ${status}: ${res.text}`);
      assert.equal(res.json.upstream.method, expected, `${method} → ${status}`);
      assert.equal(res.json.upstream.body, body, `${method} → ${status}`);
    }
  });

  it('does not follow with follow_redirects: false, in http.yaml or inline', async () => {
    const configured = await call('noredirect', { path: '/hops/1' });
    assert.equal(configured.json.status, 302);
    assert.equal(configured.json.headers.location, '/hops/0');
    const inlineOff = await inline({ base_url: upstream.url, path: '/hops/1', follow_redirects: false });
    assert.equal(inlineOff.json.status, 302);
    const inlineOn = await inline({ base_url: upstream.url, path: '/hops/1' });
    assert.equal(inlineOn.json.status, 200);
  });

  it('raises at construction for a verify= CA file that does not exist, naming it', async () => {
    const res = await inline({ base_url: upstream.url, path: '/x', verify: 'missing/ca.crt' });
    assert.equal(res.status, 502);
    assert.equal(res.json.type, 'ClientError');
    assert.equal(res.json.stage, 'construct');
    assert.equal(res.json.message, `cannot read CA bundle ${path.join(siphon.dir, 'missing', 'ca.crt')}: ENOENT`);
  });

  it('gives the failure messages the test harness fakes for canned errors (one contract file)', async () => {
    const real = {
      ClientTimeoutError: (await call('slow', { path: '/slow/3000' })).json,
      ConnectError: (await call('dead', { path: '/x' })).json,
    };
    const harness = runPython([path.join(import.meta.dirname, 'scripts', 'canned_errors.py'), upstream.url, `http://127.0.0.1:${deadPort}`]);
    assert.equal(harness.status, 0, harness.stderr);
    const faked = JSON.parse(harness.stdout);
    for (const [type, seen] of Object.entries(real)) {
      assert.equal(seen.type, type, JSON.stringify(seen));
      assert.equal(faked[type], `${type}: ${seen.message}`);
    }
  });
});
