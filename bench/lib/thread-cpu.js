#!/usr/bin/env node
// CPU time per thread of one command, for finding out where a run's CPU goes beyond its JavaScript
// threads (V8's background compiler and GC helpers, libuv's pool): `process.cpuUsage()` and
// `/usr/bin/time` give only the process total. Samples /proc/<pid>/task/*/stat every 50 ms until
// the command exits and prints each thread's last reading, largest first (Linux only).
//
//   node bench/lib/thread-cpu.js node dist/cli/bin.js scan bench/out/mesh-100k --format json --output /tmp/r.json
//
// Node names all its threads `node`: the main thread is the one whose id is the process id; the four
// V8 platform threads (background compilation, concurrent marking and sweeping, parallel scavenge
// helpers) start right after it; worker threads and libuv's pool start later.
import { spawn } from 'node:child_process';
import fs from 'node:fs';

const [cmd, ...args] = process.argv.slice(2);
if (!cmd) {
  console.error('usage: node bench/lib/thread-cpu.js COMMAND [ARGS...]');
  process.exit(2);
}
const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
/** Thread id → CPU ms (user + system) at the last sample. */
const last = new Map();
const sample = () => {
  let tids;
  try {
    tids = fs.readdirSync(`/proc/${child.pid}/task`);
  } catch {
    return;
  }
  for (const tid of tids) {
    try {
      const stat = fs.readFileSync(`/proc/${child.pid}/task/${tid}/stat`, 'latin1');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      last.set(Number(tid), (Number(fields[11]) + Number(fields[12])) * 10);
    } catch {
      // The thread ended between listing and reading: its last sample stands.
    }
  }
};
const timer = setInterval(sample, 50);
child.on('exit', (code) => {
  clearInterval(timer);
  let total = 0;
  for (const [tid, ms] of [...last].sort((a, b) => b[1] - a[1])) {
    total += ms;
    console.log(`${(ms / 1000).toFixed(2).padStart(7)} s  thread ${tid}${tid === child.pid ? ' (main)' : ''}`);
  }
  console.log(`${(total / 1000).toFixed(2).padStart(7)} s  all threads (sampled; the last 50 ms may be missing), exit ${code}`);
});
