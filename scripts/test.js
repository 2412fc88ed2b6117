#!/usr/bin/env node
'use strict';

// npm test: the unit tests (`node --test __test__/`), a short fixed-seed
// differential fuzzing run (scripts/fuzz-diff.js with FUZZ_SHORT: node:http
// and rshttp must answer every case alike), the ecosystem suite
// (scripts/ecosystem.js: real npm packages over rshttp and node:http), then
// the conformance run (scripts/node-compat.js) for each of
// CONFORMANCE_SIDES: `all` (rshttp's server and client) and `server`
// (rshttp's server, Node's client). All always run; the exit code is 1 if
// any failed.

const { spawnSync } = require('child_process');
const path = require('path');

const CONFORMANCE_SIDES = ['all', 'server'];

/**
 * The short fuzz:diff run: the fixed smuggling cases, 300 mutated requests
 * and 150 mutated responses of seed 1, a few at a time (a couple of seconds
 * on a 2-core machine). `npm run fuzz:diff -- --seed S --cases N` runs long.
 */
const FUZZ_SHORT = ['--seed', '1', '--cases', '300', '--client-cases', '150', '--jobs', '4'];

const root = path.join(__dirname, '..');

function run(title, args) {
  process.stdout.write(`\n== ${title}: node ${args.join(' ')}\n`);
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (r.error) {
    process.stderr.write(`${title}: ${r.error.message}\n`);
    return false;
  }
  return r.status === 0;
}

const unit = run('unit tests', ['--test', '__test__/']);
const fuzz = run('fuzz:diff (short)', [path.join('scripts', 'fuzz-diff.js'), ...FUZZ_SHORT]);
const ecosystem = run('ecosystem', [path.join('scripts', 'ecosystem.js')]);
let conformance = true;
for (const side of CONFORMANCE_SIDES) {
  if (!run(`conformance (side=${side})`, [path.join('scripts', 'node-compat.js'), `--side=${side}`])) {
    conformance = false;
  }
}

process.stdout.write(`\nnpm test: unit tests ${unit ? 'passed' : 'FAILED'}, ` +
  `fuzz:diff (short) ${fuzz ? 'passed' : 'FAILED'}, ` +
  `ecosystem ${ecosystem ? 'passed' : 'FAILED'}, conformance ${conformance ? 'passed' : 'FAILED'}\n`);
process.exitCode = unit && fuzz && ecosystem && conformance ? 0 : 1;
