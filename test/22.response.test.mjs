// Return rules and errors (SPEC §5 "Return rules and errors" and "http.Response").
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { rawExchange, request } from './helpers/http.mjs';
import { startSiphon } from './helpers/siphon.mjs';

const script = fs.readFileSync(path.join(import.meta.dirname, 'scripts', 'spec_routes.py'), 'utf8');

describe('responses and return rules', () => {
  let siphon;
  before(async () => {
    siphon = await startSiphon({ script });
  });
  after(() => siphon.stop());

  it('sends the status, headers and body a handler returns', async () => {
    for (const method of ['GET', 'POST']) {
      const res = await request(`${siphon.url}/status/418`, { method });
      assert.equal(res.status, 418);
      assert.equal(res.headers['x-status'], '418');
      assert.equal(res.text, 'status 418');
    }
  });

  it('encodes a str body as UTF-8', async () => {
    const res = await request(`${siphon.url}/str-body`);
    assert.equal(res.status, 201);
    assert.deepEqual(res.body, Buffer.from('héllo', 'utf8'));
    assert.equal(res.headers['content-length'], String(Buffer.byteLength('héllo')));
  });

  it('sends 204 and 304 without a body or Content-Length', async () => {
    for (const [route, status] of [['/empty', 204], ['/not-modified', 304]]) {
      const { text, closed } = await rawExchange(siphon.url, `GET ${route} HTTP/1.1\r\nHost: x\r\n\r\n`);
      assert.equal(closed, false);
      assert.match(text, new RegExp(`^HTTP/1\\.1 ${status} `));
      assert.doesNotMatch(text, /content-length/i);
      assert.ok(text.endsWith('\r\n\r\n'));
    }
  });

  const failures = [
    ['/raise', /handler script\.raises \(GET \/raise\) raised:[\s\S]*RuntimeError: boom from handler/],
    ['/raise-async', /handler script\.raises_async \(GET \/raise-async\) raised:[\s\S]*ValueError: async boom/],
    ['/wrong-type', /handler script\.wrong_type \(GET \/wrong-type\) returned dict, expected http\.Response/],
    ['/wrong-type-async', /handler script\.wrong_type_async .* returned str, expected http\.Response/],
    ['/none', /handler script\.returns_none .* returned NoneType, expected http\.Response/],
    ['/returns-coroutine', /returned coroutine, expected http\.Response \(a coroutine: declare the handler `async def`\)/],
    ['/bad-status', /ValueError: status 700 is outside 100-599/],
    ['/bad-body', /TypeError: body must be bytes, str or None, not int/],
    ['/mutated', /returned an invalid header name 'bad\\nname'/],
    ['/header-injection', /returned header x-evil with CR, LF or NUL in its value/],
  ];
  for (const [route, logged] of failures) {
    it(`answers 500 without details and logs why for ${route}`, async () => {
      const res = await request(`${siphon.url}${route}`);
      assert.equal(res.status, 500);
      assert.equal(res.text, 'Internal Server Error\n');
      assert.doesNotMatch(res.text, /Traceback|boom/);
      const line = await siphon.waitForLog((l) => l.level === 'error' && logged.test(l.message));
      assert.equal(line.target, 'siphon.handler');
      // the worker survives: the next request is answered
      assert.equal((await request(`${siphon.url}/str-body`)).status, 201);
    });
  }

  it('never lets a handler write its own framing headers', async () => {
    const { text } = await rawExchange(siphon.url, 'GET /framing HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.equal((text.match(/content-length/gi) ?? []).length, 1);
    assert.match(text, /Content-Length: 4\r\n/i);
    assert.doesNotMatch(text, /transfer-encoding/i);
    assert.match(text, /x-kept: yes/);
    assert.ok(text.endsWith('\r\n\r\nfour'));
  });

  it('never puts a header value containing CR/LF on the wire', async () => {
    const { text } = await rawExchange(siphon.url, 'GET /header-injection HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.match(text, /^HTTP\/1\.1 500 /);
    assert.doesNotMatch(text, /pwned/);
  });

  it('sends large bodies completely', async () => {
    const res = await request(`${siphon.url}/big?n=3000000`);
    assert.equal(res.status, 200);
    assert.equal(res.body.length, 3000000);
  });

  it('routes log lines from siphon.log through the host logger with level filtering', async () => {
    const res = await request(`${siphon.url}/log?n=7`);
    assert.equal(res.status, 200);
    const info = await siphon.waitForLog((l) => l.message === 'info line 7');
    assert.equal(info.level, 'info');
    assert.equal(info.target, 'script');
    await siphon.waitForLog((l) => l.message === 'warn line' && l.level === 'warn');
    await siphon.waitForLog((l) => l.message === 'warning line' && l.level === 'warn');
    await siphon.waitForLog((l) => l.message === 'error line' && l.level === 'error');
    await siphon.waitForLog((l) => l.message === 'debug line' && l.level === 'debug');
  });
});
