// The top-level Dockerfile, without a Docker daemon: its build stage's
// commands are read from the Dockerfile and replayed in a clone of the
// repository, its runtime stage's COPY lines assemble the app from that build,
// and the result serves deploy/siphon.yaml + deploy/script.py over HTTPS as
// the image's non-root user.
//
// How each instruction is replayed:
// - FROM starts a stage; WORKDIR/COPY map container paths under a per-stage
//   temp root (/app -> <tmp>/build-root/app). COPY takes files from the clone
//   (the build context) filtered by .dockerignore; COPY --from=build from the
//   build stage's root.
// - ENV applies to later RUNs (and, for the runtime stage, to siphon).
// - Build-stage RUN lines run with `sh -c` in the mapped WORKDIR, with the
//   image's PATH (so python3 is Debian's /usr/bin/python3, as in the image)
//   and without the npm_* variables of an enclosing `npm test`.
// - apt-get lines: the packages they install are needed on this machine
//   anyway (`npm ci` at the repository root builds the same addon), so when
//   dpkg already has them all the line is skipped instead of run: running it
//   would only refresh the apt lists (slow, network) and delete them again.
//   If one is missing, the line runs as written (apt works as root here).
// - Runtime-stage RUN lines change the system (apt, useradd, symlinks) and are
//   not run; each is checked instead: the apt packages (with their
//   dependencies) must own every shared library the running siphon maps and
//   the libpython/interpreter the addon names; the user's uid runs siphon; the
//   symlink for ENTRYPOINT's `siphon` must point at the copied bin/siphon.
//   A RUN this test does not understand fails it, so it cannot go unchecked.
//
// The clone is of the committed HEAD: commit Dockerfile and deploy/ changes
// before running this test. It takes about 2 minutes (`npm ci` with the
// native build is ~100 s of it) and needs the npm registry (or npm's cache).
// The ~270 MB build dir is removed afterwards; SIPHON_KEEP_DOCKERFILE_BUILD=1
// keeps it.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { dockerignore, execForm, parseCopy, parseDockerfile, parseEnv } from './helpers/dockerfile.mjs';
import { request } from './helpers/http.mjs';
import { ROOT, SiphonProcess, tempDir } from './helpers/siphon.mjs';

const IMAGE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const BUILD_TIMEOUT_MS = 25 * 60_000;

function cleanEnv(extra) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) || ['INIT_CWD', 'NODE_TEST_CONTEXT', 'NODE_OPTIONS', 'VIRTUAL_ENV', 'PYTHONPATH'].includes(key)) continue;
    env[key] = value;
  }
  return { ...env, PATH: IMAGE_PATH, ...extra };
}

// Runs `sh -c command`, output to a log file; rejects with the log's tail.
function sh(command, { cwd, env, log }) {
  return new Promise((resolve, reject) => {
    const out = fs.openSync(log, 'a');
    fs.writeSync(out, `\n$ ${command}\n`);
    const child = spawn('sh', ['-c', command], { cwd, env, stdio: ['ignore', out, out] });
    const timer = setTimeout(() => child.kill('SIGKILL'), BUILD_TIMEOUT_MS);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      fs.closeSync(out);
      if (code === 0) return resolve();
      const tail = fs.readFileSync(log, 'utf8').slice(-4000);
      reject(new Error(`'${command}' failed (exit ${code ?? signal}) in ${cwd}:\n${tail}`));
    });
  });
}

function installed(pkg) {
  const result = spawnSync('dpkg-query', ['-W', '-f', '${Status}', pkg], { encoding: 'utf8' });
  return result.status === 0 && result.stdout.includes('install ok installed');
}

// Packages named after `apt-get install` in a RUN line.
function aptPackages(command) {
  return command
    .split('&&')
    .map((part) => part.trim().split(/\s+/))
    .filter((words) => words[0] === 'apt-get' && words.includes('install'))
    .flatMap((words) => words.slice(words.indexOf('install') + 1).filter((w) => !w.startsWith('-')));
}

