// http.Request fields (SPEC §5 table): path, decoding, query, headers, client, body.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { json, rawExchange } from './helpers/http.mjs';
import { startSiphon } from './helpers/siphon.mjs';

const script = fs.readFileSync(path.join(import.meta.dirname, 'scripts', 'spec_routes.py'), 'utf8');

function rawJson(text) {
  return JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4));
}

describe('request fields', () => {
  let siphon;
  before(async () => {
    siphon = await startSiphon({ script });
  });
  after(() => siphon.stop());

  for (const kind of ['echo', 'echo-async']) {
    it(`gives ${kind} handlers method, path, query, headers and body`, async () => {
      const res = await json(`${siphon.url}/${kind}?a=1&b=two+words&a=2&c=%C3%A9&flag`, {
        method: 'POST',
        headers: { 'X-Custom': 'Value', 'content-type': 'text/plain' },
        body: 'hello body',
      });
      assert.equal(res.status, 200);
      assert.equal(res.json.method, 'POST');
      assert.equal(res.json.path, `/${kind}`);
      assert.deepEqual(res.json.query_params, { a: '2', b: 'two words', c: 'é', flag: '' });
      assert.equal(res.json.headers['x-custom'], 'Value');
      assert.equal(res.json.headers['content-type'], 'text/plain');
      assert.equal(res.json.body, 'hello body');
    });
  }

  it('keeps percent-encoding in path but decodes path_params as UTF-8', async () => {
    const res = await json(`${siphon.url}/users/caf%C3%A9%20au%2Flait`);
    assert.equal(res.json.path, '/users/caf%C3%A9%20au%2Flait');
    assert.deepEqual(res.json.path_params, { id: 'café au/lait' });
  });

  it('decodes invalid percent sequences and bad UTF-8 without failing', async () => {
    const res = await json(`${siphon.url}/users/%zz%ff%C3?q=%E2%82&r=%`);
    assert.equal(res.status, 200);
    assert.equal(res.json.path_params.id, '%zz\ufffd\ufffd');
    assert.deepEqual(res.json.query_params, { q: '\ufffd', r: '%' });
  });

  it('does not treat + as a space in path params', async () => {
    const res = await json(`${siphon.url}/users/a+b`);
    assert.equal(res.json.path_params.id, 'a+b');
  });

  it('joins repeated headers with ", " under a lower-case name', async () => {
    const { text } = await rawExchange(
      siphon.url,
      'GET /echo HTTP/1.1\r\nHost: x\r\nX-Multi: one\r\nx-multi: two\r\nX-MULTI: three\r\n\r\n',
    );
    const body = rawJson(text);
    assert.equal(body.headers['x-multi'], 'one, two, three');
    assert.equal(body.headers.host, 'x');
  });

  it('finds one header case-insensitively with req.header()', async () => {
    const { text } = await rawExchange(siphon.url, 'GET /header HTTP/1.1\r\nHost: x\r\nx-mixed-case: yes\r\n\r\n');
    assert.match(text, /\r\n\r\n'yes'$/);
    const missing = await rawExchange(siphon.url, 'GET /header HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.match(missing.text, /\r\n\r\nNone$/);
  });

  it('reports the client as ip:port of the socket peer', async () => {
    const res = await json(`${siphon.url}/echo`);
    const [ip, port] = res.json.client.split(':');
    assert.equal(ip, '127.0.0.1');
    assert.ok(Number(port) > 0 && Number(port) < 65536, `port in ${res.json.client}`);
  });

  it('does not let X-Forwarded-For from an untrusted peer change the client', async () => {
    const res = await json(`${siphon.url}/echo`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
    assert.match(res.json.client, /^127\.0\.0\.1:\d+$/);
  });

  it('hands over an empty body as b""', async () => {
    const res = await json(`${siphon.url}/echo`, { method: 'DELETE' });
    assert.equal(res.json.body, '');
  });

  it('reads a chunked request body', async () => {
    const { text } = await rawExchange(
      siphon.url,
      'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n',
    );
    assert.equal(rawJson(text).body, 'hello world');
  });

  it('keeps contextvars from leaking between requests on one worker', async () => {
    // Each request runs in a fresh context: a value set by one is unseen by the next.
    const { writeProject } = await import('./helpers/siphon.mjs');
    const local = await startSiphon(
      writeProject({
        script: [
          'import contextvars',
          'from siphon import http',
          'seen = contextvars.ContextVar("seen", default="unset")',
          '@http.route("/async")',
          'async def a(req):',
          '    before = seen.get()',
          '    seen.set("set-by-async")',
          '    return http.Response(200, body=before)',
          '@http.route("/sync")',
          'def s(req):',
          '    before = seen.get()',
          '    seen.set("set-by-sync")',
          '    return http.Response(200, body=before)',
          '',
        ].join('\n'),
        siphon: 'script:\n  path: script.py\n  sync_pool_size: 1\n  sync_pool_max: 1\n  async_pool_size: 1\nlog:\n  format: json\nextensions:\n  http: http.yaml\n',
      }),
    );
    try {
      const { request } = await import('./helpers/http.mjs');
      for (let i = 0; i < 3; i++) {
        assert.equal((await request(`${local.url}/async`)).text, 'unset');
        assert.equal((await request(`${local.url}/sync`)).text, 'unset');
      }
    } finally {
      await local.stop();
    }
  });
});
