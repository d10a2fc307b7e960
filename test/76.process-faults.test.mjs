// Hostile input, part 7: process faults (issue 8). Handlers that raise every
// kind of exception (BaseException subclasses included), exhaust recursion or
// memory, or kill their process; clients that vanish mid-body, mid-response
// or while their handler runs; SIGTERM with such requests in flight; SIGKILL
// of a worker process and of the supervisor. Each case: the attacker gets a
// 5xx or a closed connection, the traceback is logged, nothing stays in
// flight, and the next ordinary request is answered.
// (Graceful drain under load is test/27; a worker's os._exit restart, test/31.)
// SIPHON_SOAK=1 makes the closing storm of faults ten times longer.
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { ENGINES, assertHealthy, assertNoInternalErrors, assertNothingStuck, exchange, lines, openFds, rssMiB, sleep, twoEngines } from './helpers/hostile.mjs';
import { request } from './helpers/http.mjs';
import { spawnSiphon, startSiphon, writeProject } from './helpers/siphon.mjs';

const SOAK = process.env.SIPHON_SOAK ? 10 : 1;

// [case, python statement run by the handler, the traceback's last line (sync, async)]
const RAISES = [
  ['value-error', 'raise ValueError("boom")', 'ValueError: boom'],
  ['system-exit', 'raise SystemExit(3)', 'SystemExit: 3', 'HandlerExit: handler raised SystemExit(3)'],
  ['sys-exit', 'sys.exit("bye")', 'SystemExit: bye', "HandlerExit: handler raised SystemExit('bye')"],
  ['keyboard-interrupt', 'raise KeyboardInterrupt', 'KeyboardInterrupt', 'HandlerExit: handler raised KeyboardInterrupt()'],
  ['generator-exit', 'raise GeneratorExit', 'GeneratorExit'],
  ['base-exception', 'raise BaseException("bare")', 'BaseException: bare'],
  ['cancelled-error', 'raise asyncio.CancelledError()', 'asyncio.exceptions.CancelledError'],
  ['str-raises', 'raise BadStr()', 'script.BadStr: <exception str() failed>'],
  ['chained', 'raise_chained()', 'LookupError: outer'],
  ['recursion', 'recurse(0)', 'RecursionError: maximum recursion depth exceeded'],
  ['memory-error', 'bytearray(10 ** 15)', 'MemoryError'],
  ['huge-message', 'raise ValueError("m" * (1 << 20))', `ValueError: ${'m'.repeat(64)}`],
];

// [case, python building `r`, what the log names...]
const RETURNS = [
  ['unprintable-object', 'r = Unprintable()', 'returned Unprintable, expected http.Response'],
  ['status-property-raises', 'r = LyingResponse()', 'returned a Response whose status could not be read', 'RuntimeError: status raised'],
  ['body-of-unprintable', 'r = http.Response(200, body=Unprintable())', 'TypeError: body must be bytes, str or None, not Unprintable'],
];

