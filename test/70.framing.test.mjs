// Hostile input, part 1: framing and request smuggling (issue 8). Byte-exact
// requests to both engines -- uWebSockets.js (listener 0) and node:http
// (listener 1, an `http2: true` cleartext port) -- each on its own connection.
//
// Every case states how each engine ends the conversation:
//   a status   the answer (a refusal is always 4xx/5xx and closes the connection);
//   'closed'   the engine closed the connection at once without answering;
//   'stall'    uWebSockets.js could not parse the head and waited for more bytes
//              until its fixed 10 s idle timeout closed the connection (a
//              documented engine limit, docs/security.md); never longer than 15 s.
// and which paths may reach a handler: by default none. `SMUGGLED` marks a
// request hidden inside another one; it must never reach a handler.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { ENGINES, HOSTILE_SCRIPT, assertHealthy, assertNoInternalErrors, assertNothingStuck, exchange, hits, twoEngines, verdict } from './helpers/hostile.mjs';
import { startSiphon } from './helpers/siphon.mjs';

const CRLF = '\r\n';
const req = (head, body = '') => `${head.join(CRLF)}${CRLF}${CRLF}${body}`;
const smuggled = (p) => `GET ${p}-smuggled HTTP/1.1\r\nHost: x\r\n\r\n`;
const post = (p, headers, body) => req([`POST ${p} HTTP/1.1`, 'Host: x', ...headers], body);
const chunked = (p, body, extra = []) => post(p, ['Transfer-Encoding: chunked', ...extra], body);
const te = (p, value) => post(p, [`Transfer-Encoding: ${value}`], '5\r\nabcde\r\n0\r\n\r\n');
const cl = (p, value) => post(p, [`Content-Length: ${value}`], 'abcde');
const get = (p, headers = ['Host: x'], line = `GET ${p} HTTP/1.1`) => req([line, ...headers]);

