// Configs and command lines written for the Rust siphon-http and siphon-sip
// (issue 13): http._config; `siphon` without -c; the script's relative paths
// anchored on the config's folder when they exist there; include_paths on
// sys.path; log.file (appended, reopened on SIGHUP); every siphon-sip
// top-level key accepted with one warning, misspellings still errors.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import { json, request } from './helpers/http.mjs';
import { runSiphon, startSiphon, startWithArgs, tempDir, writeProject } from './helpers/siphon.mjs';

const lines = (...parts) => `${parts.join('\n')}\n`;

// Reports where it was loaded from, http._config and the head of sys.path.
const reportingScript = lines(
  'import json, os, sys',
  'from siphon import http',
  'import shared_helper  # from an include_paths folder',
  '@http.route("/report")',
  'def report(req):',
  '    return http.Response(200, body=json.dumps({"script": os.path.abspath(__file__), "config": http._config,',
  '                                               "path": sys.path[:4], "helper": shared_helper.WHERE}))',
);

const helper = (where) => `WHERE = ${JSON.stringify(where)}\n`;

function siphonYaml(extra = []) {
  return lines('script:', '  path: script.py', '  include_paths: [lib]', ...extra, 'log:', '  format: json', 'extensions:', '  http: http.yaml');
}

const startIn = (cwd, args) => startWithArgs(args, { cwd });

describe('http._config', () => {
  it('lists the listen strings in order and the configured client names', async () => {
    const siphon = await startSiphon({
      script: lines('import json', 'from siphon import http', '@http.route("/c")', 'def c(req):', '    return http.Response(200, body=json.dumps(http._config))'),
      http: lines('servers:', '  - listen: "127.0.0.1:0"', '  - listen: "[::1]:0"', 'clients:', '  billing:', '    base_url: http://127.0.0.1:1', '  api: {}'),
    });
    try {
      const res = await json(`${siphon.url}/c`);
      assert.deepEqual(res.json, { listen_addrs: ['127.0.0.1:0', '[::1]:0'], client_names: ['billing', 'api'] });
    } finally {
      await siphon.stop();
    }
  });
});

describe('siphon without -c, and -h', () => {
  it('serves ./siphon.yaml from the working directory', async () => {
    const dir = writeProject({ script: lines('from siphon import http', '@http.route("/")', 'def i(req):', '    return http.Response(200, body="default config")') });
    const siphon = await startIn(dir, []);
    try {
      assert.equal((await request(`${siphon.url}/`)).text, 'default config');
    } finally {
      await siphon.stop();
    }
    const check = await runSiphon(['--check'], { cwd: dir });
    assert.equal(check.code, 0, check.stderr);
    assert.match(check.stdout, new RegExp(`config OK: ${dir}/siphon\\.yaml`));
  });

  it('prints usage for -h and --help and exits 0', async () => {
    for (const flag of ['-h', '--help']) {
      const result = await runSiphon([flag], { cwd: tempDir() });
      assert.equal(result.code, 0);
      assert.match(result.stdout, /^usage: siphon \[-c siphon\.yaml\] .*default config: \.\/siphon\.yaml/);
      assert.match(result.stdout, /siphon --check \[-c siphon\.yaml\]/);
    }
  });
});

