#!/usr/bin/env node
'use strict';
// npm run bench [-- --only=hello,latency] [--quick] [--rounds=N] [--seconds=N]
//               [--warmup=N] [--pin=on|off] [--loadgen=wrk|autocannon]
//               [--idle-conns=N] [--no-setup]
// Runs each scenario's server program under node:http and under rshttp in
// alternating rounds and prints medians and rshttp/node ratios. The client
// scenario also measures undici's request() when undici is installed.
// BENCH_RSHTTP_MODULE=http substitutes node:http for rshttp (harness check).
const http = require('http');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const proc = require('./lib/proc');
const setup = require('./lib/setup');
const loadgen = require('./lib/loadgen');
const report = require('./lib/report');

const HERE = __dirname;
const SERVERS = path.join(HERE, 'servers');
// The two implementations every scenario compares; a scenario may add others
// (the client scenario adds undici), shown in their own columns.
const IMPLS = ['node', 'rshttp'];

function parseArgs(argv) {
  const o = { quick: false, only: null, rounds: null, seconds: null, warmup: null, pin: 'on', loadgen: null, idleConns: null, setup: true };
  for (const a of argv) {
    const [k, v] = a.replace(/^--/, '').split('=');
    switch (k) {
      case 'quick': o.quick = true; break;
      case 'only': o.only = v.split(',').filter(Boolean); break;
      case 'rounds': o.rounds = Number(v); break;
      case 'seconds': case 'duration': o.seconds = Number(v); break;
      case 'warmup': o.warmup = Number(v); break;
      case 'pin': o.pin = v; break;
      case 'loadgen': o.loadgen = v; break;
      case 'idle-conns': o.idleConns = Number(v); break;
      case 'no-setup': o.setup = false; break;
      case 'help': case 'h':
        process.stdout.write(fs_help());
        process.exit(0);
        break;
      default: throw new Error(`unknown option ${a} (try --help)`);
    }
  }
  o.rounds = o.rounds || (o.quick ? 1 : 3);
  o.seconds = o.seconds || (o.quick ? 2 : 5);
  o.warmup = o.warmup !== null ? o.warmup : 1;
  o.idleConns = o.idleConns || 10000;
  o.idleRounds = o.quick ? 1 : Math.min(o.rounds, 2);
  return o;
}

function fs_help() {
  return require('fs').readFileSync(__filename, 'utf8').split('\n').slice(2).filter((l, i, a) => a.slice(0, i + 1).every((x) => x.startsWith('//'))).map((l) => l.replace(/^\/\/ ?/, '')).join('\n') + '\n';
}

// ---------------------------------------------------------------- helpers

const MB = 1024 * 1024;

// A request from the harness (node:http client) to check a server answers
// correctly before it is measured.
function probe(port, { method = 'GET', body = null, expect }) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: '/', agent: false, headers: body ? { 'content-type': 'application/json', 'content-length': body.length } : {} }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const got = Buffer.concat(chunks);
        if (res.statusCode !== 200) return reject(new Error(`probe: status ${res.statusCode}`));
        const why = expect(got);
        if (why) return reject(new Error(`probe: ${why}`));
        resolve();
      });
      res.on('error', reject);
    });
    req.setTimeout(5000, () => req.destroy(new Error('probe: no answer within 5 s')));
    req.on('error', reject);
    req.end(body || undefined);
  });
}

// The telling part of a child's stderr: its first error line, else its end.
function tail(text, n = 3) {
  const lines = (text || '').trim().split('\n').map((l) => l.trim()).filter(Boolean);
  const i = lines.findIndex((l) => /^(\w*Error\b|Error:|error:|thread '.*' panicked|fatal)/i.test(l));
  return (i >= 0 ? lines.slice(i, i + 2) : lines.slice(-n)).join(' | ').slice(0, 300);
}

