// Expect: 100-continue with a body over max_body_bytes (docs/security.md
// "Body size"): the node engine answers 413 instead of 100; uWebSockets.js
// writes 100 Continue itself before any handler runs, so there the 413 must
// follow at once and close the connection before the client sends a body.
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { after, before, describe, it } from 'node:test';

import { startSiphon } from './helpers/siphon.mjs';

// Sends a request head only, then collects everything until the server closes.
function headOnly(url, head) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => socket.write(head));
    let data = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk) => (data += chunk));
    socket.on('close', () => resolve(data));
    socket.on('error', reject);
    socket.setTimeout(10000, () => reject(new Error(`no close within 10 s; got ${JSON.stringify(data)}`)));
  });
}

const HEAD = 'POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\nExpect: 100-continue\r\n\r\n';

for (const engine of ['node', 'uws']) {
  describe(`Expect: 100-continue over max_body_bytes (${engine} engine)`, () => {
    let siphon;
    before(async () => {
      siphon = await startSiphon({
        script: 'from siphon import http\n@http.route("/upload", methods=["POST"])\ndef upload(req):\n    return http.Response(200)\n',
        http: `servers:\n  - listen: "127.0.0.1:0"\n    max_body_bytes: 1024\n${engine === 'node' ? '    http2: true\n' : ''}`,
      });
    });
    after(() => siphon?.stop());

    it(engine === 'node' ? 'answers 413 and never 100' : 'follows uWS\'s 100 with 413 and closes, without waiting for the body', async () => {
      const answer = await headOnly(siphon.url, HEAD);
      const statuses = [...answer.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));
      assert.deepEqual(statuses, engine === 'node' ? [413] : [100, 413]);
    });
  });
}
