// Operations: Prometheus metrics (parsed with a real parser), the health
// path, the access log, json logs and Python's `logging` module.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { request } from './helpers/http.mjs';
import { parseMetrics as families, sample } from './helpers/prometheus.mjs';
import { startSiphon } from './helpers/siphon.mjs';

const lines = (...l) => `${l.join('\n')}\n`;

const script = lines(
  'import logging, threading',
  'from siphon import http',
  'gate = threading.Event()',
  'logger = logging.getLogger("my.module")',
  '@http.route("/ok/{id}")',
  'async def ok(req):',
  '    logger.info("via logging %s", req.path_params["id"])',
  '    logger.debug("hidden debug line")',
  '    return http.Response(200, body="ok")',
  '@http.route("/fail")',
  'def fail(req):',
  '    raise RuntimeError("x")',
  '@http.route("/block")',
  'def block(req):',
  '    gate.wait(10)',
  '    return http.Response(200, body="released")',
  '@http.route("/release")',
  'async def release(req):',
  '    gate.set()',
  '    return http.Response(200)',
  '@http.route("/logging-error")',
  'def logging_error(req):',
  '    try:',
  '        1 / 0',
  '    except ZeroDivisionError:',
  '        logger.exception("it broke")',
  '    return http.Response(200)',
);


describe('metrics, health and logs', () => {
  it('serves Prometheus metrics that move with traffic and show a blocked pool', async () => {
    const siphon = await startSiphon({
      script,
      siphon: lines('script:', '  path: script.py', '  sync_pool_size: 1', '  sync_pool_max: 1', 'log:', '  format: json', 'extensions:', '  http: http.yaml'),
      http: lines('servers:', '  - listen: "127.0.0.1:0"', '  - listen: "127.0.0.1:0"', 'metrics:', '  path: /metrics', '  listen: "127.0.0.1:0"'),
    });
    try {
      // metrics.listen "127.0.0.1:0" names the first server with that address.
      const metricsUrl = `${siphon.urls[0]}/metrics`;
      for (let i = 0; i < 5; i++) await request(`${siphon.urls[1]}/ok/${i}`);
      await request(`${siphon.urls[1]}/fail`);
      await request(`${siphon.urls[1]}/nowhere`);
      const first = await request(metricsUrl);
      assert.equal(first.status, 200);
      assert.match(first.headers['content-type'], /^text\/plain; version=0\.0\.4/);
      const m = families(first.text);
      const requests = (labels) => sample(m, 'siphon_http_requests', labels, 'siphon_http_requests_total');
      assert.equal(requests({ route: '/ok/{id}', method: 'GET', status_class: '2xx' }), 5);
      assert.equal(requests({ route: '/fail', status_class: '5xx' }), 1);
      assert.equal(requests({ route: 'unmatched', status_class: '4xx' }), 1);
      assert.equal(m.siphon_http_request_duration_seconds.type, 'histogram');
      assert.equal(sample(m, 'siphon_http_request_duration_seconds', { route: '/ok/{id}' }, 'siphon_http_request_duration_seconds_count'), 5);
      assert.ok(sample(m, 'siphon_pyexec_jobs_completed', {}, 'siphon_pyexec_jobs_completed_total') >= 6);
      assert.equal(sample(m, 'siphon_pyexec_pool_size'), 1);
      assert.equal(sample(m, 'siphon_pyexec_pool_max'), 1);
      assert.ok(m.process_cpu_seconds && m.process_resident_memory_bytes, 'process CPU and memory');
      assert.equal(sample(m, 'siphon_reloads', { result: 'ok' }, 'siphon_reloads_total'), 0);

      // Block the only sync worker and queue two more behind it.
      const blocked = [1, 2, 3].map(() => request(`${siphon.urls[1]}/block`, { timeoutMs: 15000 }));
      let busy;
      for (let i = 0; i < 50; i++) {
        busy = families((await request(metricsUrl)).text);
        if (sample(busy, 'siphon_pyexec_queue_depth') === 2) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.equal(sample(busy, 'siphon_pyexec_inflight'), 1);
      assert.equal(sample(busy, 'siphon_pyexec_queue_depth'), 2);
      assert.equal(sample(busy, 'siphon_http_requests_inflight'), 3);
      await request(`${siphon.urls[1]}/release`);
      assert.ok((await Promise.all(blocked)).every((r) => r.text === 'released'));
      const after = families((await request(metricsUrl)).text);
      assert.equal(sample(after, 'siphon_pyexec_queue_depth'), 0);
      assert.equal(sample(after, 'siphon_pyexec_inflight'), 0);
    } finally {
      await siphon.stop();
    }
  });

  it('writes json logs one object per line with stable fields, and routes Python logging', async () => {
    const siphon = await startSiphon({
      script,
      siphon: lines('script:', '  path: script.py', 'log:', '  format: json', '  level: info', '  access: true', 'extensions:', '  http: http.yaml'),
    });
    try {
      await request(`${siphon.url}/ok/7?x=1`);
      await request(`${siphon.url}/logging-error`);
      await request(`${siphon.url}/missing`);
      const viaLogging = await siphon.waitForLog((l) => l.message === 'via logging 7');
      assert.equal(viaLogging.target, 'my.module');
      assert.equal(viaLogging.level, 'info');
      const exception = await siphon.waitForLog((l) => l.message.startsWith('it broke'));
      assert.equal(exception.level, 'error');
      assert.match(exception.message, /ZeroDivisionError: division by zero/);
      const access = await siphon.waitForLog((l) => l.target === 'siphon.access' && l.path === '/ok/7');
      assert.equal(access.method, 'GET');
      assert.equal(access.status, 200);
      assert.equal(access.bytes, 2);
      assert.equal(typeof access.duration_ms, 'number');
      assert.match(access.client, /^127\.0\.0\.1:\d+$/);
      await siphon.waitForLog((l) => l.target === 'siphon.access' && l.path === '/missing' && l.status === 404);
      assert.ok(!siphon.logs.some((l) => l.message === 'hidden debug line'), 'logging follows log.level');
      for (const line of siphon.logs) {
        assert.notEqual(line.level, 'raw', `every stderr line is a JSON object: ${line.message}`);
        for (const key of ['time', 'level', 'target', 'message']) assert.ok(key in line, `${key} in ${JSON.stringify(line)}`);
        assert.ok(!Number.isNaN(Date.parse(line.time)));
      }
    } finally {
      await siphon.stop();
    }
  });

  it('keeps the access log off by default', async () => {
    const siphon = await startSiphon({ script });
    try {
      await request(`${siphon.url}/ok/1`);
      await siphon.waitForLog((l) => l.message === 'via logging 1');
      assert.ok(!siphon.logs.some((l) => l.target === 'siphon.access'));
    } finally {
      await siphon.stop();
    }
  });

  it('rejects a metrics listen address that no server has', async () => {
    const { runSiphon, writeProject } = await import('./helpers/siphon.mjs');
    const dir = writeProject({ http: lines('servers:', '  - listen: "127.0.0.1:0"', 'metrics:', '  listen: "127.0.0.1:9999"') });
    const result = await runSiphon(['-c', 'siphon.yaml'], { cwd: dir });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /http\.yaml:4:11: metrics\.listen: 127\.0\.0\.1:9999 is not the listen address of any server \(servers: 127\.0\.0\.1:0\)/);
  });
});
