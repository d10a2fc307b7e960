// What the addon sends to the JS thread, one shape per kind: the mirror of
// native/host_messages.h. A batch arrives as flat arrays (native/host_bridge.cpp);
// hostMessageReader turns each wire slot back into a call of the handler for
// its kind. HOST_MESSAGE_WIRE must equal the C++ kHostMessageWire: the
// runtime refuses to start when they differ, and test/unit checks it in CI.

export const enum HostMessageKind {
  Response = 0,
  HandlerFailed = 1,
  Log = 2,
  ControlDone = 3,
  HostCall = 4,
  ClientDefine = 5,
  ClientClose = 6,
}

// What each of a slot's six int32s and its strings and body carry, per kind
// ("" = unused; "x..." = the rest of the strings).
export interface HostMessageWire {
  name: string;
  kind: number;
  id: string;
  number: string;
  strings: string;
  body: string;
}

export const HOST_MESSAGE_WIRE: readonly HostMessageWire[] = [
  { name: 'Response', kind: HostMessageKind.Response, id: 'requestId', number: 'status', strings: 'headers...', body: 'body' },
  { name: 'HandlerFailed', kind: HostMessageKind.HandlerFailed, id: 'requestId', number: '', strings: '', body: '' },
  { name: 'Log', kind: HostMessageKind.Log, id: '', number: 'level', strings: 'target,text', body: '' },
  { name: 'ControlDone', kind: HostMessageKind.ControlDone, id: 'controlId', number: 'failed', strings: 'payload', body: '' },
  { name: 'HostCall', kind: HostMessageKind.HostCall, id: 'callId', number: 'timeoutMs', strings: 'service,args...', body: 'body' },
  { name: 'ClientDefine', kind: HostMessageKind.ClientDefine, id: 'clientId', number: '', strings: 'settingsJson', body: '' },
  { name: 'ClientClose', kind: HostMessageKind.ClientClose, id: 'clientId', number: '', strings: '', body: '' },
];

// One handler per kind. `body` is a view into memory the next batch reuses:
// copy it to keep it past the call.
export interface HostMessageHandlers {
  response(requestId: number, status: number, headers: string[] | undefined, body: Buffer): void;
  handlerFailed(requestId: number): void;
  log(level: number, target: string, text: string): void;
  controlDone(controlId: number, failed: boolean, payload: string): void;
  hostCall(callId: number, timeoutMs: number, service: string, args: string[], body: Buffer): void;
  clientDefine(clientId: number, settingsJson: string): void;
  clientClose(clientId: number): void;
}

// A batch of `count` messages: `wire` holds six int32s per message -- kind,
// id, number, string count, body offset, body length; `bodies` every body
// back to back; `strings` every message's strings in order.
export type DeliverFn = (count: number, wire: Int32Array, bodies: Buffer, strings: string[] | undefined) => void;

// The arrays a batch is written to; a batch that outgrows them arrives with new ones.
export interface HostMessageArrays {
  wire: Int32Array;
  bodies: Buffer;
}

// A batch the addon returns from submit instead of delivering it: written
// to the current arrays, its count alone, or its strings with the count
// appended (native/host_bridge.cpp AnswerInline).
export type InlineAnswer = number | Array<string | number>;

// Reads both: batches delivered by the addon, and inline answers.
export interface HostMessageInput {
  deliver: DeliverFn;
  readInline(answer: InlineAnswer): void;
}

export function hostMessageInput(arrays: () => HostMessageArrays, read: DeliverFn): HostMessageInput {
  let current: HostMessageArrays | undefined;
  return {
    deliver: (count, wire, bodies, strings) => {
      current = { wire, bodies };
      read(count, wire, bodies, strings);
    },
    readInline: (answer) => {
      current ??= arrays();
      if (typeof answer === 'number') {
        read(answer, current.wire, current.bodies, undefined);
      } else {
        const count = answer.pop() as number;
        read(count, current.wire, current.bodies, answer as string[]);
      }
    },
  };
}

const WIRE_INTS = 6;
const EMPTY: Buffer = Buffer.alloc(0);
const NO_STRINGS: string[] = [];

export function hostMessageReader(handlers: HostMessageHandlers, onError: (err: unknown) => void): DeliverFn {
  return (count, wire, bodies, strings) => {
    let s = 0;
    for (let i = 0; i < count * WIRE_INTS; i += WIRE_INTS) {
      const kind = wire[i] as HostMessageKind;
      const id = wire[i + 1];
      const number = wire[i + 2];
      const stringCount = wire[i + 3];
      const bodyLength = wire[i + 5];
      const own = stringCount > 0 && strings ? strings.slice(s, s + stringCount) : NO_STRINGS;
      s += stringCount;
      const body = bodyLength > 0 ? bodies.subarray(wire[i + 4], wire[i + 4] + bodyLength) : EMPTY;
      // One bad message must not lose the rest of the batch.
      try {
        switch (kind) {
          case HostMessageKind.Response:
            handlers.response(id, number, stringCount > 0 ? own : undefined, body);
            break;
          case HostMessageKind.HandlerFailed:
            handlers.handlerFailed(id);
            break;
          case HostMessageKind.Log:
            handlers.log(number, own[0] ?? 'script', own[1] ?? '');
            break;
          case HostMessageKind.ControlDone:
            handlers.controlDone(id, number !== 0, own[0] ?? '');
            break;
          case HostMessageKind.HostCall:
            handlers.hostCall(id, number, own[0] ?? '', own.slice(1), body);
            break;
          case HostMessageKind.ClientDefine:
            handlers.clientDefine(id, own[0] ?? '{}');
            break;
          case HostMessageKind.ClientClose:
            handlers.clientClose(id);
            break;
          default:
            throw new Error(`unknown host message kind ${String(kind)}`);
        }
      } catch (err) {
        onError(err);
      }
    }
  };
}

// Where the addon's layout and this mirror disagree (empty when they agree).
export function wireLayoutDrift(native: readonly HostMessageWire[]): string[] {
  const describe = (w: HostMessageWire) => `${w.name}=${w.kind} id:${w.id} number:${w.number} strings:${w.strings} body:${w.body}`;
  const ours = HOST_MESSAGE_WIRE.map(describe);
  const theirs = native.map(describe);
  return [
    ...theirs.filter((line) => !ours.includes(line)).map((line) => `native has ${line}`),
    ...ours.filter((line) => !theirs.includes(line)).map((line) => `TypeScript has ${line}`),
  ];
}