async function startServer(file, impl, ctx, extra = {}) {
  const port = await proc.freePort();
  const env = { BENCH_IMPL: impl, BENCH_PORT: String(port), ...(extra.env || {}) };
  const server = proc.start([process.execPath, path.join(SERVERS, file), impl], {
    cpu: ctx.serverCpu, env, nofile: extra.nofile || 0, cwd: setup.root,
  });
  try {
    const m = await proc.waitFor(server, /^READY (\d+)$/m, 20000, "printing READY");
    server.port = Number(m[1]) || port;
  } catch (e) {
    proc.killTree(server);
    throw new Error(`server did not start: ${e.message}${server.stderrText ? ': ' + tail(server.stderrText) : ''}`);
  }
  const c = proc.comm(server.pid);
  if (c !== 'node' && c !== path.basename(process.execPath)) {
    proc.killTree(server);
    throw new Error(`server pid ${server.pid} is "${c}", not node: cannot measure it`);
  }
  return server;
}

async function stopServer(server) {
  if (!server) return;
  proc.killTree(server);
  await Promise.race([server.exited, proc.sleep(3000)]);
}

function checkAlive(server, when) {
  if (proc.isDead(server)) {
    throw new Error(`server exited ${when} (${server.signalCode || 'code ' + server.exitCode})${server.stderrText ? ': ' + tail(server.stderrText) : ''}`);
  }
}

// A wrk-style scenario: start server, probe, warm up, measure one window.
async function loadRound(s, impl, ctx) {
  const server = await startServer(s.server, impl, ctx);
  try {
    await probe(server.port, s.probe);
    const lg = { gen: ctx.gen, port: server.port, conns: s.conns, body: s.body, pipeline: s.pipeline, cpu: ctx.loadCpu };
    if (ctx.opts.warmup > 0) await loadgen.run({ ...lg, seconds: ctx.opts.warmup });
    checkAlive(server, 'during warm-up');
    // A cluster's CPU is its primary's and its workers' together.
    const cpuOf = s.processTree ? proc.treeCpuMicros : proc.cpuMicros;
    const cpu0 = cpuOf(server.pid);
    const busy0 = proc.systemBusyMicros();
    const t0 = process.hrtime.bigint();
    const r = await loadgen.run({ ...lg, seconds: ctx.opts.seconds });
    const wall = Number(process.hrtime.bigint() - t0) / 1e3;
    const busy = proc.systemBusyMicros() - busy0;
    checkAlive(server, 'under load');
    const cpu = cpuOf(server.pid) - cpu0;
    const mem = proc.memory(server.pid);
    if (!r.requests) throw new Error(`no request completed (errors ${JSON.stringify(r.errors)})`);
    if (r.errors.status) throw new Error(`${r.errors.status} non-2xx/3xx responses`);
    const secs = r.duration_us / 1e6;
    const warnings = [];
    const e = r.errors;
    const errs = e.connect + e.read + e.write + e.timeout;
    if (errs) warnings.push(`${impl}: ${errs} socket errors ${JSON.stringify(e)}`);
    // The load generator has one core; more than that beside the server is
    // someone else's work on the machine, which disturbs req/s most.
    const others = (busy - cpu) / wall - 1;
    if (others > 0.15) ctx.busyRounds.push(`${s.name}/${impl}: ~${others.toFixed(1)} core`);
    return {
      values: {
        rps: r.requests / secs,
        mbps: r.bytes / secs / 1e6,
        cpu_us: cpu / r.requests,
        cpu_util: cpu / wall,
        peak_rss: mem.hwm / MB,
        p50: r.latency_us.p50,
        p99: r.latency_us.p99,
      },
      raw: { ...r, server_cpu_us: cpu, wall_us: wall, system_busy_us: busy, threads: mem.threads },
      warnings,
    };
  } finally {
    await stopServer(server);
  }
}