const script = lines(
  'import asyncio, os, sys, threading',
  'from siphon import http, log',
  'hits = {}',
  'gates = {}',
  'class BadStr(Exception):',
  '    def __str__(self):',
  '        raise ValueError("str() of this exception raises")',
  'class Unprintable:',
  '    def __str__(self):',
  '        raise RuntimeError("str raised")',
  '    __repr__ = __bytes__ = __str__',
  'class LyingResponse(http.Response):',
  '    def __init__(self):',
  '        pass',
  '    @property',
  '    def status(self):',
  '        raise RuntimeError("status raised")',
  'def recurse(n):',
  '    return recurse(n + 1)',
  'def raise_chained():',
  '    try:',
  '        {}["missing"]',
  '    except KeyError as exc:',
  '        raise LookupError("outer") from exc',
  ...[...RAISES, ...RETURNS].flatMap(([name, statement]) => {
    const fn = name.replace(/-/g, '_');
    const body = statement.startsWith('r = ') ? [`    ${statement}`, '    return r'] : [`    ${statement}`];
    return [`@http.route("/sync/${name}")`, `def sync_${fn}(req):`, ...body, `@http.route("/async/${name}")`, `async def async_${fn}(req):`, '    await asyncio.sleep(0)', ...body];
  }),
  '@http.route("/tight/{mib}")',
  'def tight(req):',
  '    held = [b"m" * (16 << 20) for _ in range(int(req.path_params["mib"]) // 16)]',
  '    with open("/proc/self/status") as status:',
  '        rss = next(int(l.split()[1]) // 1024 for l in status if l.startswith("VmRSS:"))',
  '    log.info(f"tight: holding {len(held) * 16} MiB, rss {rss} MiB")',
  '    raise MemoryError(f"simulated: {len(held) * 16} MiB held, memory is tight")',
  '@http.route("/count/{key}", methods=["GET", "POST"])',
  'def count_key(req):',
  '    hits[req.path] = hits.get(req.path, 0) + 1',
  '    return http.Response(200, body=str(len(req.body())))',
  '@http.route("/async/{key}")',
  'async def async_key(req):',
  '    return http.Response(200, body="ok")',
  '@http.route("/hits")',
  'def show_hits(req):',
  '    return http.Response(200, body=repr(sorted(hits)))',
  '@http.route("/big/{mib}")',
  'def big(req):',
  '    return http.Response(200, body=b"b" * (int(req.path_params["mib"]) << 20))',
  '@http.route("/wait-async/{key}")',
  'async def wait_async(req):',
  '    key = req.path_params["key"]',
  '    log.info(f"entered {key}")',
  '    try:',
  '        await asyncio.sleep(20)',
  '    except asyncio.CancelledError:',
  '        log.info(f"cancelled {key}")',
  '        raise',
  '    return http.Response(200, body="waited")',
  '@http.route("/wait-sync/{key}")',
  'def wait_sync(req):',
  '    key = req.path_params["key"]',
  '    gate = gates.setdefault(key, threading.Event())',
  '    log.info(f"entered {key}")',
  '    gate.wait(20)',
  '    log.info(f"finished {key}")',
  '    return http.Response(200, body="released")',
  '@http.route("/release/{key}")',
  'def release(req):',
  '    gates.setdefault(req.path_params["key"], threading.Event()).set()',
  '    return http.Response(200)',
  '@http.route("/sleep/{ms}")',
  'async def sleep_async(req):',
  '    log.info(f"sleeping {req.path}")',
  '    await asyncio.sleep(int(req.path_params["ms"]) / 1000)',
  '    return http.Response(200, body="slept")',
  '@http.route("/sleep-sync/{ms}")',
  'def sleep_sync(req):',
  '    import time',
  '    log.info(f"sleeping {req.path}")',
  '    time.sleep(int(req.path_params["ms"]) / 1000)',
  '    return http.Response(200, body="slept")',
  '@http.route("/exit/{code}")',
  'def hard_exit(req):',
  '    os._exit(int(req.path_params["code"]))',
  '@http.route("/pid")',
  'def pid(req):',
  '    return http.Response(200, body=str(os.getpid()))',
  '@http.route("/hold/{key}")',
  'async def hold(req):',
  '    log.info(f"holding {req.path_params[\'key\']} in {os.getpid()}")',
  '    await asyncio.sleep(1.5)',
  '    return http.Response(200, body=str(os.getpid()))',
);

const handlerError = (siphon, since, fragment) =>
  siphon.waitForLog((l) => siphon.logs.indexOf(l) >= since && l.level === 'error' && l.target === 'siphon.handler' && l.message.includes(fragment), 5000);

// Opens a raw connection, sends `text`, and resolves once `entered` is logged; returns the socket.
async function sendAndWait(siphon, url, text, entered) {
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  socket.on('error', () => undefined);
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(text);
  if (entered) await siphon.waitForLog((l) => l.message === entered, 5000);
  return socket;
}

