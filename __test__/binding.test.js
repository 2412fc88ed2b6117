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

test('the per-request calls defined by hand check their arguments as #[napi] ones do', () => {
  const binding = require('../binding.js');
  const gone = 0xfffffff0; // no connection has this id
  assert.throws(() => binding.connRef('1', true), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => binding.connPause(gone, undefined), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => binding.connWriteDeferred(gone, 'not a buffer'), { name: 'TypeError', message: /argument 1 must be a Buffer/ });
  assert.throws(() => binding.clientExpect(gone, 0, {}), { name: 'TypeError', message: /argument 2 must be a number/ });
  // Right arguments on a connection that is gone: undefined, or -1 for writes.
  assert.strictEqual(binding.connRef(gone, true), undefined);
  assert.strictEqual(binding.connPause(gone, false), undefined);
  assert.strictEqual(binding.clientExpect(gone, 0, 0), undefined);
  assert.strictEqual(binding.connWrite(gone, Buffer.from('x')), -1);
  assert.strictEqual(binding.connWriteDeferred(gone, new Uint8Array(1), true), -1);
  assert.strictEqual(binding.connWriteDeferredString(gone, 'head', true, null, undefined), -1);
  assert.strictEqual(binding.connWriteDeferredStrings(gone, 'head', 'body', false), -1);
});
