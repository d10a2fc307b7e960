// The type stubs (python/siphon/http.pyi, log.pyi) describe what scripts get
// inside the siphon server, where http.Request (and the Response the runtime
// builds) are native types. python/tests/test_api_surface.py checks the stubs
// against the pure-Python package; this checks them against the server's own
// modules: every public member a script can reach has a stub, and every
// stubbed method exists.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import { json } from './helpers/http.mjs';
import { runPython } from './helpers/python.mjs';
import { ROOT, startSiphon, tempDir } from './helpers/siphon.mjs';

const SCRIPT = `
import inspect
import json

from siphon import http, log


def public(cls):
    base = set(dir(RuntimeError)) if issubclass(cls, BaseException) else set(dir(object))
    return sorted(n for n in dir(cls) if not n.startswith("_") and n not in base)


def surface(module):
    return {
        name: public(getattr(module, name)) if inspect.isclass(getattr(module, name)) else None
        for name in module.__all__
    }


@http.route("/surface")
def members(req):
    found = {"http": surface(http), "log": surface(log)}
    found["http"]["Request"] = public(type(req))  # the object handlers really receive
    return http.Response(200, headers={"content-type": "application/json"}, body=json.dumps(found))
`;

// {module: {name: null | {methods: [...], attributes: [...]}}} from the .pyi files.
function stubs() {
  const dir = tempDir('stubs-');
  fs.writeFileSync(
    path.join(dir, 'stubs.py'),
    `import ast, json, sys
out = {}
for module in ("http", "log"):
    tree = ast.parse(open(f"${path.join(ROOT, 'python', 'siphon')}/{module}.pyi").read())
    names = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names[node.name] = None
        elif isinstance(node, ast.ClassDef):
            methods = sorted(n.name for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and not n.name.startswith("_"))
            attributes = sorted(n.target.id for n in node.body if isinstance(n, ast.AnnAssign))
            names[node.name] = {"methods": methods, "attributes": attributes}
    out[module] = names
print(json.dumps(out))
`,
  );
  const result = runPython([path.join(dir, 'stubs.py')]);
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout);
}

describe('type stubs against the server\'s own modules', () => {
  it('cover every public name and member a script can reach in siphon', async () => {
    const siphon = await startSiphon({ script: SCRIPT });
    let served;
    try {
      served = (await json(`${siphon.url}/surface`)).json;
    } finally {
      await siphon.stop();
    }
    const stubbed = stubs();
    for (const module of ['http', 'log']) {
      assert.deepEqual(Object.keys(served[module]).sort(), Object.keys(stubbed[module]).sort(), `siphon.${module}: names`);
      for (const [name, members] of Object.entries(served[module])) {
        const stub = stubbed[module][name];
        if (members === null) {
          assert.equal(stub, null, `siphon.${module}.${name} is a function`);
          continue;
        }
        const documented = new Set([...stub.methods, ...stub.attributes]);
        const missing = members.filter((m) => !documented.has(m));
        assert.deepEqual(missing, [], `siphon.${module}.${name}: members without a stub`);
        const absent = stub.methods.filter((m) => !members.includes(m));
        assert.deepEqual(absent, [], `siphon.${module}.${name}: stubbed methods the server's type lacks`);
      }
    }
    // Request's stubbed properties are all real on the native type.
    assert.deepEqual([...stubbed.http.Request.methods].sort(), [...served.http.Request].sort());
  });
});
