'use strict';
// The addon loader (binding.js) on a platform with no prebuilt package and
// no local build: one error naming the platform, the platforms that have
// packages, and how to build from source.

const test = require('node:test');
const assert = require('node:assert');
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { targetPlatformName } = require('../lib/platform');
const manifest = require('../package.json');

test('an unsupported platform gets ERR_RSHTTP_NO_ADDON naming it', () => {
  const script = `
    Object.defineProperty(process, 'arch', { value: 'riscv64' });
    try { require(${JSON.stringify(path.join(__dirname, '..', 'binding.js'))}); console.log('loaded') }
    catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })) }`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  assert.strictEqual(r.status, 0, r.stderr);
  const { code, message } = JSON.parse(r.stdout);
  assert.strictEqual(code, 'ERR_RSHTTP_NO_ADDON');
  assert.match(message, new RegExp(`no native addon for this platform \\(${process.platform}-riscv64`));
  for (const target of manifest.napi.targets) assert.ok(message.includes(targetPlatformName(target)), target);
  assert.match(message, /build from source \(needs Rust\)/);
  // One error, not a stack of require failures.
  assert.doesNotMatch(message, /Cannot find module/);
});

test('target triples map to napi-rs platform names', () => {
  assert.deepStrictEqual(manifest.napi.targets.map(targetPlatformName), [
    'linux-x64-gnu', 'linux-x64-musl', 'linux-arm64-gnu', 'linux-arm64-musl',
    'darwin-x64', 'darwin-arm64', 'win32-x64-msvc',
  ]);
});
