'use strict';

// rshttp/register: with it, every way a program or its dependencies reach
// `http` gives rshttp; without it, Node's http.

const test = require('node:test');
const assert = require('node:assert');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');
const fixtures = path.join(__dirname, 'fixtures', 'register');

// A throwaway project: the fixture apps, with rshttp and two dependencies
// installed in node_modules (as symlinks).
let project;
test.before(() => {
  project = fs.mkdtempSync(path.join(os.tmpdir(), 'rshttp-register-'));
  fs.cpSync(fixtures, project, { recursive: true });
  const nm = path.join(project, 'node_modules');
  fs.mkdirSync(nm);
  fs.symlinkSync(root, path.join(nm, 'rshttp'), 'dir');
  for (const dep of ['dep-cjs', 'dep-esm']) {
    fs.symlinkSync(path.join(fixtures, 'deps', dep), path.join(nm, dep), 'dir');
  }
});
test.after(() => {
  if (project) fs.rmSync(project, { recursive: true, force: true });
});

function run(args, extraEnv = {}) {
  const env = { ...process.env, ...extraEnv };
  delete env.RSHTTP_REGISTER_MODULE;
  if (!extraEnv.NODE_OPTIONS) delete env.NODE_OPTIONS;
  const out = execFileSync(process.execPath, args, {
    cwd: project, env, encoding: 'utf8', timeout: 30000,
  });
  return JSON.parse(out.trim().split('\n').pop());
}

function assertAll({ result, other }, expected) {
  for (const [what, got] of Object.entries(result)) {
    assert.strictEqual(got, expected, `${what}: expected ${expected ? 'rshttp' : 'Node\'s http'}`);
  }
  for (const [what, ok] of Object.entries(other)) assert.ok(ok, what);
}

test('CommonJS app with -r rshttp/register', () => {
  assertAll(run(['-r', 'rshttp/register', 'app.cjs']), true);
});

test('CommonJS app without register gets Node\'s http', () => {
  assertAll(run(['app.cjs']), false);
});

test('CommonJS app calling require(\'rshttp/register\') itself', () => {
  assertAll(run(['app.cjs'], { REGISTER_AT_RUNTIME: '1' }), true);
});

test('ES module app with --import rshttp/register', () => {
  assertAll(run(['--import', 'rshttp/register', 'app.mjs']), true);
});

test('ES module app with -r rshttp/register', () => {
  assertAll(run(['-r', 'rshttp/register', 'app.mjs']), true);
});

test('ES module app without register gets Node\'s http', () => {
  assertAll(run(['app.mjs']), false);
});

test('NODE_OPTIONS=--require rshttp/register reaches child processes', () => {
  assertAll(run(['spawn.cjs'], { NODE_OPTIONS: '--require rshttp/register' }), true);
});

test('register exports rshttp', () => {
  const out = execFileSync(process.execPath, ['-p',
    "require('rshttp/register') === require('rshttp') && require('http') === require('rshttp')"],
  { cwd: project, encoding: 'utf8', env: { ...process.env, RSHTTP_REGISTER_MODULE: '', NODE_OPTIONS: '' } });
  assert.strictEqual(out.trim(), 'true');
});
