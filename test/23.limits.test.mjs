// Per-listener limits: max_body_bytes (413), request_timeout_ms (504),
// max_header_bytes (431), and clients that go away mid-request.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { rawExchange, request } from './helpers/http.mjs';
import { startSiphon } from './helpers/siphon.mjs';

const script = fs.readFileSync(path.join(import.meta.dirname, 'scripts', 'spec_routes.py'), 'utf8');

describe('listener limits', () => {
  let siphon;
  before(async () => {
    siphon = await startSiphon({
      script,
      http: [
        'servers:',
        '  - listen: "127.0.0.1:0"',
        '    max_body_bytes: 1000',
        '    request_timeout_ms: 300',
        '    max_header_bytes: 2048',
        '  - listen: "127.0.0.1:0"',
        '',
      ].join('\n'),
    });
  });
  after(() => siphon.stop());

  it('accepts a body at the limit', async () => {
    const res = await request(`${siphon.url}/echo`, { method: 'POST', body: 'x'.repeat(1000) });
    assert.equal(res.status, 200);
  });

  it('answers 413 from Content-Length before reading the body', async () => {
    const before = Number((await request(`${siphon.url}/count`)).text);
    // Declares 5000 bytes but sends none: the answer cannot depend on reading them.
    const { text, closed } = await rawExchange(siphon.url, 'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n');
    assert.match(text, /^HTTP\/1\.1 413 /);
    assert.equal(closed, true);
    assert.equal(Number((await request(`${siphon.url}/count`)).text), before + 1, 'the handler never ran');
  });

  it('answers 413 when a chunked body grows past the limit', async () => {
    const chunk = `${(600).toString(16)}\r\n${'y'.repeat(600)}\r\n`;
    const { text } = await rawExchange(siphon.url, `POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${chunk}${chunk}0\r\n\r\n`);
    assert.match(text, /^HTTP\/1\.1 413 /);
  });

  it('applies limits per listener', async () => {
    const res = await request(`${siphon.urls[1]}/echo`, { method: 'POST', body: 'x'.repeat(5000) });
    assert.equal(res.status, 200);
    const slow = await request(`${siphon.urls[1]}/slow/400`);
    assert.equal(slow.status, 200);
  });

  for (const route of ['/slow/2000', '/slow-sync/1500']) {
    it(`answers 504 when ${route} outlives request_timeout_ms, and logs the route`, async () => {
      const started = Date.now();
      const res = await request(`${siphon.url}${route}`);
      assert.equal(res.status, 504);
      assert.ok(Date.now() - started < 1500, 'answered at the timeout, not when the handler ended');
      const name = route.startsWith('/slow-sync') ? 'script.slow_sync' : 'script.slow';
      await siphon.waitForLog((l) => l.level === 'warn' && l.message.includes(`handler ${name} exceeded its timeout`));
    });
  }

  it('drops a late handler result safely and keeps serving', async () => {
    await request(`${siphon.url}/slow/600`); // 504 at 300 ms; the result lands at 600 ms
    await new Promise((resolve) => setTimeout(resolve, 500));
    const res = await request(`${siphon.url}/str-body`);
    assert.equal(res.status, 201);
  });

  it('answers 431 when the header block is over max_header_bytes', async () => {
    const { text, closed } = await rawExchange(siphon.url, `GET /echo HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(3000)}\r\n\r\n`);
    assert.match(text, /^HTTP\/1\.1 431 /);
    assert.equal(closed, true);
    const other = await request(`${siphon.urls[1]}/echo`, { headers: { 'x-big': 'a'.repeat(3000) } });
    assert.equal(other.status, 200, 'the other listener keeps its default limit');
  });

  it('survives clients that disconnect while their handler runs', async () => {
    const url = new URL(siphon.urls[1]);
    for (let i = 0; i < 20; i++) {
      await new Promise((resolve) => {
        const socket = net.connect(Number(url.port), url.hostname, () => {
          socket.write(`GET /slow/${i % 2 ? 50 : 0} HTTP/1.1\r\nHost: x\r\n\r\n`);
          socket.destroy();
          resolve();
        });
      });
      await new Promise((resolve) => {
        const socket = net.connect(Number(url.port), url.hostname, () => {
          socket.write(`POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nhalf`);
          setTimeout(() => {
            socket.destroy();
            resolve();
          }, 5);
        });
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    const res = await request(`${siphon.urls[1]}/str-body`);
    assert.equal(res.status, 201);
    assert.equal(siphon.child.exitCode, null);
  });
});

describe('timeouts and runaway handlers', () => {
  it('cancels an async handler still awaiting when its request times out', async () => {
    const siphon = await startSiphon({
      script: [
        'import asyncio',
        'from siphon import http, log',
        'state = {"cancelled": 0}',
        '@http.route("/forever")',
        'async def forever(req):',
        '    try:',
        '        await asyncio.sleep(3600)',
        '    except asyncio.CancelledError:',
        '        state["cancelled"] += 1',
        '        log.info("forever was cancelled")',
        '        raise',
        '@http.route("/state")',
        'async def show(req):',
        '    return http.Response(200, body=str(state["cancelled"]))',
        '',
      ].join('\n'),
      http: 'servers:\n  - listen: "127.0.0.1:0"\n    request_timeout_ms: 200\n',
    });
    try {
      const res = await request(`${siphon.url}/forever`);
      assert.equal(res.status, 504);
      await siphon.waitForLog((l) => l.message === 'forever was cancelled');
      assert.equal((await request(`${siphon.url}/state`)).text, '1');
      assert.ok(!siphon.logs.some((l) => l.target === 'siphon.handler'), 'the cancellation is not reported as a handler error');
    } finally {
      await siphon.stop();
    }
  });

  it('keeps the asyncio loop serving when a handler raises SystemExit after awaiting', async () => {
    const siphon = await startSiphon({
      script: [
        'import asyncio, sys',
        'from siphon import http',
        '@http.route("/exit")',
        'async def leave(req):',
        '    await asyncio.sleep(0)',
        '    sys.exit(3)',
        '@http.route("/exit-now")',
        'async def leave_now(req):',
        '    raise KeyboardInterrupt',
        '@http.route("/ok")',
        'async def ok(req):',
        '    await asyncio.sleep(0)',
        '    return http.Response(200, body="still here")',
        '',
      ].join('\n'),
    });
    try {
      assert.equal((await request(`${siphon.url}/exit`)).status, 500);
      assert.equal((await request(`${siphon.url}/exit-now`)).status, 500);
      await siphon.waitForLog((l) => l.level === 'error' && /handler raised SystemExit\(3\)/.test(l.message));
      assert.equal((await request(`${siphon.url}/ok`)).text, 'still here');
      assert.equal(siphon.child.exitCode, null);
    } finally {
      await siphon.stop();
    }
  });
});
