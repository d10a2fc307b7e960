// Overload and liveness (issue 5): the bounded executor queue sheds with 503
// before Python, the sync pool grows under blocking load, and a stalled
// process aborts itself so it gets restarted.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { request } from './helpers/http.mjs';
import { parseMetrics, sample } from './helpers/prometheus.mjs';
import { startSiphon } from './helpers/siphon.mjs';

const lines = (...l) => `${l.join('\n')}\n`;

const script = lines(
  'import threading, time',
  'from siphon import http',
  'gate = threading.Event()',
  'lock = threading.Lock()',
  'entered = {"n": 0}',
  '@http.route("/block")',
  'def block(req):',
  '    entered["n"] += 1',
  '    gate.wait(20)',
  '    return http.Response(200, body="released")',
  '@http.route("/release")',
  'async def release(req):',
  '    gate.set()',
  '    return http.Response(200, body="ok")',
  '@http.route("/entered")',
  'async def entered_count(req):',
  '    return http.Response(200, body=str(entered["n"]))',
  '@http.route("/hold")',
  'def hold(req):',
  '    entered["n"] += 1',
  '    time.sleep(1.5)',
  '    return http.Response(200, body="held")',
  '@http.route("/deadlock")',
  'def deadlock(req):',
  '    lock.acquire()',
  '    lock.acquire()',
  '@http.route("/ok")',
  'async def ok(req):',
  '    return http.Response(200, body="ok")',
);

function config(extra) {
  return lines('script:', '  path: script.py', ...extra, 'log:', '  format: json', 'extensions:', '  http: http.yaml');
}

async function until(check, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('condition not reached in time');
}

describe('overload and liveness', () => {
  it('sheds with 503 + Retry-After once the queue is full, without entering Python, then recovers', async () => {
    const siphon = await startSiphon({
      script,
      siphon: config(['  sync_pool_size: 2', '  sync_pool_max: 2', '  executor_queue_capacity: 4', '  handler_stall_abort_secs: 0']),
      http: lines('servers:', '  - listen: "127.0.0.1:0"', 'metrics:', '  listen: "127.0.0.1:0"'),
    });
    try {
      // Two requests occupy both workers; the queue (shared by every route) then takes 4.
      const first = [1, 2].map(() => request(`${siphon.url}/hold`, { timeoutMs: 20000 }));
      await until(async () => (await request(`${siphon.url}/entered`)).text === '2');
      const rest = Array.from({ length: 18 }, () => request(`${siphon.url}/hold`, { timeoutMs: 20000 }));
      const results = await Promise.all([...first, ...rest]);
      const metrics = parseMetrics((await request(`${siphon.url}/metrics`)).text);
      assert.equal(sample(metrics, 'siphon_pyexec_jobs_shed', {}, 'siphon_pyexec_jobs_shed_total'), 14, 'shed requests are counted');
      const answered = results.filter((r) => r.status === 200);
      const refused = results.filter((r) => r.status === 503);
      assert.equal(answered.length, 6, `2 running + 4 queued answered: ${results.map((r) => r.status)}`);
      assert.equal(refused.length, 14);
      assert.ok(refused.every((r) => r.headers['retry-after'] === '1'));
      assert.equal((await request(`${siphon.url}/entered`)).text, '6', 'refused requests never reached Python');
      assert.equal((await request(`${siphon.url}/ok`)).text, 'ok');
    } finally {
      await siphon.stop();
    }
  });

  it('grows the sync pool while jobs wait, and never shrinks it', async () => {
    const siphon = await startSiphon({
      script,
      siphon: config(['  sync_pool_size: 1', '  sync_pool_max: 4']),
      http: lines('servers:', '  - listen: "127.0.0.1:0"', 'metrics:', '  listen: "127.0.0.1:0"'),
    });
    const poolSize = async () => sample(parseMetrics((await request(`${siphon.url}/metrics`)).text), 'siphon_pyexec_pool_size');
    try {
      assert.equal(await poolSize(), 1);
      const blocked = Array.from({ length: 6 }, () => request(`${siphon.url}/block`, { timeoutMs: 20000 }));
      await until(async () => (await request(`${siphon.url}/entered`)).text === '4');
      assert.equal(await poolSize(), 4, 'grew to sync_pool_max');
      await request(`${siphon.url}/release`);
      assert.ok((await Promise.all(blocked)).every((r) => r.status === 200));
      assert.equal(await poolSize(), 4, 'kept its threads');
    } finally {
      await siphon.stop();
    }
  });

  it('aborts with a log line when a handler deadlocks past handler_stall_abort_secs', async () => {
    const siphon = await startSiphon({ script, siphon: config(['  sync_pool_size: 1', '  sync_pool_max: 1', '  handler_stall_abort_secs: 1']) });
    const idleFor = 1500;
    await new Promise((resolve) => setTimeout(resolve, idleFor));
    assert.equal(siphon.child.exitCode, null, 'idle is not a stall');
    request(`${siphon.url}/deadlock`, { timeoutMs: 10000 }).catch(() => undefined);
    const { signal } = await siphon.exited;
    assert.equal(signal, 'SIGABRT');
    assert.ok(siphon.logs.some((l) => l.level === 'error' && /handler stall: \d+ running and \d+ queued job\(s\), none started or finished for \d+ s \(handler_stall_abort_secs: 1\); aborting/.test(l.message)), siphon.logText());
  });
});
