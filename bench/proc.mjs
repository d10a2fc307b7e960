// CPU time and memory of a server's process tree, from /proc (Linux only).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

// Clock ticks per second for the utime/stime fields (almost always 100).
const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

// /proc/<pid>/stat split after the command name, which may itself hold spaces
// and parentheses. Index 0 is field 3 (state), so field N is at N - 3.
function statFields(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null; // the process has gone
  }
}

// The root and all its live descendants (found by parent pid, since a
// multi-process server forks children that we did not start).
export function treePids(root) {
  const children = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const fields = statFields(name);
    if (!fields) continue;
    const ppid = Number(fields[1]);
    if (!children.has(ppid)) children.set(ppid, []);
    children.get(ppid).push(Number(name));
  }
  const pids = [];
  const queue = [root];
  while (queue.length) {
    const pid = queue.shift();
    pids.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return pids;
}

// CPU seconds (user + system) used so far by the tree. A process's own
// utime/stime (fields 14, 15) cover all its threads; cutime/cstime (16, 17)
// hold children that have exited and been reaped, so a child restarted
// mid-round is still counted.
export function treeCpuSeconds(root) {
  let ticks = 0;
  for (const pid of treePids(root)) {
    const f = statFields(pid);
    if (f) ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  }
  return ticks / CLK_TCK;
}

// Resident memory of the whole tree, in MB (VmRSS summed over processes).
export function treeRssMb(root) {
  let kb = 0;
  for (const pid of treePids(root)) {
    try {
      const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (match) kb += Number(match[1]);
    } catch {
      // gone between listing and reading
    }
  }
  return kb / 1024;
}
