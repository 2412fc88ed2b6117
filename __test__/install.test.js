'use strict';
// Installing rshttp as a user does: `npm run pack`'s tarballs installed into
// a fresh project with no network (offline, an empty cache, a registry
// address nothing answers), no Rust on PATH and install scripts ignored, then
// CommonJS and ES module programs serve a request and make one with
// rshttp's client, and exit on their own. Fails if the package needs an
// install script, misses a file, or loads anything from this clone.

const test = require('node:test');
const assert = require('node:assert');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { platformName } = require('../lib/platform');

const root = path.join(__dirname, '..');
const manifest = require('../package.json');
const host = platformName();

/** npm's own CLI script, run with this node (PATH will hold no npm). */
function npmCli() {
  const candidates = [
    process.env.npm_execpath,
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'),
  ];
  const which = spawnSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).stdout.trim();
  if (which) candidates.push(fs.realpathSync(which));
  const found = candidates.find((c) => c && /npm-cli\.js$/.test(c) && fs.existsSync(c));
  assert.ok(found, 'npm-cli.js not found');
  return found;
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'rshttp-install-'));
const app = path.join(work, 'app');
// PATH with node alone: no cargo, rustc, cc or npm.
const bin = path.join(work, 'bin');
fs.mkdirSync(bin);
fs.symlinkSync(process.execPath, path.join(bin, 'node'));
const env = { HOME: work, PATH: bin, npm_config_cache: path.join(work, 'npm-cache') };

function run(args, options = {}) {
  return spawnSync(process.execPath, args, { cwd: app, env, encoding: 'utf8', timeout: 60_000, ...options });
}

test.after(() => fs.rmSync(work, { recursive: true, force: true }));

let tarballs;

test('npm run pack writes the JS package and this platform\'s addon package', () => {
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'pack.js'), '--out', path.join(work, 'dist')], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.strictEqual(r.status, 0, r.stderr);
  tarballs = fs.readdirSync(path.join(work, 'dist')).map((f) => path.join(work, 'dist', f));
  const names = tarballs.map((f) => path.basename(f));
  assert.ok(names.includes(`rshttp-${manifest.version}.tgz`), names.join());
  assert.ok(names.includes(`rshttp-${host}-${manifest.version}.tgz`), names.join());

  // The published manifest: no scripts at all (so none runs at install),
  // every target's package as an optional dependency at the same version.
  const published = JSON.parse(spawnSync('tar', ['xzOf', path.join(work, 'dist', `rshttp-${manifest.version}.tgz`),
    'package/package.json'], { encoding: 'utf8' }).stdout);
  assert.strictEqual(published.scripts, undefined);
  assert.strictEqual(published.name, 'rshttp');
  assert.strictEqual(Object.keys(published.optionalDependencies).length, manifest.napi.targets.length);
  for (const [name, version] of Object.entries(published.optionalDependencies)) {
    assert.match(name, /^rshttp-(linux|darwin|win32)-/);
    assert.strictEqual(version, manifest.version);
  }
  assert.ok(published.optionalDependencies[`rshttp-${host}`]);
  // The JS package carries no addon: that is the platform package's job.
  const listing = spawnSync('tar', ['tzf', path.join(work, 'dist', `rshttp-${manifest.version}.tgz`)],
    { encoding: 'utf8' }).stdout;
  assert.doesNotMatch(listing, /\.node\n/);
});

test('the tarballs install offline, with no Rust and no install scripts', () => {
  assert.ok(tarballs, 'packing failed');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
  const r = run([npmCli(), 'install', '--offline', '--ignore-scripts', '--no-audit', '--no-fund',
    '--registry', 'http://127.0.0.1:9/',
    path.join(work, 'dist', `rshttp-${manifest.version}.tgz`),
    path.join(work, 'dist', `rshttp-${host}-${manifest.version}.tgz`)]);
  assert.strictEqual(r.status, 0, `npm install failed:\n${r.stdout}${r.stderr}`);
  const installed = path.join(app, 'node_modules', 'rshttp');
  // Every entry point the manifest names is there.
  const pkg = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8'));
  const entries = [pkg.main, pkg.types];
  (function collect(value) {
    if (typeof value === 'string') entries.push(value);
    else for (const v of Object.values(value)) collect(v);
  })(pkg.exports);
  for (const entry of entries) assert.ok(fs.existsSync(path.join(installed, entry)), `missing ${entry}`);
  assert.ok(fs.existsSync(path.join(app, 'node_modules', `rshttp-${host}`, `rshttp.${host}.node`)));
});

