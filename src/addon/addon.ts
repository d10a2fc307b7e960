// The C++ addon (native/, built as build/Release/siphon_addon.node), typed:
// what JavaScript may call (native/js_exports.cpp). Arguments are checked
// here so the C++ side can assume well-formed input. What the addon sends
// back arrives as host messages (host-messages.ts).
import * as path from 'node:path';

import type { HttpRequest, HttpResponse } from 'uWebSockets.js';

import type { DeliverFn, HostMessageArrays, HostMessageWire, InlineAnswer } from './host-messages';

export interface AddonStartOptions {
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

export interface WorkerStats {
  queued: number;
  inflight: number;
  completed: number;
  shed: number;
  syncThreads: number;
  syncMax: number;
  asyncLoops: number;
  lastProgressAgeS: number;
}

export interface AddonDescription {
  python: string;
  libpython: string;
  freeThreaded: boolean;
  started: boolean;
  pythonVersion?: string;
}

export type NativeHead = [
  string, string, string, string | undefined, string | undefined, string | undefined, string | undefined,
  number, number, number, number, number,
];

// An opaque handle on a request read natively, for submit's `headers`.
export interface KeptRequest {
  readonly __keptRequest: unique symbol;
}

export interface Addon {
  // Returns the arrays inline answers are written to (see submit).
  start(options: AddonStartOptions, deliver: DeliverFn): HostMessageArrays;
  loadScript(scriptPath: string): number;
  activate(loadId: number): void;
  retire(loadId: number): void;
  runHooks(kind: 'startup' | 'shutdown', loadId: number): number;
  // true: queued for a worker; false: the queue is full (answer 503); else
  // the handler ran inline on this thread and this is what it produced
  // (read it with the host-message reader before anything else runs).
  submit(
    id: number,
    route: number,
    method: string,
    path: string,
    query: string,
    headers: string[] | null | KeptRequest, // null / KeptRequest: read natively (readRequest)
    body: Buffer | ArrayBuffer | undefined,
    params: string[] | undefined,
    res: HttpResponse | undefined,
    client: string | undefined,
  ): boolean | InlineAnswer;
  peerAddress(res: HttpResponse): string | undefined;
  // Reading a uWS request natively (native/js_uws.h, src/server/uws-head.ts):
  // [method, path, query, host, content-length, transfer-encoding,
  // x-forwarded-for, fields, bytes, hosts, content-lengths,
  // transfer-encodings], the request staged for submit (headers: null).
  // False: read it through uWS instead.
  readRequest(req: HttpRequest): NativeHead | false;
  stagedHeaders(): string[];
  // The staged request, kept for a submit after the callback (a body to wait for).
  keepStaged(): KeptRequest | undefined;
  // The outcome of a HostCall message (native/host_calls.h).
  hostCallDone(callId: number, status: number, values: string[], body: Buffer): void;
  hostCallFailed(callId: number, kind: string, message: string): void;
  hostMessageWireLayout(): HostMessageWire[];
  stats(): WorkerStats;
  cancel(id: number): void;
  stop(): void;
  setKeepAlive(keep: boolean): void;
  describe(): AddonDescription;
}

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
export const PYTHON_PACKAGE_DIR = path.join(PROJECT_ROOT, 'python');

export function loadAddon(): Addon {
  const candidates = [
    path.join(PROJECT_ROOT, 'build', 'Release', 'siphon_addon.node'),
    path.join(PROJECT_ROOT, 'build', 'Debug', 'siphon_addon.node'),
  ];
  let lastError: unknown;
  for (const candidate of candidates) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return require(candidate) as Addon;
    } catch (err) {
      lastError = err;
      if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') break;
    }
  }
  const why = lastError instanceof Error ? lastError.message.split('\n')[0] : String(lastError);
  throw new Error(`cannot load siphon's native addon (${why}); build it with \`npm run build:native\``);
}
