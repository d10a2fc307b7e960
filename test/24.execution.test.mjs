// Execution model (SPEC §5 decorators, §6): startup order, middleware,
// sync and async workers, the embedded interpreter's environment, script errors.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import { request } from './helpers/http.mjs';
import { runSiphon, startSiphon, tempDir, writeProject } from './helpers/siphon.mjs';

const lines = (...l) => `${l.join('\n')}\n`;

describe('startup hooks', () => {
  it('runs on_startup to completion before any listener accepts', async () => {
    const siphon = await startSiphon({
      script: lines(
        'import asyncio, time',
        'from siphon import http, log',
        'state = {}',
        '@http.on_startup',
        'def first():',
        '    time.sleep(0.3)',
        '    state["first"] = True',
        '    log.info("startup one done")',
        '@http.on_startup',
        'async def second():',
        '    await asyncio.sleep(0.1)',
        '    state["second"] = state.get("first", False)',
        '    log.info("startup two done")',
        '@http.route("/")',
        'def index(req):',
        '    return http.Response(200, body=repr(sorted(state.items())))',
      ),
    });
    try {
      const messages = siphon.logs.map((l) => l.message);
      const one = messages.indexOf('startup one done');
      const two = messages.indexOf('startup two done');
      const listening = messages.findIndex((m) => m.startsWith('listening on'));
      assert.ok(one >= 0 && two > one && listening > two, messages.join('\n'));
      assert.equal((await request(siphon.url)).text, "[('first', True), ('second', True)]");
    } finally {
      await siphon.stop();
    }
  });

  it('exits 1 with the traceback when an on_startup hook raises, without listening', async () => {
    const dir = writeProject({
      script: lines('from siphon import http', '@http.on_startup', 'def broken():', '    raise RuntimeError("database unreachable")'),
    });
    const result = await runSiphon(['-c', path.join(dir, 'siphon.yaml')], { cwd: dir });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /on_startup hook raised:[\s\S]*Traceback[\s\S]*RuntimeError: database unreachable/);
    assert.doesNotMatch(result.stderr, /listening on/);
  });
});

