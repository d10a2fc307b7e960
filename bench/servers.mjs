// Starting and stopping the servers under test. Each runs as its own process
// on its own loopback port; `pid` is the root of the tree that proc.mjs reads.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SERVERS_DIR = join(ROOT, 'bench', 'servers');
// uvicorn & co. are Debian packages, installed for Debian's interpreter only
// (the pyenv python3 first on PATH does not have them).
const SYSTEM_PYTHON = '/usr/bin/python3';
const START_TIMEOUT_MS = 120_000; // valgrind (--instructions) starts slowly

// A port picked by the kernel and released again. We pass concrete ports
// (not 0) so that a multi-process siphon shares one port across processes.
function freePort() {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolvePort(port));
    });
  });
}

// Spawns a server and resolves once `isReady(line)` matches an output line
// (or `probe()` succeeds). Output is always drained, so a chatty server never
// blocks on a full pipe; the last lines are kept for error messages.
// `wrap` prefixes the command (valgrind for --instructions).
async function startProcess(name, command, args, { env, isReady, probe, wrap = [] }) {
  if (wrap.length > 0) [command, args] = [wrap[0], [...wrap.slice(1), command, ...args]];
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const tail = [];
  let exited = null;
  const ready = new Promise((resolveReady, reject) => {
    const onLine = (line) => {
      tail.push(line);
      if (tail.length > 20) tail.shift();
      if (isReady?.(line)) resolveReady();
    };
    for (const stream of [child.stdout, child.stderr]) {
      let partial = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop();
        lines.forEach(onLine);
      });
    }
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      reject(new Error(`${name} exited (${signal ?? `code ${code}`}) before it was ready:\n  ${tail.join('\n  ')}`));
    });
    child.on('error', reject);
    if (probe) pollUntil(probe, () => exited).then(resolveReady, reject);
  });
  const timer = new Promise((_, reject) =>
    setTimeout(() => reject(new Error(`${name} not ready after ${START_TIMEOUT_MS} ms:\n  ${tail.join('\n  ')}`)), START_TIMEOUT_MS).unref(),
  );
  try {
    await Promise.race([ready, timer]);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  const stop = async () => {
    if (exited) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timeout = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(timeout);
  };
  return { pid: child.pid, stop, tail };
}

async function pollUntil(probe, hasExited) {
  while (!hasExited()) {
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

// siphon from the repo root with a generated config (SPEC §3/§4). Readiness
// is its own "ready" log line. `processes` goes into `script:` only if set.
export async function startSiphon({ processes, wrap } = {}) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'siphon-bench-'));
  const httpYaml = join(dir, 'http.yaml');
  const siphonYaml = join(dir, 'siphon.yaml');
  writeFileSync(httpYaml, `servers:\n  - listen: "127.0.0.1:${port}"\n`);
  writeFileSync(
    siphonYaml,
    [
      'script:',
      `  path: ${JSON.stringify(join(SERVERS_DIR, 'siphon_app.py'))}`,
      ...(processes ? [`  processes: ${processes}`] : []),
      'log:',
      '  level: info',
      '  format: json',
      'extensions:',
      `  http: ${JSON.stringify(httpYaml)}`,
      '',
    ].join('\n'),
  );
  // With processes > 1 the supervisor says "ready: N processes serving" once
  // every child is up; a child's own "ready" is not enough.
  const isReady = (line) => {
    try {
      const { message } = JSON.parse(line);
      return processes > 1 ? message.startsWith('ready: ') : message === 'ready';
    } catch {
      return false;
    }
  };
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  let proc;
  try {
    // bin/siphon itself, as users run it: its shebang carries siphon's V8 flags.
    const command = wrap ? [process.execPath, '--max-semi-space-size=2', 'bin/siphon'] : [join(ROOT, 'bin', 'siphon')];
    proc = await startProcess('siphon', command[0], [...command.slice(1), '-c', siphonYaml], { isReady, wrap });
  } catch (err) {
    removeDir();
    throw err;
  }
  const stop = async () => {
    await proc.stop();
    removeDir();
  };
  return { ...proc, stop, url: `http://127.0.0.1:${port}` };
}

export async function startUws({ wrap } = {}) {
  const port = await freePort();
  const proc = await startProcess('uws', process.execPath, [join(SERVERS_DIR, 'uws_server.mjs'), String(port)], {
    isReady: (line) => line === 'ready',
    wrap,
  });
  return { ...proc, url: `http://127.0.0.1:${port}` };
}

// null when Debian's uvicorn stack is importable, else why not.
export function uvicornMissing() {
  try {
    execFileSync(SYSTEM_PYTHON, ['-c', 'import uvicorn, uvloop, httptools'], { stdio: 'pipe' });
    return null;
  } catch (err) {
    return (err.stderr?.toString().trim().split('\n').pop() || err.message).trim();
  }
}

// One worker process (uvicorn runs it in-process, no supervisor), uvloop and
// httptools, no access log. uvicorn prints nothing useful at warning level,
// so readiness is the first answered request.
export async function startUvicorn() {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = ['-m', 'uvicorn', 'asgi_app:app', '--app-dir', SERVERS_DIR, '--host', '127.0.0.1', '--port', String(port),
    '--workers', '1', '--loop', 'uvloop', '--http', 'httptools', '--no-access-log', '--log-level', 'warning'];
  const probe = async () => (await fetch(`${url}/hello`)).ok;
  const proc = await startProcess('uvicorn', SYSTEM_PYTHON, args, { probe });
  return { ...proc, url };
}
