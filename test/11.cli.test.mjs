// The command line (SPEC §2): --version, --check, usage errors, exit codes.
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import { runSiphon, tempDir, writeProject } from './helpers/siphon.mjs';

describe('siphon command line', () => {
  it('prints its version with the embedded Python', async () => {
    const result = await runSiphon(['--version']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^siphon-http \d+\.\d+\.\d+, node v20\.\d+\.\d+, Python 3\.\d+\.\d+ \(\/.*python3[.\d]*\)\n$/);
  });

  it('exits 2 with usage for unknown options, and without -c when ./siphon.yaml is missing', async () => {
    const unknown = await runSiphon(['--frobnicate']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Unknown option '--frobnicate'[\s\S]*usage: siphon \[-c siphon\.yaml\]/);
    const missing = await runSiphon([], { cwd: tempDir() });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no -c\/--config given and no \.\/siphon\.yaml in /);
  });

  it('exits 2 when the config file does not exist, naming it', async () => {
    const result = await runSiphon(['-c', '/nonexistent/siphon.yaml']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /\/nonexistent\/siphon\.yaml: cannot read config: file not found/);
  });

  it('--check prints the route table and exits 0 without running hooks', async () => {
    const dir = writeProject({
      script: [
        'from siphon import http, log',
        '@http.on_startup',
        'def boom():',
        '    raise RuntimeError("hooks must not run in --check")',
        '@http.middleware',
        'def guard(req): return None',
        '@http.route("/users/{id}", methods=["GET", "DELETE"])',
        'async def user(req): pass',
        '@http.route("/static/{*rest}")',
        'def static(req): pass',
        '',
      ].join('\n'),
    });
    const result = await runSiphon(['--check', '--config', path.join(dir, 'siphon.yaml')], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /GET,DELETE,HEAD\s+\/users\/\{id\}\s+script\.user \(async\)/);
    assert.match(result.stdout, /GET,HEAD\s+\/static\/\{\*rest\}\s+script\.static \(sync\)/);
    assert.match(result.stdout, /middleware: script\.guard/);
    assert.match(result.stdout, /on_startup: script\.boom/);
    assert.doesNotMatch(result.stderr, /hooks must not run/);
  });

  it('--check exits 2 on a script that does not import', async () => {
    const dir = writeProject({ script: 'import nope_not_here\n' });
    const result = await runSiphon(['--check', '-c', path.join(dir, 'siphon.yaml')], { cwd: dir });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /ModuleNotFoundError/);
  });

  it('exits 1 naming the address when the port is taken by another program', async () => {
    const blocker = net.createServer();
    await new Promise((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address();
    try {
      const dir = writeProject({ http: `servers:\n  - listen: "127.0.0.1:${port}"\n` });
      const result = await runSiphon(['-c', path.join(dir, 'siphon.yaml')], { cwd: dir });
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: the address is already in use`));
    } finally {
      blocker.close();
    }
  });

  it('refuses to share a port even when the other program also set SO_REUSEPORT', async () => {
    // Two siphons on one port: the second must fail, not split the traffic.
    const { startSiphon } = await import('./helpers/siphon.mjs');
    const first = await startSiphon({ script: 'from siphon import http\n' });
    try {
      const port = new URL(first.url).port;
      const dir = writeProject({ http: `servers:\n  - listen: "127.0.0.1:${port}"\n` });
      const result = await runSiphon(['-c', path.join(dir, 'siphon.yaml')], { cwd: dir });
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /cannot listen on/);
    } finally {
      await first.stop();
    }
  });
});
