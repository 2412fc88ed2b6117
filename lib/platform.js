'use strict';
// Platform names as napi-rs spells them (`linux-x64-gnu`, `darwin-arm64`,
// `win32-x64-msvc`): the suffix of a built addon (`rshttp.<name>.node`) and
// of its per-platform package (`rshttp-<name>`). Used by the loader and by
// the packaging scripts, so both agree.

const fs = require('fs');

/** Whether this Linux runs on musl libc (Alpine) rather than glibc. */
function isMusl() {
  // ldd is a shell script on glibc and musl's loader on musl: reading it is
  // far cheaper than process.report, which is the fallback.
  try {
    return fs.readFileSync('/usr/bin/ldd', 'latin1').includes('musl');
  } catch {
    const header = process.report?.getReport?.().header;
    return !header?.glibcVersionRuntime;
  }
}

/** This machine's platform name. */
function platformName() {
  const { platform, arch } = process;
  if (platform === 'linux') return `linux-${arch}-${isMusl() ? 'musl' : 'gnu'}`;
  if (platform === 'win32') return `win32-${arch}-msvc`;
  return `${platform}-${arch}`;
}

const ARCH = { x86_64: 'x64', aarch64: 'arm64', i686: 'ia32', armv7: 'arm' };

/** A Rust target triple's platform name: `x86_64-unknown-linux-gnu` -> `linux-x64-gnu`. */
function targetPlatformName(triple) {
  const [cpu, , os, abi] = triple.split('-');
  const arch = ARCH[cpu] || cpu;
  if (os === 'linux') return `linux-${arch}-${abi}`;
  if (os === 'darwin') return `darwin-${arch}`;
  if (os === 'windows') return `win32-${arch}-${abi}`;
  return `${os}-${arch}`;
}

module.exports = { platformName, targetPlatformName };
