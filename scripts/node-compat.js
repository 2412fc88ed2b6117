#!/usr/bin/env node
'use strict';

// Conformance run: Node 20's own test/parallel/test-http-*.js, run with
// `http` redirected to rshttp (NODE_OPTIONS=--require <register.js>, so child
// processes the tests spawn get rshttp too). See DESIGN.md, "Conformance run".
//
//   npm run test:node -- [options]
//     --side=all|server  all (default): rshttp's server and client;
//                        server: RSHTTP_CLIENT=node, rshttp keeps Node's client
//     --io-threads=N     rshttp on its I/O threads (RSHTTP_IO_THREADS=N);
//                        its own ratchet lines (`all/threads`, `server/threads`)
//     --baseline         plain Node, no register (validates the runner)
//     --update           add newly passing files to the ratchet list
//     --filter=SUBSTR    only files whose name contains SUBSTR (repeatable)
//     -j N, --jobs=N     concurrency (default: availableParallelism() * 4; the
//                        tests mostly wait on timers)
//     --timeout=SECONDS  per test (default 30)
//     --retries=N        re-run failures alone, N times (default 1): those of
//                        listed files, or all when there are at most 20
//     --verbose          show the last stderr lines of failing tests
//     --list             print the selected files and exit
//
// Suite: NODE_TEST_SUITE=DIR (a Node 20.19.2 tree), else .cache/node-tests/,
// else fetched from Debian (scripts/fetch-node-tests.js).
//
// Selection: every test-http-*.js that uses only the public API: no
// --expose-internals flag, no require('internal/...'), no require('_http_*'),
// no internalBinding / process.binding. Of Node 20.19.2's 370 files, 347.
//
// Ratchet: __test__/node-compat/passing.txt lists `<side> <file>` lines known
// to pass. A listed file that fails makes the run fail; newly passing files
// are printed, and written in with --update.

const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { obtainSuite, UnavailableError, HOW_TO } = require('./fetch-node-tests');

const ROOT = path.join(__dirname, '..');
const REGISTER = path.join(ROOT, 'register.js');
const PASSING = path.join(ROOT, '__test__', 'node-compat', 'passing.txt');
const EXPECTED_SELECTED = 347;
const RETRY_ALL_UP_TO = 20;
const SIDES = ['all', 'server'];
/** Ratchet labels: a side, and a side on the I/O threads. */
const LABELS = [...SIDES, ...SIDES.map((s) => `${s}/threads`)];

// --- Options ----------------------------------------------------------------

function parseArgs(argv) {
  const o = {
    side: 'all', ioThreads: 0, baseline: false, update: false, filters: [], verbose: false, list: false,
    jobs: Math.max(1, (os.availableParallelism ? os.availableParallelism() : os.cpus().length) * 4),
    timeout: 30, retries: 1,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf('=');
    const key = eq === -1 ? a : a.slice(0, eq);
    const val = () => (eq === -1 ? argv[++i] : a.slice(eq + 1));
    switch (key) {
      case '--side': o.side = val(); break;
      case '--io-threads': o.ioThreads = Number(val()); break;
      case '--baseline': o.baseline = true; break;
      case '--update': o.update = true; break;
      case '--filter': o.filters.push(val()); break;
      case '-j': case '--jobs': o.jobs = Number(val()); break;
      case '--timeout': o.timeout = Number(val()); break;
      case '--retries': o.retries = Number(val()); break;
      case '--verbose': case '-v': o.verbose = true; break;
      case '--list': o.list = true; break;
      case '-h': case '--help':
        process.stdout.write(fs.readFileSync(__filename, 'utf8').split('\nconst ')[0].split('\n')
          .filter((l) => l.startsWith('//')).map((l) => l.slice(3)).join('\n') + '\n');
        process.exit(0);
        break;
      default:
        if (/^-j\d+$/.test(a)) o.jobs = Number(a.slice(2));
        else usage(`unknown option ${a}`);
    }
  }
  if (!SIDES.includes(o.side)) usage(`--side must be one of ${SIDES.join(', ')}`);
  if (!(Number.isInteger(o.ioThreads) && o.ioThreads >= 0)) usage('--io-threads needs a thread count');
  if (o.baseline && o.ioThreads) usage('--io-threads does not go with --baseline');
  o.label = o.ioThreads ? `${o.side}/threads` : o.side;
  if (!(o.jobs >= 1)) usage('-j needs a positive number');
  if (!(o.timeout > 0)) usage('--timeout needs a positive number of seconds');
  if (!(o.retries >= 0)) usage('--retries needs a number');
  if (o.baseline && o.update) usage('--update does not go with --baseline');
  return o;
}

