// The siphon the fuzz run talks to: test/fuzz/script.py behind a uWS and a
// node:http listener (twoEngines), logging at info so that 100,000 refusals
// do not turn into 100,000 debug lines.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

import { twoEngines } from '../helpers/hostile.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

export const FUZZ_PROJECT = {
  script: fs.readFileSync(path.join(here, 'script.py'), 'utf8'),
  http: twoEngines(),
  siphon: 'script:\n  path: script.py\nlog:\n  format: json\n  level: info\nextensions:\n  http: http.yaml\n',
};

// Log lines that say the process or a worker broke (the script never raises,
// so a handler error is one too).
export function internalErrors(siphon) {
  return siphon.logs.filter((l) => l.level === 'error' || /uncaught|fatal|segmentation|abort|failed to deliver/i.test(l.message ?? ''));
}
