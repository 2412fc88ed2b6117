#!/usr/bin/env node
'use strict';
// npm run bench [-- --only=hello,latency] [--quick] [--rounds=N] [--seconds=N]
//               [--warmup=N] [--pin=on|off] [--loadgen=wrk|autocannon]
//               [--idle-conns=N] [--peers=on|off] [--io-threads=N] [--no-setup]
// Runs each scenario's server program under node:http and under rshttp in
// alternating rounds and prints medians and rshttp/node ratios. The hello,
// latency, post-echo and pipelined scenarios add peers (uWebSockets.js and
// Bun's node:http, from benchmark/peers) and the rshttp/best-peer ratio; the
// client scenario measures undici's request() when undici is installed.
// --io-threads=N sets RSHTTP_IO_THREADS=N for the rshttp processes.
// BENCH_RSHTTP_MODULE=http substitutes node:http for rshttp (harness check).
const http = require('http');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const proc = require('./lib/proc');
const setup = require('./lib/setup');
const loadgen = require('./lib/loadgen');
const report = require('./lib/report');
const peers = require('./lib/peers');

const HERE = __dirname;
const SERVERS = path.join(HERE, 'servers');
// The two implementations every scenario compares; a scenario may add others
// (peers: uws and bun in the server scenarios that list them, undici in the
// client scenario), shown in their own columns.
const IMPLS = ['node', 'rshttp'];
const PEERS = ['uws', 'bun'];

