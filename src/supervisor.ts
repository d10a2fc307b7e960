// `script.processes: N`: N siphon processes serve the same listeners. The
// parent starts no Python; it checks the ports are free, starts the
// children, restarts one that crashes, forwards signals and exits when they
// have. uWS listeners share their port with SO_REUSEPORT (the kernel spreads
// connections); node:http2/https listeners share one socket the parent opens
// and hands to every child.
import { ChildProcess, fork } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';

import type { ServerConfig, SiphonConfig } from './config';
import { ExitCode, SiphonExit } from './exit';
import type { Logger } from './log';
import { engineFor } from './server/engine';

export const CHILD_ENV = 'SIPHON_PROCESS_INDEX';
export const PORTS_ENV = 'SIPHON_LISTEN_PORTS';

// Restarting faster than this after a crash would spin on a broken deployment.
const MIN_UPTIME_MS = 5000;
const RESTART_DELAY_MS = 1000;

// Binds exclusively: fails when another program holds the address.
function openExclusive(server: ServerConfig): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const socket = net.createServer();
    socket.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? 'the address is already in use by another program' : err.message;
      reject(new SiphonExit(ExitCode.Runtime, `cannot listen on ${server.listen}: ${why}`));
    });
    socket.listen({ host: server.host, port: server.port, exclusive: true }, () => resolve(socket));
  });
}

interface Child {
  index: number;
  process: ChildProcess | undefined;
  startedAt: number;
  ready: boolean;
}

export class Supervisor {
  private readonly children: Child[] = [];
  private readonly shared = new Map<number, net.Server>(); // server index -> socket for node engines
  private ports: number[] = [];
  private stopping = false;
  private exitCode: number = ExitCode.Ok;

  constructor(
    private readonly config: SiphonConfig,
    private readonly configPath: string,
    private readonly log: Logger,
  ) {}

  async run(): Promise<void> {
    const { config, log } = this;
    for (const server of config.servers) {
      const socket = await openExclusive(server);
      const port = (socket.address() as net.AddressInfo).port;
      this.ports[server.index] = port;
      if (engineFor(server) === 'node') {
        this.shared.set(server.index, socket);
      } else {
        // A probe only: the children bind with SO_REUSEPORT themselves.
        await new Promise<void>((resolve) => socket.close(() => resolve()));
      }
    }
    for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => this.forward(signal));
    log.info('siphon', `starting ${config.script.processes} processes`);
    for (let index = 0; index < config.script.processes; index++) {
      this.children.push({ index, process: undefined, startedAt: 0, ready: false });
    }
    await Promise.all(this.children.map((child) => this.spawn(child)));
    log.info('siphon', `ready: ${config.script.processes} processes serving`);
  }

  private spawn(child: Child): Promise<void> {
    const cli = path.join(__dirname, 'cli.js');
    const proc = fork(cli, ['-c', this.configPath], {
      env: { ...process.env, [CHILD_ENV]: String(child.index), [PORTS_ENV]: JSON.stringify(this.ports) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      // Out of the terminal's process group: a Ctrl-C reaches the supervisor
      // only, which forwards it once. In the group, each child saw it twice
      // (from the terminal and forwarded), took the second for "exit now"
      // and dropped its in-flight requests. Orphans still exit: they watch
      // the IPC channel (serve.ts).
      detached: true,
    });
    child.process = proc;
    child.startedAt = Date.now();
    child.ready = false;
    for (const [server, socket] of this.shared) proc.send({ type: 'listen-handle', server }, socket);
    return new Promise((resolve, reject) => {
      proc.on('message', (message: { type?: string }) => {
        if (message?.type !== 'ready') return;
        child.ready = true;
        resolve();
      });
      proc.on('exit', (code, signal) => {
        const wasReady = child.ready;
        child.process = undefined;
        if (!wasReady && !this.stopping) {
          // A child that cannot start will not start on a retry either.
          this.log.error('siphon', `process ${child.index} failed to start (exit ${code ?? signal}); stopping`);
          this.exitCode = code ?? ExitCode.Runtime;
          this.forward('SIGTERM');
          reject(new SiphonExit(code === ExitCode.Usage ? ExitCode.Usage : ExitCode.Runtime, 'a worker process failed to start'));
          return;
        }
        this.onExit(child, code, signal);
      });
    });
  }

  private onExit(child: Child, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.stopping) {
      if (code !== 0) this.exitCode = Math.max(this.exitCode, code ?? ExitCode.Runtime);
      if (this.children.every((c) => c.process === undefined)) {
        this.log.info('siphon', 'all processes stopped');
        process.exit(this.exitCode);
      }
      return;
    }
    const uptime = Date.now() - child.startedAt;
    const delay = uptime < MIN_UPTIME_MS ? RESTART_DELAY_MS : 0;
    this.log.error('siphon', `process ${child.index} exited unexpectedly (${signal ?? `exit ${code}`}); restarting it${delay ? ` in ${delay} ms` : ''}`);
    setTimeout(() => {
      if (!this.stopping) this.spawn(child).catch(() => undefined);
    }, delay);
  }

  private forward(signal: NodeJS.Signals): void {
    if (signal !== 'SIGHUP') this.stopping = true;
    for (const child of this.children) child.process?.kill(signal);
    if (signal !== 'SIGHUP' && this.children.every((c) => c.process === undefined)) process.exit(this.exitCode);
  }
}

// In a child: the ports the parent resolved (port 0 becomes one shared port),
// and the shared sockets for node-engine listeners.
export function childPorts(): number[] | undefined {
  const raw = process.env[PORTS_ENV];
  return raw ? (JSON.parse(raw) as number[]) : undefined;
}

const handles = new Map<number, Promise<net.Server>>();
const arrived = new Map<number, (socket: net.Server) => void>();
if (process.env[CHILD_ENV] !== undefined) {
  process.on('message', (message: { type?: string; server?: number }, socket?: unknown) => {
    if (message?.type !== 'listen-handle' || message.server === undefined || !socket) return;
    const server = message.server;
    const resolve = arrived.get(server);
    if (resolve) resolve(socket as net.Server);
    else handles.set(server, Promise.resolve(socket as net.Server));
  });
}

// The shared listening socket for server `index`, when this process is a
// supervised child; undefined otherwise.
export function sharedHandle(index: number): Promise<net.Server> | undefined {
  if (process.env[CHILD_ENV] === undefined) return undefined;
  let handle = handles.get(index);
  if (!handle) {
    handle = new Promise((resolve) => arrived.set(index, resolve));
    handles.set(index, handle);
  }
  return handle;
}

export function isSupervisedChild(): boolean {
  return process.env[CHILD_ENV] !== undefined;
}

export function tellParentReady(): void {
  process.send?.({ type: 'ready' });
}
