#!/usr/bin/env node
'use strict';
// npm run test:ecosystem: real packages from npm (express, fastify, koa, ws,
// http-proxy, compression, busboy, undici, node-fetch, axios, got) over
// rshttp and over node:http. Each scenario file in __test__/ecosystem runs
// twice under node --test: with `--require rshttp/register` (every `http` in
// the process is rshttp: servers, and the clients the packages make) and on
// plain node:http, so a scenario that fails only on rshttp is rshttp's.
//
//   node scripts/ecosystem.js [--impl=rshttp|node] [FILE ...]

const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const dir = path.join(root, '__test__', 'ecosystem');

const implArg = process.argv.find((a) => a.startsWith('--impl='));
const impls = implArg ? [implArg.slice('--impl='.length)] : ['rshttp', 'node'];
const named = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const files = named.length ? named.map((f) => path.resolve(f)) :
  fs.readdirSync(dir).filter((f) => f.endsWith('.js') && !f.startsWith('_')).sort().map((f) => path.join(dir, f));

const results = [];
for (const impl of impls) {
  process.stdout.write(`\n== ecosystem on ${impl === 'rshttp' ? 'rshttp (--require rshttp/register)' : 'node:http'}\n`);
  const env = { ...process.env, RSHTTP_IMPL: impl };
  const register = path.join(root, 'register.js');
  if (impl === 'rshttp') env.NODE_OPTIONS = `${env.NODE_OPTIONS || ''} --require ${JSON.stringify(register)}`.trim();
  const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files], {
    cwd: root, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024,
  });
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  const count = (name) => Number((new RegExp(`^ℹ ${name} (\\d+)`, 'm').exec(r.stdout) || [])[1] || 0);
  results.push({ impl, ok: r.status === 0, pass: count('pass'), fail: count('fail'), tests: count('tests') });
}

process.stdout.write('\necosystem:\n');
for (const r of results) {
  process.stdout.write(`  ${r.impl}: ${r.pass} of ${r.tests} passed${r.fail ? `, ${r.fail} FAILED` : ''}\n`);
}
process.exitCode = results.every((r) => r.ok && r.tests > 0) ? 0 : 1;
