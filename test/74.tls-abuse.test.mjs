// Hostile input, part 5: TLS (issue 8). Three HTTPS listeners -- uWebSockets.js,
// node:http2 (h2 + HTTP/1.1 by ALPN) and node:https with client_ca (mutual
// TLS) -- get plaintext, garbage, truncated and stalled handshakes, old
// protocol versions and weak ciphers (openssl s_client and Debian's sslscan),
// renegotiation attempts, and every kind of bad client certificate. None of it
// reaches a handler; each connection ends within the 10 s handshake limit;
// ordinary clients are served all along.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { after, before, describe, it } from 'node:test';

import { run, sClient } from './helpers/cli.mjs';
import { HOSTILE_SCRIPT, assertHealthy, assertNoInternalErrors, assertNothingStuck, exchange, hits, lines, sleep } from './helpers/hostile.mjs';
import { startSiphon } from './helpers/siphon.mjs';
import { issue, makePki } from './helpers/tls.mjs';

const STALL_LIMIT_MS = 15000;

// A certificate that becomes valid only in 2099 (the helpers make expired ones).
function issueNotYetValid(dir, name) {
  const run = (args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
  fs.writeFileSync(path.join(dir, `${name}.ext`), 'extendedKeyUsage=clientAuth\n');
  fs.writeFileSync(path.join(dir, 'future-index.txt'), '');
  fs.writeFileSync(path.join(dir, 'future-serial'), '2000\n');
  fs.writeFileSync(path.join(dir, 'future.cnf'), '[ca]\ndefault_ca=d\n[d]\ndatabase=future-index.txt\nserial=future-serial\nnew_certs_dir=.\ndefault_md=sha256\npolicy=p\ncopy_extensions=copy\n[p]\ncommonName=supplied\n');
  run(['ca', '-batch', '-config', 'future.cnf', '-cert', 'ca.crt', '-keyfile', 'ca.key', '-in', `${name}.csr`, '-out', `${name}.crt`, '-startdate', '20990101000000Z', '-enddate', '20990102000000Z', '-extfile', `${name}.ext`, '-notext']);
}

// A real ClientHello, as Node's TLS client writes it, captured from a plain socket.
async function captureClientHello() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const hello = new Promise((resolve) => server.once('connection', (socket) => socket.once('data', (data) => {
    resolve(data);
    socket.destroy();
  })));
  const client = tls.connect({ port: server.address().port, host: '127.0.0.1', servername: 'localhost', rejectUnauthorized: false });
  client.on('error', () => undefined);
  const data = await hello;
  client.destroy();
  server.close();
  return data;
}

// Sends raw bytes; resolves when the server closes (or after `limitMs`).
function rawTls(url, bytes, { limitMs = STALL_LIMIT_MS + 3000 } = {}) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname);
    const started = Date.now();
    const chunks = [];
    const timer = setTimeout(() => finish(false), limitMs);
    function finish(closed) {
      clearTimeout(timer);
      socket.destroy();
      const data = Buffer.concat(chunks);
      resolve({ closed, closedMs: Date.now() - started, data, http: /HTTP\/1\.[01] \d{3}/.test(data.toString('latin1')) });
    }
    socket.on('connect', () => socket.write(bytes));
    socket.on('data', (c) => chunks.push(c));
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
  });
}

// An HTTPS GET over node:tls with the given client options; resolves with the status or the error.
function httpsGet(url, tlsOptions, reqPath = '/count/tls') {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = tls.connect({ host: hostname, port: Number(port), servername: 'localhost', ...tlsOptions });
    let data = '';
    const timer = setTimeout(() => finish('timeout'), 10000);
    function finish(outcome) {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    }
    socket.on('secureConnect', () => socket.write(`GET ${reqPath} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`));
    socket.on('data', (c) => {
      data += c;
      const m = /^HTTP\/1\.1 (\d{3})/.exec(data);
      if (m) finish(Number(m[1]));
    });
    socket.on('error', (err) => finish(`error: ${err.code ?? err.message}`));
    socket.on('close', () => finish(data ? `closed after ${JSON.stringify(data.slice(0, 40))}` : 'closed'));
  });
}

