#!/usr/bin/env node
'use strict';
// npm run build:cross: builds the addon for other platforms on this Linux
// machine, into artifacts/rshttp.<platform>.node (where `npm run pack` and
// `napi artifacts` look), with `napi build --cross-compile` (cargo-zigbuild
// and Zig), then checks that each file is a shared library of the right
// format and machine.
//
//   node scripts/cross-build.js [TRIPLE ...]
//
// With no triple, every Linux and macOS target in package.json's napi.targets
// except this machine's own (built by `npm run build`). Windows needs MSVC's
// libraries, which only the release workflow's Windows runner has.
//
// Set-up done here when missing: the Rust targets (rustup), Zig (the
// `ziglang` package from the Python registry, which cargo-zigbuild finds);
// `napi` installs cargo-zigbuild itself on first use.

const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { platformName, targetPlatformName } = require('../lib/platform');
const { describeLibrary } = require('./binary-format');

const root = path.join(__dirname, '..');
const manifest = require('../package.json');

function sh(cmd, args, options = {}) {
  console.log(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...options });
  return r.status === 0;
}

function quiet(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8' });
  return r.status === 0 ? r.stdout : null;
}

/** Zig on PATH, or the Python package's (which cargo-zigbuild also finds). */
function ensureZig() {
  if (quiet('zig', ['version']) || quiet('python3', ['-m', 'ziglang', 'version'])) return;
  if (!sh('python3', ['-m', 'pip', 'install', '--quiet', 'ziglang'])) {
    throw new Error('cannot install Zig: `pip install ziglang` failed');
  }
}

function ensureRustTarget(triple) {
  const installed = quiet('rustup', ['target', 'list', '--installed']);
  if (installed === null) return; // no rustup: the toolchain must have it already
  if (!installed.split('\n').includes(triple) && !sh('rustup', ['target', 'add', triple])) {
    throw new Error(`cannot add the Rust target ${triple}`);
  }
}

function main() {
  const host = platformName();
  const requested = process.argv.slice(2);
  const triples = requested.length ? requested : manifest.napi.targets.filter((t) =>
    !t.includes('windows') && targetPlatformName(t) !== host);
  ensureZig();
  const results = [];
  for (const triple of triples) {
    ensureRustTarget(triple);
    const ok = sh('npx', ['napi', 'build', '--platform', '--release', '--strip', '--no-js', '--target', triple,
      '--cross-compile', '--output-dir', 'artifacts']);
    const file = path.join(root, 'artifacts', `${manifest.napi.binaryName}.${targetPlatformName(triple)}.node`);
    if (!ok || !fs.existsSync(file)) {
      results.push({ triple, ok: false, what: 'build failed' });
      continue;
    }
    const found = describeLibrary(fs.readFileSync(file));
    const want = describeLibrary.expected(triple);
    const match = found.format === want.format && found.machine === want.machine &&
      (want.libc === undefined || found.libc === want.libc);
    results.push({ triple, ok: match, what: `${path.relative(root, file)}: ${found.text}` +
      (match ? '' : ` (expected ${want.format} ${want.machine} ${want.libc || ''})`) });
  }
  console.log('\ncross-build:');
  for (const r of results) console.log(`  ${r.ok ? 'ok  ' : 'FAIL'} ${r.triple}: ${r.what}`);
  process.exitCode = results.every((r) => r.ok) ? 0 : 1;
}

main();