describe('process faults', () => {
  let siphon;
  before(async () => {
    siphon = await startSiphon({ script, http: twoEngines() });
  });
  after(() => siphon?.stop());

  describe('handler exceptions', () => {
    for (const [name, , syncLast, asyncLast = syncLast] of RAISES) {
      for (const kind of ['sync', 'async']) {
        it(`${name} (${kind}): 500, the traceback logged, the worker serves on`, async () => {
          const since = siphon.logs.length;
          const res = await request(`${siphon.url}/${kind}/${name}`);
          assert.equal(res.status, 500);
          assert.equal(res.text, 'Internal Server Error\n', 'no traceback to the client');
          const logged = await handlerError(siphon, since, `${kind}_${name.replace(/-/g, '_')}`);
          assert.match(logged.message, /Traceback \(most recent call last\)/);
          assert.ok(logged.message.includes(kind === 'sync' ? syncLast : asyncLast), logged.message.slice(-300));
          assert.equal((await request(`${siphon.url}/${kind === 'sync' ? 'count' : 'async'}/after-${name}`)).status, 200);
        });
      }
    }
    for (const [name, , ...named] of RETURNS) {
      it(`${name}: 500 and an error naming the problem, without calling str() on it`, async () => {
        for (const kind of ['sync', 'async']) {
          const since = siphon.logs.length;
          assert.equal((await request(`${siphon.url}/${kind}/${name}`)).status, 500);
          const logged = await handlerError(siphon, since, `${kind}_${name.replace(/-/g, '_')}`);
          for (const fragment of named) assert.ok(logged.message.includes(fragment), logged.message);
        }
      });
    }
    it('the process survived every one of them, and nothing is stuck', async () => {
      await assertHealthy(siphon);
      await assertNothingStuck(siphon);
    });
  });

  describe('memory', () => {
    it('a handler that holds 384 MiB and then raises MemoryError: 500, others answered meanwhile, memory given back', async () => {
      const pid = siphon.child.pid;
      const since = siphon.logs.length;
      const before = rssMiB(pid);
      const tight = request(`${siphon.url}/tight/384`, { timeoutMs: 20000 });
      const beside = await request(`${siphon.urls[1]}/async/beside-tight`);
      assert.equal(beside.status, 200);
      assert.equal((await tight).status, 500);
      const peak = Number(/rss (\d+) MiB/.exec((await siphon.waitForLog(/^tight: holding 384 MiB/)).message)[1]);
      assert.ok(peak > before + 300, `the handler really held the memory (RSS ${before.toFixed(0)} -> ${peak} MiB)`);
      const logged = await handlerError(siphon, since, 'script.tight');
      assert.match(logged.message, /MemoryError: simulated: 384 MiB held, memory is tight/);
      let now = rssMiB(pid);
      for (let i = 0; i < 50 && now > before + 150; i++, now = rssMiB(pid)) await sleep(100);
      assert.ok(now < before + 150, `RSS back to ${now.toFixed(0)} MiB (was ${before.toFixed(0)}, peak ${peak})`);
      await assertHealthy(siphon);
    });
  });

  for (const [engine, index] of ENGINES) {
    describe(`client aborts (${engine === 'uws' ? 'uWebSockets.js' : 'node:http'} engine)`, () => {
      const url = () => siphon.urls[index];

      it('mid-request body: the handler never runs, nothing stays in flight', async () => {
        const key = `body-cut-${engine}`;
        const socket = await sendAndWait(siphon, url(), `POST /count/${key} HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n${'a'.repeat(1000)}`);
        await sleep(100);
        socket.destroy();
        await assertNothingStuck(siphon);
        assert.doesNotMatch((await request(`${url()}/hits`)).text, new RegExp(key));
        await assertHealthy(siphon, url());
      });

      it('mid-response (64 MiB): the rest is dropped, nothing stays in flight, memory bounded', async () => {
        const socket = await sendAndWait(siphon, url(), 'GET /big/64 HTTP/1.1\r\nHost: x\r\n\r\n');
        let received = 0;
        await new Promise((resolve) => {
          socket.on('data', (chunk) => {
            received += chunk.length;
            if (received >= 1 << 20) resolve();
          });
        });
        socket.destroy();
        await assertNothingStuck(siphon);
        await sleep(300);
        assert.ok(rssMiB(siphon.child.pid) < 600, `RSS ${rssMiB(siphon.child.pid).toFixed(0)} MiB`);
        await assertHealthy(siphon, url());
      });

      it('while an async handler awaits: the cancellation reaches the handler', async () => {
        const key = `gone-async-${engine}`;
        const socket = await sendAndWait(siphon, url(), `GET /wait-async/${key} HTTP/1.1\r\nHost: x\r\n\r\n`, `entered ${key}`);
        const abortedAt = Date.now();
        socket.destroy();
        await siphon.waitForLog((l) => l.message === `cancelled ${key}`, 3000);
        assert.ok(Date.now() - abortedAt < 2000, 'cancelled promptly, not at request_timeout_ms');
        await assertNothingStuck(siphon);
        await assertHealthy(siphon, url());
      });

      it('while a sync handler blocks: it runs to the end, its answer is dropped quietly', async () => {
        const key = `gone-sync-${engine}`;
        const since = siphon.logs.length;
        const socket = await sendAndWait(siphon, url(), `GET /wait-sync/${key} HTTP/1.1\r\nHost: x\r\n\r\n`, `entered ${key}`);
        socket.destroy();
        await sleep(100);
        assert.equal((await request(`${url()}/release/${key}`)).status, 200);
        await siphon.waitForLog((l) => l.message === `finished ${key}`, 5000);
        await assertNothingStuck(siphon);
        assert.deepEqual(siphon.logs.slice(since).filter((l) => l.level === 'error' || l.level === 'warn'), []);
        await assertHealthy(siphon, url());
      });
    });
  }

  it(`a storm of ${400 * SOAK} faults on both engines (exceptions, aborted handlers): no leak, nothing stuck`, async () => {
    const pid = siphon.child.pid;
    const [fds, rss] = [openFds(pid), rssMiB(pid)];
    const names = RAISES.map(([name]) => name).filter((name) => name !== 'huge-message');
    for (let batch = 0; batch < 20 * SOAK; batch++) {
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => {
          const url = siphon.urls[i % 2];
          if (i % 4 === 3) return exchange(url, `GET /wait-async/storm-${batch}-${i} HTTP/1.1\r\nHost: x\r\n\r\n`, { limitMs: 50 });
          return request(`${url}/${i % 3 ? 'sync' : 'async'}/${names[(batch + i) % names.length]}`).then((res) => assert.equal(res.status, 500));
        }),
      );
    }
    await assertNothingStuck(siphon);
    assert.ok(openFds(pid) < fds + 20, `file descriptors ${fds} -> ${openFds(pid)}`);
    assert.ok(rssMiB(pid) < rss + 100, `RSS ${rss.toFixed(0)} -> ${rssMiB(pid).toFixed(0)} MiB`);
    await assertHealthy(siphon);
  });

  it('leaves no internal error in the log', () => {
    assertNoInternalErrors(siphon);
  });
});

