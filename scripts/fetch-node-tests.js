#!/usr/bin/env node
'use strict';

// Obtains Node 20.19.2's http tests from Debian's `nodejs` source package
// (see DESIGN.md, "Conformance run") and caches the extracted
// test/common, test/fixtures and test/parallel/test-http-* tree in
// .cache/node-tests/.
//
// - A `deb-src` entry for the `trixie` suite is written to a private sources
//   file, reusing the URI (and Signed-By) of the machine's existing Debian
//   source list, read at run time: no host is written in this repository.
// - `apt-get update` / `apt-get source --download-only --tar-only` run with a
//   private lists and cache directory, so the system's apt state is untouched
//   (only the orig tarballs are fetched; nothing is unpacked by dpkg).
// - The orig tarball's sha256 is checked before anything is extracted.
//
// Usage: node scripts/fetch-node-tests.js   (prints the suite directory)
// Programmatic: require('./fetch-node-tests').obtainSuite() -> directory.

const { spawnSync } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { which } = require('./apt');

const ROOT = path.join(__dirname, '..');
const CACHE = path.join(ROOT, '.cache');
const SUITE_DIR = path.join(CACHE, 'node-tests');
const WORK_DIR = path.join(CACHE, 'node-tests-apt');
const MARKER = '.rshttp-suite.json';

const PACKAGE = 'nodejs';
const UPSTREAM = '20.19.2+dfsg';
const SUITE = 'trixie';
const ORIG = `${PACKAGE}_${UPSTREAM}.orig.tar.xz`;
const ORIG_SHA256 = '5e5559381ad031d245a8efa403458abbb73755f74c3e6380f185a4dd342b7949';
const TOP = 'node-v20.19.2';
const MEMBERS = ['test/common/*', 'test/fixtures/*', 'test/parallel/test-http-*'];

// An error meaning "this machine cannot provide the suite" (no apt, no Debian
// source list, network down...), as opposed to a wrong download.
class UnavailableError extends Error {}

function log(msg) {
  process.stderr.write(`[fetch-node-tests] ${msg}\n`);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 << 20, ...opts });
  if (r.error) throw new UnavailableError(`${cmd}: ${r.error.message}`);
  return r;
}

function mustRun(cmd, args, opts) {
  const r = run(cmd, args, opts);
  if (r.status !== 0) {
    const tail = `${r.stdout || ''}${r.stderr || ''}`.trim().split('\n').slice(-15).join('\n');
    throw new UnavailableError(`${cmd} ${args.join(' ')} failed (exit ${r.status}):\n${tail}`);
  }
  return r;
}

// A suite directory is one holding test/common and test/parallel.
function suiteRootOf(dir) {
  const abs = path.resolve(dir);
  if (fs.existsSync(path.join(abs, 'test', 'common')) &&
      fs.existsSync(path.join(abs, 'test', 'parallel'))) return abs;
  if (path.basename(abs) === 'test' && fs.existsSync(path.join(abs, 'common')) &&
      fs.existsSync(path.join(abs, 'parallel'))) return path.dirname(abs);
  return null;
}

function cached() {
  return fs.existsSync(path.join(SUITE_DIR, MARKER)) ? SUITE_DIR : null;
}

// --- Debian source lists -------------------------------------------------

function parseDeb822(text) {
  const entries = [];
  for (const para of text.split(/\n\s*\n/)) {
    const fields = {};
    let last = null;
    for (const line of para.split('\n')) {
      if (/^\s*#/.test(line) || !line.trim()) continue;
      if (/^\s/.test(line) && last) {
        fields[last] += `\n${line.trim()}`;
        continue;
      }
      const m = /^([\w-]+):\s*(.*)$/.exec(line);
      if (m) {
        last = m[1].toLowerCase();
        fields[last] = m[2].trim();
      }
    }
    if (!fields.uris || !fields.suites) continue;
    if (/^(no|false)$/i.test(fields.enabled || '')) continue;
    entries.push({
      uris: fields.uris.split(/\s+/),
      suites: fields.suites.split(/\s+/),
      signedBy: fields['signed-by'] && !fields['signed-by'].includes('\n') ?
        fields['signed-by'] : null,
    });
  }
  return entries;
}

function parseOneLine(text) {
  const entries = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    const m = /^(deb|deb-src)\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)/.exec(line);
    if (!m) continue;
    const signed = /signed-by=(\S+)/.exec(m[2] || '');
    entries.push({ uris: [m[3]], suites: [m[4]], signedBy: signed ? signed[1] : null });
  }
  return entries;
}

