// Loads uWebSockets.js's native binary directly. The package's own entry
// point quietly falls back to a slow pure-JS server when the binary does not
// load; siphon refuses to run that way.
import * as fs from 'node:fs';
import * as path from 'node:path';

import type * as UwsModule from 'uWebSockets.js';
import type { TemplatedApp, us_listen_socket } from 'uWebSockets.js';

// What the binary has beyond the shipped typings: the listen-options form.
export type Uws = typeof UwsModule & { LIBUS_LISTEN_EXCLUSIVE_PORT: number };

type ListenCallback = (socket: us_listen_socket | false) => void;
type ListenWithOptions = (host: string, port: number, options: number, cb: ListenCallback) => TemplatedApp;

// Listen without SO_REUSEPORT unless `shared`: a port another program holds
// must be an error, not silently split between the two.
export function listenOn(uws: Uws, app: TemplatedApp, host: string, port: number, shared: boolean, cb: ListenCallback): void {
  const options = shared ? 0 : uws.LIBUS_LISTEN_EXCLUSIVE_PORT;
  (app.listen as unknown as ListenWithOptions).call(app, host, port, options, cb);
}

export class UwsUnavailableError extends Error {}

export function uwsBinaryPath(packageDir: string): string {
  const name = `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;
  return path.join(packageDir, 'binaries', name);
}

export function loadUws(packageDir = path.dirname(require.resolve('uWebSockets.js/package.json'))): {
  uws: Uws;
  binary: string;
} {
  const binary = uwsBinaryPath(packageDir);
  if (!fs.existsSync(binary)) {
    throw new UwsUnavailableError(
      `uWebSockets.js has no native binary for this platform (${path.basename(binary)} missing in ` +
        `${path.dirname(binary)}); siphon will not run on its pure-JS fallback. ` +
        `Node ${process.version} on ${process.platform}-${process.arch} is required to match a shipped binary.`,
    );
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return { uws: require(binary) as Uws, binary };
  } catch (err) {
    throw new UwsUnavailableError(
      `cannot load uWebSockets.js native binary ${binary}: ${(err as Error).message.split('\n')[0]}; ` +
        'siphon will not run on its pure-JS fallback.',
    );
  }
}
