// Starts the real `siphon` binary on ephemeral ports and talks to it over
// real sockets. Every test that needs a server goes through here.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SIPHON_BIN = path.join(ROOT, 'bin', 'siphon');

export function tempDir(prefix = 'siphon-test-') {
  const base = path.join(os.tmpdir(), 'siphon-tests');
  fs.mkdirSync(base, { recursive: true });
  return fs.mkdtempSync(path.join(base, prefix));
}

// Writes a project folder: script.py, siphon.yaml, http.yaml (+ extra files).
export function writeProject({ script, http, siphon, files = {} }) {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'script.py'), script ?? 'from siphon import http\n');
  fs.writeFileSync(
    path.join(dir, 'http.yaml'),
    http ?? 'servers:\n  - listen: "127.0.0.1:0"\n',
  );
  fs.writeFileSync(
    path.join(dir, 'siphon.yaml'),
    siphon ?? 'script:\n  path: script.py\nlog:\n  format: json\n  level: debug\nextensions:\n  http: http.yaml\n',
  );
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

function parseLine(line) {
  try {
    return JSON.parse(line);
  } catch {
    return { level: 'raw', target: '', message: line };
  }
}

export class SiphonProcess {
  constructor(child, dir) {
    this.child = child;
    this.dir = dir;
    this.lines = [];
    this.stdout = '';
    this.waiters = [];
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => resolve({ code, signal }));
    });
    let buffer = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      buffer += chunk;
      let newline;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        this.lines.push(parseLine(line));
        this.checkWaiters();
      }
    });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      this.stdout += chunk;
    });
  }

  get logs() {
    return this.lines;
  }

  logText() {
    return this.lines.map((l) => `${l.level} ${l.target}: ${l.message}`).join('\n');
  }

  checkWaiters() {
    for (const waiter of [...this.waiters]) {
      const found = this.lines.find(waiter.predicate);
      if (found) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        clearTimeout(waiter.timer);
        waiter.resolve(found);
      }
    }
  }

  // Resolves with the first log line matching `predicate` (a RegExp on the message, or a function).
  waitForLog(predicate, timeoutMs = 15000) {
    const test = predicate instanceof RegExp ? (l) => predicate.test(l.message ?? '') : predicate;
    const found = this.lines.find(test);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const waiter = { predicate: test, resolve };
      waiter.timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`no log line matching ${predicate} within ${timeoutMs} ms; got:\n${this.logText()}`));
      }, timeoutMs);
      this.waiters.push(waiter);
      this.exited.then(() => {
        if (this.waiters.includes(waiter)) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          clearTimeout(waiter.timer);
          reject(new Error(`siphon exited before logging ${predicate}; got:\n${this.logText()}`));
        }
      });
    });
  }

  // Waits for "ready" and returns the listener URLs in config order.
  async ready(timeoutMs = 20000) {
    await this.waitForLog(/^ready$/, timeoutMs);
    this.urls = this.lines.filter((l) => /^listening on /.test(l.message ?? '')).map((l) => l.message.slice('listening on '.length));
    this.url = this.urls[0];
    return this;
  }

  async stop(signal = 'SIGTERM', timeoutMs = 30000) {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const result = await this.exited;
    clearTimeout(timer);
    return result;
  }
}

export function spawnSiphon(args, { cwd, env } = {}) {
  const child = spawn(process.execPath, [SIPHON_BIN, ...args], {
    cwd: cwd ?? ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new SiphonProcess(child, cwd);
}

// Starts siphon with `args` and waits until it is ready (killed if it never is).
export async function startWithArgs(args, options = {}) {
  const proc = spawnSiphon(args, options);
  try {
    await proc.ready(options.readyTimeoutMs);
  } catch (err) {
    await proc.stop('SIGKILL');
    throw err;
  }
  return proc;
}

// Starts siphon on a project written by writeProject and waits until it is ready.
export function startSiphon(project, options = {}) {
  const dir = typeof project === 'string' ? project : writeProject(project);
  return startWithArgs(['-c', path.join(dir, 'siphon.yaml')], { cwd: dir, ...options });
}

// Runs siphon to completion (config errors, --check, --version).
export async function runSiphon(args, { cwd, env, timeoutMs = 30000 } = {}) {
  const proc = spawnSiphon(args, { cwd, env });
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), timeoutMs);
  const { code, signal } = await proc.exited;
  clearTimeout(timer);
  return { code, signal, stdout: proc.stdout, stderr: proc.logText(), lines: proc.lines };
}

// A running siphon shared by the tests of one file.
export function withSiphon(project, fn) {
  let proc;
  return {
    async before() {
      proc = await startSiphon(project);
      return proc;
    },
    async after() {
      if (proc) await proc.stop();
    },
    get proc() {
      return proc;
    },
  };
}
