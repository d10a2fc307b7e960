// Runs wrk (Debian's /usr/bin/wrk) and parses its --latency text output.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

const UNIT_MS = { us: 1e-3, ms: 1, s: 1e3, m: 60e3, h: 3600e3 };

function toMs(text) {
  const match = /^([\d.]+)(us|ms|s|m|h)$/.exec(text);
  if (!match) throw new Error(`wrk: cannot parse duration "${text}"`);
  return Number(match[1]) * UNIT_MS[match[2]];
}

// `duration` in whole seconds: wrk's -d does not take fractions.
export async function wrk({ url, threads, connections, duration, script }) {
  const args = [`-t${threads}`, `-c${connections}`, `-d${duration}s`, '--latency'];
  if (script) args.push('-s', script);
  args.push(url);
  const { stdout } = await run('wrk', args, { timeout: (duration + 30) * 1000 });
  return parseWrk(stdout);
}

export function parseWrk(text) {
  const num = (re) => {
    const m = re.exec(text);
    return m ? Number(m[1]) : 0;
  };
  const pct = (p) => {
    const m = new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(text);
    if (!m) throw new Error(`wrk output has no ${p}% latency line:\n${text}`);
    return toMs(m[1]);
  };
  const total = /(\d+) requests in ([\d.]+\w+),/.exec(text);
  if (!total) throw new Error(`wrk output has no request count:\n${text}`);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  return {
    requests: Number(total[1]),
    seconds: toMs(total[2]) / 1e3,
    rps: num(/Requests\/sec:\s+([\d.]+)/),
    p50_ms: pct(50),
    p99_ms: pct(99),
    // Errors and non-2xx answers would make req/s meaningless: reported, not hidden.
    non2xx: num(/Non-2xx or 3xx responses: (\d+)/),
    socket_errors: socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
  };
}