/** Runs `source` as a file of the fresh project; returns its stdout lines. */
function runApp(file, source, args = []) {
  fs.writeFileSync(path.join(app, file), source);
  const started = Date.now();
  const r = run([...args, file], { timeout: 20_000 });
  assert.strictEqual(r.status, 0, `${file} failed (signal ${r.signal}):\n${r.stdout}${r.stderr}`);
  // The process ends by itself once the server is closed.
  assert.ok(Date.now() - started < 15_000);
  return r.stdout.trim().split('\n');
}

const roundTrip = (createServer, get) => `
const server = ${createServer}((req, res) => res.end('served ' + req.method + ' ' + req.url));
server.listen(0, '127.0.0.1', () => {
  ${get}({ host: '127.0.0.1', port: server.address().port, path: '/p' }, (res) => {
    let body = '';
    res.setEncoding('utf8').on('data', (c) => { body += c; }).on('end', () => {
      console.log(res.statusCode + ' ' + body);
      server.close();
    });
  });
});
`;

test('require(\'rshttp\') serves and requests from the installed package', () => {
  assert.ok(fs.existsSync(path.join(app, 'node_modules', 'rshttp')), 'install failed');
  const out = runApp('cjs.js', `
const http = require('rshttp');
console.log(require.resolve('rshttp'));
console.log(Object.keys(require.cache).filter((f) => f.endsWith('.node')).join());
${roundTrip('http.createServer', 'http.get')}`);
  assert.strictEqual(out[0], path.join(app, 'node_modules', 'rshttp', 'index.js'));
  assert.strictEqual(out[1], path.join(app, 'node_modules', `rshttp-${host}`, `rshttp.${host}.node`));
  assert.strictEqual(out[2], '200 served GET /p');
});

test('import { createServer } from \'rshttp\' serves and requests from the installed package', () => {
  assert.ok(fs.existsSync(path.join(app, 'node_modules', 'rshttp')), 'install failed');
  const out = runApp('esm.mjs', `
import http, { createServer, get, request, Agent, globalAgent, maxHeaderSize, METHODS, STATUS_CODES } from 'rshttp';
import { createRequire } from 'node:module';
const cjs = createRequire(import.meta.url)('rshttp');
console.log(http === cjs && createServer === cjs.createServer && request === cjs.request &&
  globalAgent instanceof Agent && maxHeaderSize > 0 && METHODS.includes('GET') && STATUS_CODES[404] === 'Not Found');
${roundTrip('createServer', 'get')}`);
  assert.deepStrictEqual(out, ['true', '200 served GET /p']);
});

test('node -r rshttp/register and --import rshttp/register put rshttp behind node:http', () => {
  assert.ok(fs.existsSync(path.join(app, 'node_modules', 'rshttp')), 'install failed');
  const check = 'console.log(String(http.createServer === require(\'rshttp\').createServer));';
  const cjs = runApp('plain.js', `const http = require('http');\n${check}\n${roundTrip('http.createServer', 'http.get')}`,
    ['-r', 'rshttp/register']);
  assert.deepStrictEqual(cjs, ['true', '200 served GET /p']);
  const esm = runApp('plain.mjs', `import http from 'node:http';\nimport { createRequire } from 'node:module';
const require = createRequire(import.meta.url);\n${check}\n${roundTrip('http.createServer', 'http.get')}`,
  ['--import', 'rshttp/register']);
  assert.deepStrictEqual(esm, ['true', '200 served GET /p']);
});

test('without its platform package, require(\'rshttp\') names the platform and how to build', () => {
  const pkg = path.join(app, 'node_modules', `rshttp-${host}`);
  assert.ok(fs.existsSync(pkg), 'install failed');
  fs.renameSync(pkg, `${pkg}.away`);
  try {
    const r = run(['-e', "try { require('rshttp') } catch (e) { console.log(e.code); console.log(e.message) }"]);
    assert.strictEqual(r.status, 0, r.stderr);
    const [code, ...message] = r.stdout.trim().split('\n');
    assert.strictEqual(code, 'ERR_RSHTTP_NO_ADDON');
    assert.match(message[0], new RegExp(`no native addon for this platform \\(${host}, Node ${process.version}\\)`));
    assert.match(message.join('\n'), new RegExp(`rshttp-${host}@${manifest.version} is not installed`));
    assert.match(message.join('\n'), /build from source \(needs Rust\)/);
  } finally {
    fs.renameSync(`${pkg}.away`, pkg);
  }
});
