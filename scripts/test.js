#!/usr/bin/env node
'use strict';

// npm test: the unit tests (`node --test __test__/`), then the conformance run
// (scripts/node-compat.js) for CONFORMANCE_SIDE. Both always run; the exit
// code is 1 if either failed.

const { spawnSync } = require('child_process');
const path = require('path');

// 'server' while rshttp has no client of its own (RSHTTP_CLIENT=node);
// switch to 'all' once it does.
const CONFORMANCE_SIDE = 'server';

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
const conformance = run(`conformance (side=${CONFORMANCE_SIDE})`,
  [path.join('scripts', 'node-compat.js'), `--side=${CONFORMANCE_SIDE}`]);

process.stdout.write(`\nnpm test: unit tests ${unit ? 'passed' : 'FAILED'}, ` +
  `conformance ${conformance ? 'passed' : 'FAILED'}\n`);
process.exitCode = unit && conformance ? 0 : 1;
