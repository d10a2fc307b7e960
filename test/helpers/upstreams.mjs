// Real upstream servers for http.Client tests, in the test process: plain
// HTTP, HTTPS with the test CA, HTTPS requiring a client certificate, and
// HTTP/2 (h2c and TLS). Each reports what it saw as JSON.
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import * as net from 'node:net';

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

// A loopback port nothing listens on (it was free a moment ago).
export async function closedPort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function closeAll(server) {
  server.closeAllConnections?.();
  return new Promise((resolve) => server.close(() => resolve()));
}

// An upstream for redirect and pool tests, counting the sockets open right now:
//   /hops/N            302 to /hops/N-1 ... /hops/0 reports
//   /redirect?status=S&to=URL   answers S with Location: URL (after reading the body)
//   /slow/MS           reports after MS milliseconds
//   anything else      reports
export async function redirectUpstream() {
  const state = { open: 0, connections: 0 };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://upstream');
    const hops = /^\/hops\/(\d+)$/.exec(url.pathname);
    if (hops && Number(hops[1]) > 0) {
      req.resume();
      req.on('end', () => res.writeHead(302, { location: `/hops/${Number(hops[1]) - 1}` }).end());
      return;
    }
    if (url.pathname === '/redirect') {
      req.resume();
      req.on('end', () => res.writeHead(Number(url.searchParams.get('status')), { location: url.searchParams.get('to') }).end());
      return;
    }
    const slow = /^\/slow\/(\d+)$/.exec(url.pathname);
    if (slow) {
      setTimeout(() => report(req, res), Number(slow[1]));
      return;
    }
    report(req, res);
  });
  server.on('connection', (socket) => {
    state.connections++;
    state.open++;
    socket.on('close', () => state.open--);
  });
  await listen(server);
  return { server, state, url: `http://127.0.0.1:${server.address().port}`, close: () => closeAll(server) };
}
