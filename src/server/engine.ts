// Which engine serves a listener: uWebSockets.js serves HTTP/1.1 fastest;
// HTTP/2 and required client certificates need Node's own stacks
// (node-listener.ts says why). The supervisor asks too, because node-engine
// listeners share one socket the parent opens.
import type { ServerConfig } from '../config';

export type Engine = 'uws' | 'node';

export function engineFor(server: ServerConfig): Engine {
  return server.http2 || server.tls?.clientCa !== undefined ? 'node' : 'uws';
}
