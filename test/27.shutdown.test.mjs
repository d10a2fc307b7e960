// Graceful shutdown (SPEC §7): drain in-flight requests, close the port,
// run @http.on_shutdown after the last response, exit 0; a grace period
// bounds the drain.
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { describe, it } from 'node:test';

import { request } from './helpers/http.mjs';
import { steadyLoad } from './helpers/load.mjs';
import { startSiphon } from './helpers/siphon.mjs';

const lines = (...l) => `${l.join('\n')}\n`;

const script = lines(
  'import asyncio, time',
  'from siphon import http, log',
  '@http.route("/work")',
  'async def work(req):',
  '    await asyncio.sleep(0.2)',
  '    log.info("answered work")',
  '    return http.Response(200, body="done")',
  '@http.route("/sync-work")',
  'def sync_work(req):',
  '    time.sleep(0.2)',
  '    return http.Response(200, body="done")',
  '@http.route("/forever")',
  'async def forever(req):',
  '    await asyncio.sleep(60)',
  '    return http.Response(200)',
  '@http.on_shutdown',
  'async def bye():',
  '    await asyncio.sleep(0.05)',
  '    log.info("on_shutdown marker")',
  '@http.on_shutdown',
  'def bye_sync():',
  '    log.info("second on_shutdown marker")',
);

function canConnect(url) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('graceful shutdown', () => {
  for (const [signal, route] of [['SIGTERM', '/work'], ['SIGINT', '/sync-work']]) {
    it(`${signal}: answers every request sent before the signal, refuses new connections, runs on_shutdown last, exits 0`, async () => {
      const siphon = await startSiphon({
        script,
        http: 'servers:\n  - listen: "127.0.0.1:0"\n    health_path: /healthz\n',
      });
      const load = steadyLoad(`${siphon.url}${route}`, { workers: 12 });
      await new Promise((resolve) => setTimeout(resolve, 600)); // load is flowing
      const signalledAt = Date.now();
      siphon.child.kill(signal);
      await siphon.waitForLog(/received: listeners closed, draining/);
      assert.equal(await canConnect(siphon.url), false, 'the port is closed while draining');
      const { code } = await siphon.exited;
      const results = await load.stop();

      assert.equal(code, 0, siphon.logText());
      const before = results.filter((r) => r.sentAt < signalledAt - 50);
      assert.ok(before.length > 20, `load ran (${before.length} requests before the signal)`);
      const failedBefore = before.filter((r) => r.status !== 200);
      assert.deepEqual(failedBefore, [], 'every request sent before the signal got its 200');
      const messages = siphon.logs.map((l) => l.message);
      const lastAnswer = messages.lastIndexOf('all in-flight requests answered');
      const marker = messages.indexOf('on_shutdown marker');
      assert.ok(lastAnswer >= 0 && marker > lastAnswer, messages.join('\n'));
      assert.ok(messages.indexOf('second on_shutdown marker') > marker);
      assert.equal(messages.at(-1), 'stopped');
    });
  }

  it('forces the exit after shutdown_grace_ms, answers 503 and logs it, exit non-zero', async () => {
    const siphon = await startSiphon({
      script,
      siphon: lines('script:', '  path: script.py', '  shutdown_grace_ms: 400', 'log:', '  format: json', 'extensions:', '  http: http.yaml'),
    });
    const stuck = request(`${siphon.url}/forever`, { timeoutMs: 10000 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    siphon.child.kill('SIGTERM');
    const res = await stuck;
    assert.equal(res.status, 503);
    const { code } = await siphon.exited;
    assert.notEqual(code, 0);
    assert.ok(siphon.logs.some((l) => l.level === 'error' && /grace period \(400 ms\) exceeded: 1 request\(s\) answered 503, exit forced/.test(l.message)), siphon.logText());
    assert.ok(siphon.logs.some((l) => l.message === 'on_shutdown marker'), 'hooks still ran');
  });

  it('exits at once on a second SIGINT', async () => {
    const siphon = await startSiphon({ script });
    const stuck = request(`${siphon.url}/forever`, { timeoutMs: 10000 }).catch((err) => err);
    await new Promise((resolve) => setTimeout(resolve, 200));
    siphon.child.kill('SIGINT');
    await siphon.waitForLog(/received: listeners closed, draining/);
    const started = Date.now();
    siphon.child.kill('SIGINT');
    const { code } = await siphon.exited;
    assert.ok(Date.now() - started < 3000);
    assert.equal(code, 1);
    assert.ok(siphon.logs.some((l) => l.message === 'second SIGINT: exiting now'));
    await stuck;
  });

  it('answers the health path 200 while serving and 503 while draining', async () => {
    const siphon = await startSiphon({ script, http: 'servers:\n  - listen: "127.0.0.1:0"\n    health_path: /healthz\n' });
    const { Agent } = await import('node:http');
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const healthy = await request(`${siphon.url}/healthz`, { agent });
    assert.equal(healthy.status, 200);
    assert.equal(healthy.text, 'ok\n');
    const stuck = request(`${siphon.url}/forever`, { timeoutMs: 10000 }).catch((err) => err);
    await new Promise((resolve) => setTimeout(resolve, 100));
    siphon.child.kill('SIGTERM');
    await siphon.waitForLog(/received: listeners closed, draining/);
    // The port is closed; a kept-alive connection still reaches the health path.
    const draining = await request(`${siphon.url}/healthz`, { agent });
    assert.equal(draining.status, 503);
    assert.equal(draining.headers.connection, 'close');
    agent.destroy();
    siphon.child.kill('SIGKILL');
    await stuck;
  });
});
