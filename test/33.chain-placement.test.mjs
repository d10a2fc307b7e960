// Where each piece of a middleware chain runs (docs/execution-model.md
// "Middleware and mixed chains"): `def` code on the sync pool, `async def`
// code on an asyncio loop, whatever the mix -- so blocking code in a `def`
// handler never delays an `async def` request. A piece can tell where it runs
// by whether a loop is running on its thread.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { json, request } from './helpers/http.mjs';
import { startSiphon } from './helpers/siphon.mjs';

const KINDS = { s: 'def', a: 'async def' };

async function waitFor(condition, what, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5)); // polling the condition, not a fixed wait
  }
}
// Each route: the kinds of its two guards ('' = no guard) and of its handler.
const CHAINS = ['-s', '-a', 's-s', 's-a', 'a-s', 'a-a', 'sa-s', 'as-s', 'sa-a', 'as-a', 'ss-s', 'aa-a', 'ssa-s'];

// One script per chain: middleware is global, so chains cannot share a process.
function script(chain) {
  const out = [
    'import asyncio, contextvars, json, time',
    'from siphon import http, log',
    'trace = contextvars.ContextVar("trace")',
    'def on_loop():',
    '    try:',
    '        asyncio.get_running_loop()',
    '        return "loop"',
    '    except RuntimeError:',
    '        return "sync"',
    'def note(req, name):',
    '    trace.get().append([name, on_loop()])',
    'def answer(req):',
    '    return http.Response(200, headers={"content-type": "application/json"}, body=json.dumps(trace.get()))',
  ];
  {
    const [guards, handler] = chain.split('-');
    const id = chain.replace('-', '_') || 'none';
    [...guards].forEach((kind, i) => {
      out.push('@http.middleware');
      out.push(`${kind === 'a' ? 'async ' : ''}def guard_${id}_${i}(req):`);
      if (i === 0) out.push('    trace.set([])');
      out.push(`    note(req, "${KINDS[kind]} guard ${i}")`);
      out.push('    if req.query_params.get("stop") == "' + i + '": return http.Response(403, body="stopped by guard ' + i + '")');
      out.push('    if req.query_params.get("raise") == "' + i + '": raise ValueError("guard ' + i + ' refused")');
      out.push('    return None');
    });
    out.push(`@http.route("/chain/${id}")`);
    out.push(`${handler === 'a' ? 'async ' : ''}def handler_${id}(req):`);
    if (!guards) out.push('    trace.set([])');
    out.push(`    note(req, "${KINDS[handler]} handler")`);
    out.push('    return answer(req)');
  }
  return `${out.join('\n')}\n`;
}

// A script where an async middleware guards def handlers (the case).
function mixedScript() {
  const out = [
    'import contextvars, time',
    'from siphon import http, log',
    'where = contextvars.ContextVar("where", default=None)',
  ];
  out.push(
    '@http.middleware',
    'async def mark(req):',
    '    if req.path.startswith("/mixed"):',
    '        where.set("set by async middleware")',
    '    return None',
    '@http.route("/mixed/slow")',
    'def slow(req):',
    '    # A file, not a log line: log lines from a loop reach the host in batches.',
    '    open(req.query_params["marker"], "w").close() if "marker" in req.query_params else None',
    '    time.sleep(float(req.query_params.get("s", "2")))',
    '    log.info(f"slow handler done {req.query_params}")',
    '    return http.Response(200, body=f"slept; {where.get()}")',
    '@http.route("/fast")',
    'async def fast(req):',
    '    return http.Response(200, body="fast")',
    '@http.route("/mixed/context")',
    'def context(req):',
    '    return http.Response(200, body=str(where.get()))',
  );
  return `${out.join('\n')}\n`;
}

