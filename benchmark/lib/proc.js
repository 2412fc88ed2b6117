'use strict';
// Child processes and /proc readings for the benchmark harness.
const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const net = require('net');

const CLK_TCK = (() => {
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const n = Number(r.stdout && r.stdout.trim());
  return n > 0 ? n : 100;
})();

function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

// Every process we start, so that all of them are ended on the way out.
// They are started detached (own process group) and ended by group id.
const live = new Set();

function killTree(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) { live.delete(child); return; }
  try { process.kill(-child.pid, 'SIGKILL'); } catch {}
  try { child.kill('SIGKILL'); } catch {}
  live.delete(child);
}

function killAll() {
  for (const c of [...live]) killTree(c);
}

process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    killAll();
    process.stderr.write(`\nbench: ${sig}, children ended\n`);
    process.exit(130);
  });
}

// Start `argv` on a CPU (or none) with a raised open-file limit. `sh` sets the
// limit and `exec`s, taskset `exec`s too, so child.pid is the program's own pid.
function start(argv, { cpu = null, nofile = 0, env = {}, cwd } = {}) {
  const pre = [];
  if (cpu !== null) pre.push('taskset', '-c', String(cpu));
  const limit = nofile
    ? `ulimit -n ${nofile} 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null; `
    : '';
  const child = spawn('sh', ['-c', `${limit}exec "$@"`, 'sh', ...pre, ...argv], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  live.add(child);
  child.stdoutText = '';
  child.stderrText = '';
  const keep = (k) => (d) => {
    child[k] += d.toString('latin1');
    if (child[k].length > 64 * 1024) child[k] = child[k].slice(-32 * 1024);
  };
  child.stdout.on('data', keep('stdoutText'));
  child.stderr.on('data', keep('stderrText'));
  child.exited = new Promise((resolve) => child.on('exit', (code, signal) => {
    live.delete(child);
    resolve({ code, signal });
  }));
  child.on('error', () => {});
  child.stdin.on('error', () => {});
  return child;
}

function isDead(child) {
  return child.exitCode !== null || child.signalCode !== null;
}

// Resolves when the child prints a line matching `re`; rejects when it exits
// first or the time runs out.
function waitFor(child, re, ms, what = String(re)) {
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (fn, v) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.stdout.off('data', check);
      fn(v);
    };
    const check = () => {
      const m = re.exec(child.stdoutText);
      if (m) finish(resolve, m);
    };
    const timer = setTimeout(() => finish(reject, new Error(`no ${what} within ${ms} ms`)), ms);
    child.stdout.on('data', check);
    child.exited.then(({ code, signal }) => finish(reject, new Error(`exited (${signal || 'code ' + code}) before ${what}`)));
    check();
  });
}

// utime+stime from a /proc stat file, in microseconds.
function statMicros(file) {
  const s = fs.readFileSync(file, 'latin1');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  // after the comm field: state is f[0], utime is field 14 -> f[11], stime f[12]
  return ((Number(f[11]) + Number(f[12])) * 1e6) / CLK_TCK;
}

// utime+stime of the whole process (all threads), in microseconds.
function cpuMicros(pid) {
  return statMicros(`/proc/${pid}/stat`);
}

// The CPU time (utime+stime) of this process's children that have exited
// and been reaped, in microseconds (cutime+cstime of /proc/self/stat): read
// before and after a load generator runs to its exit, it is that run's CPU.
function reapedChildrenCpuMicros() {
  const s = fs.readFileSync('/proc/self/stat', 'latin1');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  // cutime is field 16 -> f[13], cstime f[14]
  return ((Number(f[13]) + Number(f[14])) * 1e6) / CLK_TCK;
}

// utime+stime of one thread of a process, in microseconds.
function threadCpuMicros(pid, tid) {
  return statMicros(`/proc/${pid}/task/${tid}/stat`);
}

// The JS thread's utime+stime, in microseconds: in Node (and Bun) the thread
// that runs JavaScript is the main thread, whose tid equals the pid. With
// `workers` (a cluster), the sum over the main threads of `pid`'s
// descendants instead, the primary's own left out; a process gone in
// between counts as 0.
function jsThreadCpuMicros(pid, { workers = false } = {}) {
  if (!workers) return threadCpuMicros(pid, pid);
  let total = 0;
  for (const p of descendants(pid)) {
    try { total += threadCpuMicros(p, p); } catch {}
  }
  return total;
}

// The pids of `pid`'s descendants (children of each of its threads, and
// theirs), from /proc/<pid>/task/<tid>/children.
function descendants(pid) {
  const out = [];
  let tasks = [];
  try { tasks = fs.readdirSync(`/proc/${pid}/task`); } catch { return out; }
  for (const tid of tasks) {
    let text = '';
    try { text = fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'latin1'); } catch { continue; }
    for (const child of text.trim().split(/\s+/).filter(Boolean).map(Number)) {
      out.push(child, ...descendants(child));
    }
  }
  return out;
}

// cpuMicros of a process and all its descendants (a cluster's primary and
// workers); a process gone in between counts as 0.
function treeCpuMicros(pid) {
  let total = 0;
  for (const p of [pid, ...descendants(pid)]) {
    try { total += cpuMicros(p); } catch {}
  }
  return total;
}

// CPU time spent by the whole machine outside idle/iowait, in microseconds
// (all cores added up): to see other load on the machine during a window.
function systemBusyMicros() {
  const f = fs.readFileSync('/proc/stat', 'latin1').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = f;
  return ((user + nice + system + irq + softirq + (steal || 0)) * 1e6) / CLK_TCK;
}

// VmRSS / VmHWM etc. from /proc/<pid>/status, in bytes.
function memory(pid) {
  const s = fs.readFileSync(`/proc/${pid}/status`, 'latin1');
  const get = (k) => {
    const m = new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s);
    return m ? Number(m[1]) * 1024 : null;
  };
  return { rss: get('VmRSS'), hwm: get('VmHWM'), threads: Number((/^Threads:\s+(\d+)/m.exec(s) || [])[1]) };
}

function comm(pid) {
  try { return fs.readFileSync(`/proc/${pid}/comm`, 'latin1').trim(); } catch { return null; }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

module.exports = { CLK_TCK, have, start, killTree, killAll, isDead, waitFor, cpuMicros, reapedChildrenCpuMicros, threadCpuMicros, jsThreadCpuMicros, treeCpuMicros, descendants, systemBusyMicros, memory, comm, freePort, sleep };
