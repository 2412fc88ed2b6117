'use strict';
// The published types type-check code written for node:http: `tsc --noEmit`
// over __test__/types (a server and a client in CommonJS TypeScript, the ES
// module named and default imports, rshttp/register from both). Each sample
// also holds a @ts-expect-error line, so types that degrade to `any` fail.

const test = require('node:test');
const assert = require('node:assert');
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..');

test('index.d.ts and index.d.mts type-check node:http code (tsc --noEmit)', () => {
  const tsc = require.resolve('typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', path.join(__dirname, 'types')], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.strictEqual(r.status, 0, `tsc failed:\n${r.stdout}${r.stderr}`);
});
