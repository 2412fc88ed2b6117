'use strict';
// The reference servers ("peers") shown beside node:http and rshttp in the
// hello, latency, post-echo and pipelined scenarios:
//
//   uws  uWebSockets.js (servers/uws.js, uWS's own API) under this Node
//   bun  Bun's node:http: the same servers/*.js program as node:http's, run
//        by the `bun` binary with BENCH_IMPL=node
//
// Both come from npm packages that benchmark/peers/package.json lists as
// optional dependencies (a private package of its own, so that rshttp's
// users and its other CI jobs never download them); install() runs npm ci
// there. Neither needs an install script. find() tells, for each peer, how
// to run it or why it is skipped; a missing peer is never an error.
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const dir = path.join(__dirname, '..', 'peers');
const modules = path.join(dir, 'node_modules');
const UWS_PKG = '@trufflesuite/uws-js-unofficial';

function pinned() {
  return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).optionalDependencies || {};
}

function installedVersion(name) {
  try { return JSON.parse(fs.readFileSync(path.join(modules, name, 'package.json'), 'utf8')).version; } catch { return null; }
}

// npm ci in benchmark/peers when its node_modules is missing or holds another
// version of a pinned package than package.json names. Returns null when
// done, else why not (the peers are then skipped with that reason).
function install(log) {
  const want = pinned();
  const stale = !fs.existsSync(modules) ||
    Object.entries(want).some(([name, v]) => { const got = installedVersion(name); return got !== null && got !== v; });
  if (!stale) return null;
  const run = (args) => {
    log(`$ npm ${args.join(' ')}   (in benchmark/peers)`);
    return spawnSync('npm', args, { cwd: dir, stdio: ['ignore', 'inherit', 'inherit'] }).status === 0;
  };
  if (run(['ci', '--no-audit', '--no-fund'])) return null;
  // As for the root: npm 11 can reject a lock file that lacks optional
  // packages the registry does not have; install without saving then.
  if (run(['install', '--no-save', '--no-audit', '--no-fund'])) return null;
  return 'npm ci in benchmark/peers failed';
}

function hasAvx2() {
  try { return /\bavx2\b/.test(fs.readFileSync('/proc/cpuinfo', 'latin1')); } catch { return false; }
}

// Bun's platform packages to try here, best first: the -baseline build is the
// one for x64 processors without AVX2.
function bunCandidates() {
  if (process.platform !== 'linux') return [];
  if (process.arch === 'x64') return hasAvx2() ? ['@oven/bun-linux-x64', '@oven/bun-linux-x64-baseline'] : ['@oven/bun-linux-x64-baseline'];
  if (process.arch === 'arm64') return ['@oven/bun-linux-aarch64'];
  return [];
}

function findBun() {
  const names = bunCandidates();
  if (!names.length) return { why: `no Bun package for ${process.platform}-${process.arch} in benchmark/peers` };
  const tried = [];
  for (const name of names) {
    const bin = path.join(modules, name, 'bin', 'bun');
    if (!fs.existsSync(bin)) { tried.push(`${name} not installed`); continue; }
    const r = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 15000 });
    if (r.status === 0 && /^\d/.test(r.stdout.trim())) {
      return { argv0: bin, comm: 'bun', version: r.stdout.trim(), package: `${name}@${installedVersion(name)}` };
    }
    tried.push(`${name}: bun --version ${r.error ? r.error.code : r.signal || 'exit ' + r.status}`);
  }
  return { why: tried.join('; ') };
}

// uWS loads in a child (a crash there must not take the harness with it)
// and must come from its native binary, not its JavaScript fallback.
function findUws() {
  const version = installedVersion(UWS_PKG);
  if (!version) return { why: `${UWS_PKG} not installed in benchmark/peers` };
  const r = spawnSync(process.execPath, ['-e', `
    process.env.UWS_USE_FALLBACK = '';
    console.warn = () => {};
    require(require.resolve(${JSON.stringify(UWS_PKG)}, { paths: [${JSON.stringify(dir)}] }));
    const bin = Object.keys(require.cache).find((f) => /[\\\\/]uws_[^\\\\/]*\\.node$/.test(f));
    process.stdout.write(bin ? 'NATIVE' : 'FALLBACK');
  `], { encoding: 'utf8', timeout: 15000 });
  if (r.stdout === 'NATIVE') return { argv0: process.execPath, comm: null, version: `${version}`, package: `${UWS_PKG}@${version}` };
  if (r.stdout === 'FALLBACK') return { why: `${UWS_PKG}@${version} has no native binary for ${process.platform}-${process.arch} Node ABI ${process.versions.modules}` };
  return { why: `${UWS_PKG}@${version} does not load: ${(r.stderr || r.signal || '').trim().split('\n').slice(-1)[0]}` };
}

// { uws: {argv0, comm, version, package} | {why}, bun: ... }. `off` is a
// reason to skip them all (--peers=off, a failed install).
function find(off) {
  if (off) return { uws: { why: off }, bun: { why: off } };
  return { uws: findUws(), bun: findBun() };
}

module.exports = { install, find, dir };
