// What metrics and the access log say about refused and bodiless answers
// (issue 20): a 405 or 413 on a path that matched a route is labelled with
// that route, not "unmatched"; bytes count what went on the wire, so a 204
// whose handler set a body, or any HEAD answer, is 0 bytes. Both engines.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { request } from './helpers/http.mjs';
import { startSiphon } from './helpers/siphon.mjs';

const SCRIPT = `
from siphon import http

@http.route("/items/{id}", methods=["GET", "PUT"])
def item(req):
    return http.Response(200, body="item")

@http.route("/empty")
def empty(req):
    return http.Response(204, body="ignored: 204 has no body")
`;

for (const engine of ['uws', 'node']) {
  describe(`outcome labels (${engine} engine)`, () => {
    let siphon;
    before(async () => {
      const extra = engine === 'node' ? '    http2: true\n' : '';
      siphon = await startSiphon({
        script: SCRIPT,
        http: `servers:\n  - listen: "127.0.0.1:0"\n    max_body_bytes: 16\n${extra}metrics:\n  listen: "127.0.0.1:0"\n`,
        siphon: 'script:\n  path: script.py\nlog:\n  format: json\n  access: true\nextensions:\n  http: http.yaml\n',
      });
    });
    after(() => siphon?.stop());

    const accessLine = (status, path) => siphon.waitForLog((l) => l.target === 'siphon.access' && l.status === status && l.path === path);

    it('labels a 405 with the route whose pattern matched', async () => {
      assert.equal((await request(`${siphon.url}/items/7`, { method: 'DELETE' })).status, 405);
      assert.equal((await accessLine(405, '/items/7')).route, '/items/{id}');
      const metrics = (await request(`${siphon.url}/metrics`)).text;
      assert.match(metrics, /siphon_http_requests_total\{route="\/items\/\{id\}",method="DELETE",status_class="4xx"\} 1/);
    });

    it('labels a 413 with the route it was meant for', async () => {
      const res = await request(`${siphon.url}/items/7`, { method: 'PUT', body: 'x'.repeat(64) });
      assert.equal(res.status, 413);
      assert.equal((await accessLine(413, '/items/7')).route, '/items/{id}');
    });

    it('counts no bytes for a 204, whatever the handler put in its body, nor for HEAD', async () => {
      assert.equal((await request(`${siphon.url}/empty`)).status, 204);
      assert.equal((await accessLine(204, '/empty')).bytes, 0);
      assert.equal((await request(`${siphon.url}/items/1`, { method: 'HEAD' })).status, 200);
      const head = await siphon.waitForLog((l) => l.target === 'siphon.access' && l.method === 'HEAD');
      assert.equal(head.bytes, 0);
    });
  });
}
