'use strict';
// scripts/binary-format.js, which the cross-build and the release workflow
// use to check that each built addon is its target's kind of file.

const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { describeLibrary } = require('../scripts/binary-format');
const { platformName } = require('../lib/platform');

test('this machine\'s build is an ELF shared object for its machine and libc', () => {
  const host = platformName();
  const file = path.join(__dirname, '..', `rshttp.${host}.node`);
  const found = describeLibrary(fs.readFileSync(file));
  const triple = { 'linux-x64-gnu': 'x86_64-unknown-linux-gnu', 'linux-arm64-gnu': 'aarch64-unknown-linux-gnu',
    'linux-x64-musl': 'x86_64-unknown-linux-musl', 'linux-arm64-musl': 'aarch64-unknown-linux-musl' }[host];
  assert.ok(triple, `no triple for ${host}`);
  const want = describeLibrary.expected(triple);
  assert.deepStrictEqual([found.format, found.machine, found.libc], [want.format, want.machine, want.libc]);
});

test('Mach-O and PE headers are told apart by machine', () => {
  const macho = Buffer.alloc(64);
  macho.writeUInt32LE(0xfeedfacf, 0);
  macho.writeUInt32LE(0x0100000c, 4);
  assert.deepStrictEqual([describeLibrary(macho).format, describeLibrary(macho).machine], ['Mach-O', 'aarch64']);
  const pe = Buffer.alloc(256);
  pe.write('MZ', 0, 'latin1');
  pe.writeUInt32LE(0x80, 0x3c);
  pe.write('PE\0\0', 0x80, 'latin1');
  pe.writeUInt16LE(0x8664, 0x84);
  assert.deepStrictEqual([describeLibrary(pe).format, describeLibrary(pe).machine], ['PE', 'x86-64']);
  assert.strictEqual(describeLibrary(Buffer.from('not a library at all, just text')).format, 'unknown');
  assert.deepStrictEqual(describeLibrary.expected('x86_64-pc-windows-msvc'), { format: 'PE', machine: 'x86-64' });
});