// Installed packages `pkgs` depend on, transitively (every installed alternative).
function dependencyClosure(pkgs) {
  const seen = new Set();
  const queue = [...pkgs];
  while (queue.length > 0) {
    const pkg = queue.shift();
    if (seen.has(pkg) || !installed(pkg)) continue;
    seen.add(pkg);
    const result = spawnSync('dpkg-query', ['-W', '-f', '${Depends}, ${Pre-Depends}', pkg], { encoding: 'utf8' });
    for (const group of result.stdout.split(',')) {
      for (const alternative of group.split('|')) {
        const name = alternative.trim().split(/[\s(]/)[0].replace(/:\w+$/, '');
        if (name) queue.push(name);
      }
    }
  }
  return seen;
}

// Debian packages owning `file` (merged /usr: dpkg may list it as /lib/...).
function owners(file) {
  const candidates = [file];
  if (/^\/usr\/(lib|lib64|bin|sbin)\//.test(file)) candidates.push(file.slice(4));
  else if (/^\/(lib|lib64|bin|sbin)\//.test(file)) candidates.push(`/usr${file}`);
  for (const candidate of candidates) {
    const result = spawnSync('dpkg-query', ['-S', candidate], { encoding: 'utf8' });
    if (result.status !== 0) continue;
    const line = result.stdout.split('\n').find((l) => l.endsWith(`: ${candidate}`) && !l.startsWith('diversion'));
    if (line) return line.slice(0, line.lastIndexOf(': ')).split(', ').map((p) => p.replace(/:[\w-]+$/, ''));
  }
  return [];
}

function mappedFiles(pid) {
  const files = new Set();
  for (const line of fs.readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n')) {
    const file = line.split(/\s+/).slice(5).join(' ');
    if (file.startsWith('/') && !file.endsWith('(deleted)') && !file.startsWith('/dev/') && !file.startsWith('/memfd:')) files.add(file);
  }
  return files;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function copyInto(source, dest, { filter } = {}) {
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.cpSync(source, dest, { recursive: true, filter, verbatimSymlinks: true });
}

describe('Dockerfile', () => {
  const work = tempDir('dockerfile-');
  fs.chmodSync(work, 0o755); // the image's user must reach the runtime files below it
  const context = path.join(work, 'context');
  const log = path.join(work, 'build.log');
  const roots = {};
  let stages;
  let runtime; // { env, workdir, user, aptPackages, siphonLink, entrypoint, exposed }
  const notes = [];

  before(async () => {
    const clone = spawnSync('git', ['clone', '--quiet', ROOT, context], { encoding: 'utf8' });
    assert.equal(clone.status, 0, clone.stderr);
    const dirty = spawnSync('git', ['status', '--porcelain', '--', 'Dockerfile', '.dockerignore', 'deploy'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
    if (dirty) notes.push(`uncommitted changes are not in the clone this test builds:\n${dirty}`);
    stages = parseDockerfile(fs.readFileSync(path.join(context, 'Dockerfile'), 'utf8'));
    const ignored = dockerignore(fs.readFileSync(path.join(context, '.dockerignore'), 'utf8'));

    for (const stage of stages) {
      const root = path.join(work, `${stage.name}-root`);
      roots[stage.name] = root;
      fs.mkdirSync(root, { recursive: true });
      const state = { env: {}, workdir: '/', user: 'root', aptPackages: [], runs: [], entrypoint: null, exposed: [] };
      const inRoot = (p) => path.join(root, path.posix.resolve(state.workdir, p));
      for (const { op, args, line } of stage.instructions) {
        if (op === 'WORKDIR') {
          state.workdir = path.posix.resolve(state.workdir, args);
          fs.mkdirSync(inRoot('.'), { recursive: true });
        } else if (op === 'ENV') {
          Object.assign(state.env, parseEnv(args));
        } else if (op === 'COPY') {
          const { flags, sources, dest } = parseCopy(args);
          const intoDir = dest.endsWith('/') || sources.length > 1;
          for (const source of sources) {
            const from = flags.from ? path.join(roots[flags.from], source) : path.join(context, source);
            assert.ok(roots[flags.from] || !flags.from, `Dockerfile:${line}: unknown stage ${flags.from}`);
            assert.ok(fs.existsSync(from), `Dockerfile:${line}: COPY source ${source} does not exist`);
            const filter = flags.from ? undefined : (p) => !ignored(path.relative(context, p)) || p === context;
            assert.ok(flags.from || !ignored(source.replace(/\/$/, '')), `Dockerfile:${line}: ${source} is excluded by .dockerignore`);
            const target = fs.statSync(from).isDirectory() ? inRoot(dest) : intoDir ? path.join(inRoot(dest), path.basename(source)) : inRoot(dest);
            copyInto(from, target, { filter });
          }
        } else if (op === 'RUN') {
          assert.equal(execForm(args), null, `Dockerfile:${line}: RUN should be a plain shell command`);
          state.runs.push({ args, line });
          const packages = aptPackages(args);
          state.aptPackages.push(...packages);
          if (stage !== stages.at(-1)) {
            if (packages.length > 0) {
              const missing = packages.filter((p) => !installed(p));
              if (missing.length === 0) {
                notes.push(`Dockerfile:${line}: skipped (${packages.join(', ')} already installed)`);
                continue;
              }
              assert.equal(process.getuid(), 0, `Dockerfile:${line} needs ${missing.join(', ')}; run as root or install them`);
            }
            const started = Date.now();
            await sh(args, { cwd: inRoot('.'), env: cleanEnv(state.env), log });
            notes.push(`Dockerfile:${line}: ${args} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
          }
        } else if (op === 'USER') {
          state.user = args;
        } else if (op === 'ENTRYPOINT') {
          state.entrypoint = execForm(args);
        } else if (op === 'EXPOSE') {
          state.exposed.push(...args.split(/\s+/).map((p) => Number(p.split('/')[0])));
        } else if (!['ARG', 'LABEL', 'CMD', 'STOPSIGNAL', 'HEALTHCHECK', 'SHELL'].includes(op)) {
          assert.fail(`Dockerfile:${line}: this test does not know how to replay ${op}`);
        }
      }
      stage.state = state;
    }
    runtime = stages.at(-1).state;
    runtime.root = roots[stages.at(-1).name];
    runtime.unchecked = [];
    for (const { args, line } of runtime.runs) {
      for (const part of args.split('&&').map((p) => p.trim())) {
        const [command, ...rest] = part.split(/\s+/);
        if (!['apt-get', 'rm', 'groupadd', 'useradd', 'ln', 'mkdir'].includes(command)) runtime.unchecked.push(`Dockerfile:${line}: ${part}`);
        if (command === 'ln') runtime.siphonLink = { from: rest.at(-1), to: rest.at(-2) };
        if (command === 'useradd') runtime.passwd = { uid: Number(rest[rest.indexOf('--uid') + 1]), home: rest[rest.indexOf('--home-dir') + 1] };
      }
    }
  }, { timeout: BUILD_TIMEOUT_MS });

  after(() => {
    for (const note of notes) console.log(`# ${note.replace(/\n/g, '\n# ')}`);
    // The clone and two copies of node_modules are ~270 MB: keep them only on request.
    if (process.env.SIPHON_KEEP_DOCKERFILE_BUILD) console.log(`# build kept in ${work}`);
    else fs.rmSync(work, { recursive: true, force: true });
  });

  it('has a build stage on node:20-bookworm and a slim runtime stage', () => {
    assert.equal(stages.length, 2);
    assert.equal(stages[0].image, 'node:20-bookworm');
    assert.equal(stages[1].image, 'node:20-bookworm-slim');
    assert.deepEqual(runtime.entrypoint, ['siphon', '-c', '/etc/siphon/siphon.yaml']);
    assert.deepEqual(runtime.exposed.sort(), [8443, 9090]);
    assert.ok(stages[0].state.runs.some((r) => /^npm ci\b/.test(r.args)), 'the build stage runs npm ci');
    assert.ok(stages[0].state.runs.some((r) => /^npm prune --omit=dev\b/.test(r.args)), 'the build stage drops dev dependencies');
  });

  it('the build stage leaves a built addon, dist/ and production dependencies only', () => {
    const app = path.join(roots[stages[0].name], stages[0].state.workdir);
    for (const file of ['build/Release/siphon_addon.node', 'dist/cli.js', 'bin/siphon', 'python/siphon/http.py']) {
      assert.ok(fs.existsSync(path.join(app, file)), `${file} after the build stage`);
    }
    for (const dev of ['typescript', 'cmake-js', 'node-addon-api', 'kubernetes-models']) {
      assert.ok(!fs.existsSync(path.join(app, 'node_modules', dev)), `dev dependency ${dev} left after npm prune`);
    }
    for (const dep of ['uWebSockets.js', 'undici', 'yaml', 'zod', 'prom-client']) {
      assert.ok(fs.existsSync(path.join(app, 'node_modules', dep)), `production dependency ${dep} missing`);
    }
  });

  it('every runtime-stage RUN is one this test checks', () => {
    assert.deepEqual(runtime.unchecked, []);
    assert.ok(runtime.aptPackages.includes('libpython3.11'), 'the runtime installs libpython3.11');
    assert.equal(runtime.siphonLink?.from, '/usr/local/bin/siphon', 'ENTRYPOINT runs `siphon` from PATH');
    const [uid, gid] = runtime.user.split(':').map(Number);
    assert.ok(uid > 0 && gid > 0, `USER ${runtime.user} is not root`);
    assert.equal(runtime.passwd?.uid, uid, 'USER is the user useradd makes');
  });

  describe('the runtime stage', () => {
    let siphon;
    let etc;
    let urls;
    const [uid, gid] = [10001, 10001];

    before(async () => {
      assert.ok(runtime?.siphonLink, 'the runtime stage was read');
      assert.equal(runtime.user, `${uid}:${gid}`);
      const target = path.join(runtime.root, runtime.siphonLink.to);
      assert.ok(fs.existsSync(target), `${runtime.siphonLink.to} (the /usr/local/bin/siphon symlink's target) is not in the runtime stage`);

      // /etc/siphon as docs/deployment.md mounts it: the deploy/ templates and a TLS pair.
      etc = path.join(work, 'etc', 'siphon');
      fs.mkdirSync(path.join(etc, 'tls'), { recursive: true });
      const rewrite = (file) => fs.readFileSync(path.join(context, file), 'utf8').replaceAll('/etc/siphon', etc);
      fs.writeFileSync(path.join(etc, 'siphon.yaml'), rewrite('deploy/siphon.yaml'));
      fs.writeFileSync(path.join(etc, 'http.yaml'), rewrite('deploy/http.example.yaml'));
      fs.copyFileSync(path.join(context, 'deploy/script.py'), path.join(etc, 'script.py'));
      spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost',
        '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', path.join(etc, 'tls/tls.key'), '-out', path.join(etc, 'tls/tls.crt')], { stdio: 'ignore' });
      fs.chmodSync(path.join(etc, 'tls/tls.key'), 0o644); // as docs/deployment.md says for a local key
      for (const dir of [path.join(work, 'etc'), etc, path.join(etc, 'tls')]) fs.chmodSync(dir, 0o755);

      const [httpsPort, metricsPort] = [await freePort(), await freePort()];
      urls = { https: `https://127.0.0.1:${httpsPort}`, metrics: `http://127.0.0.1:${metricsPort}` };
      runtime.spawnEnv = {
        PATH: IMAGE_PATH,
        HOME: runtime.passwd.home,
        ...runtime.env,
        SIPHON_HTTPS_LISTEN: `127.0.0.1:${httpsPort}`,
        SIPHON_METRICS_LISTEN: `127.0.0.1:${metricsPort}`,
      };
      runtime.command = [target, ...runtime.entrypoint.slice(1).map((a) => a.replaceAll('/etc/siphon', etc))];
      const child = spawn(runtime.command[0], runtime.command.slice(1), {
        cwd: path.join(runtime.root, runtime.workdir),
        env: runtime.spawnEnv,
        uid,
        gid,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      siphon = new SiphonProcess(child, etc);
      await siphon.ready(30000);
    });

    after(async () => {
      if (siphon) await siphon.stop();
    });

    it('serves the sample script over HTTPS as the non-root user', async () => {
      const res = await request(`${urls.https}/`, { ca: fs.readFileSync(path.join(etc, 'tls/tls.crt')) });
      assert.equal(res.status, 200);
      assert.match(res.text, /^hello from siphon-http on /);
      const health = await request(`${urls.https}/healthz`, { ca: fs.readFileSync(path.join(etc, 'tls/tls.crt')) });
      assert.equal(health.status, 200);
      const metrics = await request(`${urls.metrics}/metrics`);
      assert.equal(metrics.status, 200);
      assert.match(metrics.text, /^siphon_pyexec_pool_size /m);
      const status = fs.readFileSync(`/proc/${siphon.child.pid}/status`, 'utf8');
      assert.match(status, new RegExp(`^Uid:\\s+${uid}\\s`, 'm'));
      await siphon.waitForLog((l) => /^sample script loaded on /.test(l.message));
    });

    it('the runtime packages provide every system library siphon maps, and the Python the addon names', () => {
      const runtimeClosure = dependencyClosure(runtime.aptPackages);
      // What node:20-bookworm-slim has for node itself: the libraries a bare node maps.
      const bare = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 5000)'], { stdio: 'ignore' });
      let baseFiles;
      try {
        spawnSync('sleep', ['0.3']);
        baseFiles = mappedFiles(bare.pid);
      } finally {
        bare.kill();
      }
      const base = dependencyClosure([...baseFiles].flatMap(owners));
      const exe = fs.realpathSync(`/proc/${siphon.child.pid}/exe`);
      const mapped = mappedFiles(siphon.child.pid);
      const unexplained = [];
      for (const file of mapped) {
        if (file === exe || file.startsWith(`${runtime.root}/`) || file.startsWith('/usr/lib/locale/')) continue;
        const by = owners(file);
        if (!by.some((p) => runtimeClosure.has(p) || base.has(p))) unexplained.push(`${file} (${by.join(', ') || 'no package'})`);
      }
      assert.deepEqual(unexplained, [], `mapped by siphon but not installed by the runtime stage (${runtime.aptPackages.join(', ')})`);

      const addon = path.join(runtime.root, runtime.workdir, 'build/Release/siphon_addon.node');
      const info = JSON.parse(spawnSync(process.execPath, ['-p', `JSON.stringify(require(${JSON.stringify(addon)}).describe())`], { encoding: 'utf8' }).stdout);
      assert.ok(mapped.has(info.libpython), `siphon has ${info.libpython} mapped`);
      const prefix = path.dirname(path.dirname(info.python));
      const version = /^(\d+\.\d+)/.exec(info.pythonVersion)[1];
      for (const file of [info.libpython, info.python, path.join(prefix, 'lib', `python${version}`, 'os.py'), path.join(prefix, 'lib', `python${version}`, 'asyncio', '__init__.py')]) {
        const by = owners(file);
        assert.ok(by.some((p) => runtimeClosure.has(p)), `${file} (${by.join(', ') || 'no package'}) is not installed by the runtime stage`);
      }
    });

    it('`docker run <image> --check` validates the mounted config', () => {
      const result = spawnSync(runtime.command[0], [...runtime.command.slice(1), '--check'], {
        cwd: path.join(runtime.root, runtime.workdir),
        env: runtime.spawnEnv,
        uid,
        gid,
        encoding: 'utf8',
        timeout: 30000,
      });
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout, /^config OK: /m);
      assert.match(result.stdout, /GET,HEAD\s+\/\s+script\.index \(async\)/);
    });

    it('stops cleanly on SIGTERM', async () => {
      const { code } = await siphon.stop('SIGTERM');
      assert.equal(code, 0);
    });
  });
});
