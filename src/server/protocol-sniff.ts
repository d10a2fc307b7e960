// h2c and HTTP/1.1 on one cleartext port (the node engine's `http2: true`
// listeners without TLS): the first bytes decide.
import type * as http from 'node:http';
import type * as http2 from 'node:http2';
import type * as net from 'node:net';

const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

// One cleartext port, two protocols: a connection that opens with the HTTP/2
// preface goes to the h2c server, anything else to the HTTP/1.1 server. A
// connection that sends nothing decisive within `timeoutMs` is closed.
export function sniff(socket: net.Socket, h1: http.Server, h2: http2.Http2Server, timeoutMs: number): void {
  let seen = Buffer.alloc(0);
  const onTimeout = () => socket.destroy();
  socket.setTimeout(timeoutMs, onTimeout);
  const onData = (chunk: Buffer) => {
    seen = Buffer.concat([seen, chunk]);
    const n = Math.min(seen.length, H2_PREFACE.length);
    const isPrefix = seen.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
    if (isPrefix && seen.length < H2_PREFACE.length) return; // need more bytes to decide
    socket.removeListener('data', onData);
    socket.removeListener('timeout', onTimeout);
    socket.setTimeout(0);
    socket.pause();
    socket.unshift(seen);
    if (isPrefix) {
      // Http2Session reads the unshifted bytes itself; resuming would hand them to nobody.
      h2.emit('connection', socket);
    } else {
      h1.emit('connection', socket);
      socket.resume();
    }
  };
  socket.on('data', onData);
  socket.on('error', () => socket.destroy());
}