describe('TLS abuse', () => {
  let siphon, pki, foreign, ca, listeners, hello;

  before(async () => {
    pki = makePki({ extras: [
      { name: 'expired', cn: 'expired-client', expired: true },
      { name: 'selfsigned', cn: 'self', selfSigned: true },
      { name: 'serveronly', cn: 'server-usage', usage: 'serverAuth' },
    ] });
    issueNotYetValid(pki.dir, 'future');
    foreign = makePki({ cn: 'foreign CA' });
    ca = pki.read('ca.crt');
    const tlsBlock = (extra = []) => ['    tls:', `      cert_path: ${pki.path('server.crt')}`, `      key_path: ${pki.path('server.key')}`, ...extra];
    siphon = await startSiphon({
      script: HOSTILE_SCRIPT,
      http: lines(
        'servers:',
        '  - listen: "127.0.0.1:0"', ...tlsBlock(),
        '  - listen: "127.0.0.1:0"', '    http2: true', ...tlsBlock(),
        '  - listen: "127.0.0.1:0"', ...tlsBlock([`      client_ca: ${pki.path('ca.crt')}`]),
        'metrics:', '  path: /metrics', '  listen: "127.0.0.1:0"',
      ),
    });
    listeners = [
      ['uWebSockets.js', siphon.urls[0], {}],
      ['node:http2 (ALPN)', siphon.urls[1], {}],
      ['node:https with client_ca', siphon.urls[2], { cert: pki.read('client.crt'), key: pki.read('client.key') }],
    ];
    hello = await captureClientHello();
  });
  after(() => siphon?.stop());

  const seen = async () => hits(siphon.urls[0], { ca });
  const healthy = (url, identity) => assertHealthy(siphon, url, { ca, ...identity });

  it('serves ordinary HTTPS clients on every listener', async () => {
    for (const [, url, identity] of listeners) assert.equal(await httpsGet(url, { ca, ...identity }), 200);
  });

  describe('broken handshakes', () => {
    const cases = [
      ['plaintext HTTP to a TLS port', () => Buffer.from('GET /count/plain HTTP/1.1\r\nHost: x\r\n\r\n')],
      ['4 KiB of random bytes', () => crypto.randomBytes(4096)],
      ['a TLS record header claiming 16 MiB', () => Buffer.from([0x16, 0x03, 0x01, 0xff, 0xff, 0x01, 0xff, 0xff, 0xff])],
      ['an SSLv2-style ClientHello', () => Buffer.from('802e0100020015000000100100800200800300800400800500800600400700c0', 'hex')],
      ['a ClientHello cut in half', () => hello.subarray(0, hello.length >> 1)],
      ['a ClientHello with a corrupted length', () => Buffer.concat([hello.subarray(0, 5), Buffer.from([0x01, 0xff, 0xff, 0xff]), hello.subarray(9)])],
      ['a whole ClientHello, then silence (the handshake never finishes)', () => hello],
    ];
    const results = new Map();
    before(async () => {
      await Promise.all(listeners.flatMap(([name, url]) => cases.map(async ([what, bytes]) => results.set(`${name} ${what}`, await rawTls(url, bytes())))));
    });
    for (const name of ['uWebSockets.js', 'node:http2 (ALPN)', 'node:https with client_ca']) {
      for (const [what] of cases) {
        it(`${name}: ${what}: closed within the handshake limit, no HTTP answer`, () => {
          const result = results.get(`${name} ${what}`);
          assert.equal(result.closed, true, `still open after ${result.closedMs} ms`);
          assert.ok(result.closedMs < STALL_LIMIT_MS, `closed after ${result.closedMs} ms`);
          assert.equal(result.http, false, 'nothing was answered in HTTP');
        });
      }
    }
    it('none of it reached a handler, and every listener still serves', async () => {
      assert.equal((await seen())['/count/plain'], undefined);
      for (const [, url, identity] of listeners) await healthy(url, identity);
    });
  });

  describe('protocol versions and ciphers', () => {
    for (const [name, index] of [['uWebSockets.js', 0], ['node:http2 (ALPN)', 1], ['node:https with client_ca', 2]]) {
      for (const [flag, version] of [['-tls1', 'TLSv1'], ['-tls1_1', 'TLSv1.1']]) {
        it(`${name}: refuses ${version}`, async () => {
          const hostPort = new URL(siphon.urls[index]).host;
          const res = await sClient(hostPort, [flag, '-cipher', 'DEFAULT:@SECLEVEL=0']);
          assert.equal(res.answered, false);
          assert.match(res.text, /alert protocol version|Cipher is \(NONE\)/, 'the handshake failed');
          const node = await httpsGet(siphon.urls[index], { ca, minVersion: version, maxVersion: version, ciphers: 'DEFAULT:@SECLEVEL=0', ...listeners[index][2] });
          assert.match(String(node), /^error/, `a ${version} client was not refused: ${node}`);
        });
      }
      for (const cipher of ['AES128-SHA', 'AES256-GCM-SHA384', 'ECDHE-RSA-AES128-SHA', 'DHE-RSA-AES128-GCM-SHA256']) {
        it(`${name}: refuses the TLS 1.2 suite ${cipher}`, async () => {
          const res = await sClient(new URL(siphon.urls[index]).host, ['-tls1_2', '-cipher', `${cipher}:@SECLEVEL=0`]);
          assert.equal(res.answered, false, res.text.slice(-300));
        });
      }
      it(`${name}: sslscan finds only TLS 1.2/1.3 with ECDHE + AEAD suites, no renegotiation, no heartbleed`, async () => {
        const res = await run('sslscan', ['--no-colour', new URL(siphon.urls[index]).host], { timeoutMs: 90000 });
        assert.equal(res.code, 0, res.stderr);
        const out = res.stdout;
        for (const old of ['SSLv2', 'SSLv3', 'TLSv1.0', 'TLSv1.1']) assert.match(out, new RegExp(`${old.replace('.', '\\.')}\\s+disabled`), `${old} is disabled`);
        assert.match(out, /TLSv1\.3\s+enabled/);
        assert.match(out, /Session renegotiation not supported|Insecure session renegotiation not supported/);
        assert.doesNotMatch(out, /vulnerable to heartbleed(?<!not vulnerable to heartbleed)/);
        const accepted = [...out.matchAll(/^(?:Preferred|Accepted)\s+(\S+)\s+\d+ bits\s+(\S+)/gm)].map(([, version, suite]) => [version, suite]);
        assert.ok(accepted.length >= 3, out);
        for (const [version, suite] of accepted) {
          assert.ok(['TLSv1.2', 'TLSv1.3'].includes(version), `${version} ${suite}`);
          if (version === 'TLSv1.2') assert.match(suite, /^ECDHE-(RSA|ECDSA)-(AES128-GCM-SHA256|AES256-GCM-SHA384|CHACHA20-POLY1305)$/, `weak TLS 1.2 suite ${suite}`);
        }
      });
    }
    it('client-initiated renegotiation goes nowhere and the servers stay up', async () => {
      for (const [, url, identity] of listeners) {
        const args = ['s_client', '-connect', new URL(url).host, '-servername', 'localhost', '-tls1_2', '-ign_eof'];
        if (identity.cert) args.push('-cert', pki.path('client.crt'), '-key', pki.path('client.key'));
        const res = await run('openssl', args, { input: 'R\nR\nR\nR\nR\nGET /count/reneg HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', timeoutMs: 15000 });
        assert.doesNotMatch(res.stdout + res.stderr, /HTTP\/1\.1 200/, 'no request after a renegotiation attempt');
        await healthy(url, identity);
      }
    });
  });

  describe('client certificates on the client_ca listener', () => {
    const bad = [
      ['no certificate', () => ({})],
      ['an expired certificate', () => ({ cert: pki.read('expired.crt'), key: pki.read('expired.key') })],
      ['a certificate not valid until 2099', () => ({ cert: pki.read('future.crt'), key: pki.read('future.key') })],
      ['a certificate from a foreign CA', () => ({ cert: foreign.read('client.crt'), key: foreign.read('client.key') })],
      ['a self-signed certificate', () => ({ cert: pki.read('selfsigned.crt'), key: pki.read('selfsigned.key') })],
      ['a server-only certificate (no clientAuth usage)', () => ({ cert: pki.read('serveronly.crt'), key: pki.read('serveronly.key') })],
    ];
    for (const [what, identity] of bad) {
      for (const version of ['TLSv1.2', 'TLSv1.3']) {
        it(`${what} (${version}): no answer, no handler`, async () => {
          const key = `/count/mtls-${what.replace(/\W+/g, '-')}-${version}`;
          const outcome = await httpsGet(siphon.urls[2], { ca, minVersion: version, maxVersion: version, ...identity() }, key);
          assert.notEqual(outcome, 200, 'a handler answered');
          assert.equal(typeof outcome, 'string', `answered ${outcome}`);
          assert.equal((await seen())[key], undefined);
        });
      }
    }
    it('a valid certificate is served', async () => {
      assert.equal(await httpsGet(siphon.urls[2], { ca, cert: pki.read('client.crt'), key: pki.read('client.key') }, '/count/mtls-good'), 200);
      assert.equal((await seen())['/count/mtls-good'], 1);
    });
  });

  it('500 full handshakes at once, then gone: every listener keeps serving', async () => {
    for (const [, url, identity] of listeners) {
      const { hostname, port } = new URL(url);
      await Promise.all(Array.from({ length: 500 }, () => new Promise((resolve) => {
        const socket = tls.connect({ host: hostname, port: Number(port), servername: 'localhost', ca, ...identity });
        socket.on('secureConnect', () => {
          socket.destroy();
          resolve();
        });
        socket.on('error', resolve);
      })));
      await healthy(url, identity);
    }
  });

  it('a very long and a malformed SNI name are handshaken or refused, never crash', async () => {
    for (const [, url, identity] of listeners) {
      for (const servername of ['a'.repeat(250), 'bad_name..example', 'xn--']) {
        const outcome = await httpsGet(url, { ca, ...identity, servername, checkServerIdentity: () => undefined });
        assert.ok(outcome === 200 || String(outcome).startsWith('error') || String(outcome).startsWith('closed'), String(outcome));
      }
      await healthy(url, identity);
    }
  });

  it('answers ordinary requests afterwards, with nothing stuck and no internal error', async () => {
    await sleep(100);
    for (const [, url, identity] of listeners) await healthy(url, identity);
    await assertNothingStuck(siphon, `${siphon.urls[0]}/metrics`, { ca });
    assertNoInternalErrors(siphon);
  });
});
