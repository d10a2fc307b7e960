// Live reload (SPEC §7): SIGHUP and file changes swap the script atomically;
// a broken script is rejected and the previous one keeps serving.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import { request } from './helpers/http.mjs';
import { steadyLoad } from './helpers/load.mjs';
import { startSiphon, writeProject } from './helpers/siphon.mjs';

const lines = (...l) => `${l.join('\n')}\n`;

function version(tag, { extraRoute = '', startup = '' } = {}) {
  return lines(
    'import asyncio',
    'import helper',
    'from siphon import http, log',
    `VERSION = "${tag}"`,
    '@http.route("/version")',
    'async def version(req):',
    '    await asyncio.sleep(0.02)',
    '    return http.Response(200, body=VERSION + "/" + helper.TAG)',
    '@http.on_shutdown',
    'def bye():',
    `    log.info("shutdown hook of ${tag}")`,
    startup,
    extraRoute,
  );
}

async function waitForText(url, expected, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = (await request(url)).text;
    if (last === expected) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`expected ${expected}, still got ${last}`);
}

describe('reload', () => {
  it('swaps v1 for v2 on SIGHUP with zero failed requests, then rejects a broken v3', async () => {
    const dir = writeProject({
      script: version('v1'),
      files: { 'helper.py': 'TAG = "h1"\n' },
      siphon: lines('script:', '  path: script.py', '  reload: sighup', 'log:', '  format: json', 'extensions:', '  http: http.yaml'),
    });
    const siphon = await startSiphon(dir);
    try {
      const load = steadyLoad(`${siphon.url}/version`, { workers: 6 });
      await new Promise((resolve) => setTimeout(resolve, 300));
      fs.writeFileSync(path.join(dir, 'script.py'), version('v2', { extraRoute: lines('@http.route("/new")', 'def new(req):', '    return http.Response(200, body="new route")') }));
      fs.writeFileSync(path.join(dir, 'helper.py'), 'TAG = "h2"\n');
      siphon.child.kill('SIGHUP');
      await siphon.waitForLog(/^reloaded .*script\.py: 2 route\(s\)/);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const results = await load.stop();
      assert.deepEqual(results.filter((r) => r.status !== 200), [], 'no request failed across the swap');
      const texts = results.map((r) => r.text);
      assert.ok(texts.includes('v1/h1') && texts.at(-1) === 'v2/h2', `saw ${[...new Set(texts)]}`);
      const firstV2 = texts.indexOf('v2/h2');
      assert.ok(texts.slice(firstV2 + 6).every((t) => t === 'v2/h2'), 'no v1 answer after v2 took over (allowing in-flight ones)');
      assert.equal((await request(`${siphon.url}/new`)).text, 'new route');
      await siphon.waitForLog((l) => l.message === 'shutdown hook of v1');

      fs.writeFileSync(path.join(dir, 'script.py'), lines('from siphon import http', '@http.route("/version")', 'def broken(req:', '    pass'));
      siphon.child.kill('SIGHUP');
      const failure = await siphon.waitForLog(/^reload failed, the previous script keeps serving/);
      assert.equal(failure.level, 'error');
      assert.match(failure.message, /SyntaxError/);
      assert.equal((await request(`${siphon.url}/version`)).text, 'v2/h2');
    } finally {
      await siphon.stop();
    }
  });

  it('rejects a reload whose script has a duplicate route or a raising on_startup', async () => {
    const dir = writeProject({ script: version('v1'), files: { 'helper.py': 'TAG = "h"\n' } });
    const siphon = await startSiphon(dir);
    try {
      const duplicate = version('dup', { extraRoute: lines('@http.route("/version")', 'def again(req):', '    pass') });
      fs.writeFileSync(path.join(dir, 'script.py'), duplicate);
      siphon.child.kill('SIGHUP');
      await siphon.waitForLog((l) => /reload failed/.test(l.message) && /duplicate route GET \/version/.test(l.message));
      const raising = version('raising', { startup: lines('@http.on_startup', 'def boom():', '    raise RuntimeError("new startup fails")') });
      fs.writeFileSync(path.join(dir, 'script.py'), raising);
      siphon.child.kill('SIGHUP');
      await siphon.waitForLog((l) => /reload failed/.test(l.message) && /on_startup hook of the new script raised[\s\S]*new startup fails/.test(l.message));
      assert.equal((await request(`${siphon.url}/version`)).text, 'v1/h');
      assert.ok(!siphon.logs.some((l) => l.message === 'shutdown hook of v1'), 'the serving script was not shut down');
    } finally {
      await siphon.stop();
    }
  });

  it('reloads when the script file changes (reload: auto, the default)', async () => {
    const dir = writeProject({ script: version('v1'), files: { 'helper.py': 'TAG = "h"\n' } });
    const siphon = await startSiphon(dir);
    try {
      assert.equal((await request(`${siphon.url}/version`)).text, 'v1/h');
      // Replace the file the way editors and ConfigMaps do: write aside, rename over.
      fs.writeFileSync(path.join(dir, 'script.py.tmp'), version('v2'));
      fs.renameSync(path.join(dir, 'script.py.tmp'), path.join(dir, 'script.py'));
      await siphon.waitForLog(/reloading .*script\.py \(file changed\)/);
      await waitForText(`${siphon.url}/version`, 'v2/h');
    } finally {
      await siphon.stop();
    }
  });
});