describe('script load errors', () => {
  const cases = [
    ['a syntax error', lines('from siphon import http', 'def broken(:', '    pass'), /SyntaxError/, /script\.py", line 2/],
    ['a missing module', lines('import definitely_not_installed_module'), /ModuleNotFoundError: No module named 'definitely_not_installed_module'/, /script\.py", line 1/],
    ['an exception at import', lines('raise KeyError("bad config")'), /KeyError: 'bad config'/, /Traceback/],
  ];
  for (const [name, script, error, where] of cases) {
    it(`exits 2 with the traceback for ${name}`, async () => {
      const dir = writeProject({ script });
      const result = await runSiphon(['-c', path.join(dir, 'siphon.yaml')], { cwd: dir });
      assert.equal(result.code, 2);
      assert.match(result.stderr, /cannot load script .*script\.py/);
      assert.match(result.stderr, error);
      assert.match(result.stderr, where);
    });
  }
});

describe('middleware', () => {
  it('runs guards in order; None continues, a Response answers at once', async () => {
    const siphon = await startSiphon({
      script: lines(
        'from siphon import http',
        'order = []',
        '@http.middleware',
        'def first(req):',
        '    order.append("first")',
        '    if req.header("x-block") == "first":',
        '        return http.Response(401, body="blocked by first")',
        '@http.middleware',
        'async def second(req):',
        '    order.append("second")',
        '    if req.header("x-block") == "second":',
        '        return http.Response(403, body="blocked by second")',
        '@http.middleware',
        'def third(req):',
        '    if req.header("x-block") == "wrong":',
        '        return 42',
        '@http.route("/")',
        'def index(req):',
        '    seen = ",".join(order)',
        '    order.clear()',
        '    return http.Response(200, body=seen)',
        '@http.route("/async")',
        'async def index_async(req):',
        '    order.clear()',
        '    return http.Response(200, body="async ok")',
      ),
    });
    try {
      assert.equal((await request(siphon.url)).text, 'first,second');
      const first = await request(siphon.url, { headers: { 'x-block': 'first' } });
      assert.equal(first.status, 401);
      assert.equal(first.text, 'blocked by first');
      const second = await request(`${siphon.url}/async`, { headers: { 'x-block': 'second' } });
      assert.equal(second.status, 403);
      const wrong = await request(siphon.url, { headers: { 'x-block': 'wrong' } });
      assert.equal(wrong.status, 500);
      await siphon.waitForLog((l) => l.level === 'error' && /middleware script\.third returned int; expected None or http\.Response/.test(l.message));
      assert.equal((await request(`${siphon.url}/async`)).text, 'async ok');
    } finally {
      await siphon.stop();
    }
  });
});

describe('workers', () => {
  it('runs blocking sync handlers on several threads at once', async () => {
    const siphon = await startSiphon({
      script: lines(
        'import threading, time',
        'from siphon import http',
        '@http.route("/block")',
        'def block(req):',
        '    time.sleep(0.4)',
        '    return http.Response(200, body=threading.current_thread().name)',
      ),
    });
    try {
      const started = Date.now();
      const results = await Promise.all(Array.from({ length: 4 }, () => request(`${siphon.url}/block`)));
      assert.ok(results.every((r) => r.status === 200));
      assert.ok(Date.now() - started < 1200, `4 x 400 ms ran concurrently (${Date.now() - started} ms)`);
      assert.equal(new Set(results.map((r) => r.text)).size, 4, 'four different threads');
    } finally {
      await siphon.stop();
    }
  });

  it('keeps an async loop free while handlers await', async () => {
    const siphon = await startSiphon({
      script: lines(
        'import asyncio',
        'from siphon import http',
        '@http.route("/wait")',
        'async def wait(req):',
        '    await asyncio.sleep(0.4)',
        '    return http.Response(200, body="waited")',
      ),
      siphon: lines('script:', '  path: script.py', '  async_pool_size: 1', 'log:', '  format: json', 'extensions:', '  http: http.yaml'),
    });
    try {
      const started = Date.now();
      const results = await Promise.all(Array.from({ length: 20 }, () => request(`${siphon.url}/wait`)));
      assert.ok(results.every((r) => r.text === 'waited'));
      assert.ok(Date.now() - started < 1500, `20 awaits overlapped on one loop (${Date.now() - started} ms)`);
    } finally {
      await siphon.stop();
    }
  });
});

describe('the embedded interpreter', () => {
  it('imports C extension modules, siblings of the script, and reports no signal handlers', async () => {
    const siphon = await startSiphon({
      files: { 'helpers_mod.py': 'VALUE = "sibling import works"\n' },
      script: lines(
        'import _json, _asyncio, _ssl, sqlite3, _decimal, zlib, hashlib, json',
        'import helpers_mod',
        'from siphon import http',
        '@http.route("/")',
        'def index(req):',
        '    db = sqlite3.connect(":memory:")',
        '    value = db.execute("select 6 * 7").fetchone()[0]',
        '    return http.Response(200, body=json.dumps([value, helpers_mod.VALUE, hashlib.sha256(b"x").hexdigest()[:8]]))',
      ),
    });
    try {
      const res = await request(siphon.url);
      assert.deepEqual(JSON.parse(res.text), [42, 'sibling import works', '2d711642']);
    } finally {
      await siphon.stop();
    }
  });

  it('imports packages from the virtualenv named by VIRTUAL_ENV or script.python.venv', async () => {
    const venv = path.join(tempDir('venv-'), 'env');
    execFileSync('python3', ['-m', 'venv', '--without-pip', venv]);
    const version = execFileSync('python3', ['-c', 'import sys; print("python%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' }).trim();
    fs.writeFileSync(path.join(venv, 'lib', version, 'site-packages', 'venv_only_pkg.py'), 'WHERE = "from the venv"\n');
    const script = lines('import venv_only_pkg', 'from siphon import http', '@http.route("/")', 'def i(req):', '    return http.Response(200, body=venv_only_pkg.WHERE)');

    const byEnv = await startSiphon({ script }, { env: { VIRTUAL_ENV: venv } });
    try {
      assert.equal((await request(byEnv.url)).text, 'from the venv');
    } finally {
      await byEnv.stop();
    }
    const byConfig = await startSiphon({
      script,
      siphon: lines('script:', '  path: script.py', '  python:', `    venv: ${venv}`, 'log:', '  format: json', 'extensions:', '  http: http.yaml'),
    });
    try {
      assert.equal((await request(byConfig.url)).text, 'from the venv');
    } finally {
      await byConfig.stop();
    }
  });

  it('keeps SIGINT and SIGTERM with the host when the script imports asyncio and signal', async () => {
    for (const signal of ['SIGINT', 'SIGTERM']) {
      const siphon = await startSiphon({
        script: lines(
          'import asyncio, signal',
          'from siphon import http, log',
          'try:',
          '    signal.signal(signal.SIGINT, lambda *a: None)',
          '    log.info("script took SIGINT")',
          'except ValueError as exc:',
          '    log.info(f"signal.signal refused: {exc}")',
          '@http.route("/")',
          'async def index(req):',
          '    return http.Response(200, body=repr(signal.getsignal(signal.SIGTERM)))',
        ),
      });
      assert.ok(siphon.logs.some((l) => l.message.startsWith('signal.signal refused')), siphon.logText());
      assert.equal((await request(siphon.url)).status, 200);
      const { code } = await siphon.stop(signal);
      assert.equal(code, 0, `clean exit on ${signal}`);
      assert.ok(siphon.logs.some((l) => l.message === 'stopped'));
    }
  });
});
