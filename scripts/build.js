#!/usr/bin/env node
'use strict';
// Builds the native addon: `cargo build` of the cdylib, copied to
// `rshttp.<platform>-<arch>[-<abi>].node` beside index.js, as
// `napi build --platform` names it. Done here rather than through
// @napi-rs/cli, whose dependency tree npm ci cannot install on Node 20
// (optional platform packages missing from the lock file).
//
//   node scripts/build.js [--debug]

const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const debug = process.argv.includes('--debug');

/** The platform suffix napi-rs uses for this machine. */
function triple() {
  const { platform, arch } = process;
  if (platform === 'linux') {
    const glibc = process.report?.getReport?.().header?.glibcVersionRuntime;
    return `linux-${arch}-${glibc ? 'gnu' : 'musl'}`;
  }
  if (platform === 'win32') return `win32-${arch}-msvc`;
  return `${platform}-${arch}`;
}

const args = ['build', '--lib'];
if (!debug) args.push('--release');
const r = spawnSync('cargo', args, { cwd: root, stdio: 'inherit' });
if (r.error) {
  console.error(`build: cannot run cargo: ${r.error.message}`);
  process.exit(1);
}
if (r.status !== 0) process.exit(r.status || 1);

const libName = process.platform === 'win32' ? 'rshttp.dll' :
  process.platform === 'darwin' ? 'librshttp.dylib' : 'librshttp.so';
const built = path.join(root, 'target', debug ? 'debug' : 'release', libName);
const dest = path.join(root, `rshttp.${triple()}.node`);
fs.copyFileSync(built, dest);
console.log(`build: ${path.relative(root, dest)}`);
