// `npm run bench -- --instructions`: instructions per request, counted by
// valgrind's callgrind for siphon and the pure uWebSockets.js peer on the
// same requests. Unlike req/s these counts repeat run after run on a noisy
// machine, so they show what a change to the request path costs. Each server
// runs under callgrind; after a warm-up the counters are zeroed, a fixed
// number of requests is sent, and the counters are dumped: the total (every
// thread of the process) divided by the requests is the cost per request.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startSiphon, startUws } from './servers.mjs';

const SERVERS = { siphon: startSiphon, uws: startUws };

// `count` GETs over `connections` keep-alive sockets; resolves when all are answered.
// What a browser sends besides Host and Connection (--browser-headers).
const BROWSER_HEADERS = {
  'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
  accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  'accept-language': 'en-GB,en;q=0.9',
  'accept-encoding': 'gzip, deflate, br',
  referer: 'https://example.com/app/page',
  cookie: 'session=8f14e45fceea167a5a36dedd4bea2543; theme=dark',
  'sec-fetch-mode': 'navigate',
  'cache-control': 'no-cache',
};

async function load(url, count, connections, headers = {}) {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  let sent = 0;
  const one = () =>
    new Promise((resolve, reject) => {
      const req = request(url, { agent, headers }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`${url} answered ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end();
    });
  const worker = async () => {
    while (sent < count) {
      sent++;
      await one();
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  agent.destroy();
}

function dumpTotal(pid, dir) {
  const before = new Set(readdirSync(dir));
  execFileSync('callgrind_control', ['--dump', String(pid)], { stdio: 'pipe' });
  const fresh = readdirSync(dir).filter((f) => !before.has(f) && f.startsWith('callgrind.out'));
  if (fresh.length === 0) throw new Error('callgrind wrote no dump');
  const file = join(dir, fresh.sort().at(-1));
  const summary = readFileSync(file, 'utf8').match(/^(?:summary|totals): (\d+)/m);
  if (!summary) throw new Error(`no totals in ${file}`);
  return { file, total: Number(summary[1]) };
}

// Self cost per function and per object file, read from a callgrind dump.
// (callgrind_annotate puts most of a zeroed-then-dumped profile under
// __libc_start_main; the raw file has the true self costs.) A line after a
// `calls=` line is the callee's inclusive cost, so it is skipped.
function selfCosts(file) {
  const names = { fn: new Map(), ob: new Map() };
  const named = (table, text) => {
    const m = text.match(/^\((\d+)\)(?: (.*))?$/);
    if (!m) return text;
    if (m[2] !== undefined) table.set(m[1], m[2]);
    return table.get(m[1]);
  };
  const byFunction = new Map();
  const byObject = new Map();
  let fn = '?';
  let ob = '?';
  let skipNext = false;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('ob=')) ob = named(names.ob, line.slice(3));
    else if (line.startsWith('fn=')) fn = named(names.fn, line.slice(3));
    else if (line.startsWith('cob=')) named(names.ob, line.slice(4));
    else if (line.startsWith('cfn=')) named(names.fn, line.slice(4));
    else if (line.startsWith('calls=')) skipNext = true;
    else if (/^[0-9+\-*]/.test(line)) {
      if (skipNext) {
        skipNext = false;
        continue;
      }
      const cost = Number(line.split(' ')[1] ?? 0);
      const object = ob.split('/').at(-1);
      const key = `${object} ${fn}`;
      byFunction.set(key, (byFunction.get(key) ?? 0) + cost);
      byObject.set(object, (byObject.get(object) ?? 0) + cost);
    }
  }
  const sorted = (map) => [...map].sort((a, b) => b[1] - a[1]);
  return { functions: sorted(byFunction), objects: sorted(byObject) };
}

export async function countInstructions({ scenarios, servers, requests, warmup, connections, top, browserHeaders }) {
  const headers = browserHeaders ? BROWSER_HEADERS : {};
  const out = {};
  for (const name of servers) {
    for (const scenario of scenarios) {
      const dir = mkdtempSync(join(tmpdir(), 'siphon-callgrind-'));
      const wrap = ['valgrind', '--tool=callgrind', '--smc-check=all-non-file', `--callgrind-out-file=${join(dir, 'callgrind.out.%p')}`];
      const server = await SERVERS[name]({ wrap });
      try {
        await load(server.url + scenario.path, warmup, connections, headers);
        execFileSync('callgrind_control', ['--zero', String(server.pid)], { stdio: 'pipe' });
        await load(server.url + scenario.path, requests, connections, headers);
        const { file, total } = dumpTotal(server.pid, dir);
        const costs = selfCosts(file);
        const perRequest = ([what, ir]) => ({ what, per_request: Math.round(ir / requests) });
        out[`${scenario.name}/${name}`] = {
          per_request: total / requests,
          total,
          requests,
          objects: costs.objects.slice(0, 12).map(perRequest),
          top: costs.functions.slice(0, top).map(perRequest),
        };
        console.log(`${scenario.name}/${name}: ${Math.round(total / requests).toLocaleString('en-US')} instructions per request (${requests} requests)`);
      } finally {
        await server.stop();
        if (process.env.SIPHON_KEEP_CALLGRIND) console.log(`callgrind dumps kept in ${dir}`);
        else rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  return out;
}
