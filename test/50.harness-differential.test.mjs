// Differential test (issue 9): siphon.testing.HttpTestHarness must answer like
// the server. Every request in test/parity/cases.json goes to the script
// test/parity/parity_routes.py twice -- over HTTP to the real siphon, and
// through the harness in a plain /usr/bin/python3 -- and the status, the
// headers a client sees, the body and the log lines must agree.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { request } from './helpers/http.mjs';
import { runPython } from './helpers/python.mjs';
import { startSiphon, writeProject } from './helpers/siphon.mjs';

const PARITY = path.join(import.meta.dirname, 'parity');
const CASES_PATH = path.join(PARITY, 'cases.json');
const cases = JSON.parse(fs.readFileSync(CASES_PATH, 'utf8'));

// Added by the server or its HTTP stack, not by the script: nothing for the harness to model.
const SERVER_ONLY_HEADERS = new Set(['date', 'uwebsockets', 'connection', 'keep-alive']);
// The log lines the script and the handler-error path write (not siphon's own start-up lines).
const COMPARED_LOG_TARGETS = new Set(['script', 'siphon.handler']);

function answer(status, headers, body) {
  const kept = Object.fromEntries(Object.entries(headers).filter(([name]) => !SERVER_ONLY_HEADERS.has(name)));
  return { status, headers: kept, body: body.toString('utf8'), bodyBase64: body.toString('base64') };
}

async function overHttp(url, { method, path: target, headers = [], body }) {
  const sent = {};
  for (const [name, value] of headers) {
    const key = name.toLowerCase();
    sent[key] = key in sent ? [].concat(sent[key], value) : value; // an array sends repeated lines
  }
  if (body !== undefined) sent['content-length'] = String(Buffer.byteLength(body));
  try {
    const res = await request(`${url}${target}`, { method, headers: sent, body });
    return answer(res.status, res.headers, res.body);
  } catch (err) {
    return { error: `no HTTP answer: ${err.message}` }; // shown in this case's diff, the others still run
  }
}

function throughHarness(script) {
  const result = runPython([path.join(PARITY, 'harness_driver.py'), script, CASES_PATH]);
  assert.equal(result.status, 0, `the harness driver failed:\n${result.stderr}`);
  return JSON.parse(result.stdout);
}

describe('siphon.testing answers like the server', () => {
  let siphon;
  let harness;
  const server = [];

  before(async () => {
    const dir = writeProject({ script: fs.readFileSync(path.join(PARITY, 'parity_routes.py'), 'utf8') });
    // The harness loads the very file siphon serves, so module names (and log targets) agree.
    harness = throughHarness(path.join(dir, 'script.py'));
    siphon = await startSiphon(dir);
    for (const c of cases) server.push(await overHttp(siphon.url, c)); // in order: the logs follow it
  });
  after(() => siphon?.stop());

  it('runs the whole table on both sides', () => {
    assert.equal(harness.length, cases.length);
    assert.equal(server.length, cases.length);
  });

  // A case the server is known to get wrong (its `server_differs` says how) runs
  // as a todo: the diff still shows, and it stops being news once the server is fixed.
  cases.forEach((c, i) => {
    it(`${c.method} ${c.path}: ${c.name}`, { todo: c.server_differs }, (t) => {
      const h = harness[i];
      const expected = server[i];
      const actual = answer(h.status, h.headers, Buffer.from(h.body, 'base64'));
      assert.deepEqual(actual, expected, `harness (actual) and server (expected) differ for ${c.method} ${c.path}`);
      if (c.server_differs) t.diagnostic('the server agrees now: drop this case\'s server_differs note in test/parity/cases.json');
    });
  });

  it('logs the same lines, in the same order', async () => {
    const expected = harness.flatMap((h) => h.logs);
    const fromServer = () =>
      siphon.lines
        .filter((l) => COMPARED_LOG_TARGETS.has(l.target))
        .map((l) => [l.level, l.target, String(l.message).split('\n', 1)[0]]);
    // stderr can trail the HTTP answers: wait until the server has logged as much.
    const deadline = Date.now() + 5000;
    while (fromServer().length < expected.length && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    assert.deepEqual(expected, fromServer(), 'harness (actual) and server (expected) log lines differ');
  });
});
