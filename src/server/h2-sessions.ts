// Protections for HTTP/2 connections on the node engine that node:http2 does
// not apply by itself: idle connections and stalled streams are closed, and
// the client's protocol errors are not blamed on the server.
import * as http2 from 'node:http2';

// An HTTP/2 connection with no open stream and no frames for this long is
// closed (GOAWAY), as uWS closes idle HTTP/1.1 connections. This also ends
// connections node:http2 leaves open after sending a GOAWAY for a protocol error.
export const H2_IDLE_TIMEOUT_MS = 10_000;
// Streams one HTTP/2 connection may have open at once (nginx: 128).
export const H2_MAX_CONCURRENT_STREAMS = 100;

// HTTP/2 connections: closed after H2_IDLE_TIMEOUT_MS without frames while no
// stream is open. A stream whose request stops arriving for as long is
// cancelled, as uWS drops a stalled upload.
export function watchSession(session: http2.ServerHttp2Session): void {
  blameClientFaults(session);
  let open = 0;
  session.on('stream', (stream: http2.ServerHttp2Stream) => {
    open++;
    stream.once('close', () => open--);
    stream.setTimeout(H2_IDLE_TIMEOUT_MS, () => {
      if (!stream.readableEnded) stream.close(http2.constants.NGHTTP2_CANCEL);
    });
  });
  // The timer restarts with every frame; it fires once per quiet spell.
  session.setTimeout(H2_IDLE_TIMEOUT_MS);
  session.on('timeout', () => {
    if (session.destroyed) return;
    if (open === 0) {
      session.close();
      return;
    }
    // Streams are open, waiting for handlers or for a peer that is gone. Once
    // node:http2 has sent a GOAWAY for a protocol error it stops reading and
    // sends nothing more, so those streams never close: a connection that
    // cannot answer a PING within the same time is dropped.
    const gone = setTimeout(() => session.destroy(), H2_IDLE_TIMEOUT_MS).unref();
    session.ping((err) => {
      if (err) return;
      clearTimeout(gone);
      session.setTimeout(H2_IDLE_TIMEOUT_MS);
    });
  });
}

// Connection errors nghttp2 reports to node:http2 instead of answering them
// itself, which node:http2 then answers with GOAWAY INTERNAL_ERROR -- telling
// the client the server failed. The code the client's fault calls for instead.
const CLIENT_FAULTS = new Map<number | string | undefined, number>([
  [-505, http2.constants.NGHTTP2_PROTOCOL_ERROR], // NGHTTP2_ERR_PROTO: a frame where none may be
  [-524, http2.constants.NGHTTP2_FLOW_CONTROL_ERROR], // NGHTTP2_ERR_FLOW_CONTROL: a window past 2^31-1
  [-905, http2.constants.NGHTTP2_ENHANCE_YOUR_CALM], // NGHTTP2_ERR_TOO_MANY_CONTINUATIONS
  ['ERR_HTTP2_TOO_MANY_INVALID_FRAMES', http2.constants.NGHTTP2_ENHANCE_YOUR_CALM],
]);

function blameClientFaults(session: http2.ServerHttp2Session): void {
  const destroy = session.destroy.bind(session);
  session.destroy = (error?: Error, code?: number) => {
    const fault = error as NodeJS.ErrnoException | undefined;
    destroy(error, code ?? CLIENT_FAULTS.get(fault?.errno) ?? CLIENT_FAULTS.get(fault?.code));
  };
}