// [name, bytes(path) or { parts, gapMs }, { uws, node }, reaches?: { uws?, node? } handler calls for `path`]
const REFUSED = (uws, node = 400) => ({ uws, node });
const CASES = [
  // Content-Length and Transfer-Encoding together, in either order (CL.TE / TE.CL smuggling).
  ['CL + TE: chunked body hides a request', (p) => post(p, ['Content-Length: 4', 'Transfer-Encoding: chunked'], `0\r\n\r\n${smuggled(p)}`), REFUSED('closed')],
  ['TE + CL: the length hides a request', (p) => post(p, ['Transfer-Encoding: chunked', `Content-Length: ${smuggled(p).length + 5}`], `0\r\n\r\n${smuggled(p)}`), REFUSED('closed')],
  // A request queued behind a refused one in the same read is never served: uWS closes the connection.
  ['two different Content-Length values (the first would hide a request)', (p) => post(p, ['Content-Length: 0', `Content-Length: ${smuggled(p).length}`], smuggled(p)), REFUSED('closed')],
  ['two different Content-Length values, the hidden request a moment later', (p) => ({ parts: [post(p, ['Content-Length: 0', `Content-Length: ${smuggled(p).length}`], ''), smuggled(p)], gapMs: 300 }), REFUSED(400)],
  ['two equal Content-Length fields', (p) => post(p, ['Content-Length: 5', 'Content-Length: 5'], 'abcde'), REFUSED(400)],
  ['Content-Length: +5', (p) => cl(p, '+5'), REFUSED('closed')],
  ['Content-Length: -1', (p) => cl(p, '-1'), REFUSED('closed')],
  ['Content-Length: 0x5', (p) => cl(p, '0x5'), REFUSED('closed')],
  ['Content-Length with 21 digits', (p) => cl(p, '000000000000000000005'), REFUSED('closed')],
  ['Content-Length: 5, 10', (p) => cl(p, '5, 10'), REFUSED('closed')],
  ['Content-Length: 5, 5', (p) => cl(p, '5, 5'), REFUSED('closed')],
  ['Content-Length: 1 0 (space inside)', (p) => cl(p, '1 0'), REFUSED('closed')],
  ['empty Content-Length', (p) => post(p, ['Content-Length:'], ''), REFUSED(400)],
  ['Content-Length with 10 digits (over uWS\'s 9)', (p) => cl(p, '9999999999'), REFUSED('closed', 413)],
  // Disguised Transfer-Encoding: only "chunked" alone frames a request body.
  ['Transfer-Encoding: xchunked', (p) => te(p, 'xchunked'), REFUSED(400)],
  ['Transfer-Encoding: chunked, identity', (p) => te(p, 'chunked, identity'), REFUSED(400)],
  ['Transfer-Encoding: identity', (p) => te(p, 'identity'), REFUSED(400)],
  ['Transfer-Encoding: chunked, chunked', (p) => te(p, 'chunked, chunked'), REFUSED(400)],
  ['two Transfer-Encoding fields (chunked, then identity)', (p) => post(p, ['Transfer-Encoding: chunked', 'Transfer-Encoding: identity'], '5\r\nabcde\r\n0\r\n\r\n'), REFUSED(400)],
  ['two Transfer-Encoding: chunked fields', (p) => post(p, ['Transfer-Encoding: chunked', 'Transfer-Encoding: chunked'], '5\r\nabcde\r\n0\r\n\r\n'), REFUSED(400)],
  ['Transfer-Encoding: gzip, chunked (a coding siphon does not implement)', (p) => te(p, 'gzip, chunked'), REFUSED(501, 501)],
  ['Transfer-Encoding with a space before the colon', (p) => post(p, ['Transfer-Encoding : chunked'], '5\r\nabcde\r\n0\r\n\r\n'), REFUSED('stall')],
  ['Transfer-Encoding folded onto a second line', (p) => post(p, ['Transfer-Encoding:', ' chunked'], '5\r\nabcde\r\n0\r\n\r\n'), REFUSED('stall')],
  ['Transfer-Encoding in an HTTP/1.0 request', (p) => req([`POST ${p} HTTP/1.0`, 'Host: x', 'Transfer-Encoding: chunked'], '5\r\nabcde\r\n0\r\n\r\n'), REFUSED('stall')],
  ['Transfer-Encoding: chunked plus a trailing space (OWS is not part of the value)', (p) => te(p, 'chunked '), { uws: 200, node: 200 }, { uws: 1, node: 1 }],
  ['Transfer-Encoding: CHUNKED (codings are case-insensitive)', (p) => te(p, 'CHUNKED'), { uws: 200, node: 200 }, { uws: 1, node: 1 }],
  // uWS drops bytes >= 0x80 at either end of a header value (engine limit): it reads "chunked".
  ['Transfer-Encoding: chunked + 0xFF', (p) => te(p, 'chunked\xff'), { uws: 200, node: 400 }, { uws: 1 }],
  ['Content-Length: 5 + 0xFF', (p) => cl(p, '5\xff'), { uws: 200, node: 400 }, { uws: 1 }],
  // Chunk sizes and terminators.
  ['chunk size that is not hex', (p) => chunked(p, 'zz\r\nabcde\r\n0\r\n\r\n'), REFUSED('closed')],
  ['negative chunk size', (p) => chunked(p, '-5\r\nabcde\r\n0\r\n\r\n'), REFUSED('closed')],
  ['chunk size that overflows 64 bits', (p) => chunked(p, 'ffffffffffffffffff\r\nabcde\r\n0\r\n\r\n'), REFUSED('closed')],
  ['chunk size with an extension (valid, but uWS refuses it)', (p) => chunked(p, '5;x=y\r\nabcde\r\n0\r\n\r\n'), { uws: 'closed', node: 200 }, { node: 1 }],
  // uWS reads ':' as the hex digit 10 and skips whatever ends a size line or chunk (engine limits).
  ['chunk size ":"', (p) => chunked(p, ':\r\nabcdefghij\r\n0\r\n\r\n'), { uws: 200, node: 400 }, { uws: 1 }],
  ['chunk size followed by a space', (p) => chunked(p, '5 \r\nabcde\r\n0\r\n\r\n'), { uws: 200, node: 400 }, { uws: 1 }],
  ['chunk data not followed by CRLF', (p) => chunked(p, '5\r\nabcdeXX0\r\n\r\n'), { uws: 200, node: 400 }, { uws: 1 }],
  ['chunk lines ended by bare LF', (p) => chunked(p, '5\nabcde\n0\n\n'), { uws: 200, node: 400 }, { uws: 1 }],
  ['last chunk with a trailer field', (p) => chunked(p, '5\r\nabcde\r\n0\r\nX-Trailer: 1\r\n\r\n'), { uws: 200, node: 200 }, { uws: 1, node: 1 }],
  ['a request hidden after a bogus trailer', (p) => chunked(p, `5\r\nabcde\r\n0\r\nXX${smuggled(p)}`), { uws: 'closed', node: 400 }, { uws: 1 }],
  // Line endings and header syntax.
  ['bare LF line endings', (p) => `GET ${p} HTTP/1.1\nHost: x\n\n`, REFUSED('stall')],
  ['bare CR inside a header value', (p) => get(p, ['Host: x', 'X-A: a\rb']), REFUSED('stall')],
  ['obs-fold continuation line', (p) => get(p, ['Host: x', 'X-A: a', ' b']), REFUSED('stall')],
  ['header name with a space', (p) => get(p, ['Host: x', 'X A: b']), REFUSED('stall')],
  ['header name with a parenthesis', (p) => get(p, ['Host: x', 'X(A): b']), REFUSED('stall')],
  ['header name with NUL', (p) => get(p, ['Host: x', 'X\0A: b']), REFUSED('stall')],
  ['header name with an underscore (a valid token uWS cannot parse)', (p) => get(p, ['Host: x', 'X_A: b']), { uws: 'stall', node: 200 }, { node: 1 }],
  ['space before the colon', (p) => get(p, ['Host : x']), REFUSED('stall')],
  ['NUL byte in a header value', (p) => get(p, ['Host: x', 'X-A: a\0b']), REFUSED('stall')],
  ['NUL byte in the request target', (p) => get(p, undefined, `GET ${p}\0 HTTP/1.1`), REFUSED('stall')],
  ['header line without a colon', (p) => get(p, ['Host: x', 'X-A b']), REFUSED('stall')],
  // Request lines and versions.
  ['request line without a version (HTTP/0.9)', (p) => get(p, ['Host: x'], `GET ${p}`), REFUSED('stall', 505)],
  ['HTTP/1.2', (p) => get(p, undefined, `GET ${p} HTTP/1.2`), REFUSED('stall', 400)],
  ['HTTP/2.0 in an HTTP/1 request line', (p) => get(p, undefined, `GET ${p} HTTP/2.0`), REFUSED('stall', 505)],
  ['HTTP/0.9', (p) => get(p, undefined, `GET ${p} HTTP/0.9`), REFUSED('stall', 505)],
  ['HTTP/1.10', (p) => get(p, undefined, `GET ${p} HTTP/1.10`), REFUSED('stall')],
  ['lower-case protocol name', (p) => get(p, undefined, `GET ${p} http/1.1`), REFUSED('stall')],
  ['lower-case method', (p) => get(p, undefined, `get ${p} HTTP/1.1`), REFUSED('closed')],
  ['method with a separator in it', (p) => get(p, undefined, `G(T ${p} HTTP/1.1`), REFUSED('closed')],
  ['unknown method', (p) => get(p, undefined, `PURGE ${p} HTTP/1.1`), REFUSED('closed', 405)],
  ['two spaces after the method (lenient on node:http)', (p) => get(p, undefined, `GET  ${p} HTTP/1.1`), { uws: 'stall', node: 200 }, { node: 1 }],
  ['absolute-form target', (p) => get(p, undefined, `GET http://x${p} HTTP/1.1`), REFUSED('stall', 404)],
  ['asterisk-form target on GET', (p) => get(p, undefined, 'GET * HTTP/1.1'), REFUSED('stall', 404)],
  ['target without the leading slash', (p) => get(p, undefined, `GET ${p.slice(1)} HTTP/1.1`), REFUSED('stall', 400)],
  // Host.
  ['no Host', (p) => get(p, ['X-A: b']), REFUSED('closed')],
  ['no header fields at all', (p) => get(p, []), REFUSED('stall')],
  ['two Host fields', (p) => get(p, ['Host: a', 'Host: b']), REFUSED(400)],
  ['Host with a space', (p) => get(p, ['Host: a b']), REFUSED(400)],
  ['Host with userinfo and a path', (p) => get(p, ['Host: a@b/c']), REFUSED(400)],
  ['empty Host (allowed)', (p) => get(p, ['Host:']), { uws: 200, node: 200 }, { uws: 1, node: 1 }],
  // Connection handling.
  // uWS closes a connection whose next request arrives before the previous answer (engine limit).
  ['a pipelined request after Connection: close', (p) => `${get(p, ['Host: x', 'Connection: close'])}${smuggled(p)}`, { uws: 'closed', node: 400 }, { uws: 1, node: 1 }],
  ['the whole request one byte at a time', (p) => ({ parts: [...get(p)], gapMs: 15 }), { uws: 200, node: 200 }, { uws: 1, node: 1 }],
  ['Expect: 100-continue over the body limit', (p) => post(p, ['Content-Length: 100000', 'Expect: 100-continue'], ''), REFUSED(413, 413)],
];

