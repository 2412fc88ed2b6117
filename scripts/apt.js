'use strict';
// Debian packages the tests and benchmarks need (nginx, wrk), installed on
// first use when running as root with apt-get, as the README's two
// commands promise. Package scripts are kept from starting services
// (policy-rc.d), so installing nginx does not start one on port 80.

const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const POLICY = '/usr/sbin/policy-rc.d';

/** The path of `cmd` on PATH (or in the sbin dirs), or null. */
function which(cmd) {
  const dirs = [...(process.env.PATH || '').split(path.delimiter), '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const p = path.join(dir, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {}
  }
  return null;
}

function aptGet(args, log) {
  log(`$ apt-get ${args.join(' ')}`);
  const r = spawnSync('apt-get', args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return r.status === 0;
}

/**
 * Returns the path of `cmd`, installing Debian package `pkg` first when it
 * is missing; throws if it cannot be had (not root, no apt-get, no package).
 */
function ensureCommand(cmd, pkg, log = (m) => process.stderr.write(`${m}\n`)) {
  const found = which(cmd);
  if (found) return found;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !which('apt-get')) throw new Error(`${cmd} is missing: install the Debian package ${pkg}`);
  const ownPolicy = !fs.existsSync(POLICY);
  if (ownPolicy) fs.writeFileSync(POLICY, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  try {
    const args = ['install', '-y', '--no-install-recommends', pkg];
    if (!aptGet(args, log)) {
      aptGet(['update', '-q'], log);
      aptGet(args, log);
    }
  } finally {
    if (ownPolicy) fs.rmSync(POLICY, { force: true });
  }
  const installed = which(cmd);
  if (!installed) throw new Error(`${cmd} is missing and apt-get could not install ${pkg}`);
  return installed;
}

module.exports = { which, ensureCommand };
