// The C++ addon (native/), typed. Arguments are checked here so the C++ side
// can assume well-formed input.
import * as path from 'node:path';

import type { HttpResponse } from 'uWebSockets.js';

export const enum CompletionKind {
  Response = 0,
  Log = 1,
  Control = 2,
  ClientCall = 3,
  ClientDefine = 4,
  ClientClose = 5,
}

// A batch of `count` completions (native/completion_bridge.h): `meta` holds
// six ints per completion -- kind, id, status, string count, body offset, body
// length (offset -1: the body is text, the last of its strings); `bodies`
// every binary body back to back; `strings` headers and text bodies in order.
// `meta` and `bodies` are reused for the next batch: copy what outlives the call.
export type DeliverFn = (count: number, meta: Int32Array, bodies: Buffer, strings: string[] | undefined) => void;

export interface NativeStartOptions {
  packageDir: string;
  venv?: string;
  logLevel: number;
  syncPoolSize: number;
  syncPoolMax: number;
  asyncPoolSize: number;
  queueCapacity: number;
  uwsBinary: string;
  clientConfig: string; // JSON for Python (runtime.ts pythonSettings): clients, listen_addrs, include_paths
}

export interface NativeStats {
  queued: number;
  inflight: number;
  completed: number;
  shed: number;
  syncThreads: number;
  syncMax: number;
  asyncLoops: number;
  lastProgressAgeS: number;
}

export interface NativeDescription {
  python: string;
  libpython: string;
  freeThreaded: boolean;
  started: boolean;
  pythonVersion?: string;
}

export interface NativeAddon {
  start(options: NativeStartOptions, deliver: DeliverFn): void;
  loadScript(scriptPath: string): number;
  activate(loadId: number): void;
  retire(loadId: number): void;
  runHooks(kind: 'startup' | 'shutdown', loadId: number): number;
  submit(
    id: number,
    route: number,
    method: string,
    path: string,
    query: string,
    headers: string[],
    body: Buffer | ArrayBuffer | undefined,
    params: string[] | undefined,
    res: HttpResponse | undefined,
    client: string | undefined,
  ): boolean;
  peerAddress(res: HttpResponse): string | undefined;
  clientDone(callId: number, status: number, headers: string[], body: Buffer): void;
  clientFailed(callId: number, kind: string, message: string): void;
  stats(): NativeStats;
  cancel(id: number): void;
  stop(): void;
  setKeepAlive(keep: boolean): void;
  describe(): NativeDescription;
}

export const PROJECT_ROOT = path.resolve(__dirname, '..');
export const PYTHON_PACKAGE_DIR = path.join(PROJECT_ROOT, 'python');

export function loadNative(): NativeAddon {
  const candidates = [
    path.join(PROJECT_ROOT, 'build', 'Release', 'siphon_native.node'),
    path.join(PROJECT_ROOT, 'build', 'Debug', 'siphon_native.node'),
  ];
  let lastError: unknown;
  for (const candidate of candidates) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return require(candidate) as NativeAddon;
    } catch (err) {
      lastError = err;
      if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') break;
    }
  }
  const why = lastError instanceof Error ? lastError.message.split('\n')[0] : String(lastError);
  throw new Error(`cannot load siphon's native addon (${why}); build it with \`npm run build:native\``);
}