// The machine's main Debian archive: the first entry whose suite is a plain
// release (not -security/-updates/-backports) and whose URI ends in /debian.
function debianArchive() {
  const entries = [];
  const dir = '/etc/apt/sources.list.d';
  const files = ['/etc/apt/sources.list'];
  try {
    for (const f of fs.readdirSync(dir).sort()) files.push(path.join(dir, f));
  } catch {}
  for (const f of files) {
    let text;
    try {
      text = fs.readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    if (f.endsWith('.sources')) entries.push(...parseDeb822(text));
    else if (f.endsWith('.list')) entries.push(...parseOneLine(text));
  }
  const plain = (s) => /^[a-z]+$/.test(s);
  for (const e of entries) {
    const uri = e.uris.find((u) => /\/debian\/?$/.test(u));
    if (uri && e.suites.some(plain)) return { uri, signedBy: e.signedBy };
  }
  return null;
}

// --- Fetching --------------------------------------------------------------

function sha256(file) {
  const hash = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(1 << 20);
  try {
    let n;
    while ((n = fs.readSync(fd, buf, 0, buf.length, null)) > 0) hash.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

function ensureTool(cmd, pkg) {
  if (which(cmd)) return;
  if (process.getuid && process.getuid() === 0 && which('apt-get')) {
    log(`installing ${pkg} (for ${cmd})`);
    mustRun('apt-get', ['install', '-y', '--no-install-recommends', pkg], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  }
  if (!which(cmd)) throw new UnavailableError(`${cmd} is missing (Debian package ${pkg})`);
}

function fetch() {
  if (!which('apt-get') || !which('apt-cache')) {
    throw new UnavailableError('apt-get is not available on this machine');
  }
  ensureTool('tar', 'tar');
  ensureTool('xz', 'xz-utils');

  const archive = debianArchive();
  if (!archive) {
    throw new UnavailableError('no Debian archive found in /etc/apt/sources.list{,.d}');
  }

  fs.rmSync(WORK_DIR, { recursive: true, force: true });
  const lists = path.join(WORK_DIR, 'lists');
  const cache = path.join(WORK_DIR, 'cache');
  const download = path.join(WORK_DIR, 'download');
  for (const d of [path.join(lists, 'partial'), path.join(cache, 'archives', 'partial'), download]) {
    fs.mkdirSync(d, { recursive: true });
  }
  const sources = path.join(WORK_DIR, `${SUITE}-src.sources`);
  fs.writeFileSync(sources, [
    'Types: deb-src',
    `URIs: ${archive.uri}`,
    `Suites: ${SUITE}`,
    'Components: main',
    ...(archive.signedBy ? [`Signed-By: ${archive.signedBy}`] : []),
    '',
  ].join('\n'));

  const opts = [
    '-o', `Dir::Etc::SourceList=${sources}`,
    '-o', 'Dir::Etc::SourceParts=-',
    '-o', `Dir::State::Lists=${lists}`,
    '-o', `Dir::Cache=${cache}`,
    '-o', 'APT::Get::List-Cleanup=0',
  ];
  // Our private directories are not readable by apt's sandbox user.
  if (process.getuid && process.getuid() === 0) opts.push('-o', 'APT::Sandbox::User=root');

  log(`apt-get update (deb-src ${SUITE} only)`);
  mustRun('apt-get', [...opts, '-q', 'update']);

  const show = mustRun('apt-cache', [...opts, 'showsrc', PACKAGE]).stdout;
  const versions = [...show.matchAll(/^Version:\s*(\S+)/gm)].map((m) => m[1])
    .filter((v) => v.startsWith(`${UPSTREAM}-`));
  if (!versions.length) {
    throw new UnavailableError(`${PACKAGE} ${UPSTREAM}-* is not in ${SUITE}'s Sources`);
  }
  const version = versions.sort((a, b) => a.localeCompare(b, 'en', { numeric: true })).pop();

  log(`apt-get source --download-only --tar-only ${PACKAGE}=${version}`);
  mustRun('apt-get', [...opts, '-q', 'source', '--download-only', '--tar-only',
    `${PACKAGE}=${version}`], { cwd: download });

  const tarball = path.join(download, ORIG);
  if (!fs.existsSync(tarball)) throw new UnavailableError(`${ORIG} was not downloaded`);
  const got = sha256(tarball);
  if (got !== ORIG_SHA256) {
    throw new Error(`${ORIG}: sha256 ${got}, expected ${ORIG_SHA256}`);
  }
  log(`${ORIG}: sha256 ok`);

  const tmp = `${SUITE_DIR}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  mustRun('tar', ['-xJf', tarball, '-C', tmp, '--strip-components=1', '--wildcards',
    ...MEMBERS.map((m) => `${TOP}/${m}`)]);
  fs.writeFileSync(path.join(tmp, MARKER), JSON.stringify({
    package: PACKAGE, version, orig: ORIG, sha256: ORIG_SHA256, members: MEMBERS,
  }, null, 2) + '\n');
  fs.rmSync(SUITE_DIR, { recursive: true, force: true });
  fs.renameSync(tmp, SUITE_DIR);
  fs.rmSync(WORK_DIR, { recursive: true, force: true });
  log(`extracted into ${path.relative(ROOT, SUITE_DIR)}/`);
  return SUITE_DIR;
}

// NODE_TEST_SUITE, else the cache, else download. Throws UnavailableError
// when the suite cannot be obtained on this machine.
function obtainSuite() {
  if (process.env.NODE_TEST_SUITE) {
    const dir = suiteRootOf(process.env.NODE_TEST_SUITE);
    if (!dir) {
      throw new Error(
        `NODE_TEST_SUITE=${process.env.NODE_TEST_SUITE} holds no test/common and test/parallel`);
    }
    return dir;
  }
  return cached() || fetch();
}

const HOW_TO = `\
Node's http test suite could not be obtained here. Provide a Node 20.19.2
source tree (its test/common, test/fixtures and test/parallel suffice) with
  NODE_TEST_SUITE=/path/to/node-v20.19.2 npm run test:node
(e.g. Node's v20.19.2 source tarball, extracted), or run on a Debian machine
with apt, where it is fetched from the nodejs source package.`;

module.exports = { obtainSuite, UnavailableError, HOW_TO, SUITE_DIR };

if (require.main === module) {
  try {
    process.stdout.write(`${obtainSuite()}\n`);
  } catch (err) {
    log(err.message);
    if (err instanceof UnavailableError) log(HOW_TO);
    process.exit(1);
  }
}
