'use strict';
// The net surface of rshttp's Server and sockets against node:http's, read
// at run time: for a server (fresh, listening, closed), an accepted socket
// (connected, paused, ended, destroyed) and a client socket (connecting,
// connected, paused, ended, destroyed), every property name Node's object
// has, own or inherited (net.Server, net.Socket, stream.Duplex, EventEmitter),
// must be there on rshttp's and hold the same kind of value (function,
// object, null, undefined, string, number, boolean). Likewise the listed
// members of the `_handle` packages call.

const { test } = require('node:test');
const assert = require('node:assert');
const net = require('node:net');
const nodeHttp = require('node:http');
const rshttp = require('..');

const T = { timeout: 20_000 };

/**
 * Node's properties rshttp does not mirror, by state (`*`: every state),
 * each with the reason.
 */
const NOT_MIRRORED = {
  '*': {
    // net's caches of getpeername/getsockname, filled when net's own
    // address getters run; rshttp's getters read the core's addresses.
    _peername: 'net-internal cache',
    _sockname: 'net-internal cache',
  },
  'client.connecting': {
    // net binds synchronously before connecting; rshttp's core connects
    // after the lookup, and the local address is known once connected.
    localAddress: 'known once connected',
    localPort: 'known once connected',
    localFamily: 'known once connected',
  },
};

/** Members of a libuv handle that packages call or read. */
const HANDLE_MEMBERS = {
  server: ['fd', 'getsockname', 'ref', 'unref', 'hasRef', 'close', 'reading', 'owner'],
  socket: ['fd', 'getsockname', 'getpeername', 'ref', 'unref', 'hasRef', 'close', 'reset', 'readStart', 'readStop',
    'setNoDelay', 'setKeepAlive', 'reading', 'owner', 'writeQueueSize', 'bytesRead', 'bytesWritten'],
};

function kind(v) {
  return v === null ? 'null' : typeof v;
}

/** Every string-keyed property name of `obj` and its prototypes, with its value's kind. */
function surface(obj) {
  const out = new Map();
  for (let o = obj; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const name of Object.getOwnPropertyNames(o)) {
      if (out.has(name)) continue;
      let v;
      try {
        v = obj[name];
      } catch (e) {
        v = e;
      }
      out.set(name, kind(v));
    }
  }
  return out;
}

/** The listed handle members of `handle` (null: no handle). */
function handleSurface(handle, members) {
  if (handle === null || handle === undefined) return null;
  return new Map(members.map((m) => [m, m in handle ? kind(handle[m]) : 'missing']));
}

/**
 * Runs one exchange on `http` and returns the surfaces seen in each state:
 * `{ 'server.fresh': Map, ..., 'server.handle': Map }`.
 */
function collect(http) {
  return new Promise((resolve, reject) => {
    const snaps = {};
    const snap = (name, obj) => {
      snaps[name] = surface(obj);
    };
    const server = http.createServer((req, res) => {
      const s = req.socket;
      snap('accepted.connected', s);
      snaps['accepted.handle'] = handleSurface(s._handle, HANDLE_MEMBERS.socket);
      s.pause();
      snap('accepted.paused', s);
      s.resume();
      s.on('end', () => snap('accepted.ended', s));
      s.on('close', () => snap('accepted.destroyed', s));
      req.resume();
      req.on('end', () => res.end('ok'));
    });
    snap('server.fresh', server);
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      snap('server.listening', server);
      snaps['server.handle'] = handleSurface(server._handle, HANDLE_MEMBERS.server);
      const req = http.request({ host: '127.0.0.1', port: server.address().port, agent: false, method: 'POST' });
      req.on('socket', (s) => snap('client.connecting', s));
      req.on('error', reject);
      req.on('response', (res) => {
        const cs = res.socket;
        snap('client.connected', cs);
        snaps['client.handle'] = handleSurface(cs._handle, HANDLE_MEMBERS.socket);
        cs.pause();
        snap('client.paused', cs);
        cs.resume();
        res.resume();
        cs.on('end', () => snap('client.ended', cs));
        cs.on('close', () => {
          snap('client.destroyed', cs);
          // The accepted socket's close may come a turn later.
          setTimeout(() => server.close(() => {
            snap('server.closed', server);
            resolve(snaps);
          }), 50);
        });
      });
      req.end('body');
    });
  });
}

/** Differences of rshttp's surface from Node's in each state, as readable lines. */
function compare(nodeSnaps, rsSnaps) {
  const problems = [];
  for (const [state, want] of Object.entries(nodeSnaps)) {
    const got = rsSnaps[state];
    if (want === null) {
      if (got !== null) problems.push(`${state}: Node has no handle, rshttp has one`);
      continue;
    }
    if (got === undefined || got === null) {
      problems.push(`${state}: not reached or missing in rshttp`);
      continue;
    }
    const skip = { ...NOT_MIRRORED['*'], ...NOT_MIRRORED[state] };
    for (const [name, k] of want) {
      if (name in skip) continue;
      if (!got.has(name) || got.get(name) === 'missing') problems.push(`${state}.${name}: missing (Node: ${k})`);
      else if (got.get(name) !== k) problems.push(`${state}.${name}: ${got.get(name)} (Node: ${k})`);
    }
  }
  return problems;
}

test('Server, accepted and client sockets have every property of node:http\'s, of the same kind', T, async () => {
  const nodeSnaps = await collect(nodeHttp);
  const rsSnaps = await collect(rshttp);
  // The states were all reached on both sides.
  assert.deepStrictEqual(Object.keys(rsSnaps).sort(), Object.keys(nodeSnaps).sort());
  // The comparison looks at something: net.Socket's surface is large.
  assert.ok(nodeSnaps['accepted.connected'].size > 100);
  assert.deepStrictEqual(compare(nodeSnaps, rsSnaps), []);
});

test('the comparison fails on a missing or different property', T, () => {
  const node = { s: new Map([['a', 'function'], ['b', 'object'], ['c', 'number']]) };
  const rs = { s: new Map([['a', 'function'], ['b', 'null']]) };
  assert.deepStrictEqual(compare(node, rs), ['s.b: null (Node: object)', 's.c: missing (Node: number)']);
  assert.deepStrictEqual(surface(new net.Socket()).get('_handle'), 'null');
});

test('_handle is an object exactly while listening or connected, on both implementations', T, async () => {
  for (const http of [nodeHttp, rshttp]) {
    const snaps = await collect(http);
    assert.notStrictEqual(snaps['server.handle'], null);
    assert.notStrictEqual(snaps['accepted.handle'], null);
    assert.notStrictEqual(snaps['client.handle'], null);
    assert.strictEqual(snaps['server.fresh'].get('_handle'), 'null');
    assert.strictEqual(snaps['server.listening'].get('_handle'), 'object');
    assert.strictEqual(snaps['server.closed'].get('_handle'), 'null');
    assert.strictEqual(snaps['accepted.connected'].get('_handle'), 'object');
    assert.strictEqual(snaps['accepted.destroyed'].get('_handle'), 'null');
    assert.strictEqual(snaps['client.connecting'].get('_handle'), 'object');
    assert.strictEqual(snaps['client.destroyed'].get('_handle'), 'null');
  }
});
