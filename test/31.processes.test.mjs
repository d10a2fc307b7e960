// script.processes: N processes serve the same listeners (SO_REUSEPORT for
// uWS, a shared socket for node engines), supervised by the parent.
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import { curl } from './helpers/cli.mjs';
import { request } from './helpers/http.mjs';
import { runSiphon, spawnSiphon, writeProject } from './helpers/siphon.mjs';

const lines = (...l) => `${l.join('\n')}\n`;

const script = lines(
  'import os',
  'from siphon import http, log',
  '@http.route("/pid")',
  'def pid(req):',
  '    return http.Response(200, body=str(os.getpid()))',
  '@http.route("/crash")',
  'def crash(req):',
  '    log.error("crashing on purpose")',
  '    os._exit(3)',
  '@http.on_shutdown',
  'def bye():',
  '    log.info(f"shutdown hook in {os.getpid()}")',
);

function project(extraHttp = '') {
  return writeProject({
    script,
    siphon: lines('script:', '  path: script.py', '  processes: 2', 'log:', '  format: json', 'extensions:', '  http: http.yaml'),
    http: lines('servers:', '  - listen: "127.0.0.1:0"', '  - listen: "127.0.0.1:0"', '    http2: true', extraHttp),
  });
}

async function distinctPids(url, { h2 = false } = {}) {
  const pids = new Set();
  for (let i = 0; i < 200 && pids.size < 2; i++) {
    // A new connection each time: the kernel spreads connections, not requests.
    const text = h2 ? (await curl(['--http2-prior-knowledge', `${url}/pid`])).body : (await request(`${url}/pid`)).text;
    pids.add(text);
  }
  return pids;
}

describe('script.processes', () => {
  it('serves one port from two processes, restarts a crashed one, and stops on SIGTERM', async () => {
    const dir = project();
    const siphon = spawnSiphon(['-c', path.join(dir, 'siphon.yaml')], { cwd: dir });
    try {
      await siphon.waitForLog(/^ready: 2 processes serving$/);
      const listening = siphon.logs.filter((l) => /^listening on /.test(l.message));
      const urls = [...new Set(listening.map((l) => l.message.slice('listening on '.length)))];
      assert.equal(urls.length, 2, 'both processes report the same two URLs');
      assert.deepEqual(new Set(listening.map((l) => l.process)), new Set([0, 1]));
      const [uwsUrl, h2Url] = urls;
      assert.equal((await distinctPids(uwsUrl)).size, 2, 'uWS connections reach both processes');
      assert.equal((await distinctPids(h2Url, { h2: true })).size, 2, 'node:http2 connections reach both processes');

      await request(`${uwsUrl}/crash`).catch(() => undefined);
      await siphon.waitForLog(/^process \d exited unexpectedly \(exit 3\); restarting it/);
      await siphon.waitForLog((l) => l.message === 'ready' && siphon.logs.filter((x) => x.message === 'ready').length >= 3);
      assert.equal((await distinctPids(uwsUrl)).size, 2, 'two processes serve again after the restart');

      const { code } = await siphon.stop('SIGTERM');
      assert.equal(code, 0, siphon.logText());
      assert.equal(siphon.logs.filter((l) => /^shutdown hook in \d+$/.test(l.message)).length, 2, 'each process ran its hooks');
      assert.ok(siphon.logs.some((l) => l.message === 'all processes stopped'));
    } finally {
      await siphon.stop('SIGKILL');
    }
  });

  it('exits 1 when another program holds the port, even with several processes', async () => {
    const blocker = net.createServer();
    await new Promise((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    try {
      const dir = writeProject({
        script,
        siphon: lines('script:', '  path: script.py', '  processes: 2', 'log:', '  format: json', 'extensions:', '  http: http.yaml'),
        http: lines('servers:', `  - listen: "127.0.0.1:${blocker.address().port}"`),
      });
      const result = await runSiphon(['-c', 'siphon.yaml'], { cwd: dir });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /cannot listen on 127\.0\.0\.1:\d+: the address is already in use by another program/);
    } finally {
      blocker.close();
    }
  });

  it('exits 2 when the script does not load, without restart loops', async () => {
    const dir = writeProject({
      script: 'raise ImportError("broken on purpose")\n',
      siphon: lines('script:', '  path: script.py', '  processes: 2', 'log:', '  format: json', 'extensions:', '  http: http.yaml'),
    });
    const result = await runSiphon(['-c', 'siphon.yaml'], { cwd: dir, timeoutMs: 20000 });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /broken on purpose/);
    assert.doesNotMatch(result.stderr, /restarting/);
  });
});