// 10,000 idle keep-alive connections: RSS before and while they are held.
async function idleRound(s, impl, ctx) {
  const n = ctx.opts.idleConns;
  const nofile = n + 4096;
  const server = await startServer(s.server, impl, ctx, { env: { BENCH_KEEPALIVE_MS: '600000' }, nofile });
  let client = null;
  try {
    await probe(server.port, s.probe);
    if (ctx.opts.warmup > 0) {
      await loadgen.run({ gen: ctx.gen, port: server.port, conns: 16, seconds: ctx.opts.warmup, cpu: ctx.loadCpu });
    }
    await proc.sleep(1000);
    checkAlive(server, 'after warm-up');
    const before = proc.memory(server.pid);
    const cpu0 = proc.cpuMicros(server.pid);
    client = proc.start([process.execPath, path.join(HERE, 'lib', 'idle-client.js')], {
      cpu: ctx.loadCpu, nofile, env: { BENCH_PORT: String(server.port), BENCH_CONNS: String(n) },
    });
    const m = await proc.waitFor(client, /^OPEN (\d+) (\d+) (\d+)(.*)$/m, 180000, 'every connection settled');
    await proc.sleep(1500);
    checkAlive(server, 'holding idle connections');
    const after = proc.memory(server.pid);
    const cpu = proc.cpuMicros(server.pid) - cpu0;
    client.stdin.write('q\n');
    const a = await proc.waitFor(client, /^ALIVE (\d+)$/m, 15000, 'the ALIVE count');
    const alive = Number(a[1]);
    if (alive < n * 0.99) {
      throw new Error(`only ${alive} of ${n} connections open at the end (${m[2]} failed to open${m[4] ? ': ' + m[4].trim() : ''})`);
    }
    return {
      values: {
        rss_conn: (after.rss - before.rss) / alive / 1024,
        rss_held: after.rss / MB,
        open_ms: Number(m[3]),
        cpu_conn: cpu / alive,
        peak_rss: after.hwm / MB,
      },
      raw: { rss_before: before.rss, rss_after: after.rss, hwm: after.hwm, alive, opened: Number(m[1]), failed: Number(m[2]), server_cpu_us: cpu },
      warnings: Number(m[2]) ? [`${impl}: ${m[2]} connections failed to open${m[4] ? ' (' + m[4].trim() + ')' : ''}`] : [],
    };
  } finally {
    if (client) proc.killTree(client);
    await stopServer(server);
  }
}

// The client scenario: the program under test is the client (pinned where the
// server would be); a node:http hello server takes the load generator's CPU.
// The client makes a fixed number of requests (s.requests after
// s.warmupRequests untimed ones) and reports its own time, CPU and RSS.
async function clientRound(s, impl, ctx) {
  const server = await startServer('hello.js', 'node', { ...ctx, serverCpu: ctx.loadCpu });
  let client = null;
  try {
    await probe(server.port, s.probe);
    const warmup = ctx.opts.warmup > 0 ? s.warmupRequests : 0;
    client = proc.start([process.execPath, path.join(HERE, 'clients', 'client.js'), impl], {
      cpu: ctx.serverCpu, cwd: setup.root,
      env: {
        BENCH_IMPL: impl, BENCH_PORT: String(server.port), BENCH_CONNS: String(s.conns),
        BENCH_REQUESTS: String(s.requests), BENCH_WARMUP_REQUESTS: String(warmup),
      },
    });
    try {
      await proc.waitFor(client, /^BENCHJSON .*$/m, 180000, 'a client result');
    } catch (e) {
      throw new Error(`client: ${e.message}${client.stderrText ? ': ' + tail(client.stderrText) : ''}`);
    }
    const r = JSON.parse(/^BENCHJSON (.*)$/m.exec(client.stdoutText)[1]);
    checkAlive(server, 'under load');
    if (!r.requests) throw new Error(`client completed no request (${r.errors} errors${r.firstError ? ': ' + r.firstError : ''})`);
    if (r.errors > r.attempted / 100) throw new Error(`${r.errors} of ${r.attempted} requests failed or were answered wrongly (${r.firstError})`);
    return {
      values: { rps: r.requests / (r.duration_us / 1e6), cpu_us: r.cpu_us / r.requests, peak_rss: r.hwm / MB },
      raw: r,
      warnings: r.errors ? [`${impl}: ${r.errors} request errors (${r.firstError})`] : [],
    };
  } finally {
    if (client) proc.killTree(client);
    await stopServer(server);
  }
}

// rshttp's client is measured once index.js says its request() is its own.
function clientSkip() {
  if (process.env.BENCH_RSHTTP_MODULE) return null;
  const r = spawnSync(process.execPath, ['-e',
    'const m = require(process.argv[1]); process.stdout.write(String(!!(m.request && m.request.rshttpNative === true)))',
    path.join(setup.root, 'index.js')], { encoding: 'utf8', timeout: 20000 });
  // TODO(lead): index.js marks its native request() with request.rshttpNative = true.
  return r.stdout === 'true' ? null : 'client: rshttp client not implemented yet';
}

