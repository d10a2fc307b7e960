// HTTPS listeners (SPEC §4 tls): a certificate made in the test, served by uWS.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { json, request } from './helpers/http.mjs';
import { startSiphon } from './helpers/siphon.mjs';
import { makePki } from './helpers/tls.mjs';

describe('TLS listener', () => {
  let siphon;
  let pki;
  before(async () => {
    pki = makePki();
    siphon = await startSiphon({
      script: [
        'from siphon import http',
        '@http.route("/who")',
        'async def who(req):',
        '    return http.Response(200, headers={"content-type": "application/json"}, body=\'{"client": "%s"}\' % req.client)',
        '@http.route("/upload", methods=["POST"])',
        'def upload(req):',
        '    return http.Response(200, body=str(len(req.body())))',
        '',
      ].join('\n'),
      http: [
        'servers:',
        '  - listen: "127.0.0.1:0"',
        '    tls:',
        `      cert_path: ${pki.path('server.crt')}`,
        `      key_path: ${pki.path('server.key')}`,
        '',
      ].join('\n'),
    });
  });
  after(() => siphon.stop());

  it('listens on https and answers with the configured certificate', async () => {
    assert.match(siphon.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const res = await json(`${siphon.url}/who`, { ca: pki.read('ca.crt') });
    assert.equal(res.status, 200);
    assert.match(res.json.client, /^127\.0\.0\.1:\d+$/);
  });

  it('reads request bodies over TLS', async () => {
    const res = await request(`${siphon.url}/upload`, { method: 'POST', body: 'z'.repeat(200000), ca: pki.read('ca.crt') });
    assert.equal(res.text, '200000');
  });

  it('is refused by a client that does not trust the CA', async () => {
    await assert.rejects(request(`${siphon.url}/who`), /self[- ]signed|unable to verify|certificate/i);
  });

  it('does not answer plain HTTP on the TLS port', async () => {
    const plain = siphon.url.replace('https:', 'http:');
    await assert.rejects(request(`${plain}/who`, { timeoutMs: 2000 }));
  });
});
