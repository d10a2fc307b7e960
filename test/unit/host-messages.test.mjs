// The host-message contract: native/host_messages.h (kHostMessageWire) and its
// mirror src/addon/host-messages.ts must describe the same kinds and fields,
// and the reader must hand each field to the right handler.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';

const require = createRequire(import.meta.url);
const { HOST_MESSAGE_WIRE, hostMessageReader, wireLayoutDrift } = require('../../dist/addon/host-messages.js');
const { loadAddon } = require('../../dist/addon/addon.js');

describe('host messages', () => {
  it('the addon and the TypeScript mirror declare the same wire layout', () => {
    const native = loadAddon().hostMessageWireLayout();
    assert.deepEqual(wireLayoutDrift(native), []);
    assert.deepEqual(native.map((w) => w.name), HOST_MESSAGE_WIRE.map((w) => w.name));
  });

  it('reports a drift in a kind number or a field', () => {
    const moved = HOST_MESSAGE_WIRE.map((w) => (w.name === 'Log' ? { ...w, kind: 99 } : w));
    assert.match(wireLayoutDrift(moved).join('\n'), /native has Log=99/);
    const renamed = HOST_MESSAGE_WIRE.map((w) => (w.name === 'HostCall' ? { ...w, strings: 'args...' } : w));
    assert.match(wireLayoutDrift(renamed).join('\n'), /TypeScript has HostCall=4 .*strings:service,args\.\.\./);
  });

  it('decodes a batch into one handler call per message, fields in place', () => {
    const kind = Object.fromEntries(HOST_MESSAGE_WIRE.map((w) => [w.name, w.kind]));
    const seen = [];
    const record = (name) => (...args) => seen.push([name, ...args.map((a) => (Buffer.isBuffer(a) ? a.toString() : a))]);
    const deliver = hostMessageReader(
      {
        response: record('response'),
        handlerFailed: record('handlerFailed'),
        log: record('log'),
        controlDone: record('controlDone'),
        hostCall: record('hostCall'),
        clientDefine: record('clientDefine'),
        clientClose: record('clientClose'),
      },
      (err) => assert.fail(err),
    );
    const bodies = Buffer.from('hello!payload');
    // kind, id, number, string count, body offset, body length
    const wire = Int32Array.from([
      kind.Response, 7, 201, 2, 0, 6,
      kind.HandlerFailed, 8, 0, 0, 0, 0,
      kind.Log, 0, 30, 2, 0, 0,
      kind.ControlDone, 3, 1, 1, 0, 0,
      kind.HostCall, 9, 250, 3, 6, 7,
      kind.ClientDefine, 2, 0, 1, 0, 0,
      kind.ClientClose, 2, 0, 0, 0, 0,
    ]);
    const strings = ['location', '/x', 'siphon.test', 'careful', 'Traceback', 'client', 'api', 'GET', '{"base_url":null}'];
    deliver(7, wire, bodies, strings);
    assert.deepEqual(seen, [
      ['response', 7, 201, ['location', '/x'], 'hello!'],
      ['handlerFailed', 8],
      ['log', 30, 'siphon.test', 'careful'],
      ['controlDone', 3, true, 'Traceback'],
      ['hostCall', 9, 250, 'client', ['api', 'GET'], 'payload'],
      ['clientDefine', 2, '{"base_url":null}'],
      ['clientClose', 2],
    ]);
  });
});
