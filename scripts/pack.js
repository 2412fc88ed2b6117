#!/usr/bin/env node
'use strict';
// npm run pack: the tarballs a release publishes, written to dist/.
//
// - rshttp-<version>.tgz: the JS package. Its package.json lists every
//   target's platform package as an optional dependency of the same version
//   (what `napi pre-publish` adds before publishing) and has no scripts: the
//   addon comes prebuilt, nothing runs at install time.
// - rshttp-<platform>-<version>.tgz: one per built addon, from npm/<platform>/
//   (made by `napi create-npm-dirs`) with the addon added. This machine's
//   build (`rshttp.<platform>.node`, from `npm run build`) is required;
//   cross-built ones (`artifacts/rshttp.<platform>.node`, from
//   `npm run build:cross`) are packed too when present.
//
//   node scripts/pack.js [--out DIR]

const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { platformName, targetPlatformName } = require('../lib/platform');

const root = path.join(__dirname, '..');

/** The manifest fields a published package keeps (contributor-only ones go). */
const DROPPED_FIELDS = ['scripts', 'devDependencies'];

function fail(message) {
  console.error(`pack: ${message}`);
  process.exit(1);
}

function argValue(name, fallback) {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : path.resolve(process.argv[i + 1]);
}

/** Runs `npm pack` in `dir` into `out`; returns the tarball's path. */
function npmPack(dir, out) {
  const r = spawnSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', out], {
    cwd: dir,
    encoding: 'utf8',
  });
  if (r.status !== 0) fail(`npm pack in ${dir} failed:\n${r.stderr}`);
  const [{ filename }] = JSON.parse(r.stdout);
  return path.join(out, filename);
}

/** Copies `names` (files or folders) from `from` to `to`. */
function copyAll(names, from, to) {
  for (const name of names) {
    const src = path.join(from, name);
    if (!fs.existsSync(src)) fail(`${path.relative(root, src)} is missing`);
    fs.cpSync(src, path.join(to, name), { recursive: true });
  }
}

function main() {
  const out = argValue('--out', path.join(root, 'dist'));
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const { version } = manifest;
  const platforms = manifest.napi.targets.map(targetPlatformName);

  // The addons to pack: this machine's own build, and cross-built ones.
  const host = platformName();
  const addons = new Map();
  const hostAddon = path.join(root, `${manifest.napi.binaryName}.${host}.node`);
  if (!fs.existsSync(hostAddon)) fail(`${path.basename(hostAddon)} is missing: run \`npm run build\` first`);
  addons.set(host, hostAddon);
  for (const name of platforms) {
    const built = path.join(root, 'artifacts', `${manifest.napi.binaryName}.${name}.node`);
    if (!addons.has(name) && fs.existsSync(built)) addons.set(name, built);
  }

  fs.mkdirSync(out, { recursive: true });
  const stage = fs.mkdtempSync(path.join(out, '.stage-'));
  const written = [];
  try {
    // The JS package.
    const pkgDir = path.join(stage, 'rshttp');
    fs.mkdirSync(pkgDir);
    copyAll([...manifest.files, 'README.md', 'LICENSE'], root, pkgDir);
    const published = { ...manifest };
    for (const field of DROPPED_FIELDS) delete published[field];
    published.optionalDependencies = Object.fromEntries(platforms.map((name) => [`rshttp-${name}`, version]));
    fs.writeFileSync(path.join(pkgDir, 'package.json'), `${JSON.stringify(published, null, 2)}\n`);
    written.push(npmPack(pkgDir, out));

    // One package per built addon.
    for (const [name, addon] of addons) {
      const npmDir = path.join(root, 'npm', name);
      const platformManifest = JSON.parse(fs.readFileSync(path.join(npmDir, 'package.json'), 'utf8'));
      if (platformManifest.version !== version) {
        fail(`npm/${name} is at ${platformManifest.version}, the package at ${version}: run \`npx napi version\``);
      }
      const dir = path.join(stage, name);
      fs.mkdirSync(dir);
      copyAll(fs.readdirSync(npmDir), npmDir, dir);
      fs.copyFileSync(addon, path.join(dir, platformManifest.main));
      written.push(npmPack(dir, out));
    }
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }

  for (const file of written) {
    console.log(`${path.relative(process.cwd(), file) || file}\t${fs.statSync(file).size} bytes`);
  }
}

main();
