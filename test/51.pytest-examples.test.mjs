// The pytest files beside the examples (examples/*/test_*.py) and the siphon
// package's own tests (python/tests) pass under Debian's python3-pytest, with
// the package taken from python/ as a script author would (PYTHONPATH).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { runPython } from './helpers/python.mjs';

function pytest(target) {
  // -p no:cacheprovider: no .pytest_cache left in the checkout.
  const result = runPython(['-m', 'pytest', '-q', '-p', 'no:cacheprovider', target]);
  const output = `${result.stdout}${result.stderr}`;
  assert.equal(result.status, 0, `pytest ${target} failed (exit ${result.status}):\n${output}`);
  assert.match(result.stdout, / passed/, `pytest ${target} ran no tests:\n${output}`);
}

describe('pytest with siphon.testing', () => {
  it('passes the examples\' tests', () => pytest('examples'));
  it('passes the siphon package\'s own tests', () => pytest('python/tests'));
});
