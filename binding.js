'use strict';
// Loads the native addon for this platform: the local build
// (`rshttp.<platform>-<arch>[-<abi>].node`, from scripts/build.js) or the
// matching per-platform package (`rshttp-<platform>-<arch>[-<abi>]`).

const path = require('path');

/** Platform suffixes to try, most likely first (no process.report: it is slow). */
function suffixes() {
  const { platform, arch } = process;
  if (platform === 'linux') return [`linux-${arch}-gnu`, `linux-${arch}-musl`];
  if (platform === 'win32') return [`win32-${arch}-msvc`];
  return [`${platform}-${arch}`];
}

const tried = [];
let addon = null;
outer: for (const name of suffixes()) {
  for (const candidate of [path.join(__dirname, `rshttp.${name}.node`), `rshttp-${name}`]) {
    try {
      addon = require(candidate);
      break outer;
    } catch (err) {
      tried.push(`${candidate}: ${err.message}`);
    }
  }
}
if (addon === null) {
  throw new Error(`rshttp: no native addon for ${process.platform}-${process.arch}; run \`npm run build\`.\n${tried.join('\n')}`);
}
module.exports = addon;