describe('framing and smuggling', () => {
  let siphon;
  const results = new Map();
  before(async () => {
    siphon = await startSiphon({ script: HOSTILE_SCRIPT, http: twoEngines({ extra: ['max_body_bytes: 16384'] }) });
    // Every case on every engine at once: the uWS stalls all end at its 10 s timeout together.
    await Promise.all(
      ENGINES.flatMap(([engine, index]) =>
        CASES.map(async ([name, bytes], i) => {
          const path = `/count/${engine}-f${i}`;
          const spec = bytes(path);
          const { parts, gapMs } = typeof spec === 'string' ? { parts: spec } : spec;
          const result = await exchange(siphon.urls[index], parts, { gapMs, idleMs: 1000 });
          results.set(`${engine} ${name}`, { result, path });
        }),
      ),
    );
  });
  after(() => siphon?.stop());

  for (const [engine] of ENGINES) {
    describe(engine === 'uws' ? 'uWebSockets.js engine' : 'node:http engine', () => {
      CASES.forEach(([name, , expected, reaches = {}]) => {
        const want = expected[engine];
        const how = typeof want === 'number' ? (want < 300 ? `answered ${want}` : `refused with ${want}`) : want === 'closed' ? 'connection closed at once' : 'stalls until the engine timeout closes it (engine limit)';
        it(`${name}: ${how}`, async () => {
          const { result, path } = results.get(`${engine} ${name}`);
          assert.equal(verdict(result), want, `${engine}: ${name}\n${result.text.slice(0, 300)}`);
          if (typeof want === 'number' && want >= 400 && want !== 404 && want !== 405) {
            assert.ok(result.closed, 'the connection is closed after a refusal');
            assert.ok(result.closedMs - result.answeredMs < 1000, 'closed right after the refusal');
          }
          if (want === 'stall') assert.ok(result.closedMs < 15000, `closed after ${result.closedMs} ms`);
          const seen = await hits(siphon.url);
          assert.equal(seen[path] ?? 0, reaches[engine] ?? 0, `handler calls for ${path}`);
          assert.equal(seen[`${path}-smuggled`], undefined, 'a smuggled request never reaches a handler');
        });
      });
    });
  }

  it('answers ordinary requests afterwards, with nothing stuck and no internal error', async () => {
    for (const url of siphon.urls) await assertHealthy(siphon, url);
    await assertNothingStuck(siphon);
    assertNoInternalErrors(siphon);
  });
});
