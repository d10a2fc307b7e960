// What serve.ts needs from a listener, whichever engine runs it.
import type { ServerConfig } from '../config';

export interface Listener {
  readonly config: ServerConfig;
  readonly engine: string;
  readonly url: string;
  listen(): Promise<void>;
  // Stop accepting new connections (the port closes at once).
  close(): void;
  // Close what is left (idle keep-alive connections) before exit.
  closeConnections(): void;
}
