// Routing (SPEC §5 "Decorators"): params, precedence, 404, 405 + Allow, HEAD.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { json, rawExchange, request } from './helpers/http.mjs';
import { startSiphon } from './helpers/siphon.mjs';

const script = fs.readFileSync(path.join(import.meta.dirname, 'scripts', 'spec_routes.py'), 'utf8');

describe('routing', () => {
  let siphon;
  before(async () => {
    siphon = await startSiphon({ script });
  });
  after(() => siphon.stop());

  it('matches {param} segments and decodes them', async () => {
    const res = await json(`${siphon.url}/users/42`);
    assert.equal(res.status, 200);
    assert.equal(res.json.route, 'param');
    assert.deepEqual(res.json.path_params, { id: '42' });
  });

  it('prefers a static segment over {param}', async () => {
    const res = await json(`${siphon.url}/users/me`);
    assert.equal(res.json.route, 'static');
    assert.deepEqual(res.json.path_params, {});
  });

  it('matches several params in one path', async () => {
    const res = await json(`${siphon.url}/users/7/posts/hello%20world`);
    assert.equal(res.json.route, 'two-params');
    assert.deepEqual(res.json.path_params, { id: '7', post: 'hello world' });
  });

  it('gives {*rest} the rest of the path, slashes included', async () => {
    const res = await json(`${siphon.url}/files/a/b/c.txt`);
    assert.equal(res.json.route, 'catch-all');
    assert.deepEqual(res.json.path_params, { rest: 'a/b/c.txt' });
  });

  it('prefers a static route over {*rest}', async () => {
    const res = await json(`${siphon.url}/files/readme`);
    assert.equal(res.json.route, 'static-under-catch-all');
  });

  it('does not match {param} against an empty segment', async () => {
    const res = await request(`${siphon.url}/users/`);
    assert.equal(res.status, 404);
  });

  it('answers 404 for unknown paths without entering Python', async () => {
    const before = Number((await request(`${siphon.url}/count`)).text);
    const res = await request(`${siphon.url}/no/such/path`);
    assert.equal(res.status, 404);
    const afterCount = Number((await request(`${siphon.url}/count`)).text);
    assert.equal(afterCount, before + 1);
  });

  it('answers 405 with Allow when the path matches but the method does not', async () => {
    const res = await request(`${siphon.url}/users/42`, { method: 'DELETE' });
    assert.equal(res.status, 405);
    assert.equal(res.headers.allow, 'GET, HEAD');
  });

  it('tries other matching patterns before answering 405', async () => {
    // /things/special is a static GET route; POST falls through to /things/{id}.
    const res = await json(`${siphon.url}/things/special`, { method: 'POST' });
    assert.equal(res.status, 200);
    assert.equal(res.json.route, 'post-param');
    const get = await json(`${siphon.url}/things/special`);
    assert.equal(get.json.route, 'get-static');
    const put = await request(`${siphon.url}/things/special`, { method: 'PUT' });
    assert.equal(put.status, 405);
    assert.equal(put.headers.allow, 'GET, HEAD, POST');
  });

  it('answers HEAD on GET routes with headers and no body', async () => {
    const get = await request(`${siphon.url}/str-body`);
    const { text, closed } = await rawExchange(siphon.url, 'HEAD /str-body HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.equal(closed, false, 'the connection stays open after HEAD');
    assert.match(text, /^HTTP\/1\.1 201 /);
    assert.match(text, new RegExp(`\r\ncontent-length: ${get.body.length}\r\n`, 'i'));
    assert.equal((text.match(/content-length/gi) ?? []).length, 1);
    assert.ok(text.endsWith('\r\n\r\n'), `no body bytes follow the headers: ${JSON.stringify(text)}`);
  });

  it('lets handlers see HEAD as the method', async () => {
    const res = await request(`${siphon.url}/echo`, { method: 'HEAD' });
    assert.equal(res.status, 200);
    assert.equal(res.body.length, 0);
  });

  it('upper-cases methods given in lower case', async () => {
    const res = await json(`${siphon.url}/echo-async`, { method: 'POST', body: 'x' });
    assert.equal(res.json.method, 'POST');
  });
});

describe('route registration errors', () => {
  it('rejects two handlers for the same path and method, naming both', async () => {
    const { runSiphon, writeProject } = await import('./helpers/siphon.mjs');
    const dir = writeProject({
      script: [
        'from siphon import http',
        '@http.route("/x/{a}", methods=["GET", "POST"])',
        'def first(req): pass',
        '@http.route("/x/{b}", methods=["post"])',
        'def second(req): pass',
        '',
      ].join('\n'),
    });
    const result = await runSiphon(['-c', path.join(dir, 'siphon.yaml')], { cwd: dir });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /duplicate route POST \/x\/\{b\}: script\.first and script\.second/);
  });

  it('rejects a pattern with a parameter inside a segment', async () => {
    const { runSiphon, writeProject } = await import('./helpers/siphon.mjs');
    const dir = writeProject({ script: 'from siphon import http\n@http.route("/x-{a}")\ndef h(req): pass\n' });
    const result = await runSiphon(['-c', path.join(dir, 'siphon.yaml')], { cwd: dir });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /a parameter must be a whole segment/);
  });
});
