// The pure uWebSockets.js peer: the same routes answered in JavaScript, on
// the same native binary siphon loads (via the built dist/uws.js). This is
// the ceiling of siphon's wire path. There is no /cpu route: see run.mjs.
// Usage: node uws_server.mjs PORT — prints "ready" once listening.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { loadUws } = require('../../dist/uws.js');
const { uws } = loadUws();

const port = Number(process.argv[2]);
const HELLO = Buffer.from('ok');

// Python's json.dumps separators, so the bytes match the Python servers.
const jsonBody = (id, q) => `{"id": ${JSON.stringify(id)}, "q": ${JSON.stringify(q)}}`;
const decodeQuery = (value) => decodeURIComponent(value.replace(/\+/g, ' '));

uws
  .App()
  .get('/hello', (res) => {
    res.end(HELLO);
  })
  .get('/hello-def', (res) => {
    res.end(HELLO);
  })
  .get('/json/:id', (res, req) => {
    const body = jsonBody(decodeURIComponent(req.getParameter(0)), decodeQuery(req.getQuery('q') ?? ''));
    res.writeHeader('content-type', 'application/json').end(body);
  })
  .post('/echo', (res) => {
    let aborted = false;
    const chunks = [];
    res.onAborted(() => {
      aborted = true;
    });
    res.onData((chunk, isLast) => {
      // uWS reuses the ArrayBuffer after this callback returns: copy it.
      chunks.push(Buffer.from(chunk.slice(0)));
      if (isLast && !aborted) res.cork(() => res.end(Buffer.concat(chunks)));
    });
  })
  .any('/*', (res) => {
    res.writeStatus('404 Not Found').end('not found');
  })
  .listen('127.0.0.1', port, (socket) => {
    if (!socket) {
      console.error(`uws peer: cannot listen on 127.0.0.1:${port}`);
      process.exit(1);
    }
    console.log('ready');
  });