describe('middleware chains: def pieces on the sync pool, async def pieces on a loop', () => {
  const servers = new Map();
  before(async () => {
    const started = await Promise.all(CHAINS.map((chain) => startSiphon({ script: script(chain) })));
    CHAINS.forEach((chain, i) => servers.set(chain, started[i]));
  });
  after(() => Promise.all([...servers.values()].map((s) => s.stop())));

  for (const chain of CHAINS) {
    const [guards, handler] = chain.split('-');
    const id = chain.replace('-', '_') || 'none';
    const label = `${[...guards].map((k) => KINDS[k]).join(' + ') || 'no'} middleware, ${KINDS[handler]} handler`;

    it(`${label}: every piece runs where its kind belongs`, async () => {
      const siphon = servers.get(chain);
      const res = await json(`${siphon.url}/chain/${id}`);
      assert.equal(res.status, 200, res.text);
      const expected = [...guards].map((k, i) => [`${KINDS[k]} guard ${i}`, k === 'a' ? 'loop' : 'sync']);
      expected.push([`${KINDS[handler]} handler`, handler === 'a' ? 'loop' : 'sync']);
      assert.deepEqual(res.json, expected);
    });

    if (guards.length > 0) {
      it(`${label}: a guard that answers stops the chain`, async () => {
        const siphon = servers.get(chain);
        const res = await request(`${siphon.url}/chain/${id}?stop=0`);
        assert.equal(res.status, 403);
        assert.equal(res.text, 'stopped by guard 0');
      });

      it(`${label}: a guard that raises is a logged 500`, async () => {
        const siphon = servers.get(chain);
        const res = await request(`${siphon.url}/chain/${id}?raise=0`);
        assert.equal(res.status, 500);
        await siphon.waitForLog((l) => l.target === 'siphon.handler' && l.message.includes(`/chain/${id}`) && /ValueError: guard 0 refused/.test(l.message));
      });
    }
  }

  it('a def guard\'s ContextVar reaches the handler, wherever each runs', async () => {
    // trace is set by the first guard and appended to by every later piece:
    // the full list arriving proves the context followed the request.
    const res = await json(`${servers.get('ssa-s').url}/chain/ssa_s`);
    assert.equal(res.json.length, 4);
  });
});

describe('a blocking def handler behind async middleware', () => {
  let siphon;
  before(async () => {
    siphon = await startSiphon({
      script: mixedScript(),
      http: 'servers:\n  - listen: "127.0.0.1:0"\n    request_timeout_ms: 800\n',
    });
  });
  after(() => siphon?.stop());

  it('does not delay an async route', async () => {
    // The slow handler sleeps past the 800 ms request limit; the async routes
    // asked right behind it must still answer in time (504 would mean they
    // waited behind it on the loop).
    const marker = path.join(siphon.dir, 'slow-started');
    const slow = request(`${siphon.url}/mixed/slow?s=2&marker=${encodeURIComponent(marker)}`);
    await waitFor(() => fs.existsSync(marker), 'the slow handler to start');
    const fast = await Promise.all([request(`${siphon.url}/fast`), request(`${siphon.url}/fast`)]);
    assert.deepEqual(fast.map((r) => [r.status, r.text]), [[200, 'fast'], [200, 'fast']]);
    assert.equal((await slow).status, 504);
  });

  it('a def handler sees the contextvars its async middleware set', async () => {
    const res = await request(`${siphon.url}/mixed/context`);
    assert.equal(res.text, 'set by async middleware');
  });

  it('a def handler that outlives its timeout leaves nothing behind: its late result is dropped quietly', async () => {
    const errorsBefore = siphon.logs.filter((l) => l.level === 'error').length;
    const res = await request(`${siphon.url}/mixed/slow?s=1.2`);
    assert.equal(res.status, 504);
    // Once the sleep ends the loop is still serving, and nothing was logged as an error.
    await siphon.waitForLog(/slow handler done \{'s': '1.2'\}/);
    const after = await request(`${siphon.url}/mixed/slow?s=0`);
    assert.equal(after.status, 200);
    assert.equal(siphon.logs.filter((l) => l.level === 'error').length, errorsBefore);
  });
});