describe('relative script paths', () => {
  it('anchors script.path and include_paths on the config folder when they exist there', async () => {
    const dir = writeProject({ script: reportingScript, siphon: siphonYaml(), files: { 'lib/shared_helper.py': helper('config folder') } });
    const elsewhere = tempDir(); // as systemd's / or a container WORKDIR: nothing relative is here
    const siphon = await startIn(elsewhere, ['-c', path.join(dir, 'siphon.yaml')]);
    try {
      const { json: report } = await json(`${siphon.url}/report`);
      assert.equal(report.script, path.join(dir, 'script.py'));
      assert.equal(report.helper, 'config folder');
      // The script's folder first, then include_paths, prepended to the rest.
      assert.deepEqual(report.path.slice(0, 2), [dir, path.join(dir, 'lib')]);
    } finally {
      await siphon.stop();
    }
  });

  it('falls back to the working directory, as a repository-root layout needs', async () => {
    const root = tempDir();
    fs.mkdirSync(path.join(root, 'bench', 'lib'), { recursive: true });
    fs.writeFileSync(path.join(root, 'bench', 'app.py'), reportingScript);
    fs.writeFileSync(path.join(root, 'bench', 'lib', 'shared_helper.py'), helper('working directory'));
    fs.mkdirSync(path.join(root, 'conf'));
    fs.writeFileSync(path.join(root, 'conf', 'http.yaml'), 'servers:\n  - listen: "127.0.0.1:0"\n');
    fs.writeFileSync(path.join(root, 'conf', 'siphon.yaml'),
      lines('script:', '  path: bench/app.py', '  include_paths: [bench/lib]', 'log:', '  format: json', 'extensions:', '  http: http.yaml'));
    const siphon = await startIn(root, ['-c', 'conf/siphon.yaml']);
    try {
      const { json: report } = await json(`${siphon.url}/report`);
      assert.equal(report.script, path.join(root, 'bench', 'app.py'));
      assert.equal(report.helper, 'working directory');
    } finally {
      await siphon.stop();
    }
  });

  it('prefers the config folder when the path exists in both places', async () => {
    const root = tempDir();
    const marker = (where) => lines('from siphon import http', '@http.route("/")', 'def i(req):', `    return http.Response(200, body=${JSON.stringify(where)})`);
    fs.mkdirSync(path.join(root, 'conf'));
    fs.writeFileSync(path.join(root, 'app.py'), marker('working directory'));
    fs.writeFileSync(path.join(root, 'conf', 'app.py'), marker('config folder'));
    fs.writeFileSync(path.join(root, 'conf', 'http.yaml'), 'servers:\n  - listen: "127.0.0.1:0"\n');
    fs.writeFileSync(path.join(root, 'conf', 'siphon.yaml'), lines('script:', '  path: app.py', 'log:', '  format: json', 'extensions:', '  http: http.yaml'));
    const siphon = await startIn(root, ['-c', 'conf/siphon.yaml']);
    try {
      assert.equal((await request(`${siphon.url}/`)).text, 'config folder');
    } finally {
      await siphon.stop();
    }
  });

  it('warns about an include_paths folder that does not exist, naming it', async () => {
    const dir = writeProject({ script: reportingScript, siphon: siphonYaml().replace('[lib]', '[lib, nowhere]'), files: { 'lib/shared_helper.py': helper('x') } });
    const result = await runSiphon(['--check', '-c', 'siphon.yaml'], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    assert.ok(result.lines.some((l) => l.level === 'warn' && l.message.endsWith(`script.include_paths[1]: no such directory ${path.join(dir, 'nowhere')} (kept on sys.path)`)), result.stderr);
  });
});

describe('log.file', () => {
  it('appends every line to the file as well as stderr, and reopens it on SIGHUP', async () => {
    const dir = writeProject({
      script: lines('from siphon import http, log', '@http.route("/")', 'def i(req):', '    log.info("handled one")', '    return http.Response(200)'),
      siphon: lines('script:', '  path: script.py', '  reload: sighup', 'log:', '  format: json', '  file: logs/siphon.log', 'extensions:', '  http: http.yaml'),
      files: { 'logs/siphon.log': 'a line from before\n' },
    });
    const file = path.join(dir, 'logs', 'siphon.log');
    const siphon = await startSiphon(dir);
    try {
      await json(`${siphon.url}/`);
      await siphon.waitForLog(/^handled one$/);
      const first = fs.readFileSync(file, 'utf8').split('\n');
      assert.equal(first[0], 'a line from before', 'appended, not truncated');
      const messages = first.slice(1).filter(Boolean).map((line) => JSON.parse(line).message);
      assert.ok(messages.includes('ready') && messages.includes('handled one'), messages.join('\n'));
      // logrotate: move the file away, then SIGHUP.
      fs.renameSync(file, `${file}.1`);
      siphon.child.kill('SIGHUP');
      await siphon.waitForLog(/^reloaded /);
      const fresh = fs.readFileSync(file, 'utf8');
      assert.match(fresh, /"message":"reloaded /);
      assert.doesNotMatch(fs.readFileSync(`${file}.1`, 'utf8'), /"message":"reloaded /);
    } finally {
      await siphon.stop();
    }
  });

  it('refuses to start when the file cannot be opened, naming it', async () => {
    // A folder where a file is: the log file cannot be created under it.
    const dir = writeProject({ siphon: lines('script:', '  path: script.py', 'log:', '  file: script.py/x.log', 'extensions:', '  http: http.yaml') });
    const result = await runSiphon(['-c', 'siphon.yaml'], { cwd: dir, timeoutMs: 15000 });
    assert.equal(result.code, 2);
    assert.ok(result.stderr.includes(`siphon.yaml: log.file: cannot open ${path.join(dir, 'script.py', 'x.log')} for appending: ENOTDIR`), result.stderr);
  });
});

describe('a siphon.yaml written for siphon-sip', () => {
  // Every top-level key siphon-sip knows, with a value of its shape.
  const SIP_ONLY = [
    'listen: {udp: ["0.0.0.0:5060"]}', 'domain: {local: [example.com]}', 'registrar: {backend: memory}', 'auth: {realm: example.com}',
    'advertised_address: 192.0.2.1', 'tls: {certificate: /x.crt}', 'security: {}', 'nat: {}', 'tracing: {}', 'metrics: {}', 'admin: {}',
    'control: {}', 'server: {}', 'transaction: {}', 'memory: {}', 'dialog: {}', 'media: {}', 'gateway: {}', 'session_timer: {}',
    'numbering: {}', 'number_policies: {}', 'cdr: {}', 'registrant: {}', 'lawful_intercept: {}', 'diameter: {}', 'ipsec: {}', 'stir: {}',
    'isc: {}', 'sbi: {}', 'lcr: {}', 'srs: {}', 'subscribe_state: {}', 'rf: {}', 'ro: {}',
  ];

  it('loads with one warning naming the keys siphon does not serve, and serves as without them', async () => {
    const dir = writeProject({
      script: lines('from siphon import http', '@http.route("/")', 'def i(req):', '    return http.Response(200, body="served")'),
      siphon: lines(...SIP_ONLY, 'script:', '  path: script.py', 'log:', '  format: json', 'extensions:', '  http: http.yaml', '  smpp: smpp.yaml'),
    });
    const siphon = await startSiphon(dir);
    try {
      assert.equal((await request(`${siphon.url}/`)).text, 'served');
      const warnings = siphon.lines.filter((l) => l.level === 'warn' && l.target === 'siphon.config');
      assert.equal(warnings.length, 2, siphon.logText());
      const names = SIP_ONLY.map((entry) => entry.split(':')[0]);
      assert.ok(warnings[0].message.endsWith(`ignoring SIP-server keys this binary does not serve: ${names.join(', ')}`), warnings[0].message);
      assert.match(warnings[1].message, /skipping extensions\.smpp/);
    } finally {
      await siphon.stop();
    }
  });

  for (const [where, project, pattern] of [
    ['script', { siphon: lines('script:', '  path: script.py', '  include_path: [lib]', 'extensions:', '  http: http.yaml') },
      /siphon\.yaml:3:3: script\.include_path: unknown key 'include_path' \(did you mean 'include_paths'\?\)/],
    ['log', { siphon: lines('script:', '  path: script.py', 'log:', '  fille: x.log', 'extensions:', '  http: http.yaml') },
      /siphon\.yaml:4:3: log\.fille: unknown key 'fille' \(did you mean 'file'\?\)/],
    ['extensions', { siphon: lines('script:', '  path: script.py', 'extensions:', '  htpp: http.yaml') },
      /siphon\.yaml:4:\d+: extensions\.htpp: unknown extension 'htpp' \(did you mean 'http'\?\)/],
    ['http.yaml', { http: lines('clients:', '  api:', '    follow_redirect: false') },
      /http\.yaml:3:5: clients\.api\.follow_redirect: unknown key 'follow_redirect' \(did you mean 'follow_redirects'\?\)/],
  ]) {
    it(`still rejects a misspelt key in ${where}, with a suggestion`, async () => {
      const dir = writeProject(project);
      const result = await runSiphon(['-c', 'siphon.yaml'], { cwd: dir });
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, pattern);
    });
  }
});
