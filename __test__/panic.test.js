'use strict';
// No panic takes the process down (DESIGN.md, bridge rule 9; issue 15).
// A test build of the addon (cargo feature `panic-inject`, src/guard.rs)
// panics on purpose at the point RSHTTP_PANIC_AT names: each libuv callback
// (socket poll, check, timer, close), the driver's turn, connection and
// connect task polls, the accept loop, napi entry points, the event queue's
// push, the parser, and the driver's set-up failing half-way. Each scenario
// (fixtures/panic/scenario.js) runs in its own process; the test asserts the
// process neither aborted nor hung, the panic was hit and contained, at most
// the one connection (or listener) it belongs to failed, with rshttp's
// internal-error code where one is reported, and later requests succeed.

const test = require('node:test');
const assert = require('node:assert');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { platformName } = require('../lib/platform');

const root = path.join(__dirname, '..');
const scenario = path.join(__dirname, 'fixtures', 'panic', 'scenario.js');
const INTERNAL = 'ERR_INTERNAL_ASSERTION';
const ok = (i) => ({ status: 200, body: `ok /${i}` });

/** Builds the panic-inject addon and a copy of the package that loads it. */
function buildPackage() {
  const targetDir = path.join(root, 'target', 'panic-inject');
  const build = spawnSync('cargo', ['build', '--features', 'panic-inject', '--target-dir', targetDir], {
    cwd: root, encoding: 'utf8',
  });
  assert.strictEqual(build.status, 0, build.stderr);
  const lib = { linux: 'librshttp.so', darwin: 'librshttp.dylib', win32: 'rshttp.dll' }[process.platform];
  const pkg = fs.mkdtempSync(path.join(os.tmpdir(), 'rshttp-panic-'));
  for (const f of ['package.json', 'index.js', 'binding.js']) fs.copyFileSync(path.join(root, f), path.join(pkg, f));
  fs.cpSync(path.join(root, 'lib'), path.join(pkg, 'lib'), { recursive: true });
  fs.copyFileSync(path.join(targetDir, 'debug', lib), path.join(pkg, `rshttp.${platformName()}.node`));
  return pkg;
}

let pkg;
test.before(() => {
  pkg = buildPackage();
}, { timeout: 600_000 });
test.after(() => {
  if (pkg) fs.rmSync(pkg, { recursive: true, force: true });
});

/**
 * Runs one scenario with a panic at `point`, inline or (`ioThreads` > 0) on
 * the I/O threads; returns what it saw.
 */
function run(mode, point, ioThreads = 0) {
  const r = spawnSync(process.execPath, [scenario, mode], {
    encoding: 'utf8',
    timeout: 60_000,
    env: {
      ...process.env, RSHTTP_PACKAGE: pkg, RSHTTP_PANIC_AT: point, RUST_BACKTRACE: '0',
      RSHTTP_IO_THREADS: String(ioThreads),
    },
  });
  const name = point.split(':')[0];
  assert.strictEqual(r.signal, null, `killed by ${r.signal} (an abort is SIGABRT): ${r.stderr}`);
  assert.strictEqual(r.status, 0, r.stderr);
  // The set-up point fails a libuv call instead of panicking.
  if (name !== 'driver_setup') {
    assert.match(r.stderr, new RegExp(`injected panic at ${name}\\b`), 'the point was reached');
  }
  const lines = r.stdout.trim().split('\n');
  return { seen: JSON.parse(lines[lines.length - 1]), stderr: r.stderr };
}

/** The first request failed with one of `codes`, the five after it succeeded. */
function firstFailedThenServed(results, codes) {
  assert.strictEqual(results.length, 6);
  assert.ok(codes.includes(results[0].error), `first request: ${JSON.stringify(results[0])}`);
  assert.deepStrictEqual(results.slice(1), [1, 2, 3, 4, 5].map(ok));
}

