// What serve.ts needs from a listener, whichever engine runs it.
import type { ServerConfig } from '../config';

export interface Listener {
  readonly config: ServerConfig;
  readonly engine: string;
  readonly url: string;
  listen(): Promise<void>;
  close(): void;
}
