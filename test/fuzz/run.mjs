// `npm run fuzz -- --requests 100000 [--seed 1] [--ratio 0.0005:0.01] [--concurrency 48]`
// Starts siphon on test/fuzz/script.py with a uWebSockets.js and a node:http
// listener, runs the zzuf fuzz (fuzz.mjs) against it and prints the figures
// docs/security.md records. Exits 1 on any crash, hang, unexpected 5xx,
// failed health check or internal error in the log.
import { parseArgs } from 'node:util';

import { startSiphon } from '../helpers/siphon.mjs';
import { fuzz } from './fuzz.mjs';
import { FUZZ_PROJECT, internalErrors } from './project.mjs';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '100000' },
    seed: { type: 'string', default: '1' },
    ratio: { type: 'string', default: '0.0005:0.01' },
    concurrency: { type: 'string', default: '48' },
  },
});

const siphon = await startSiphon(FUZZ_PROJECT);
const progress = (stats, ms) => {
  const last = stats.rss[stats.rss.length - 1]?.mib ?? 0;
  process.stderr.write(`${stats.requests} sent in ${(ms / 1000).toFixed(0)} s, RSS ${last.toFixed(0)} MiB, ${JSON.stringify(stats.outcomes)}\n`);
};
const stats = await fuzz(siphon, {
  requests: Number(values.requests),
  seed: Number(values.seed),
  ratio: values.ratio,
  concurrency: Number(values.concurrency),
  healthEvery: 5000,
  onProgress: progress,
});
const errors = internalErrors(siphon);
await siphon.stop();

const { rss, failures, ...figures } = stats;
console.log(JSON.stringify({ ...figures, internalErrors: errors.length }, null, 2));
for (const failure of failures) console.log(JSON.stringify(failure));
for (const line of errors.slice(0, 20)) console.log(JSON.stringify(line));
const failed = stats.crashed || stats.hangs || stats.serverErrors || stats.healthFailures.length || errors.length;
process.exit(failed ? 1 : 0);
