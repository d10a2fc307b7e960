// HTTP clients for tests: a small request() over node:http(s), and raw
// byte-exact exchanges over a socket.
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as tls from 'node:tls';

export function request(url, { method = 'GET', headers = {}, body, agent, ca, cert, key, timeoutMs = 10000 } = {}) {
  const target = new URL(url);
  const lib = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(
      target,
      { method, headers, agent: agent ?? false, ca, cert, key, timeout: timeoutMs },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const buffer = Buffer.concat(chunks);
          resolve({ status: res.statusCode, headers: res.headers, rawHeaders: res.rawHeaders, body: buffer, text: buffer.toString('utf8') });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`request to ${url} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

export async function json(url, options) {
  const res = await request(url, options);
  return { ...res, json: res.text ? JSON.parse(res.text) : undefined };
}

// Sends `bytes` and collects everything until the server closes or `idleMs` of silence.
export function rawExchange(url, bytes, { idleMs = 500, tlsOptions } = {}) {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = tlsOptions
      ? tls.connect({ host: target.hostname, port: Number(target.port), ...tlsOptions })
      : net.connect({ host: target.hostname.replace(/^\[|\]$/g, ''), port: Number(target.port) });
    const chunks = [];
    let timer;
    const finish = (closed) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ data: Buffer.concat(chunks), text: Buffer.concat(chunks).toString('latin1'), closed });
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => finish(false), idleMs);
    };
    socket.on('connect', () => {
      socket.write(bytes);
      arm();
    });
    socket.on('secureConnect', arm);
    socket.on('data', (c) => {
      chunks.push(c);
      arm();
    });
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', (err) => {
      if (chunks.length > 0 || err.code === 'ECONNRESET') finish(true);
      else reject(err);
    });
  });
}

// Splits a raw HTTP/1.1 byte stream into responses (Content-Length framed only).
export function parseResponses(text) {
  const out = [];
  let rest = text;
  while (rest.length > 0) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) break;
    const head = rest.slice(0, end).split('\r\n');
    const [, status] = head[0].split(' ');
    const headers = {};
    for (const line of head.slice(1)) {
      const i = line.indexOf(':');
      const name = line.slice(0, i).toLowerCase();
      headers[name] = headers[name] !== undefined ? `${headers[name]}, ${line.slice(i + 1).trim()}` : line.slice(i + 1).trim();
    }
    const length = Number(headers['content-length'] ?? 0);
    out.push({ status: Number(status), headers, head: head, body: rest.slice(end + 4, end + 4 + length) });
    rest = rest.slice(end + 4 + length);
  }
  return out;
}
