// The fuzz run (issue 8): zzuf-mutated requests (mutate.mjs), each on a fresh
// connection, alternately to a uWebSockets.js and a node:http listener of a
// running siphon, with the outcome of every conversation counted.
//
// Outcomes (verdict() in test/helpers/hostile.mjs): a status, 'closed' (closed
// without an answer within 2 s), 'stall' (closed without an answer by an
// engine's own 10 s idle/header timeout: a truncated request waits for its
// missing bytes), 'hang' (neither answered nor closed within `hangMs`, longer
// than any engine timeout), 'garbage' (bytes that are not an HTTP response),
// 'refused' (no connection: the server is gone).
// The failures: hangs, garbage, refusals, 5xx other than 501/505 (the node engine's
// answers to an unknown transfer coding or HTTP version; the script's handlers
// never raise, so a 500 is a server bug), a failed health check, the server
// exiting, or an internal error logged.
//
// `concurrency` conversations are busy at once; one that has had neither an
// answer nor a close for `busyMs` is parked to await its timeout (a stall
// costs the server nothing but a socket) so that stalls do not throttle the
// run. At most `maxParked` are parked at once.
import { exchange, rssMiB, verdict } from '../helpers/hostile.mjs';
import { request } from '../helpers/http.mjs';
import { loadCorpus, mutatedBatch } from './mutate.mjs';

const ENGINE_NAMES = ['uws', 'node'];
const EXPECTED_5XX = new Set([501, 505]);

export function isFailure(outcome) {
  return outcome === 'hang' || outcome === 'garbage' || outcome === 'refused' || (typeof outcome === 'number' && outcome >= 500 && !EXPECTED_5XX.has(outcome));
}

async function health(urls) {
  for (const url of urls) {
    const started = Date.now();
    try {
      const res = await request(`${url}/items/healthy`, { timeoutMs: 5000 });
      if (res.status !== 200) return `${url}: status ${res.status}`;
      if (Date.now() - started > 2000) return `${url}: answered after ${Date.now() - started} ms`;
    } catch (err) {
      return `${url}: ${err.message}`;
    }
  }
  return undefined;
}

// siphon: a SiphonProcess started with test/fuzz/script.py on twoEngines().
export async function fuzz(siphon, options = {}) {
  const { requests = 5000, seed = 1, ratio = '0.0005:0.01', batch = 500, concurrency = 48, busyMs = 250, maxParked = 4000, hangMs = 15000, healthEvery = 1000, onProgress = () => {} } = options;
  const urls = siphon.urls.slice(0, 2);
  const corpus = loadCorpus();
  const stats = { requests: 0, outcomes: {}, byEngine: { uws: {}, node: {} }, failures: [], healthChecks: 0, healthFailures: [], rss: [], crashed: undefined, seeds: `${seed}:${seed + Math.ceil(requests / batch)}`, ratio };
  const started = Date.now();
  const sampleRss = () => {
    if (siphon.child.exitCode === null) stats.rss.push({ s: (Date.now() - started) / 1000, mib: rssMiB(siphon.child.pid) });
  };
  sampleRss();
  const rssTimer = setInterval(sampleRss, 1000);
  let crash;
  let wake = () => {};
  const changed = () => wake();
  siphon.exited.then(({ code, signal }) => {
    crash = `siphon exited (code ${code}, signal ${signal})`;
    wake();
  });

  const busy = new Set();
  const parked = new Set();
  const record = (engine, item, result) => {
    let outcome = verdict(result);
    if (result.error === 'ECONNREFUSED') outcome = 'refused';
    stats.outcomes[outcome] = (stats.outcomes[outcome] ?? 0) + 1;
    stats.byEngine[engine][outcome] = (stats.byEngine[engine][outcome] ?? 0) + 1;
    if (isFailure(outcome) && stats.failures.length < 20) {
      stats.failures.push({ engine, outcome, corpus: item.entry.name, request: item.bytes.toString('latin1'), answer: result.text.slice(0, 300) });
    }
  };
  const send = (item, n) => {
    const engine = ENGINE_NAMES[n % 2];
    const done = exchange(urls[n % 2], item.bytes, { idleMs: 200, limitMs: hangMs }).then((result) => record(engine, item, result));
    busy.add(done);
    const parkAfter = new Promise((resolve) => setTimeout(resolve, busyMs));
    Promise.race([done, parkAfter]).then(() => {
      busy.delete(done);
      parked.add(done);
      changed();
      done.then(() => {
        parked.delete(done);
        changed();
      });
    });
  };
  const room = () => busy.size < concurrency && parked.size < maxParked;

  try {
    let next = mutatedBatch(corpus, { seed, ratio, size: Math.min(batch, requests) });
    for (let b = 0; stats.requests < requests && !crash; b++) {
      const items = await next;
      const remaining = requests - stats.requests - items.length;
      if (remaining > 0) next = mutatedBatch(corpus, { seed: seed + b + 1, ratio, size: Math.min(batch, remaining), first: (b + 1) * batch });
      for (const item of items) {
        while (!room() && !crash) await new Promise((resolve) => (wake = resolve));
        if (crash) break;
        send(item, stats.requests++);
        if (stats.requests % healthEvery === 0) {
          stats.healthChecks++;
          const problem = await health(urls);
          if (problem) stats.healthFailures.push(`after ${stats.requests}: ${problem}`);
          onProgress(stats, Date.now() - started);
        }
      }
    }
    await Promise.all([...busy, ...parked]);
    if (!crash) {
      stats.healthChecks++;
      const problem = await health(urls);
      if (problem) stats.healthFailures.push(`at the end: ${problem}`);
    }
  } finally {
    clearInterval(rssTimer);
  }
  sampleRss();
  stats.crashed = crash;
  stats.seconds = (Date.now() - started) / 1000;
  const mib = stats.rss.map((r) => r.mib);
  stats.rssMiB = { first: mib[0], peak: Math.max(...mib), last: mib[mib.length - 1] };
  stats.hangs = stats.outcomes.hang ?? 0;
  stats.serverErrors = Object.entries(stats.outcomes).filter(([o]) => isFailure(Number(o))).reduce((sum, [, n]) => sum + n, 0);
  return stats;
}
