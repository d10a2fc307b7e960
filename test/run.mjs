// `npm test`: every test/unit/*.test.mjs and test/*.test.mjs file with node's test runner. Files run
// in parallel processes; each test file starts its own siphon on port 0.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
// The fast unit tests (test/unit/) first, then the real-server tests.
const files = ['unit', '.']
  .flatMap((dir) =>
    fs
      .readdirSync(path.join(here, dir))
      .filter((f) => f.endsWith('.test.mjs'))
      .sort()
      .map((f) => path.join(here, dir, f)),
  )
  .filter((f) => only.length === 0 || only.some((o) => path.relative(here, f).includes(o)));
const result = spawnSync(
  process.execPath,
  ['--test', '--test-concurrency=2', `--test-reporter=${process.env.CI ? 'tap' : 'spec'}`, ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
