'use strict';
// `npm run bench` on a fresh clone: build what is missing, find a load generator.
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { have } = require('./proc');
const { ensureCommand } = require('../../scripts/apt');

const root = path.join(__dirname, '..', '..');

function run(cmd, args, opts = {}) {
  process.stderr.write(`bench: $ ${cmd} ${args.join(' ')}\n`);
  return spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts }).status === 0;
}

function addonPresent() {
  return fs.readdirSync(root).some((f) => /^rshttp\..*\.node$/.test(f));
}

function ensureBuilt() {
  const nm = fs.existsSync(path.join(root, 'node_modules'));
  if (nm && addonPresent()) return;
  process.stderr.write(`bench: ${nm ? 'built addon' : 'node_modules'} missing, running npm ci (builds the addon)\n`);
  if (!run('npm', ['ci'])) {
    // npm 11 can reject a lock file that lacks optional packages the registry
    // does not have (npm/cli#9846); install from package.json without
    // touching package.json or the lock file then.
    process.stderr.write('bench: npm ci failed; trying npm install --no-save\n');
    if (!run('npm', ['install', '--no-save'])) throw new Error('npm ci and npm install both failed');
  }
  if (!addonPresent()) process.stderr.write('bench: warning: still no rshttp.*.node in the repo root after npm ci\n');
}

function autocannonPresent() {
  try { require.resolve('autocannon', { paths: [root] }); return true; } catch { return false; }
}

// Returns 'wrk' or 'autocannon'. `want` forces one.
function loadGenerator(want) {
  if (want === 'autocannon') {
    if (!autocannonPresent()) throw new Error('autocannon is not installed (it is a devDependency: npm ci)');
    return 'autocannon';
  }
  if (have('wrk')) return 'wrk';
  try {
    ensureCommand('wrk', 'wrk', (m) => process.stderr.write(`bench: ${m}\n`));
    return 'wrk';
  } catch (err) {
    process.stderr.write(`bench: ${err.message}\n`);
  }
  if (want === 'wrk') throw new Error('wrk was asked for and could not be installed');
  process.stderr.write('bench: wrk unavailable, falling back to autocannon\n');
  if (!autocannonPresent()) throw new Error('neither wrk nor autocannon is available (npm ci installs autocannon)');
  return 'autocannon';
}

module.exports = { ensureBuilt, loadGenerator, root };
