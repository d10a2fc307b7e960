// Rules written in more than one language must agree (docs/architecture.md
// "One home per rule"): the header rules of http.Response (native/header_rules.h
// inside the server, python/siphon/_response.py in a plain interpreter), the
// statuses sent without a body (src/server/status.ts, siphon.testing), and
// siphon's own plain answers (src/server/plain-answers.ts, siphon.testing).
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';

import { json } from './helpers/http.mjs';
import { runPython } from './helpers/python.mjs';
import { startSiphon, writeProject } from './helpers/siphon.mjs';

const require = createRequire(import.meta.url);
const { isBodiless } = require('../dist/server/status.js');
const { INTERNAL_ERROR, PLAIN_TEXT, plainBody } = require('../dist/server/plain-answers.js');

// Every code point below 256 as a one-character header name, and inside a value.
const VERDICTS = `
def verdicts(Response):
    out = {"name": [], "value": []}
    for code in range(256):
        for where, headers in (("name", {chr(code): "v"}), ("value", {"x-test": "a" + chr(code) + "b"})):
            try:
                Response(200, headers=headers)
                out[where].append(True)
            except ValueError:
                out[where].append(False)
    return out
`;

describe('rules written in two languages agree', () => {
  let siphon;
  before(async () => {
    siphon = await startSiphon(writeProject({
      script: `import json\nfrom siphon import http\n${VERDICTS}\n@http.route("/verdicts")\ndef route(req):\n    return http.Response(200, body=json.dumps(verdicts(http.Response)))\n`,
    }));
  });
  after(() => siphon?.stop());

  it('the native Response and the pure-Python one accept the same header names and values', async () => {
    const native = await json(`${siphon.url}/verdicts`);
    const pure = runPython(['-c', `import json\nfrom siphon._response import PureResponse\n${VERDICTS}\nprint(json.dumps(verdicts(PureResponse)))`]);
    assert.equal(pure.status, 0, pure.stderr);
    assert.deepEqual(native.json, JSON.parse(pure.stdout));
    // And the rule is the one documented: token names, no CR/LF/NUL in values.
    assert.equal(native.json.name.filter(Boolean).length, 77);
    assert.deepEqual(native.json.value.map((ok, code) => (ok ? null : code)).filter((c) => c !== null), [0, 10, 13]);
  });

  it('the server and siphon.testing send the same statuses without a body', () => {
    const harness = runPython(['-c', 'import json\nfrom siphon.testing import is_bodiless\nprint(json.dumps([c for c in range(100, 600) if is_bodiless(c)]))']);
    assert.equal(harness.status, 0, harness.stderr);
    const server = [];
    for (let code = 100; code < 600; code++) if (isBodiless(code)) server.push(code);
    assert.deepEqual(JSON.parse(harness.stdout), server);
  });

  it("the server and siphon.testing answer a failed handler with the same 500", () => {
    const harness = runPython(['-c', 'import json\nfrom siphon import testing\nprint(json.dumps([list(testing._PLAIN_TEXT), testing._INTERNAL_ERROR_BODY.decode()]))']);
    assert.equal(harness.status, 0, harness.stderr);
    assert.deepEqual(JSON.parse(harness.stdout), [[...PLAIN_TEXT], plainBody(INTERNAL_ERROR)]);
  });
});