function parseArgs(argv) {
  const o = { quick: false, only: null, rounds: null, seconds: null, warmup: null, pin: 'on', loadgen: null, idleConns: null, setup: true, peers: 'on', ioThreads: null };
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
      case 'peers':
        if (v !== 'on' && v !== 'off') throw new Error(`--peers=on or --peers=off, not ${a}`);
        o.peers = v;
        break;
      case 'io-threads':
        if (!/^\d+$/.test(v || '')) throw new Error(`--io-threads takes a whole number, not ${a}`);
        o.ioThreads = v;
        break;
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
  // The scaling scenario has 9 points: shorter windows and fewer rounds.
  o.scalingRounds = o.quick ? 1 : Math.min(o.rounds, 2);
  o.scalingSeconds = Math.min(o.seconds, 2);
  o.scalingWarmup = Math.min(o.warmup, 1);
  // Without --io-threads, a RSHTTP_IO_THREADS the harness was started with
  // still reaches rshttp's processes (and only theirs), and is reported.
  o.ioThreadsFrom = o.ioThreads !== null ? '--io-threads' : process.env.RSHTTP_IO_THREADS !== undefined ? 'environment' : null;
  if (o.ioThreads === null && process.env.RSHTTP_IO_THREADS !== undefined) o.ioThreads = process.env.RSHTTP_IO_THREADS;
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

// A peer that cannot run here: reported as skipped with
// the reason, never as a failure.
class SkipError extends Error {}

// What a process of `impl` needs in its environment beyond BENCH_*: rshttp's
// get RSHTTP_IO_THREADS when it is set; no other process gets it.
function implEnv(impl, ctx) {
  return { RSHTTP_IO_THREADS: impl === 'rshttp' && ctx.opts.ioThreads !== null ? ctx.opts.ioThreads : undefined };
}

// How to start `spec`'s server (spec.server: a program in servers/; spec.uws:
// the servers/uws.js mode that answers like it) under `impl`.
function serverCommand(spec, impl, ctx) {
  const file = path.join(SERVERS, spec.server);
  if (impl === 'node' || impl === 'rshttp') return { argv: [process.execPath, file, impl], env: { BENCH_IMPL: impl } };
  const p = ctx.peers[impl];
  if (!p || !p.argv0) throw new SkipError(p ? p.why : `${impl} is not a peer`);
  // Bun's node:http: the very program node:http runs.
  if (impl === 'bun') return { argv: [p.argv0, file, 'node'], env: { BENCH_IMPL: 'node' }, comm: p.comm };
  if (impl === 'uws') {
    if (!spec.uws) throw new SkipError(`no uWS.js program for ${spec.server}`);
    return { argv: [p.argv0, path.join(SERVERS, 'uws.js'), spec.uws], env: {} };
  }
  throw new Error(`unknown implementation ${impl}`);
}

async function startServer(spec, impl, ctx, extra = {}) {
  const port = await proc.freePort();
  const cmd = serverCommand(spec, impl, ctx);
  const env = { ...cmd.env, ...implEnv(impl, ctx), BENCH_PORT: String(port), ...(spec.env || {}), ...(extra.env || {}) };
  const server = proc.start(cmd.argv, {
    cpu: ctx.serverCpu, env, nofile: extra.nofile || 0, cwd: setup.root,
  });
  try {
    const m = await proc.waitFor(server, /^(READY|SKIP) (.*)$/m, 20000, "printing READY");
    if (m[1] === 'SKIP') throw new SkipError(m[2]);
    server.port = Number(m[2]) || port;
  } catch (e) {
    proc.killTree(server);
    if (e instanceof SkipError) throw e;
    // A program that printed SKIP and exited may be seen exiting first.
    await proc.sleep(100);
    const skip = /^SKIP (.*)$/m.exec(server.stdoutText);
    if (skip) throw new SkipError(skip[1]);
    throw new Error(`server did not start: ${e.message}${server.stderrText ? ': ' + tail(server.stderrText) : ''}`);
  }
  const want = cmd.comm || 'node';
  const c = proc.comm(server.pid);
  if (c !== want && c !== path.basename(cmd.argv[0])) {
    proc.killTree(server);
    throw new Error(`server pid ${server.pid} is "${c}", not ${want}: cannot measure it`);
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

// Start `spec`'s server under `impl`, probe it, warm up, measure one window.
// spec: { server, uws, env, probe, conns, body, pipeline, processTree };
// `o` holds the window and warm-up in seconds.
async function measureLoad(spec, impl, ctx, o) {
  // Room for the connections, in the server and in the load generator.
  const nofile = spec.conns > 512 ? spec.conns + 1024 : 0;
  const server = await startServer(spec, impl, ctx, { nofile });
  try {
    await probe(server.port, spec.probe);
    const lg = { gen: ctx.gen, port: server.port, conns: spec.conns, body: spec.body, pipeline: spec.pipeline, cpu: ctx.loadCpu, nofile };
    if (o.warmup > 0) await loadgen.run({ ...lg, seconds: o.warmup });
    checkAlive(server, 'during warm-up');
    // The server's process tree (a cluster's primary and workers; Bun's or
    // Node's one process otherwise) and its JS thread(s): the main thread,
    // or for a cluster the workers' main threads added up.
    const cpuOf = () => proc.treeCpuMicros(server.pid);
    const jsOf = () => proc.jsThreadCpuMicros(server.pid, { workers: !!spec.processTree });
    const cpu0 = cpuOf();
    const js0 = jsOf();
    const busy0 = proc.systemBusyMicros();
    // The load generator's own CPU: it runs to its exit and is reaped
    // inside the window, so the reaped children's CPU grows by its share.
    const gen0 = proc.reapedChildrenCpuMicros();
    const t0 = process.hrtime.bigint();
    const r = await loadgen.run({ ...lg, seconds: o.seconds });
    const wall = Number(process.hrtime.bigint() - t0) / 1e3;
    const busy = proc.systemBusyMicros() - busy0;
    const gen = proc.reapedChildrenCpuMicros() - gen0;
    checkAlive(server, 'under load');
    const cpu = cpuOf() - cpu0;
    const js = jsOf() - js0;
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
    return {
      values: {
        rps: r.requests / secs,
        mbps: r.bytes / secs / 1e6,
        cpu_us: cpu / r.requests,
        js_cpu_us: js / r.requests,
        cpu_util: cpu / wall,
        js_cpu_util: js / wall,
        load_util: gen / wall,
        peak_rss: mem.hwm / MB,
        p50: r.latency_us.p50,
        p99: r.latency_us.p99,
      },
      raw: { ...r, server_cpu_us: cpu, js_thread_cpu_us: js, load_cpu_us: gen, wall_us: wall, system_busy_us: busy, threads: mem.threads },
      others,
      warnings,
    };
  } finally {
    await stopServer(server);
  }
}

// A wrk-style scenario: one measured window of the scenario's own settings.
async function loadRound(s, impl, ctx) {
  const r = await measureLoad(s, impl, ctx, { seconds: ctx.opts.seconds, warmup: ctx.opts.warmup });
  if (r.others > 0.15) ctx.busyRounds.push(`${s.name}/${impl}: ~${r.others.toFixed(1)} core`);
  return r;
}

// The scaling scenario: one short window at each of s.points, each with a
// fresh server. Values are keyed `<metric>@<point id>`.
async function scalingRound(s, impl, ctx) {
  const values = {};
  const raw = {};
  const warnings = [];
  for (const pt of s.points) {
    let r;
    try {
      r = await measureLoad(pt, impl, ctx, { seconds: ctx.opts.scalingSeconds, warmup: ctx.opts.scalingWarmup });
    } catch (e) {
      if (e instanceof SkipError) throw e;
      throw new Error(`at ${pt.label}: ${e.message}`);
    }
    for (const k of ['rps', 'mbps', 'cpu_us', 'js_cpu_us', 'load_util']) values[`${k}@${pt.id}`] = r.values[k];
    raw[pt.id] = r.raw;
    warnings.push(...r.warnings.map((w) => `${pt.label}: ${w}`));
    if (r.others > 0.15) ctx.busyRounds.push(`${s.name} ${pt.label}/${impl}: ~${r.others.toFixed(1)} core`);
  }
  return { values, raw, warnings };
}

// 10,000 idle keep-alive connections: RSS before and while they are held.
async function idleRound(s, impl, ctx) {
  const n = ctx.opts.idleConns;
  const nofile = n + 4096;
  const server = await startServer(s, impl, ctx, { env: { BENCH_KEEPALIVE_MS: '600000' }, nofile });
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
    const js0 = proc.jsThreadCpuMicros(server.pid);
    client = proc.start([process.execPath, path.join(HERE, 'lib', 'idle-client.js')], {
      cpu: ctx.loadCpu, nofile, env: { BENCH_PORT: String(server.port), BENCH_CONNS: String(n) },
    });
    const m = await proc.waitFor(client, /^OPEN (\d+) (\d+) (\d+)(.*)$/m, 180000, 'every connection settled');
    await proc.sleep(1500);
    checkAlive(server, 'holding idle connections');
    const after = proc.memory(server.pid);
    const cpu = proc.cpuMicros(server.pid) - cpu0;
    const js = proc.jsThreadCpuMicros(server.pid) - js0;
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
        js_cpu_conn: js / alive,
        peak_rss: after.hwm / MB,
      },
      raw: { rss_before: before.rss, rss_after: after.rss, hwm: after.hwm, alive, opened: Number(m[1]), failed: Number(m[2]), server_cpu_us: cpu, js_thread_cpu_us: js },
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
  const server = await startServer({ server: 'hello.js' }, 'node', { ...ctx, serverCpu: ctx.loadCpu });
  let client = null;
  try {
    await probe(server.port, s.probe);
    const warmup = ctx.opts.warmup > 0 ? s.warmupRequests : 0;
    client = proc.start([process.execPath, path.join(HERE, 'clients', 'client.js'), impl], {
      cpu: ctx.serverCpu, cwd: setup.root,
      env: {
        ...implEnv(impl, ctx),
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
      values: {
        rps: r.requests / (r.duration_us / 1e6),
        cpu_us: r.cpu_us / r.requests,
        js_cpu_us: r.js_cpu_us !== undefined ? r.js_cpu_us / r.requests : null,
        peak_rss: r.hwm / MB,
      },
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
  js_cpu: { key: 'js_cpu_us', label: 'JS-thread CPU', unit: 'µs/req', better: 'lower', digits: 1 },
  peak_rss: { key: 'peak_rss', label: 'peak RSS', unit: 'MiB', better: 'lower', digits: 1 },
  p50: { key: 'p50', label: 'latency p50', unit: 'µs', better: 'lower', digits: 0 },
  p99: { key: 'p99', label: 'latency p99', unit: 'µs', better: 'lower', digits: 0 },
  mbps: { key: 'mbps', label: 'throughput', unit: 'MB/s', better: 'higher', digits: 0 },
  cpu_resp: { key: 'cpu_us', label: 'server CPU', unit: 'µs/resp', better: 'lower', digits: 0 },
  js_cpu_resp: { key: 'js_cpu_us', label: 'JS-thread CPU', unit: 'µs/resp', better: 'lower', digits: 0 },
  rss_conn: { key: 'rss_conn', label: 'RSS per idle conn', unit: 'KiB', better: 'lower', digits: 2 },
  rss_held: { key: 'rss_held', label: 'RSS holding them', unit: 'MiB', better: 'lower', digits: 1 },
  open_ms: { key: 'open_ms', label: 'time to open all', unit: 'ms', better: 'lower', digits: 0 },
  cpu_conn: { key: 'cpu_conn', label: 'server CPU', unit: 'µs/conn', better: 'lower', digits: 1 },
  js_cpu_conn: { key: 'js_cpu_conn', label: 'JS-thread CPU', unit: 'µs/conn', better: 'lower', digits: 1 },
  client_cpu: { key: 'cpu_us', label: 'client CPU', unit: 'µs/req', better: 'lower', digits: 1 },
  client_js_cpu: { key: 'js_cpu_us', label: 'client JS-thread CPU', unit: 'µs/req', better: 'lower', digits: 1 },
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

// The scaling scenario's points: hello at a range of connection counts, then
// servers/large.js with a range of body sizes at 64 connections.
const SCALING_CONNS = [1, 16, 64, 256, 1024];
const SCALING_BYTES = [0, 1024, 64 * 1024, MB];
const SCALING_BYTES_CONNS = 64;
function bytesLabel(n) {
  return n >= MB ? `${n / MB} MiB` : n >= 1024 ? `${n / 1024} KiB` : `${n} B`;
}
const SCALING_POINTS = [
  ...SCALING_CONNS.map((c) => ({
    id: `c${c}`, axis: 'conns', x: c, label: `${c} conn${c === 1 ? '' : 's'}`,
    server: 'hello.js', conns: c, probe: { expect: (b) => (b.toString() === 'Hello, World!' ? null : 'not hello') },
  })),
  ...SCALING_BYTES.map((n) => ({
    id: `b${n}`, axis: 'bytes', x: n, label: `${bytesLabel(n)} body`,
    server: 'large.js', env: { BENCH_LARGE_BYTES: String(n) }, conns: SCALING_BYTES_CONNS,
    probe: { expect: (b) => (b.length === n ? null : `body of ${b.length} bytes, not ${n}`) },
  })),
];
// One metric entry per point and measure, so the JSON keeps its shape
// (metrics[] with medians and ratios); `point` ties it to its line.
const SCALING_METRICS = SCALING_POINTS.flatMap((pt) => [
  { key: `rps@${pt.id}`, label: `${pt.label}: throughput`, unit: 'req/s', better: 'higher', digits: 0, point: { id: pt.id, axis: pt.axis, x: pt.x, label: pt.label, measure: 'rps' } },
  { key: `cpu_us@${pt.id}`, label: `${pt.label}: server CPU`, unit: 'µs/req', better: 'lower', digits: 1, point: { id: pt.id, axis: pt.axis, x: pt.x, label: pt.label, measure: 'cpu_us' } },
  { key: `js_cpu_us@${pt.id}`, label: `${pt.label}: JS-thread CPU`, unit: 'µs/req', better: 'lower', digits: 1, point: { id: pt.id, axis: pt.axis, x: pt.x, label: pt.label, measure: 'js_cpu_us' } },
  { key: `load_util@${pt.id}`, label: `${pt.label}: load generator busy`, unit: 'share of a core', better: 'lower', digits: 2, point: { id: pt.id, axis: pt.axis, x: pt.x, label: pt.label, measure: 'load_util' } },
]);

const SCENARIOS = [
  {
    name: 'hello',
    desc: 'GET, 13-byte body, keep-alive, 64 connections',
    server: 'hello.js', uws: 'hello', peers: PEERS, conns: 64, probe: helloProbe,
    metrics: [M.rps, M.cpu_us, M.js_cpu, M.peak_rss],
    round: loadRound,
  },
  {
    name: 'latency',
    desc: 'GET hello, 1 connection, one request at a time: p50/p99 latency',
    server: 'hello.js', uws: 'hello', peers: PEERS, conns: 1, probe: helloProbe,
    metrics: [M.p50, M.p99, M.rps, M.cpu_us, M.js_cpu],
    round: loadRound,
  },
  {
    name: 'post-echo',
    desc: 'POST 4 KiB JSON, body read in full and echoed, 64 connections',
    server: 'echo.js', uws: 'echo', peers: PEERS, conns: 64, body: POST_BODY,
    probe: { method: 'POST', body: POST_BODY, expect: (b) => (b.equals(POST_BODY) ? null : `echo of ${b.length} bytes differs`) },
    metrics: [M.rps, M.cpu_us, M.js_cpu, M.peak_rss],
    round: loadRound,
  },
  {
    name: 'large',
    desc: 'GET with a 1 MiB response body, 16 connections',
    server: 'large.js', conns: 16,
    probe: { expect: (b) => (b.length === MB ? null : `body of ${b.length} bytes, not 1 MiB`) },
    metrics: [M.mbps, M.cpu_resp, M.js_cpu_resp, M.peak_rss],
    round: loadRound,
  },
  {
    name: 'pipelined',
    desc: 'GET hello, 16 requests in flight per connection, 32 connections',
    server: 'hello.js', uws: 'hello', peers: PEERS, conns: 32, pipeline: 16, probe: helloProbe,
    metrics: [M.rps, M.cpu_us, M.js_cpu, M.peak_rss],
    round: loadRound,
  },
  {
    name: 'cluster',
    desc: 'GET hello, 64 connections, to a cluster of 2 workers (SCHED_RR) on the server core',
    server: 'cluster.js', conns: 64, probe: helloProbe, processTree: true,
    metrics: [M.rps, M.cpu_us, M.js_cpu],
    round: loadRound,
  },
  {
    name: 'scaling',
    desc: `hello at ${SCALING_CONNS.join(', ')} connections; ${SCALING_BYTES.map(bytesLabel).join(', ')} bodies at ${SCALING_BYTES_CONNS} connections`,
    points: SCALING_POINTS,
    rounds: (ctx) => ctx.opts.scalingRounds,
    metrics: SCALING_METRICS,
    round: scalingRound,
  },
  {
    name: 'idle',
    desc: '10,000 idle keep-alive connections, each after one request',
    server: 'hello.js', probe: helloProbe,
    rounds: (ctx) => ctx.opts.idleRounds,
    metrics: [M.rss_conn, M.rss_held, M.open_ms, M.cpu_conn, M.js_cpu_conn],
    round: idleRound,
  },
  {
    name: 'client',
    desc: '20,000 keep-alive GETs, 32 in flight, against a node:http hello server: node:http vs rshttp (vs undici) client',
    conns: 32, requests: 20000, warmupRequests: 2000, probe: helloProbe,
    impls: clientImpls,
    metrics: [M.rps, M.client_cpu, M.client_js_cpu, M.client_rss],
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

/**
 * For a load scenario where the load generator ran out of CPU against some
 * implementation (median busy share at or above report.LOAD_BOUND), a note
 * naming them: their req/s is the load generator's ceiling, and server CPU
 * per request is what compares the servers there. Null otherwise.
 */
function loadBoundNote(out) {
  const busy = [];
  for (const impl of [...new Set(out.rounds.map((r) => r.impl))]) {
    const vals = out.rounds.filter((r) => r.ok && r.impl === impl && r.values.load_util !== undefined).map((r) => r.values.load_util);
    if (vals.length) busy.push([impl, median(vals)]);
  }
  if (!busy.some(([, v]) => v >= report.LOAD_BOUND)) return null;
  const list = busy.map(([impl, v]) => `${Math.round(v * 100)}% against ${report.label(impl)}`).join(', ');
  return `load generator busy ${list}: req/s at ${Math.round(report.LOAD_BOUND * 100)}% or more is its ceiling, ` +
    'not the server\'s; server CPU per request compares the servers';
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
  } else if (s.peers && ctx.opts.peers !== 'off') {
    // Peers that can run here join node and rshttp; the others are skipped.
    impls = [...IMPLS];
    for (const p of s.peers) {
      if (ctx.peers[p] && ctx.peers[p].argv0) impls.push(p);
      else skipped[p] = ctx.peers[p] ? ctx.peers[p].why : 'unknown peer';
    }
  }
  for (const [impl, why] of Object.entries(skipped)) process.stderr.write(`bench: ${s.name}: ${impl} skipped: ${why}\n`);
  const rounds = s.rounds ? s.rounds(ctx) : ctx.opts.rounds;
  const failed = {};
  // A peer that fails is shown as failed but does not fail the scenario:
  // what is under test is rshttp (and node:http, its reference).
  const peerFailed = {};
  for (let i = 0; i < rounds; i++) {
    for (const impl of impls) {
      if (failed[impl] || peerFailed[impl] || skipped[impl]) continue;
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
        if (e instanceof SkipError) {
          skipped[impl] = e.message;
          process.stderr.write(`skipped: ${e.message}\n`);
          continue;
        }
        (IMPLS.includes(impl) ? failed : peerFailed)[impl] = e.message;
        out.rounds.push({ impl, round: i + 1, ok: false, error: e.message });
        process.stderr.write(`FAILED: ${e.message}\n`);
      }
    }
  }
  // Implementations beyond node and rshttp that ran, in their own columns.
  const extra = impls.filter((i) => !IMPLS.includes(i) && out.rounds.some((r) => r.impl === i));
  if (extra.length) out.extraImpls = extra;
  if (Object.keys(skipped).length) out.skippedImpls = skipped;
  if (Object.keys(peerFailed).length) out.failedPeers = peerFailed;
  const others = Object.keys(skipped).filter((i) => !IMPLS.includes(i) && !extra.includes(i));
  for (const m of s.metrics) {
    const entry = { ...m };
    for (const impl of [...IMPLS, ...extra, ...others]) {
      const vals = out.rounds.filter((r) => r.ok && r.impl === impl).map((r) => r.values[m.key]);
      entry[impl] = { median: failed[impl] || peerFailed[impl] ? null : median(vals), rounds: vals };
      if (skipped[impl]) entry[impl].skipped = skipped[impl];
      if (peerFailed[impl]) entry[impl].failed = peerFailed[impl];
    }
    const ratio = (impl) => (entry.node.median && entry[impl].median !== null ? entry[impl].median / entry.node.median : null);
    // The headline ratio is rshttp / node; others are in ratios.
    entry.ratio = ratio('rshttp');
    if (extra.length) {
      entry.ratios = {};
      for (const impl of ['rshttp', ...extra]) entry.ratios[impl] = ratio(impl);
      // rshttp against the best of the others on this metric (its own
      // direction): the peer to beat.
      const best = extra.filter((i) => entry[i].median !== null)
        .sort((a, b) => (m.better === 'higher' ? entry[b].median - entry[a].median : entry[a].median - entry[b].median))[0];
      if (best) {
        const r = entry.rshttp.median;
        entry.bestPeer = { impl: best, median: entry[best].median, ratio: r !== null && entry[best].median ? r / entry[best].median : null };
      }
    }
    out.metrics.push(entry);
  }
  const bound = loadBoundNote(out);
  if (bound) out.warnings.push(bound);
  const fails = Object.entries(failed).map(([impl, msg]) => `${impl}: ${msg}`);
  if (fails.length) { out.status = 'failed'; out.message = fails.join('; '); }
  out.warnings = [...new Set(out.warnings)].slice(0, 6);
  return out;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const t0 = Date.now();
  const names = SCENARIOS.map((s) => s.name);
  for (const n of opts.only || []) if (!names.includes(n)) throw new Error(`unknown scenario ${n} (have ${names.join(', ')})`);
  const chosen = SCENARIOS.filter((s) => !opts.only || opts.only.includes(s.name));
  if (opts.setup) setup.ensureBuilt();
  const gen = setup.loadGenerator(opts.loadgen);
  // The peers, when a chosen scenario has them.
  let peersOff = opts.peers === 'off' ? 'peers off (--peers=off)' : null;
  if (!chosen.some((s) => s.peers)) peersOff = peersOff || 'no scenario with peers chosen';
  else if (!peersOff && opts.setup) peersOff = peers.install((m) => process.stderr.write(`bench: ${m}\n`));
  const found = peers.find(peersOff);
  const canPin = opts.pin !== 'off' && proc.have('taskset') && os.cpus().length >= 2;
  const ctx = { busyRounds: [], opts, gen, peers: found, serverCpu: canPin ? 0 : null, loadCpu: canPin ? 1 : null, root: setup.root };

  const res = {
    date: new Date().toISOString(),
    git: gitRev(),
    rshttpModule: process.env.BENCH_RSHTTP_MODULE ? `${process.env.BENCH_RSHTTP_MODULE} (BENCH_RSHTTP_MODULE: not rshttp!)` : 'index.js',
    options: {
      rounds: opts.rounds, seconds: opts.seconds, warmup: opts.warmup, quick: opts.quick, idleConns: opts.idleConns,
      peers: opts.peers, ioThreads: opts.ioThreads, ioThreadsFrom: opts.ioThreadsFrom,
      scaling: { rounds: opts.scalingRounds, seconds: opts.scalingSeconds, warmup: opts.scalingWarmup },
    },
    // RSHTTP_IO_THREADS as rshttp's processes saw it (null: unset).
    rshttpIoThreads: opts.ioThreads,
    peers: Object.fromEntries(Object.entries(found).map(([k, v]) => [k, v.argv0 ? { version: v.version, package: v.package } : { skipped: v.why }])),
    machine: machine(ctx),
    loadAverage: { start: os.loadavg()[0] },
    scenarios: [],
  };
  process.stderr.write(`bench: ${res.machine.cpu}, ${res.machine.cores} cores, node ${res.machine.node}; ${gen}; ${res.machine.pinning}\n`);
  process.stderr.write(`bench: ${report.ioThreadsLine(res)}; ${report.peersLine(res)}\n`);
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
