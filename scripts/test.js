#!/usr/bin/env node
'use strict';

// npm test: the Rust tests (`cargo test --lib`: the protocol layer and the
// connection core over virtual streams), the unit tests (`node --test
// __test__/`), the fault tests again on 2 I/O threads (FAULT_TESTS with
// RSHTTP_IO_THREADS=2: each compares rshttp with node:http on raw-socket
// scenarios, and the I/O threads meet them with other timing), a short
// fixed-seed differential fuzzing run
// (scripts/fuzz-diff.js with FUZZ_SHORT: node:http and rshttp must answer
// every case alike), the ecosystem suite
// (scripts/ecosystem.js: real npm packages over rshttp and node:http), then
// the conformance run (scripts/node-compat.js) for each of
// CONFORMANCE_SIDES: `all` (rshttp's server and client) and `server`
// (rshttp's server, Node's client), inline and on 2 I/O threads (each with
// its own ratchet lines). All always run; the exit code is 1 if any failed.

const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const CONFORMANCE_SIDES = ['all', 'server'];
/** I/O modes the conformance run covers: inline, and 2 I/O threads. */
const CONFORMANCE_IO_THREADS = [0, 2];

/**
 * The short fuzz:diff run: the fixed smuggling cases, 300 mutated requests
 * and 150 mutated responses of seed 1, a few at a time (a couple of seconds
 * on a 2-core machine). `npm run fuzz:diff -- --seed S --cases N` runs long.
 */
const FUZZ_SHORT = ['--seed', '1', '--cases', '300', '--client-cases', '150', '--jobs', '4'];

const root = path.join(__dirname, '..');

/** The unit test files that also run on the I/O threads: the fault tests. */
const FAULT_TESTS = fs.readdirSync(path.join(root, '__test__'))
  .filter((f) => /^faults_.*\.test\.js$/.test(f)).sort().map((f) => path.join('__test__', f));

function run(title, args, command = process.execPath, env = {}) {
  const vars = Object.entries(env).map(([k, v]) => `${k}=${v} `).join('');
  process.stdout.write(`\n== ${title}: ${vars}${command === process.execPath ? 'node' : command} ${args.join(' ')}\n`);
  const r = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.error) {
    process.stderr.write(`${title}: ${r.error.message}\n`);
    return false;
  }
  return r.status === 0;
}

const rust = run('rust tests', ['test', '--lib', '--quiet'], 'cargo');
const unit = run('unit tests', ['--test', '__test__/']);
const faults = run('fault tests (I/O threads 2)', ['--test', ...FAULT_TESTS], process.execPath, { RSHTTP_IO_THREADS: '2' });
const fuzz = run('fuzz:diff (short)', [path.join('scripts', 'fuzz-diff.js'), ...FUZZ_SHORT]);
const ecosystem = run('ecosystem', [path.join('scripts', 'ecosystem.js')]);
let conformance = true;
for (const threads of CONFORMANCE_IO_THREADS) {
  for (const side of CONFORMANCE_SIDES) {
    const args = [path.join('scripts', 'node-compat.js'), `--side=${side}`];
    if (threads) args.push(`--io-threads=${threads}`);
    const title = `conformance (side=${side}${threads ? `, I/O threads ${threads}` : ', inline'})`;
    if (!run(title, args)) conformance = false;
  }
}

process.stdout.write(`\nnpm test: rust tests ${rust ? 'passed' : 'FAILED'}, unit tests ${unit ? 'passed' : 'FAILED'}, ` +
  `fault tests on I/O threads ${faults ? 'passed' : 'FAILED'}, ` +
  `fuzz:diff (short) ${fuzz ? 'passed' : 'FAILED'}, ` +
  `ecosystem ${ecosystem ? 'passed' : 'FAILED'}, conformance ${conformance ? 'passed' : 'FAILED'}\n`);
process.exitCode = rust && unit && faults && fuzz && ecosystem && conformance ? 0 : 1;
