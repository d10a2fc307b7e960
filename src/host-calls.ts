// Services on the JS thread that Python calls (native/host_calls.h): each
// HostCall message names one, and its outcome goes back through the addon.
// "client" is http.Client (src/client/outbound.ts).
import type { Addon } from './addon/addon';

export interface HostCallReply {
  done(status: number, values: string[], body: Buffer): void;
  failed(kind: string, message: string): void;
}

export interface HostService {
  // `args` and `body` are the service's own; `body` must be copied to be kept.
  call(args: string[], body: Buffer, timeoutMs: number, reply: HostCallReply): void;
}

export class HostCalls {
  private readonly services = new Map<string, HostService>();

  constructor(private readonly addon: Addon) {}

  register(name: string, service: HostService): void {
    this.services.set(name, service);
  }

  call(callId: number, timeoutMs: number, name: string, args: string[], body: Buffer): void {
    const reply: HostCallReply = {
      done: (status, values, answer) => this.addon.hostCallDone(callId, status, values, answer),
      failed: (kind, message) => this.addon.hostCallFailed(callId, kind, message),
    };
    const service = this.services.get(name);
    if (!service) {
      reply.failed('error', `no host service ${JSON.stringify(name)}`);
      return;
    }
    service.call(args, body, timeoutMs, reply);
  }
}
