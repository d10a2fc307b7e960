// The Rust siphon-http's cookbook recipes (our equivalents, in
// python/tests/rust_cookbook/) pass the Rust-style harness tests beside them
// (python/tests/test_rust_cookbook.py, through siphon_sdk) and are served the
// same way by the real siphon.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { json, request } from './helpers/http.mjs';
import { runPython } from './helpers/python.mjs';
import { ROOT, startSiphon } from './helpers/siphon.mjs';
import { plainUpstream } from './helpers/upstreams.mjs';

const COOKBOOK = path.join(ROOT, 'python', 'tests', 'rust_cookbook');
const recipe = (name) => fs.readFileSync(path.join(COOKBOOK, `${name}.py`), 'utf8');

function serving(name, { http, env } = {}) {
  const state = {};
  before(async () => {
    state.siphon = await startSiphon({ script: recipe(name), http }, { env });
  });
  after(() => state.siphon?.stop());
  return state;
}

describe('the cookbook recipes under the Rust-style harness tests', () => {
  it('pass python/tests/test_rust_cookbook.py', () => {
    const result = runPython(['-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'python/tests/test_rust_cookbook.py']);
    assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
    assert.match(result.stdout, /6 passed/);
  });
});

describe('the cookbook recipes served by siphon', () => {
  describe('webhook', () => {
    const state = serving('webhook');
    it('refuses without the token and acknowledges with it', async () => {
      const url = `${state.siphon.url}/webhook`;
      assert.equal((await request(url, { method: 'POST', body: '{}' })).status, 401);
      const ok = await json(url, { method: 'POST', headers: { authorization: 'Bearer s3cr3t' }, body: '{"event": "ping"}' });
      assert.equal(ok.status, 200);
      assert.equal(ok.headers['content-type'], 'application/json');
      assert.deepEqual(ok.json, { ok: true, received: 'ping' });
      await state.siphon.waitForLog(/^webhook from 127\.0\.0\.1:\d+: \{'event': 'ping'\}$/);
    });
  });

  describe('REST API', () => {
    const state = serving('rest_api');
    it('creates, lists with ?limit, reads and deletes', async () => {
      const base = `${state.siphon.url}/items`;
      assert.equal((await json(`${base}/42`, { method: 'PUT', body: '{"name": "widget"}' })).status, 200);
      await json(`${base}/43`, { method: 'PUT', body: '{"name": "gadget"}' });
      assert.deepEqual((await json(`${base}?limit=1`)).json.map((item) => item.id), ['42']);
      assert.equal((await json(`${base}/42`)).json.name, 'widget');
      assert.equal((await request(`${base}/42`, { method: 'DELETE' })).status, 204);
      assert.equal((await request(`${base}/42`)).status, 404);
    });
  });

  describe('reverse proxy', () => {
    let upstream;
    const state = {};
    before(async () => {
      upstream = await plainUpstream();
      state.siphon = await startSiphon({
        script: recipe('proxy'),
        http: `servers:\n  - listen: "127.0.0.1:0"\nclients:\n  api:\n    base_url: ${upstream.url}\n    timeout_ms: 5000\n`,
      });
    });
    after(async () => {
      await state.siphon?.stop();
      await upstream?.close();
    });
    it('relays the upstream status, content type and body, request after request', async () => {
      for (const tail of ['v1/status', 'v1/again']) {
        const res = await json(`${state.siphon.url}/proxy/${tail}`);
        assert.equal(res.status, 200);
        assert.equal(res.headers['content-type'], 'application/json');
        assert.equal(res.json.url, `/${tail}`);
      }
      await state.siphon.waitForLog(/^proxied \/v1\/again -> 200$/);
    });
  });

  describe('trunk registry', () => {
    const state = serving('trunk_registry');
    it('logs at startup; registers (201 + Location), heartbeats, discovers, deregisters', async () => {
      await state.siphon.waitForLog(/^trunk registry up$/);
      const trunk = `${state.siphon.url}/trunks/carrier-a`;
      const body = JSON.stringify({ sip_uri: 'sip:sbc-a.example.net:5060', transport: 'tls', max_channels: 240 });
      const created = await json(trunk, { method: 'PUT', headers: { 'content-type': 'application/json' }, body });
      assert.equal(created.status, 201);
      assert.equal(created.headers.location, '/trunks/carrier-a');
      assert.equal((await json(trunk, { method: 'PUT', body })).status, 200);
      assert.equal((await request(trunk, { method: 'PATCH' })).status, 204);
      const found = await json(`${state.siphon.url}/trunks?enabled=true&transport=tls`);
      assert.deepEqual(found.json.trunks.map((t) => t.id), ['carrier-a']);
      assert.equal((await request(trunk, { method: 'DELETE' })).status, 204);
      assert.equal((await request(trunk, { method: 'PATCH' })).status, 404);
    });
  });
});