function undiciPresent() {
  try { require.resolve('undici', { paths: [setup.root] }); return true; } catch { return false; }
}

// Which clients the client scenario measures: node:http always; rshttp unless
// clientSkip() says it is not there yet; undici when it is installed. Skipped
// as a whole when there is nothing to compare node:http with.
function clientImpls() {
  const run = ['node'];
  const skipped = {};
  const why = clientSkip();
  if (why) skipped.rshttp = why.replace(/^client: /, '');
  else run.push('rshttp');
  if (undiciPresent()) run.push('undici');
  else skipped.undici = 'undici not installed (a devDependency: npm ci)';
  if (run.length < 2) return { skip: `client: ${Object.values(skipped).join('; ')}` };
  return { run, skipped };
}

// ---------------------------------------------------------------- scenarios

const helloProbe = { expect: (b) => (b.toString() === 'Hello, World!' ? null : `body ${JSON.stringify(b.toString().slice(0, 40))}`) };

const M = {
  rps: { key: 'rps', label: 'throughput', unit: 'req/s', better: 'higher', digits: 0 },
  cpu_us: { key: 'cpu_us', label: 'server CPU', unit: 'µs/req', better: 'lower', digits: 1 },
  peak_rss: { key: 'peak_rss', label: 'peak RSS', unit: 'MiB', better: 'lower', digits: 1 },
  p50: { key: 'p50', label: 'latency p50', unit: 'µs', better: 'lower', digits: 0 },
  p99: { key: 'p99', label: 'latency p99', unit: 'µs', better: 'lower', digits: 0 },
  mbps: { key: 'mbps', label: 'throughput', unit: 'MB/s', better: 'higher', digits: 0 },
  cpu_resp: { key: 'cpu_us', label: 'server CPU', unit: 'µs/resp', better: 'lower', digits: 0 },
  rss_conn: { key: 'rss_conn', label: 'RSS per idle conn', unit: 'KiB', better: 'lower', digits: 2 },
  rss_held: { key: 'rss_held', label: 'RSS holding them', unit: 'MiB', better: 'lower', digits: 1 },
  open_ms: { key: 'open_ms', label: 'time to open all', unit: 'ms', better: 'lower', digits: 0 },
  cpu_conn: { key: 'cpu_conn', label: 'server CPU', unit: 'µs/conn', better: 'lower', digits: 1 },
  client_cpu: { key: 'cpu_us', label: 'client CPU', unit: 'µs/req', better: 'lower', digits: 1 },
  client_rss: { key: 'peak_rss', label: 'client peak RSS', unit: 'MiB', better: 'lower', digits: 1 },
};

// 4 KiB of JSON, the same bytes on every run.
function jsonBody(size) {
  const items = [];
  let s = '';
  for (let i = 0; ; i++) {
    items.push({ id: i, name: `item-${String(i).padStart(4, '0')}`, price: (i * 37) % 1000 / 10, tags: ['a', 'b'], ok: i % 2 === 0 });
    const next = JSON.stringify({ items, pad: '' });
    if (next.length > size) { items.pop(); break; }
    s = next;
  }
  const base = JSON.stringify({ items, pad: '' });
  s = JSON.stringify({ items, pad: 'x'.repeat(size - base.length) });
  if (Buffer.byteLength(s) !== size) throw new Error('jsonBody size');
  return Buffer.from(s);
}
const POST_BODY = jsonBody(4096);