describe('process faults: signals and exits', () => {
  it('SIGTERM with requests in flight on both engines, an aborted client and a half-sent body: answered, drained, exit 0', async () => {
    const siphon = await startSiphon({ script, http: twoEngines() });
    try {
      const inflight = siphon.urls.flatMap((url) => ['sleep', 'sleep-sync'].map((route) => request(`${url}/${route}/1500`)));
      await siphon.waitForLog(() => siphon.logs.filter((l) => /^sleeping /.test(l.message)).length === 4, 5000);
      const aborted = await sendAndWait(siphon, siphon.urls[1], 'GET /wait-async/sigterm HTTP/1.1\r\nHost: x\r\n\r\n', 'entered sigterm');
      aborted.destroy();
      const half = await sendAndWait(siphon, siphon.url, `POST /count/half HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n${'h'.repeat(10)}`);
      let halfAnswer = 0;
      half.on('data', (chunk) => (halfAnswer += chunk.length));
      const halfClosed = new Promise((resolve) => half.once('close', resolve));
      const signalledAt = Date.now();
      siphon.child.kill('SIGTERM');
      const answers = await Promise.all(inflight);
      assert.deepEqual(answers.map((r) => r.status), [200, 200, 200, 200]);
      const { code } = await siphon.exited;
      assert.equal(code, 0, siphon.logText());
      assert.ok(Date.now() - signalledAt < 5000, 'the half-sent body did not hold the drain');
      await halfClosed;
      assert.equal(halfAnswer, 0, 'the half-sent body was closed unanswered');
      assert.ok(siphon.logs.some((l) => l.message === 'cancelled sigterm'));
      assert.equal(siphon.logs.at(-1).message, 'stopped');
    } finally {
      await siphon.stop('SIGKILL');
    }
  });

  it('os._exit in a handler ends a single process with that code; the connection closes unanswered', async () => {
    const siphon = await startSiphon({ script });
    const result = await exchange(siphon.url, 'GET /exit/7 HTTP/1.1\r\nHost: x\r\n\r\n', { limitMs: 10000 });
    assert.equal(result.closed, true);
    assert.equal(result.data.length, 0);
    const { code } = await siphon.exited;
    assert.equal(code, 7, 'nothing can intercept os._exit: the process is gone');
    assert.ok(!siphon.logs.some((l) => l.message === 'stopped'), 'no graceful shutdown ran');
  });

  const twoProcesses = () => {
    const dir = writeProject({
      script,
      siphon: lines('script:', '  path: script.py', '  processes: 2', 'log:', '  format: json', 'extensions:', '  http: http.yaml'),
      http: lines('servers:', '  - listen: "127.0.0.1:0"'),
    });
    return spawnSiphon(['-c', path.join(dir, 'siphon.yaml')], { cwd: dir });
  };
  const urlOf = (siphon) => siphon.logs.find((l) => /^listening on /.test(l.message)).message.slice('listening on '.length);
  async function childPids(url) {
    const pids = new Set();
    for (let i = 0; i < 200 && pids.size < 2; i++) pids.add(Number((await request(`${url}/pid`)).text));
    return [...pids];
  }

  it('SIGKILL of a worker process mid-request: its clients are closed, not hung; the other serves; it is restarted', async () => {
    const siphon = twoProcesses();
    try {
      await siphon.waitForLog(/^ready: 2 processes serving$/);
      const url = urlOf(siphon);
      const [victim] = await childPids(url);
      // New connections spread over both processes; some land on the victim.
      const held = Array.from({ length: 12 }, (_, i) =>
        request(`${url}/hold/${i}`, { timeoutMs: 8000 }).then((r) => r.status, (err) => err.code ?? err.message),
      );
      await siphon.waitForLog((l) => l.message.endsWith(`in ${victim}`), 5000);
      process.kill(victim, 'SIGKILL');
      const outcomes = await Promise.all(held);
      assert.ok(outcomes.every((o) => o === 200 || o === 'ECONNRESET'), `answered or reset, never hung: ${outcomes}`);
      assert.ok(outcomes.includes('ECONNRESET') && outcomes.includes(200), `both processes had requests: ${outcomes}`);
      await siphon.waitForLog(/^process \d exited unexpectedly \(SIGKILL\); restarting it/);
      assert.equal((await request(`${url}/count/during-restart`)).status, 200, 'the survivor serves meanwhile');
      await siphon.waitForLog(() => siphon.logs.filter((l) => l.message === 'ready').length >= 3, 10000);
      assert.equal((await childPids(url)).length, 2, 'two processes serve again');
      const { code } = await siphon.stop('SIGTERM');
      assert.equal(code, 0, siphon.logText());
    } finally {
      await siphon.stop('SIGKILL');
    }
  });

  it('SIGKILL of the supervisor: the orphaned workers drain and exit instead of serving on unsupervised', async () => {
    const siphon = twoProcesses();
    let pids = [];
    try {
      await siphon.waitForLog(/^ready: 2 processes serving$/);
      const url = urlOf(siphon);
      pids = await childPids(url);
      assert.equal(pids.length, 2);
      siphon.child.kill('SIGKILL');
      await siphon.exited;
      const alive = (pid) => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      };
      for (let i = 0; i < 100 && pids.some(alive); i++) await sleep(100);
      assert.deepEqual(pids.filter(alive), [], 'both workers exited within 10 s');
      await assert.rejects(request(`${url}/pid`, { timeoutMs: 2000 }), 'nobody serves the port any more');
    } finally {
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  });
});
