#!/usr/bin/env node
'use strict';
// npm run fuzz:cargo [-- --seconds N] [TARGET ...]: coverage-guided fuzzing
// of the protocol layer (fuzz/fuzz_targets: request_head, response_head,
// chunked_body) with cargo-fuzz and libFuzzer on the nightly toolchain,
// each target for N seconds (default 1800) from its seed corpus
// (fuzz/seeds/<target>, made by fuzz/make-seeds.js) into a working corpus
// under fuzz/corpus/. Installs cargo-fuzz first when it is missing. Crashes
// are written to fuzz/artifacts/<target>/; the exit code is 1 if any.

const { spawnSync } = require('child_process');
const path = require('path');

const root = path.join(__dirname, '..');
const TARGETS = ['request_head', 'response_head', 'chunked_body'];

const args = process.argv.slice(2);
const i = args.indexOf('--seconds');
const seconds = i === -1 ? 1800 : Number(args.splice(i, 2)[1]);
const targets = args.length ? args : TARGETS;

const run = (cmd, argv) => spawnSync(cmd, argv, { cwd: root, stdio: 'inherit' }).status;

if (spawnSync('cargo', ['+nightly', 'fuzz', '--version'], { cwd: root }).status !== 0 &&
    run('cargo', ['install', 'cargo-fuzz']) !== 0) {
  console.error('fuzz:cargo: cannot install cargo-fuzz');
  process.exit(2);
}
let failed = 0;
for (const t of targets) {
  console.log(`\n== ${t}: ${seconds} s`);
  const status = run('cargo', ['+nightly', 'fuzz', 'run', t, path.join('fuzz', 'corpus', t), path.join('fuzz', 'seeds', t),
    '--', `-max_total_time=${seconds}`, '-max_len=8192', '-rss_limit_mb=2048', '-print_final_stats=1']);
  if (status !== 0) failed++;
}
process.exitCode = failed ? 1 : 0;
