// The inline path (docs/execution-model.md "Where an async def handler
// runs"): while every worker is idle, an async def handler's first step runs
// on the JS thread itself, and one that suspends goes on as a Task on loop 0.
// What a script can observe must not change: awaiting, timers and tasks it
// schedules, req.client before and after an await or kept past the request,
// contextvars, signals, and uWS requests read natively.
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import { after, before, describe, it } from 'node:test';

import { request } from './helpers/http.mjs';
import { startSiphon } from './helpers/siphon.mjs';

const SCRIPT = `
import asyncio, contextvars, json, signal
from siphon import http

seen = contextvars.ContextVar("seen", default="unset")
kept = []
flags = {}

def answer(value):
    return http.Response(200, headers={"content-type": "application/json"}, body=json.dumps(value))

@http.route("/client")
async def client(req):
    before = req.client
    await asyncio.sleep(0.01)
    return answer([before, req.client])

@http.route("/client-late")
async def client_late(req):
    await asyncio.sleep(0.01)
    return answer(req.client)

@http.route("/keep")
async def keep(req):
    kept.append(req)
    return answer(len(kept))

@http.route("/kept")
def read_kept(req):
    return answer([r.client for r in kept])

async def later(name):
    flags[name] = True

@http.route("/spawn")
async def spawn(req):
    asyncio.get_running_loop().create_task(later("task"))
    asyncio.get_running_loop().call_later(0.02, flags.__setitem__, "timer", True)
    return answer("spawned")

@http.route("/flags")
def read_flags(req):
    return answer(flags)

@http.route("/context")
async def context(req):
    previous = seen.get()
    seen.set(req.query_params.get("v", ""))
    return answer(previous)

@http.route("/signal")
async def take_signal(req):
    try:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    except ValueError as exc:
        return answer(str(exc))
    return answer("installed")

@http.route("/headers")
async def headers(req):
    return answer([req.method, req.path, req.query_params, req.headers])
`;

async function rawRequest(url, text) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => socket.write(text));
    let data = '';
    socket.on('data', (chunk) => {
      data += chunk;
      if (/\r\n\r\n[\s\S]*\]$/.test(data) || /\r\n\r\n[\s\S]*\}$/.test(data)) socket.end();
    });
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
  });
}

async function until(what, check, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10)); // polling the condition, not a fixed wait
  }
}

describe('async def handlers on the inline path', () => {
  let siphon;
  before(async () => {
    siphon = await startSiphon({ script: SCRIPT });
  });
  after(() => siphon?.stop());

  it('reads req.client before and after an await, as the socket peer', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const res = await request(`${siphon.url}/client`, { agent });
    const [first, second] = JSON.parse(res.text);
    assert.match(first, /^127\.0\.0\.1:\d+$/);
    assert.equal(second, first);
    const late = JSON.parse((await request(`${siphon.url}/client-late`, { agent })).text);
    assert.equal(late, first); // same keep-alive connection, read only after the await
    agent.destroy();
  });

  it('keeps req.client for a request the script holds on to', async () => {
    const keepOne = () =>
      new Promise((resolve, reject) => {
        const req = http.request(`${siphon.url}/keep`, { agent: false }, (res) => {
          const port = req.socket.localPort;
          res.resume();
          res.on('end', () => resolve(`127.0.0.1:${port}`));
        });
        req.on('error', reject);
        req.end();
      });
    const clients = [await keepOne(), await keepOne(), await keepOne()];
    // Read after those connections closed: the addresses were kept in time.
    const res = await request(`${siphon.url}/kept`);
    assert.deepEqual(JSON.parse(res.text), clients);
  });

  it('runs a task and a timer the handler scheduled, without another request to the loop', async () => {
    assert.equal((await request(`${siphon.url}/spawn`)).text, '"spawned"');
    // /flags is a def route: it runs on the sync pool and never wakes loop 0.
    const flags = await until('the task and the timer', async () => {
      const seen = JSON.parse((await request(`${siphon.url}/flags`)).text);
      return seen.task && seen.timer ? seen : undefined;
    });
    assert.deepEqual(flags, { task: true, timer: true });
  });

  it('gives each request a fresh contextvars context', async () => {
    const first = await request(`${siphon.url}/context?v=one`);
    const second = await request(`${siphon.url}/context?v=two`);
    assert.deepEqual([first.text, second.text], ['"unset"', '"unset"']);
  });

  it('refuses signal handlers on the JS thread', async () => {
    const res = await request(`${siphon.url}/signal`);
    assert.match(JSON.parse(res.text), /not available in siphon: the host owns signals/);
    // And SIGTERM still drains and exits cleanly (after() stops it).
  });

  it('reads method, path, query and every header as sent, natively after the first requests', async () => {
    // Past the 16 requests compared both ways, these are read natively.
    for (let i = 0; i < 20; i++) await request(`${siphon.url}/headers?i=${i}`);
    const text = await rawRequest(
      siphon.url,
      'GET /headers?a=1&b=%20x HTTP/1.1\r\nHost: example.test\r\nX-One: 1\r\nx-two:  spaced  \r\nX-One: again\r\nCookie: a=b; c=d\r\nConnection: close\r\n\r\n',
    );
    const body = text.slice(text.indexOf('\r\n\r\n') + 4);
    const [method, path, query, headers] = JSON.parse(body);
    assert.deepEqual([method, path, query], ['GET', '/headers', { a: '1', b: ' x' }]);
    assert.deepEqual(headers, { host: 'example.test', 'x-one': '1, again', 'x-two': 'spaced', cookie: 'a=b; c=d', connection: 'close' });
    assert.ok(!siphon.logs.some((l) => /reading requests natively/.test(l.message ?? '')), siphon.logText());
  });
});