const contained = /rshttp: internal error in .* \(a panic, contained/;

test('a panic in a connection socket\'s poll callback fails that connection alone', () => {
  // The first poll callback is the listener's (the connection arrives), the
  // second the connection's (its request arrives).
  const { seen, stderr } = run('server', 'on_io:2');
  assert.match(stderr, contained);
  assert.deepStrictEqual(seen.clientErrors, [INTERNAL]);
  assert.deepStrictEqual(seen.serverErrors, []);
  firstFailedThenServed(seen.results, ['ECONNRESET']);
});

test('a panic in the listening socket\'s poll callback stops that listener with an error', () => {
  const { seen } = run('server', 'on_io:1');
  assert.deepStrictEqual(seen.serverErrors, [INTERNAL]);
  assert.strictEqual(seen.restarted, true);
  // The connection waiting to be accepted is refused, not left hanging.
  firstFailedThenServed(seen.results, ['ECONNRESET', 'ECONNREFUSED']);
});

for (const point of ['on_check', 'drive', 'on_timer']) {
  test(`a panic in the driver (${point}) loses no request`, () => {
    const { seen, stderr } = run('server', point);
    assert.match(stderr, contained);
    assert.deepStrictEqual(seen.results, [0, 1, 2, 3, 4, 5].map(ok));
    assert.deepStrictEqual(seen.clientErrors, []);
  });
}

test('a panic in a server connection\'s task fails that connection alone', () => {
  const { seen } = run('server', 'server_task');
  assert.deepStrictEqual(seen.clientErrors, [INTERNAL]);
  firstFailedThenServed(seen.results, ['ECONNRESET']);
});

test('a panic in the accept loop stops that listener with an error', () => {
  const { seen } = run('server', 'accept');
  assert.deepStrictEqual(seen.serverErrors, [INTERNAL]);
  firstFailedThenServed(seen.results, ['ECONNRESET', 'ECONNREFUSED']);
});

test('a panic while parsing answers as a parse error', () => {
  const { seen } = run('server', 'parse');
  assert.deepStrictEqual(seen.clientErrors, ['HPE_INTERNAL']);
  firstFailedThenServed(seen.results, ['ECONNRESET']);
});

test('a panic in the event queue\'s push fails that connection; the queue stays usable', () => {
  // The first push announces the connection, the second its request.
  const { seen } = run('server', 'event_push:2');
  assert.deepStrictEqual(seen.clientErrors, ['HPE_INTERNAL']);
  firstFailedThenServed(seen.results, ['ECONNRESET']);
});

test('a panic in a napi call on a connection fails that connection alone (server)', () => {
  // The call that panics is the response's write: it fails as on a closed
  // connection (EPIPE), and the connection closes.
  const { seen } = run('server', 'napi_conn');
  assert.strictEqual(seen.clientErrors.length, 1);
  assert.ok(['EPIPE', INTERNAL].includes(seen.clientErrors[0]), seen.clientErrors[0]);
  firstFailedThenServed(seen.results, ['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED']);
});

test('a panic in a napi call without a connection throws, and the next call works', () => {
  const { seen } = run('server', 'napi_listen');
  assert.deepStrictEqual(seen.listenErrors, [INTERNAL]);
  assert.deepStrictEqual(seen.results, [0, 1, 2, 3, 4, 5].map(ok));
});

test('a panic in a per-request call (defined without #[napi]) throws, and the next call works', () => {
  const { seen, stderr } = run('binding', 'napi_fast');
  assert.deepStrictEqual(seen.firstError, { name: 'Error', code: INTERNAL });
  assert.strictEqual(seen.second, -1);
  assert.match(stderr, contained);
});

test('client: a panic in a napi call on the connection fails that request alone', () => {
  // The call that panics is the request's write: EPIPE, as on a closed socket.
  const { seen } = run('client', 'napi_conn');
  firstFailedThenServed(seen.results, ['EPIPE', INTERNAL]);
});

test('client: a panic in the connecting socket\'s poll callback fails that connect alone', () => {
  const { seen } = run('client', 'on_io:1');
  firstFailedThenServed(seen.results, [INTERNAL]);
});

test('client: a panic while connecting fails that connect alone', () => {
  const { seen } = run('client', 'connect');
  firstFailedThenServed(seen.results, [INTERNAL]);
});

test('client: a panic in the connection\'s task fails that request alone', () => {
  const { seen } = run('client', 'client_task');
  firstFailedThenServed(seen.results, ['EPIPE', 'ECONNRESET', INTERNAL]);
});

test('a driver whose libuv set-up fails half-way frees its handles: the worker exits cleanly', () => {
  // A worker's loop is closed with a check that aborts the process if any
  // handle is left open.
  const { seen } = run('worker', 'driver_setup');
  assert.deepStrictEqual(seen.messages, [{ loadError: 'rshttp: cannot set up libuv handles' }]);
  assert.strictEqual(seen.workerExit, 0);
  assert.deepStrictEqual(seen.after, { status: 200, body: 'ok /after' });
});

test('a panic while closing the driver at environment exit is contained', () => {
  const { seen, stderr } = run('worker', 'on_close');
  assert.match(stderr, contained);
  assert.deepStrictEqual(seen.messages, [{ status: 200 }]);
  assert.strictEqual(seen.workerExit, 0);
  assert.deepStrictEqual(seen.after, { status: 200, body: 'ok /after' });
});

// The same on the I/O threads (RSHTTP_IO_THREADS=2), for the points that
// mode has: its sockets are tokio's, its tasks the runtime's, its events
// reach JS through the threadsafe function and a turn of the driver.
test('threaded: a panic in the I/O threads\' wake-up of the JS thread loses no request', () => {
  const { seen } = run('server', 'threads_wake', 2);
  assert.deepStrictEqual(seen.results, [0, 1, 2, 3, 4, 5].map(ok));
});

test('threaded: a panic in a server connection\'s task fails that connection alone', () => {
  const { seen } = run('server', 'server_task', 2);
  assert.deepStrictEqual(seen.clientErrors, [INTERNAL]);
  firstFailedThenServed(seen.results, ['ECONNRESET']);
});

test('threaded: a panic in the accept loop stops that listener with an error', () => {
  const { seen } = run('server', 'accept', 2);
  assert.deepStrictEqual(seen.serverErrors, [INTERNAL]);
  firstFailedThenServed(seen.results, ['ECONNRESET', 'ECONNREFUSED']);
});

test('threaded: a panic while parsing answers as a parse error', () => {
  const { seen } = run('server', 'parse', 2);
  assert.deepStrictEqual(seen.clientErrors, ['HPE_INTERNAL']);
  firstFailedThenServed(seen.results, ['ECONNRESET']);
});

test('threaded: a panic in the event queue\'s push fails that connection; the queue stays usable', () => {
  const { seen } = run('server', 'event_push:2', 2);
  assert.deepStrictEqual(seen.clientErrors, ['HPE_INTERNAL']);
  firstFailedThenServed(seen.results, ['ECONNRESET']);
});

test('threaded: a panic in a napi call on a connection fails that connection alone', () => {
  const { seen } = run('server', 'napi_conn', 2);
  assert.strictEqual(seen.clientErrors.length, 1);
  assert.ok(['EPIPE', INTERNAL].includes(seen.clientErrors[0]), seen.clientErrors[0]);
  firstFailedThenServed(seen.results, ['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED']);
});

test('threaded client: a panic while connecting, or in the connection\'s task, fails that request alone', () => {
  firstFailedThenServed(run('client', 'connect', 2).seen.results, [INTERNAL]);
  firstFailedThenServed(run('client', 'client_task', 2).seen.results, ['EPIPE', 'ECONNRESET', INTERNAL]);
});

test('an event batch stops decoding at an unknown event kind, with a warning', async () => {
  const native = require('../lib/native');
  const id = 0x7fff_fff0;
  const seen = [];
  native.listeners.set(id, { onAcceptError: (code) => seen.push(code) });
  /** A SERVER_ERROR event (kind 11) for listener `id` with code `code`. */
  const serverError = (code) => {
    const field = Buffer.concat([Buffer.alloc(4), Buffer.from(code, 'latin1')]);
    field.writeUInt32LE(code.length, 0);
    const head = Buffer.alloc(9);
    head.writeUInt8(11, 0);
    head.writeUInt32LE(id, 1);
    head.writeUInt32LE(field.length, 5);
    return Buffer.concat([head, field]);
  };
  const unknown = Buffer.alloc(9);
  unknown.writeUInt8(200, 0);
  const batch = Buffer.concat([serverError('EFIRST'), unknown, serverError('ELOST')]);
  const warned = new Promise((resolve) => process.once('warning', resolve));
  try {
    native._dispatch(batch, batch.length);
  } finally {
    native.listeners.delete(id);
  }
  assert.deepStrictEqual(seen, ['EFIRST'], 'decoding stops at the unknown kind');
  const warning = await warned;
  assert.strictEqual(warning.code, 'ERR_RSHTTP_BAD_BATCH');
  assert.match(warning.message, /kind 200/);
});
