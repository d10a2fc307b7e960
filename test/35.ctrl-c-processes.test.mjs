// Ctrl-C with `script.processes: N` (issue 20): a terminal sends SIGINT to
// the whole foreground process group. siphon must drain exactly as on
// SIGTERM -- in-flight requests answered, exit 0 -- not take the signal twice
// in each worker process and drop what was in flight.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import { request } from './helpers/http.mjs';
import { SIPHON_BIN, SiphonProcess, writeProject } from './helpers/siphon.mjs';

const SCRIPT = `
import time
from siphon import http

@http.route("/slow")
def slow(req):
    open(req.query_params["marker"], "w").close()
    time.sleep(1.5)
    return http.Response(200, body="finished")
`;

async function until(what, check, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10)); // polling the condition, not a fixed wait
  }
}

describe('Ctrl-C under script.processes', () => {
  it('drains in-flight requests and exits 0 when the whole process group gets SIGINT', async () => {
    const dir = writeProject({
      script: SCRIPT,
      siphon: 'script:\n  path: script.py\n  processes: 2\nlog:\n  format: json\nextensions:\n  http: http.yaml\n',
      http: 'servers:\n  - listen: "127.0.0.1:0"\n',
    });
    // Its own process group, as a shell job in a terminal is.
    const child = spawn(process.execPath, [SIPHON_BIN, '-c', path.join(dir, 'siphon.yaml')], {
      cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const siphon = new SiphonProcess(child, dir);
    try {
      await siphon.waitForLog(/^ready: 2 processes serving$/, 30000);
      // The terminal's SIGINT must reach the supervisor only: a worker in its
      // process group got it twice (directly and forwarded), and the second
      // SIGINT means "exit now". (Whether the two arrive apart or merge into
      // one is timing; being outside the group is what makes it certain.)
      const workers = fs.readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/).map(Number);
      assert.equal(workers.length, 2);
      for (const pid of workers) {
        const group = Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[2]);
        assert.notEqual(group, child.pid, `worker ${pid} is in the terminal's process group`);
      }
      const url = siphon.lines.find((l) => /^listening on /.test(l.message ?? '')).message.slice('listening on '.length);
      const marker = path.join(dir, 'started');
      const slow = request(`${url}/slow?marker=${encodeURIComponent(marker)}`, { timeoutMs: 20000 });
      await until('the handler to start', () => fs.existsSync(marker));
      process.kill(-child.pid, 'SIGINT'); // what a terminal's Ctrl-C does
      const answer = await slow;
      assert.equal(answer.status, 200);
      assert.equal(answer.text, 'finished');
      const { code } = await siphon.exited;
      assert.equal(code, 0, siphon.logText());
      assert.ok(!siphon.lines.some((l) => /second SIGINT/.test(l.message ?? '')), siphon.logText());
    } finally {
      if (child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
