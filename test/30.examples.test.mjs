// The runnable examples in examples/: each started from the repository root
// with its own siphon.yaml, as the docs tell users to.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { startExample } from './helpers/examples.mjs';
import { json, request } from './helpers/http.mjs';

describe('examples/hello', () => {
  it('answers its async and sync routes', async () => {
    const siphon = await startExample('hello');
    try {
      const root = await request(`${siphon.url}/`);
      assert.equal(root.text, 'hello from siphon\n');
      const greet = await request(`${siphon.url}/hello/w%C3%B6rld`);
      assert.equal(greet.text, 'hello, wörld\n');
      await siphon.waitForLog((l) => l.message === 'greeting wörld');
    } finally {
      await siphon.stop();
    }
  });
});

describe('examples/rest', () => {
  it('creates, lists, filters, updates and deletes notes', async () => {
    const siphon = await startExample('rest');
    const url = siphon.url;
    try {
      const created = await json(`${url}/notes`, { method: 'POST', body: JSON.stringify({ title: 'milk', tags: ['shop'] }) });
      assert.equal(created.status, 201);
      assert.equal(created.headers.location, `/notes/${created.json.id}`);
      await json(`${url}/notes`, { method: 'POST', body: JSON.stringify({ title: 'call mum', tags: ['family'] }) });

      const shop = await json(`${url}/notes?tag=shop`);
      assert.deepEqual(shop.json.notes.map((n) => n.title), ['milk']);
      const limited = await json(`${url}/notes?limit=1`);
      assert.equal(limited.json.notes.length, 1);
      assert.equal(limited.json.total, 2);

      const patched = await json(`${url}/notes/${created.json.id}`, { method: 'PATCH', body: '{"done": true}' });
      assert.equal(patched.json.done, true);
      assert.equal((await request(`${url}/notes/${created.json.id}`, { method: 'DELETE' })).status, 204);
      assert.equal((await json(`${url}/notes/${created.json.id}`)).status, 404);

      assert.equal((await json(`${url}/notes`, { method: 'POST', body: 'not json' })).status, 400);
      assert.equal((await json(`${url}/notes`, { method: 'POST', body: '{"title": ""}' })).status, 422);
      assert.equal((await json(`${url}/notes/abc`)).status, 400);
      assert.equal((await json(`${url}/notes?limit=x`)).status, 400);
      assert.equal((await request(`${url}/notes`, { method: 'PUT' })).status, 405);
    } finally {
      await siphon.stop();
    }
  });
});

describe('examples/webhook', () => {
  it('refuses to start without its token', async () => {
    await assert.rejects(startExample('webhook', { WEBHOOK_TOKEN: '' }), /exited before logging/);
  });

  it('accepts events only with the bearer token', async () => {
    const siphon = await startExample('webhook', { WEBHOOK_TOKEN: 's3cret' });
    const auth = { authorization: 'Bearer s3cret' };
    try {
      const denied = await request(`${siphon.url}/hooks/github`, { method: 'POST', body: '{}' });
      assert.equal(denied.status, 401);
      assert.equal(denied.headers['www-authenticate'], 'Bearer');
      const wrong = await request(`${siphon.url}/hooks/github`, { method: 'POST', body: '{}', headers: { authorization: 'Bearer guess' } });
      assert.equal(wrong.status, 401);

      const accepted = await json(`${siphon.url}/hooks/github`, { method: 'POST', body: '{"action": "opened"}', headers: auth });
      assert.equal(accepted.status, 202);
      assert.equal(accepted.json.accepted, 1);
      await json(`${siphon.url}/hooks/stripe`, { method: 'POST', body: '{"type": "charge"}', headers: auth });
      assert.equal((await request(`${siphon.url}/hooks/github`, { method: 'POST', body: 'nope', headers: auth })).status, 400);

      const listed = await json(`${siphon.url}/hooks?source=github`, { headers: auth });
      assert.equal(listed.json.length, 1);
      assert.deepEqual(listed.json[0].payload, { action: 'opened' });
      assert.equal((await request(`${siphon.url}/hooks`)).status, 401);
    } finally {
      await siphon.stop();
    }
  });
});

describe('examples/proxy', () => {
  it('forwards method, path, query, headers and body to clients.api and relays the answer', async () => {
    const { plainUpstream } = await import('./helpers/upstreams.mjs');
    const upstream = await plainUpstream();
    const siphon = await startExample('proxy', { API_BASE_URL: `${upstream.url}/backend` });
    try {
      const res = await request(`${siphon.url}/api/items/9?sort=desc&tag=a&tag=b`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'r-1', connection: 'keep-alive' },
        body: '{"n": 1}',
      });
      assert.equal(res.status, 200);
      assert.equal(res.headers['x-upstream'], 'yes');
      const seen = JSON.parse(res.text);
      assert.equal(seen.method, 'POST');
      assert.equal(seen.url, '/backend/items/9?sort=desc&tag=a&tag=b');
      assert.equal(seen.body, '{"n": 1}');
      assert.equal(seen.headers['x-request-id'], 'r-1');
      assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1');
      const status = await request(`${siphon.url}/api/x`, { headers: { 'x-reply-status': '404' } });
      assert.equal(status.status, 404);
      await upstream.close();
      const down = await request(`${siphon.url}/api/x`);
      assert.equal(down.status, 502);
    } finally {
      await siphon.stop();
    }
  });
});
