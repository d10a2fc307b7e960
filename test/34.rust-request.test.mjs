// Request fields as the Rust siphon-http gives them (issue 13): a repeated
// query key keeps its last value (all stay in query_string), and a client
// taken from a trusted X-Forwarded-For is the entry as sent, a bare IP.
// On both engines (uWS and the node:http2 listener). Also what
// docs/coming-from-rust.md says of non-ASCII header values on uWS.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { json, rawExchange } from './helpers/http.mjs';
import { startSiphon } from './helpers/siphon.mjs';

const script = [
  'import json',
  'from siphon import http',
  '@http.route("/fields")',
  'async def fields(req):',
  '    return http.Response(200, body=json.dumps({"query": req.query_params, "raw": req.query_string, "client": req.client,',
  '                                               "x": req.header("x-text")}))',
  '',
].join('\n');

describe('request fields as in the Rust siphon-http', () => {
  let siphon;
  before(async () => {
    siphon = await startSiphon({
      script,
      http: [
        'servers:',
        '  - listen: "127.0.0.1:0"',
        '    trusted_proxies: ["127.0.0.1"]',
        '  - listen: "127.0.0.1:0"',
        '    http2: true',
        '    trusted_proxies: ["127.0.0.0/8"]',
        '  - listen: "127.0.0.1:0"',
        '',
      ].join('\n'),
    });
  });
  after(() => siphon.stop());

  const fields = (url, query = '', headers = {}) => json(`${url}/fields${query}`, { headers }).then((r) => r.json);

  it('keeps the last value of a repeated query key; query_string has them all', async () => {
    for (const url of siphon.urls.slice(0, 2)) {
      const seen = await fields(url, '?k=1&other=x&k=2&k=three+3');
      assert.deepEqual(seen.query, { k: 'three 3', other: 'x' });
      assert.equal(seen.raw, 'k=1&other=x&k=2&k=three+3');
    }
  });

  it('reports a forwarded client as the bare IP sent, IPv4 and IPv6, never ip:0', async () => {
    for (const url of siphon.urls.slice(0, 2)) {
      assert.equal((await fields(url, '', { 'x-forwarded-for': '203.0.113.7, 10.0.0.1' })).client, '203.0.113.7');
      assert.equal((await fields(url, '', { 'x-forwarded-for': '2001:db8::1' })).client, '2001:db8::1');
      assert.equal((await fields(url, '', { 'x-forwarded-for': '[2001:db8::2]' })).client, '2001:db8::2');
      assert.equal((await fields(url, '', { 'x-forwarded-for': '198.51.100.4:5555' })).client, '198.51.100.4:5555');
    }
  });

  it('keeps socket peers as ip:port, and ignores X-Forwarded-For from an untrusted peer', async () => {
    assert.match((await fields(siphon.urls[0])).client, /^127\.0\.0\.1:\d+$/);
    assert.match((await fields(siphon.urls[2], '', { 'x-forwarded-for': '203.0.113.7' })).client, /^127\.0\.0\.1:\d+$/);
  });

  it('on the uWS engine, cuts non-ASCII bytes off the ends of a header value and decodes them inside', async () => {
    const seen = async (value) => {
      const head = Buffer.concat([Buffer.from('GET /fields HTTP/1.1\r\nHost: x\r\nX-Text: '), Buffer.from(value, 'latin1'), Buffer.from('\r\n\r\n')]);
      const { text } = await rawExchange(siphon.urls[0], head);
      return JSON.parse(Buffer.from(text.split('\r\n\r\n')[1], 'latin1').toString('utf8')).x;
    };
    assert.equal(await seen('caf\xc3\xa9 bar'), 'café bar');
    assert.equal(await seen('x \xc3\xa9'), 'x');
    assert.equal(await seen('\xff\xfeab'), 'ab');
  });
});
