// `npm test`: every test/*.test.mjs file with node's test runner. Files run
// in parallel processes; each test file starts its own siphon on port 0.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = fs
  .readdirSync(here)
  .filter((f) => f.endsWith('.test.mjs'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort()
  .map((f) => path.join(here, f));
const result = spawnSync(
  process.execPath,
  ['--test', '--test-concurrency=2', `--test-reporter=${process.env.CI ? 'tap' : 'spec'}`, ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
