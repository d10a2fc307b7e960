// A listener for Prometheus (issue 20): with `routes: false` it answers its
// health and metrics paths and 404 for everything else -- the script's routes
// are not reachable there, whatever the method. The deploy templates use it.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { request } from './helpers/http.mjs';
import { ROOT, startSiphon } from './helpers/siphon.mjs';

describe('a metrics-only listener (routes: false)', () => {
  let siphon;
  before(async () => {
    siphon = await startSiphon({
      script: 'from siphon import http\n@http.route("/")\ndef index(req):\n    return http.Response(200, body="app")\n@http.route("/echo", methods=["POST"])\ndef echo(req):\n    return http.Response(200, body=req.body())\n',
      http: 'servers:\n  - listen: "127.0.0.1:0"\n  - listen: "127.0.0.2:0"\n    routes: false\n    health_path: /healthz\nmetrics:\n  listen: "127.0.0.2:0"\n',
    });
  });
  after(() => siphon?.stop());

  it('answers health and metrics', async () => {
    const [, metricsUrl] = siphon.urls;
    assert.equal((await request(`${metricsUrl}/healthz`)).status, 200);
    const metrics = await request(`${metricsUrl}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(metrics.text, /siphon_http_requests_total/);
  });

  it('serves no script route, whatever the method', async () => {
    const [appUrl, metricsUrl] = siphon.urls;
    assert.equal((await request(`${appUrl}/`)).text, 'app');
    assert.equal((await request(`${metricsUrl}/`)).status, 404);
    assert.equal((await request(`${metricsUrl}/echo`, { method: 'POST', body: 'x' })).status, 404);
  });

  it('is what the deploy templates configure on their metrics port', () => {
    for (const file of ['deploy/http.example.yaml', 'deploy/k8s/configmap.yaml']) {
      const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
      assert.match(text, /listen: "\$\{SIPHON_METRICS_LISTEN:-0\.0\.0\.0:9090\}"\n\s+# .*\n\s+routes: false/, file);
    }
  });
});
