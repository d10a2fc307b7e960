// Runs Debian's /usr/bin/python3 (the one with python3-pytest) on this repo's
// pure-Python siphon package, as a script author's pytest would.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

import { ROOT } from './siphon.mjs';

export const PYTHON = '/usr/bin/python3';

export function runPython(args, { cwd = ROOT, timeoutMs = 120000 } = {}) {
  const result = spawnSync(PYTHON, args, {
    cwd,
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
    // No .pyc files in the checkout; the package under test comes from python/.
    env: { ...process.env, PYTHONPATH: path.join(ROOT, 'python'), PYTHONDONTWRITEBYTECODE: '1' },
  });
  if (result.error) throw result.error;
  return result;
}