const SCENARIOS = [
  {
    name: 'hello',
    desc: 'GET, 13-byte body, keep-alive, 64 connections',
    server: 'hello.js', conns: 64, probe: helloProbe,
    metrics: [M.rps, M.cpu_us, M.peak_rss],
    round: loadRound,
  },
  {
    name: 'latency',
    desc: 'GET hello, 1 connection, one request at a time: p50/p99 latency',
    server: 'hello.js', conns: 1, probe: helloProbe,
    metrics: [M.p50, M.p99, M.rps, M.cpu_us],
    round: loadRound,
  },
  {
    name: 'post-echo',
    desc: 'POST 4 KiB JSON, body read in full and echoed, 64 connections',
    server: 'echo.js', conns: 64, body: POST_BODY,
    probe: { method: 'POST', body: POST_BODY, expect: (b) => (b.equals(POST_BODY) ? null : `echo of ${b.length} bytes differs`) },
    metrics: [M.rps, M.cpu_us, M.peak_rss],
    round: loadRound,
  },
  {
    name: 'large',
    desc: 'GET with a 1 MiB response body, 16 connections',
    server: 'large.js', conns: 16,
    probe: { expect: (b) => (b.length === MB ? null : `body of ${b.length} bytes, not 1 MiB`) },
    metrics: [M.mbps, M.cpu_resp, M.peak_rss],
    round: loadRound,
  },
  {
    name: 'pipelined',
    desc: 'GET hello, 16 requests in flight per connection, 32 connections',
    server: 'hello.js', conns: 32, pipeline: 16, probe: helloProbe,
    metrics: [M.rps, M.cpu_us, M.peak_rss],
    round: loadRound,
  },
  {
    name: 'cluster',
    desc: 'GET hello, 64 connections, to a cluster of 2 workers (SCHED_RR) on the server core',
    server: 'cluster.js', conns: 64, probe: helloProbe, processTree: true,
    metrics: [M.rps, M.cpu_us],
    round: loadRound,
  },
  {
    name: 'idle',
    desc: '10,000 idle keep-alive connections, each after one request',
    server: 'hello.js', probe: helloProbe,
    rounds: (ctx) => ctx.opts.idleRounds,
    metrics: [M.rss_conn, M.rss_held, M.open_ms, M.cpu_conn],
    round: idleRound,
  },
  {
    name: 'client',
    desc: '20,000 keep-alive GETs, 32 in flight, against a node:http hello server: node:http vs rshttp (vs undici) client',
    conns: 32, requests: 20000, warmupRequests: 2000, probe: helloProbe,
    impls: clientImpls,
    metrics: [M.rps, M.client_cpu, M.client_rss],
    round: clientRound,
  },
];

// ---------------------------------------------------------------- main

function median(xs) {
  const v = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

function machine(ctx) {
  const cpus = os.cpus();
  return {
    cpu: (cpus[0] && cpus[0].model || 'unknown').trim(),
    cores: cpus.length,
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    loadgen: ctx.gen,
    loadgenVersion: loadgen.version(ctx.gen),
    pinning: ctx.serverCpu === null ? 'no CPU pinning' : `server on CPU ${ctx.serverCpu}, load generator on CPU ${ctx.loadCpu} (taskset)`,
    clkTck: proc.CLK_TCK,
  };
}

function gitRev() {
  const r = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: setup.root, encoding: 'utf8' });
  const d = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: setup.root, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() + (d.stdout && d.stdout.trim() ? '+dirty' : '') : null;
}

