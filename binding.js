'use strict';
// Loads the native addon for this platform, as napi-rs packages do: the
// addon built from source beside this file (`rshttp.<platform>.node`, from
// `npm run build` in a clone), else the prebuilt per-platform package that
// npm installed as an optional dependency (`rshttp-<platform>`). A platform
// with neither gets one error that names it and says how to build.

const path = require('path');
const { platformName, targetPlatformName } = require('./lib/platform');

/** The error for a platform with no loadable addon; `failures` are the loads that were tried. */
function noAddonError(name, failures) {
  const { napi, version } = require('./package.json');
  const supported = napi.targets.map(targetPlatformName).join(', ');
  const broken = failures.filter((f) => f.err.code !== 'MODULE_NOT_FOUND');
  const lines = [
    `rshttp: no native addon for this platform (${name}, Node ${process.version}).`,
  ];
  if (broken.length) {
    // A package or build is there but does not load (wrong libc, a Node too old...).
    for (const f of broken) lines.push(`  ${f.candidate} failed to load: ${f.err.message}`);
  } else if (napi.targets.some((t) => targetPlatformName(t) === name)) {
    lines.push(`  The optional dependency rshttp-${name}@${version} is not installed: ` +
      'reinstall without --omit=optional / --no-optional.');
  } else {
    lines.push(`  Prebuilt packages exist for: ${supported}.`);
  }
  lines.push('  To build from source (needs Rust): clone the rshttp repository, run `npm ci` ' +
    `in the clone (it builds rshttp.${name}.node there), then \`npm install <path of the clone>\`.`);
  const err = new Error(lines.join('\n'));
  err.code = 'ERR_RSHTTP_NO_ADDON';
  return err;
}

function load() {
  const name = platformName();
  const failures = [];
  for (const candidate of [path.join(__dirname, `rshttp.${name}.node`), `rshttp-${name}`]) {
    try {
      return require(candidate);
    } catch (err) {
      failures.push({ candidate, err });
    }
  }
  throw noAddonError(name, failures);
}

module.exports = load();
