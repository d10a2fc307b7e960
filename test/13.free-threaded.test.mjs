// Free-threaded CPython (3.13t/3.14t, Py_GIL_DISABLED): no such interpreter
// can be installed on this machine, so what can be checked is that the
// Py_GIL_DISABLED paths compile, and the defaults that depend on the build.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import { ROOT } from './helpers/siphon.mjs';

const require = createRequire(import.meta.url);

function pythonInfo() {
  return JSON.parse(execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'find-python.js'), 'json'], { encoding: 'utf8' }));
}

describe('free-threaded CPython', () => {
  it('compiles every native source with Py_GIL_DISABLED (3.13t API declared by a shim)', () => {
    const info = pythonInfo();
    const napi = require('node-addon-api').include_dir;
    const nodeInclude = path.resolve(process.execPath, '../../include/node');
    const shim = path.join(ROOT, 'test', 'free-threaded', 'py313t_shim.h');
    const sources = fs.readdirSync(path.join(ROOT, 'native')).filter((f) => f.endsWith('.cpp'));
    for (const source of sources) {
      const result = spawnSync('g++', [
        '-std=c++17', '-fsyntax-only', '-Wall', '-Wextra', '-Wno-unused-parameter', '-Wno-missing-field-initializers',
        '-DPy_GIL_DISABLED=1', '-DNAPI_VERSION=8', '-DNAPI_CPP_EXCEPTIONS', '-DNODE_ADDON_API_DISABLE_DEPRECATED', '-DSIPHON_HAVE_V8=1',
        `-DSIPHON_LIBPYTHON="${info.library}"`, `-DSIPHON_PYTHON_EXECUTABLE="${info.executable}"`,
        '-include', shim, `-I${napi}`, `-I${info.include}`, `-I${nodeInclude}`,
        path.join(ROOT, 'native', source),
      ], { encoding: 'utf8' });
      assert.equal(result.status, 0, `${source}:\n${result.stderr}`);
    }
  });

  it('runs handlers in parallel on a free-threaded interpreter', { skip: pythonInfo().gil_disabled ? false : 'no free-threaded CPython here: build with SIPHON_PYTHON=python3.13t to run this' }, () => {
    // Reached only with a free-threaded build: the scaling claim is measured by
    // `npm run bench -- --scenario cpu` there (docs/performance.md).
    assert.equal(pythonInfo().gil_disabled, true);
  });
});