async function runScenario(s, ctx) {
  const out = { name: s.name, desc: s.desc, status: 'ok', message: null, warnings: [], metrics: [], rounds: [] };
  let impls = IMPLS;
  const skipped = {};
  const skip = (why) => {
    out.status = 'skipped';
    out.message = why;
    process.stderr.write(`bench: ${why}\n`);
    return out;
  };
  if (s.skip) {
    const why = s.skip(ctx);
    if (why) return skip(why);
  }
  if (s.impls) {
    const r = s.impls(ctx);
    if (r.skip) return skip(r.skip);
    impls = r.run;
    Object.assign(skipped, r.skipped || {});
    for (const [impl, why] of Object.entries(skipped)) process.stderr.write(`bench: ${s.name}: ${impl} skipped: ${why}\n`);
  }
  // Implementations beyond node and rshttp that ran, in their own columns.
  const extra = impls.filter((i) => !IMPLS.includes(i));
  if (extra.length) out.extraImpls = extra;
  if (Object.keys(skipped).length) out.skippedImpls = skipped;
  const rounds = s.rounds ? s.rounds(ctx) : ctx.opts.rounds;
  const failed = {};
  for (let i = 0; i < rounds; i++) {
    for (const impl of impls) {
      if (failed[impl]) continue;
      const t = Date.now();
      process.stderr.write(`bench: ${s.name} round ${i + 1}/${rounds} ${impl} ... `);
      try {
        const r = await s.round(s, impl, ctx);
        out.rounds.push({ impl, round: i + 1, ok: true, values: r.values, raw: r.raw });
        out.warnings.push(...(r.warnings || []));
        const main = s.metrics[0];
        process.stderr.write(`${main.label} ${r.values[main.key].toFixed(main.digits)}` +
          (r.values.cpu_us !== undefined ? `, ${r.values.cpu_us.toFixed(1)} µs/req` : '') + ` (${((Date.now() - t) / 1000).toFixed(1)} s)\n`);
      } catch (e) {
        failed[impl] = e.message;
        out.rounds.push({ impl, round: i + 1, ok: false, error: e.message });
        process.stderr.write(`FAILED: ${e.message}\n`);
      }
    }
  }
  for (const m of s.metrics) {
    const entry = { ...m };
    for (const impl of [...IMPLS, ...extra]) {
      const vals = out.rounds.filter((r) => r.ok && r.impl === impl).map((r) => r.values[m.key]);
      entry[impl] = { median: failed[impl] ? null : median(vals), rounds: vals };
      if (skipped[impl]) entry[impl].skipped = skipped[impl];
    }
    const ratio = (impl) => (entry.node.median && entry[impl].median !== null ? entry[impl].median / entry.node.median : null);
    // The headline ratio is rshttp / node; others are in ratios.
    entry.ratio = ratio('rshttp');
    if (extra.length) {
      entry.ratios = {};
      for (const impl of ['rshttp', ...extra]) entry.ratios[impl] = ratio(impl);
    }
    out.metrics.push(entry);
  }
  const fails = Object.entries(failed).map(([impl, msg]) => `${impl}: ${msg}`);
  if (fails.length) { out.status = 'failed'; out.message = fails.join('; '); }
  out.warnings = [...new Set(out.warnings)].slice(0, 6);
  return out;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const t0 = Date.now();
  if (opts.setup) setup.ensureBuilt();
  const gen = setup.loadGenerator(opts.loadgen);
  const canPin = opts.pin !== 'off' && proc.have('taskset') && os.cpus().length >= 2;
  const ctx = { busyRounds: [], opts, gen, serverCpu: canPin ? 0 : null, loadCpu: canPin ? 1 : null, root: setup.root };
  const names = SCENARIOS.map((s) => s.name);
  for (const n of opts.only || []) if (!names.includes(n)) throw new Error(`unknown scenario ${n} (have ${names.join(', ')})`);
  const chosen = SCENARIOS.filter((s) => !opts.only || opts.only.includes(s.name));

  const res = {
    date: new Date().toISOString(),
    git: gitRev(),
    rshttpModule: process.env.BENCH_RSHTTP_MODULE ? `${process.env.BENCH_RSHTTP_MODULE} (BENCH_RSHTTP_MODULE: not rshttp!)` : 'index.js',
    options: { rounds: opts.rounds, seconds: opts.seconds, warmup: opts.warmup, quick: opts.quick, idleConns: opts.idleConns },
    machine: machine(ctx),
    loadAverage: { start: os.loadavg()[0] },
    scenarios: [],
  };
  process.stderr.write(`bench: ${res.machine.cpu}, ${res.machine.cores} cores, node ${res.machine.node}; ${gen}; ${res.machine.pinning}\n`);
  for (const s of chosen) res.scenarios.push(await runScenario(s, ctx));
  res.elapsedSeconds = Math.round((Date.now() - t0) / 1000);
  res.loadAverage.end = os.loadavg()[0];
  res.busyRounds = ctx.busyRounds;
  proc.killAll();

  process.stdout.write('\n' + report.table(res) + '\n');
  const files = report.write(res, path.join(HERE, 'results'));
  process.stdout.write(`\nelapsed ${res.elapsedSeconds} s; wrote ${path.relative(process.cwd(), files.json)} and ${path.relative(process.cwd(), files.svg)}\n`);
  process.exitCode = res.scenarios.some((s) => s.status === 'failed') ? 1 : 0;
}

main().catch((e) => {
  proc.killAll();
  process.stderr.write(`bench: ${e.stack || e}\n`);
  process.exit(2);
});
