// siphon.yaml / http.yaml loading (SPEC §3, §4): errors name the file, key
// path and line:column; env expansion; relative paths; SIP-server keys.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import { request } from './helpers/http.mjs';
import { runSiphon, startSiphon, tempDir, writeProject } from './helpers/siphon.mjs';

const okScript = 'from siphon import http\n@http.route("/")\ndef i(req):\n    return http.Response(200, body="ok")\n';

async function configError(project, pattern) {
  const dir = writeProject({ script: okScript, ...project });
  const result = await runSiphon(['-c', 'siphon.yaml'], { cwd: dir });
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, pattern);
  return { result, dir };
}

describe('config errors', () => {
  it('names an unknown key with its path, line:column and a suggestion', async () => {
    const { dir } = await configError(
      { http: 'servers:\n  - listen: "127.0.0.1:0"\n  - listen: "127.0.0.1:0"\n    max_bdy_bytes: 10\n' },
      /http\.yaml:4:5: servers\[1\]\.max_bdy_bytes: unknown key 'max_bdy_bytes' \(did you mean 'max_body_bytes'\?\)/,
    );
    assert.ok(path.isAbsolute(dir));
  });

  it('names a wrongly typed value with its path and line', async () => {
    await configError(
      { siphon: 'script:\n  path: script.py\n  sync_pool_size: lots\nextensions:\n  http: http.yaml\n' },
      /siphon\.yaml:3:19: script\.sync_pool_size: expected number, got string "lots"/,
    );
  });

  it('rejects an invalid enum value', async () => {
    await configError(
      { siphon: 'script:\n  path: script.py\nlog:\n  level: loud\nextensions:\n  http: http.yaml\n' },
      /siphon\.yaml:4:10: log\.level: expected one of "debug", "info", "warn", "error"/,
    );
  });

  it('rejects unknown top-level keys that are not SIP-server keys', async () => {
    await configError(
      { siphon: 'script:\n  path: script.py\nscirpt_extra: 1\nextensions:\n  http: http.yaml\n' },
      /siphon\.yaml:3:1: scirpt_extra: unknown key 'scirpt_extra'/,
    );
  });

  it('reports a missing script with its absolute path', async () => {
    const { dir } = await configError(
      { siphon: 'script:\n  path: nowhere/app.py\nextensions:\n  http: http.yaml\n' },
      /script\.path: file not found: \/.*\/nowhere\/app\.py/,
    );
    assert.ok(dir);
  });

  it('requires script.path', async () => {
    await configError({ siphon: 'script:\n  reload: auto\nextensions:\n  http: http.yaml\n' }, /script\.path: required/);
  });

  it('rejects a bad listen address', async () => {
    await configError({ http: 'servers:\n  - listen: "localhost"\n' }, /servers\[0\]\.listen: expected "host:port"/);
    await configError({ http: 'servers:\n  - listen: "::1:80"\n' }, /servers\[0\]\.listen: expected "host:port"/);
    await configError({ http: 'servers:\n  - listen: "127.0.0.1:99999"\n' }, /port 99999 is out of range/);
  });

  it('reports invalid YAML with its line', async () => {
    await configError({ http: 'servers:\n  - listen: "127.0.0.1:0\n    other: [\n' }, /http\.yaml:\d+:\d+: invalid YAML/);
  });

  it('fails on an unset ${VAR} and names it', async () => {
    await configError(
      { http: 'servers:\n  - listen: "127.0.0.1:${SIPHON_TEST_UNSET_PORT}"\n' },
      /http\.yaml:2:13: servers\[0\]\.listen: environment variable SIPHON_TEST_UNSET_PORT is not set/,
    );
  });

  it('checks TLS files exist, parse, and that the key matches the certificate', async () => {
    const dir = tempDir('tls-');
    for (const name of ['a', 'b']) {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${dir}/${name}.key`, '-out', `${dir}/${name}.crt`, '-days', '1', '-subj', `/CN=${name}`], { stdio: 'ignore' });
    }
    fs.writeFileSync(`${dir}/junk.crt`, 'not a certificate\n');
    await configError({ http: `servers:\n  - listen: "127.0.0.1:0"\n    tls:\n      cert_path: ${dir}/missing.crt\n      key_path: ${dir}/a.key\n` }, /servers\[0\]\.tls\.cert_path: file not found: .*missing\.crt/);
    await configError({ http: `servers:\n  - listen: "127.0.0.1:0"\n    tls:\n      cert_path: ${dir}/junk.crt\n      key_path: ${dir}/a.key\n` }, /tls\.cert_path: not a PEM file/);
    await configError({ http: `servers:\n  - listen: "127.0.0.1:0"\n    tls:\n      cert_path: ${dir}/a.crt\n      key_path: ${dir}/b.key\n` }, /servers\[0\]\.tls\.key_path: private key .*b\.key does not match certificate .*a\.crt/);
  });
});

describe('config features', () => {
  it('expands ${VAR} and ${VAR:-default}, turning unquoted numbers into numbers', async () => {
    const siphon = await startSiphon(
      {
        script: okScript,
        http: 'servers:\n  - listen: "${SIPHON_TEST_HOST:-127.0.0.1}:${SIPHON_TEST_PORT}"\n    max_body_bytes: ${SIPHON_TEST_MAX:-10}\n',
      },
      { env: { SIPHON_TEST_PORT: '0', SIPHON_TEST_MAX: '5' } },
    );
    try {
      assert.match(siphon.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const tooBig = await request(`${siphon.url}/`, { method: 'POST', body: '123456' });
      assert.equal(tooBig.status, 405); // route is GET-only: the body check never ran
    } finally {
      await siphon.stop();
    }
  });

  it('resolves relative paths against the working directory', async () => {
    const dir = writeProject({ script: okScript });
    fs.mkdirSync(path.join(dir, 'conf'));
    fs.renameSync(path.join(dir, 'http.yaml'), path.join(dir, 'conf', 'http.yaml'));
    fs.writeFileSync(path.join(dir, 'conf', 'siphon.yaml'), 'script:\n  path: script.py\nlog:\n  format: json\nextensions:\n  http: conf/http.yaml\n');
    const result = await runSiphon(['--check', '-c', 'conf/siphon.yaml'], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`config OK: ${dir}/conf/siphon\\.yaml, ${dir}/conf/http\\.yaml`));
  });

  it('accepts SIP-server keys and other extensions with one warning each', async () => {
    const dir = writeProject({
      script: okScript,
      siphon: 'listen: "0.0.0.0:5060"\ndomain: example.com\nregistrar:\n  enabled: true\nscript:\n  path: script.py\nlog:\n  format: json\nextensions:\n  http: http.yaml\n  presence: presence.yaml\n',
    });
    const result = await runSiphon(['--check', '-c', 'siphon.yaml'], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    const warnings = result.lines.filter((l) => l.level === 'warn');
    assert.equal(warnings.length, 2, result.stderr);
    assert.match(warnings[0].message, /ignoring SIP-server keys this binary does not serve: listen, domain, registrar/);
    assert.match(warnings[1].message, /skipping extensions\.presence/);
  });
});
