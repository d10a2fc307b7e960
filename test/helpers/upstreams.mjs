// Real upstream servers for http.Client tests, in the test process: plain
// HTTP, HTTPS with the test CA, HTTPS requiring a client certificate, and
// HTTP/2 (h2c and TLS). Each reports what it saw as JSON.
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as https from 'node:https';

function report(req, res, extra = {}) {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.stringify({
      method: req.method,
      url: req.url,
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
      httpVersion: req.httpVersion,
      clientCert: req.socket.getPeerCertificate?.()?.subject?.CN,
      ...extra,
    });
    res.writeHead(Number(req.headers['x-reply-status'] ?? 200), {
      'content-type': 'application/json',
      'X-Upstream': 'yes',
      'Set-Cookie': ['a=1', 'b=2'],
    });
    res.end(body);
  });
}

function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// Plain HTTP with extra behaviours: /hang never answers; /gather/N holds
// requests until N are open at once; connections are counted.
export async function plainUpstream() {
  const state = { connections: 0, waiting: [] };
  const server = http.createServer((req, res) => {
    if (req.url.startsWith('/hang')) return; // never answers
    const gather = /^\/gather\/(\d+)/.exec(req.url);
    if (gather) {
      state.waiting.push(res);
      if (state.waiting.length >= Number(gather[1])) {
        for (const waiting of state.waiting.splice(0)) waiting.end('released');
      }
      return;
    }
    report(req, res);
  });
  server.on('connection', () => state.connections++);
  await listen(server);
  return { server, state, url: `http://127.0.0.1:${server.address().port}`, close: () => closeAll(server) };
}

export async function tlsUpstream(pki, { requireClientCert = false } = {}) {
  const server = https.createServer(
    {
      key: pki.read('server.key'),
      cert: pki.read('server.crt'),
      ca: pki.read('ca.crt'),
      requestCert: requireClientCert,
      rejectUnauthorized: requireClientCert,
    },
    (req, res) => report(req, res),
  );
  await listen(server);
  return { server, url: `https://127.0.0.1:${server.address().port}`, close: () => closeAll(server) };
}

export async function h2Upstream(pki) {
  const handler = (req, res) => report(req, res, { alpn: req.socket.alpnProtocol ?? null });
  const server = pki
    ? http2.createSecureServer({ key: pki.read('server.key'), cert: pki.read('server.crt'), allowHTTP1: true }, handler)
    : http2.createServer(handler);
  await listen(server);
  const scheme = pki ? 'https' : 'http';
  return { server, url: `${scheme}://127.0.0.1:${server.address().port}`, close: () => closeAll(server) };
}

function closeAll(server) {
  server.closeAllConnections?.();
  return new Promise((resolve) => server.close(() => resolve()));
}