function usage(msg) {
  process.stderr.write(`node-compat: ${msg} (see --help)\n`);
  process.exit(2);
}

// --- Selection ----------------------------------------------------------------

function flagsOf(source) {
  const m = /\/\/ Flags:\s+(--.*)/.exec(source);
  return m ? m[1].trim().split(/\s+/).filter(Boolean) : [];
}

// Why a test is not public-API only, or null.
function internalUse(source) {
  if (flagsOf(source).some((f) => /^--expose[-_]internals$/.test(f))) return '--expose-internals';
  if (/require\(\s*['"`](?:node:)?internal\//.test(source)) return "require('internal/...')";
  if (/require\(\s*['"`](?:node:)?_http_/.test(source)) return "require('_http_...')";
  if (/\binternalBinding\b/.test(source)) return 'internalBinding';
  if (/\bprocess\.binding\s*\(/.test(source)) return 'process.binding';
  return null;
}

function select(suite, filters) {
  const dir = path.join(suite, 'test', 'parallel');
  const all = fs.readdirSync(dir).filter((f) => /^test-http-.*\.js$/.test(f)).sort();
  const tests = [];
  for (const name of all) {
    const file = path.join(dir, name);
    const source = fs.readFileSync(file, 'utf8');
    if (internalUse(source)) continue;
    tests.push({ name, file, flags: flagsOf(source) });
  }
  const selected = filters.length ?
    tests.filter((t) => filters.some((f) => t.name.includes(f))) : tests;
  return { total: all.length, public: tests.length, selected };
}

// --- Ratchet file -------------------------------------------------------------

function readPassing() {
  const set = new Set();
  let text = '';
  try {
    text = fs.readFileSync(PASSING, 'utf8');
  } catch {}
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [side, name] = line.split(/\s+/);
    if (LABELS.includes(side) && name) set.add(`${side} ${name}`);
  }
  return set;
}

function writePassing(set) {
  const header = [
    '# Node http tests known to pass under rshttp, one `<side> <file>` per line.',
    '# side: `all` (rshttp server and client) or `server` (RSHTTP_CLIENT=node);',
    '# `<side>/threads`: the same with rshttp on its I/O threads (--io-threads).',
    '# Checked by `npm run test:node`; `npm run test:node -- --update` adds newly',
    '# passing files. Remove a line only with a reason in the commit message.',
  ];
  const lines = [...set].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  fs.mkdirSync(path.dirname(PASSING), { recursive: true });
  fs.writeFileSync(PASSING, [...header, ...lines].join('\n') + '\n');
}

// --- Running ------------------------------------------------------------------

function quoteOption(p) {
  return /[\s"\\]/.test(p) ? `"${p.replace(/(["\\])/g, '\\$1')}"` : p;
}

function testEnv(o, slot) {
  const env = { ...process.env };
  // As Node's tools/test.py: one tmp dir per concurrent slot (test/.tmp.ID),
  // here also per run, so that two runs can share a suite.
  env.TEST_THREAD_ID = `${process.pid}-${slot}`;
  delete env.TEST_SERIAL_ID;
  delete env.NODE_TEST_DIR;
  delete env.NODE_SKIP_FLAG_CHECK;
  delete env.NODE_OPTIONS;
  delete env.RSHTTP_CLIENT;
  delete env.RSHTTP_IO_THREADS;
  if (!o.baseline) {
    env.NODE_OPTIONS = `--require ${quoteOption(REGISTER)}`;
    if (o.side === 'server') env.RSHTTP_CLIENT = 'node';
    if (o.ioThreads) env.RSHTTP_IO_THREADS = String(o.ioThreads);
  }
  return env;
}

const KEEP = 64 * 1024;

// Process groups of running tests, killed if the runner is interrupted.
const active = new Set();
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    for (const pid of active) {
      try { process.kill(-pid, 'SIGKILL'); } catch {}
    }
    process.exit(130);
  });
}

function runOne(test, o, suite, slot) {
  return new Promise((resolve) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, [...test.flags, test.file], {
      cwd: suite,
      env: testEnv(o, slot),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // own process group, so a timeout kills its children too
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => { stdout = (stdout + d).slice(-KEEP); });
    child.stderr.setEncoding('utf8').on('data', (d) => { stderr = (stderr + d).slice(-KEEP); });
    let timedOut = false;
    let exit = null;
    active.add(child.pid);
    const killGroup = () => {
      try { process.kill(-child.pid, 'SIGKILL'); } catch {}
    };
    const timer = setTimeout(() => {
      if (!exit) timedOut = true;
      killGroup();
    }, o.timeout * 1000);
    child.on('error', (err) => { stderr += `\n${err.stack}`; });
    // Once the test has exited, leftover grandchildren (which may hold its
    // stdout open) are killed.
    child.on('exit', (code, signal) => {
      exit = { code, signal, ms: Number(process.hrtime.bigint() - start) / 1e6 };
      killGroup();
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      active.delete(child.pid);
      if (!exit) exit = { code, signal, ms: Number(process.hrtime.bigint() - start) / 1e6 };
      ({ code, signal } = exit);
      const ms = exit.ms;
      const ok = code === 0 && !timedOut;
      const why = timedOut ? `timeout ${o.timeout}s` : signal ? `signal ${signal}` : `exit ${code}`;
      resolve({ name: test.name, ok, why, ms, stdout, stderr });
    });
  });
}

async function runAll(tests, o, suite, jobs, onDone) {
  const results = new Map();
  let next = 0;
  async function worker(slot) {
    while (next < tests.length) {
      const test = tests[next++];
      const r = await runOne(test, o, suite, slot);
      results.set(test.name, r);
      onDone(r);
    }
  }
  await Promise.all(Array.from({ length: Math.min(jobs, tests.length) }, (_, i) => worker(i)));
  return results;
}

function tailLines(text, n) {
  return text.trimEnd().split('\n').slice(-n).map((l) => `      ${l}`).join('\n');
}

// --- Main -----------------------------------------------------------------------

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const ci = /^(1|true)$/i.test(process.env.CI || '');

  let suite;
  try {
    suite = obtainSuite();
  } catch (err) {
    process.stderr.write(`node-compat: ${err.message}\n`);
    if (!(err instanceof UnavailableError)) return 1;
    process.stderr.write(`${HOW_TO}\n`);
    if (ci) {
      process.stderr.write('node-compat: CI is set, so a missing suite is a failure.\n');
      return 1;
    }
    process.stderr.write('node-compat: skipped.\n');
    return 0;
  }

  const { total, public: nPublic, selected } = select(suite, o.filters);
  if (o.list) {
    for (const t of selected) process.stdout.write(`${t.name}\n`);
    return 0;
  }
  if (!o.baseline && !process.env.RSHTTP_REGISTER_MODULE && !fs.existsSync(path.join(ROOT, 'index.js'))) {
    process.stderr.write('node-compat: index.js is missing; every test will fail.\n');
  }

  const mode = o.baseline ? 'baseline (plain Node, no rshttp)' :
    `rshttp, side=${o.side}${o.side === 'server' ? ' (RSHTTP_CLIENT=node)' : ''}` +
    `${o.ioThreads ? `, I/O threads: ${o.ioThreads}` : ''}`;
  process.stdout.write(
    `node-compat: ${mode}; node ${process.version}; suite ${path.relative(process.cwd(), suite) || '.'}\n` +
    `node-compat: ${nPublic} of ${total} test-http-*.js use only the public API` +
    `${nPublic !== EXPECTED_SELECTED ? ` (expected ${EXPECTED_SELECTED}!)` : ''}; ` +
    `running ${selected.length}, ${o.jobs} at a time, ${o.timeout}s each\n`);

  if (!o.baseline && process.env.RSHTTP_REGISTER_MODULE) {
    process.stdout.write(`node-compat: RSHTTP_REGISTER_MODULE=${process.env.RSHTTP_REGISTER_MODULE} stands in for index.js\n`);
  }
  const started = Date.now();
  let done = 0;
  const results = await runAll(selected, o, suite, o.jobs, (r) => {
    done++;
    if (!r.ok) {
      process.stdout.write(`  [${done}/${selected.length}] FAIL ${r.name} (${r.why}, ${(r.ms / 1000).toFixed(1)}s)\n`);
    } else if (done % 50 === 0) {
      process.stdout.write(`  [${done}/${selected.length}] ...\n`);
    }
  });

  // Re-run failures alone, to tell a real failure from load-induced flakiness:
  // those of listed files, or all of them when there are few (not under CI,
  // where only the ratchet's verdict matters and known failures would cost
  // their full time limit again).
  const known = readPassing();
  const key = (name) => `${o.label} ${name}`;
  const flaky = [];
  for (let attempt = 1; attempt <= o.retries; attempt++) {
    let failed = selected.filter((t) => !results.get(t.name).ok);
    if (process.env.CI === 'true' || failed.length > RETRY_ALL_UP_TO) failed = failed.filter((t) => !o.baseline && known.has(key(t.name)));
    if (!failed.length) break;
    process.stdout.write(`node-compat: re-running ${failed.length} failure(s) one at a time (retry ${attempt})\n`);
    const again = await runAll(failed, o, suite, 1, (r) => {
      process.stdout.write(`  ${r.ok ? 'pass' : 'FAIL'} ${r.name}${r.ok ? '' : ` (${r.why})`}\n`);
    });
    for (const [name, r] of again) {
      if (r.ok) flaky.push(name);
      results.set(name, r);
    }
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  // Tmp dirs left by tests that were killed.
  const testDir = path.join(suite, 'test');
  for (const d of fs.readdirSync(testDir)) {
    if (d.startsWith(`.tmp.${process.pid}-`)) fs.rmSync(path.join(testDir, d), { recursive: true, force: true });
  }

  const passed = selected.filter((t) => results.get(t.name).ok).map((t) => t.name);
  const failed = selected.filter((t) => !results.get(t.name).ok).map((t) => t.name);

  if (failed.length) {
    process.stdout.write(`\nFailed (${failed.length}):\n`);
    for (const name of failed) {
      const r = results.get(name);
      process.stdout.write(`  ${name} (${r.why})\n`);
      if (o.verbose) {
        const text = r.stderr.trim() ? r.stderr : r.stdout;
        if (text.trim()) process.stdout.write(`${tailLines(text, 15)}\n`);
      }
    }
  }
  if (o.verbose) {
    const slow = [...results.values()].sort((a, b) => b.ms - a.ms).slice(0, 8);
    process.stdout.write(`\nSlowest: ${slow.map((r) => `${r.name} ${(r.ms / 1000).toFixed(1)}s`).join(', ')}\n`);
  }
  if (flaky.length) {
    process.stdout.write(`\nPassed only when re-run alone (${flaky.length}): ${flaky.join(', ')}\n`);
  }
  process.stdout.write(`\n${passed.length} passed, ${failed.length} failed\n`);
  process.stdout.write(`node-compat: ${seconds}s\n`);

  if (o.baseline) return 0; // informational: no ratchet for plain Node

  // Ratchet.
  const regressions = failed.filter((n) => known.has(key(n)));
  const fresh = passed.filter((n) => !known.has(key(n)));
  if (fresh.length) {
    process.stdout.write(`\nNewly passing, side=${o.label} (${fresh.length}):\n`);
    for (const n of fresh) process.stdout.write(`  ${o.label} ${n}\n`);
    if (o.update) {
      for (const n of fresh) known.add(key(n));
      writePassing(known);
      process.stdout.write(`node-compat: added them to ${path.relative(process.cwd(), PASSING)}\n`);
    } else {
      process.stdout.write('node-compat: add them with `npm run test:node -- --update' +
        `${o.side === 'all' ? '' : ` --side=${o.side}`}\`\n`);
    }
  }
  if (regressions.length) {
    process.stdout.write(`\nRATCHET FAILED: ${regressions.length} file(s) listed as passing (side=${o.label}) failed:\n`);
    for (const n of regressions) process.stdout.write(`  ${n}\n`);
    return 1;
  }
  const listed = selected.filter((t) => known.has(key(t.name))).length;
  process.stdout.write(`ratchet ok: all ${listed} listed file(s) for side=${o.label} passed\n`);
  return 0;
}

main().then((code) => { process.exitCode = code; }, (err) => {
  process.stderr.write(`node-compat: ${err.stack}\n`);
  process.exitCode = 1;
});
