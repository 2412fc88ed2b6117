'use strict';

// lib/agent.js, rshttp's http.Agent.
//
// Two kinds of tests:
//  - pool logic with scripted fake sockets, run against both rshttp's Agent
//    and node:http's own Agent, so every expectation is checked to be Node's;
//  - real traffic: node:http's client (which accepts any agent with
//    addRequest) against a node:http server. node:http's ClientRequest needs
//    a net.Socket, so those agents connect with net.createConnection rather
//    than the default rshttp client socket.

const test = require('node:test');
const assert = require('node:assert');
const net = require('node:net');
const http = require('node:http');
const { once, EventEmitter } = require('node:events');

const { Agent, globalAgent } = require('../lib/agent');
const clientSocket = require('../lib/client_socket');

const IMPLEMENTATIONS = [['rshttp', Agent], ['node', http.Agent]];

/** A scripted socket: records calls, closes asynchronously like net.Socket. */
class FakeSocket extends EventEmitter {
  constructor(options) {
    super();
    this.connectOptions = options;
    this.writable = true;
    this.destroyed = false;
    this.timeout = 0;
    this.refed = true;
    this.keepAliveCalls = [];
    this.timeoutCalls = [];
    this._httpMessage = null;
  }
  destroy() {
    if (this.destroyed) return this;
    this.destroyed = true;
    this.writable = false;
    process.nextTick(() => this.emit('close'));
    return this;
  }
  setKeepAlive(enable, delay) { this.keepAliveCalls.push([enable, delay]); return this; }
  setTimeout(ms) { this.timeout = ms; this.timeoutCalls.push(ms); return this; }
  ref() { this.refed = true; return this; }
  unref() { this.refed = false; return this; }
}

/** A minimal ClientRequest stand-in: records the sockets (and errors) it is given. */
function fakeRequest({ host, keepAlive = true, timeout } = {}) {
  const req = {
    sockets: [],
    errors: [],
    shouldKeepAlive: keepAlive,
    timeout,
    getHeader(name) { return name === 'host' ? host : undefined; },
    onSocket(socket, err) {
      if (err) this.errors.push(err);
      else this.sockets.push(socket);
      if (socket) socket._httpMessage = this;
    },
  };
  return req;
}

/** An agent of class `A` whose connections are FakeSockets (returned synchronously). */
function fakeAgent(A, options) {
  const agent = new A(options);
  agent.created = [];
  agent.createConnection = (opts) => {
    const socket = new FakeSocket(opts);
    agent.created.push(socket);
    return socket;
  };
  return agent;
}

/** Finishes the exchange on `socket` as ClientRequest does: 'free' on the socket. */
function release(socket) {
  socket.emit('free');
}

/** Real-traffic tests fail rather than hang. */
const NET_TEST = { timeout: 10_000 };

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** Resolves once `cond()` is true; rejects after `ms`. */
async function waitFor(cond, ms = 2000) {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${cond}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** An agent for node:http's client: net sockets instead of rshttp's. */
function netAgent(options) {
  const agent = new Agent(options);
  agent.createConnection = net.createConnection;
  return agent;
}

/** Starts a node:http server on 127.0.0.1; resolves to { server, port }. */
async function listen(handler) {
  const server = http.createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: server.address().port };
}

/** GET through `agent`; resolves to { req, res, socket, body, localPort } at response end. */
function get(agent, port, extra = {}) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent, ...extra });
    let socket = null;
    let localPort = null;
    req.on('socket', (s) => {
      socket = s;
      if (s.localPort) localPort = s.localPort;
      else s.once('connect', () => { localPort = s.localPort; });
    });
    req.on('error', reject);
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ req, res, socket, body, localPort }));
    });
  });
}

async function closeAll(server, agent) {
  agent.destroy();
  server.closeAllConnections();
  server.close();
  await once(server, 'close');
}

// ---------------------------------------------------------------------------
// Construction, options, validation

test('defaults and options match node:http.Agent', () => {
  const variants = [
    undefined,
    {},
    { keepAlive: true },
    { keepAlive: true, keepAliveMsecs: 250, maxSockets: 3, maxFreeSockets: 2, timeout: 700 },
    { scheduling: 'fifo', maxTotalSockets: 5, noDelay: false, path: '/x', socketPath: '/tmp/s' },
    { maxSockets: 0, maxFreeSockets: 0, keepAliveMsecs: 0 },
  ];
  for (const options of variants) {
    const mine = new Agent(options);
    const theirs = new http.Agent(options);
    assert.deepStrictEqual(Object.keys(mine), Object.keys(theirs), `keys for ${JSON.stringify(options)}`);
    for (const key of ['defaultPort', 'protocol', 'keepAlive', 'keepAliveMsecs', 'maxSockets',
      'maxFreeSockets', 'scheduling', 'maxTotalSockets', 'totalSocketCount']) {
      assert.strictEqual(mine[key], theirs[key], `${key} for ${JSON.stringify(options)}`);
    }
    assert.deepStrictEqual(mine.options, theirs.options);
    assert.strictEqual(Object.getPrototypeOf(mine.options), null);
    for (const key of ['sockets', 'freeSockets', 'requests']) {
      assert.strictEqual(Object.getPrototypeOf(mine[key]), null, key);
      assert.deepStrictEqual(Object.keys(mine[key]), []);
    }
    assert.deepStrictEqual(mine.eventNames(), theirs.eventNames());
  }

  const agent = new Agent();
  assert.strictEqual(agent.keepAlive, false);
  assert.strictEqual(agent.keepAliveMsecs, 1000);
  assert.strictEqual(agent.maxSockets, Infinity);
  assert.strictEqual(agent.maxFreeSockets, 256);
  assert.strictEqual(agent.maxTotalSockets, Infinity);
  assert.strictEqual(agent.scheduling, 'lifo');
  assert.strictEqual(agent.options.path, null);
  assert.strictEqual(agent.options.noDelay, true);
  assert.strictEqual(new Agent({ noDelay: false }).options.noDelay, false);
  assert.strictEqual(new Agent({ path: '/sock' }).options.path, null);
});

test('Agent is an EventEmitter, callable without new, with Node statics', () => {
  const agent = Agent({ keepAlive: true });
  assert.ok(agent instanceof Agent);
  assert.ok(agent instanceof EventEmitter);
  assert.strictEqual(agent.keepAlive, true);
  assert.strictEqual(Object.getPrototypeOf(Agent), EventEmitter);
  assert.strictEqual(Agent.defaultMaxSockets, Infinity);
  assert.strictEqual(Agent.prototype.createConnection, clientSocket.createConnection);

  const saved = Agent.defaultMaxSockets;
  try {
    Agent.defaultMaxSockets = 7;
    assert.strictEqual(new Agent().maxSockets, 7);
    assert.strictEqual(new Agent({ maxSockets: 2 }).maxSockets, 2);
  } finally {
    Agent.defaultMaxSockets = saved;
  }

  class Sub extends Agent {}
  const sub = new Sub({ scheduling: 'fifo' });
  assert.ok(sub instanceof Agent);
  assert.strictEqual(sub.scheduling, 'fifo');
});

test('globalAgent has Node 20 settings', () => {
  assert.ok(globalAgent instanceof Agent);
  assert.strictEqual(globalAgent.keepAlive, true);
  assert.strictEqual(globalAgent.scheduling, 'lifo');
  assert.strictEqual(globalAgent.options.timeout, 5000);
  assert.deepStrictEqual(globalAgent.options, http.globalAgent.options);
});

test('option validation throws Node\'s errors', () => {
  const cases = [
    [{ scheduling: 'random' }, 'ERR_INVALID_ARG_VALUE', TypeError],
    [{ scheduling: 1 }, 'ERR_INVALID_ARG_VALUE', TypeError],
    [{ maxTotalSockets: 'a' }, 'ERR_INVALID_ARG_TYPE', TypeError],
    [{ maxTotalSockets: null }, 'ERR_INVALID_ARG_TYPE', TypeError],
    [{ maxTotalSockets: 0 }, 'ERR_OUT_OF_RANGE', RangeError],
    [{ maxTotalSockets: -1 }, 'ERR_OUT_OF_RANGE', RangeError],
    [{ maxTotalSockets: NaN }, 'ERR_OUT_OF_RANGE', RangeError],
  ];
  for (const [options, code, Base] of cases) {
    let theirs;
    try {
      new http.Agent(options);
    } catch (err) {
      theirs = err;
    }
    assert.ok(theirs, `node throws for ${String(Object.values(options)[0])}`);
    assert.throws(() => new Agent(options), (err) => {
      assert.ok(err instanceof Base);
      assert.strictEqual(err.code, code);
      assert.strictEqual(err.code, theirs.code);
      assert.strictEqual(err.name, theirs.name);
      assert.strictEqual(err.message, theirs.message);
      return true;
    });
  }
  // Accepted values.
  assert.strictEqual(new Agent({ maxTotalSockets: 1 }).maxTotalSockets, 1);
  assert.strictEqual(new Agent({ maxTotalSockets: 2.5 }).maxTotalSockets, 2.5);
  assert.strictEqual(new Agent({ scheduling: '' }).scheduling, 'lifo');
});

test('getName matches Node for every option combination', () => {
  const agent = new Agent();
  const node = new http.Agent();
  const cases = [
    [{}, 'localhost::'],
    [{ host: 'example.com' }, 'example.com::'],
    [{ host: 'example.com', port: 8080 }, 'example.com:8080:'],
    [{ port: 80, localAddress: '10.0.0.1' }, 'localhost:80:10.0.0.1'],
    [{ host: 'h', port: 1, localAddress: 'la', family: 4 }, 'h:1:la:4'],
    [{ host: 'h', family: 6 }, 'h:::6'],
    [{ host: 'h', family: 5 }, 'h::'],
    [{ host: 'h', family: '4' }, 'h::'],
    [{ socketPath: '/tmp/x.sock' }, 'localhost:::/tmp/x.sock'],
    [{ host: 'h', port: 0, family: 4, socketPath: '/s' }, 'h:::4:/s'],
    [{ host: '', port: '', localAddress: '' }, 'localhost::'],
  ];
  for (const [options, expected] of cases) {
    assert.strictEqual(agent.getName(options), expected);
    assert.strictEqual(node.getName(options), expected);
  }
  assert.strictEqual(agent.getName(), 'localhost::');
  assert.throws(() => agent.getName(null), TypeError);
});

// ---------------------------------------------------------------------------
// Pool logic with fake sockets, against both implementations

for (const [label, A] of IMPLEMENTATIONS) {
  test(`[${label}] addRequest legacy signature, merged options, servername`, () => {
    const agent = fakeAgent(A, { keepAlive: true, keepAliveMsecs: 321, timeout: 50 });
    const req = fakeRequest({ host: 'example.com:8080' });
    agent.addRequest(req, 'h.test', 81, '10.0.0.2');
    const name = 'h.test:81:10.0.0.2';
    assert.deepStrictEqual(Object.keys(agent.sockets), [name]);
    assert.strictEqual(agent.sockets[name].length, 1);
    assert.strictEqual(agent.totalSocketCount, 1);
    const opts = agent.created[0].connectOptions;
    assert.strictEqual(Object.getPrototypeOf(opts), null);
    assert.strictEqual(opts.host, 'h.test');
    assert.strictEqual(opts.port, 81);
    assert.strictEqual(opts.localAddress, '10.0.0.2');
    assert.strictEqual(opts._agentKey, name);
    assert.strictEqual(opts.encoding, null);
    assert.strictEqual(opts.path, null);
    assert.strictEqual(opts.noDelay, true);
    assert.strictEqual(opts.timeout, 50);
    assert.strictEqual(opts.keepAlive, true);
    assert.strictEqual(opts.keepAliveInitialDelay, 321);
    assert.strictEqual(opts.servername, 'example.com');
    assert.deepStrictEqual(req.sockets, [agent.created[0]]);
  });

  test(`[${label}] servername from Host header, socketPath as path`, () => {
    const servername = (hostHeader, extra = {}) => {
      const agent = fakeAgent(A);
      agent.addRequest(fakeRequest({ host: hostHeader }), { host: 'fallback.test', port: 1, ...extra });
      return agent.created[0].connectOptions.servername;
    };
    assert.strictEqual(servername(undefined), 'fallback.test');
    assert.strictEqual(servername('a.test'), 'a.test');
    assert.strictEqual(servername('a.test:99'), 'a.test');
    assert.strictEqual(servername('[::1]:80'), '');
    assert.strictEqual(servername('[fe80::1'), '[fe80::1');
    assert.strictEqual(servername('127.0.0.1:80'), '');
    assert.strictEqual(servername(undefined, { host: '10.1.1.1' }), '');
    assert.strictEqual(servername('a.test', { servername: 'given.test' }), 'given.test');
    assert.strictEqual(servername('a.test', { servername: '' }), '');

    const agent = fakeAgent(A);
    assert.throws(() => agent.addRequest(fakeRequest({ host: 42 }), { host: 'x' }),
      { code: 'ERR_INVALID_ARG_TYPE', name: 'TypeError' });

    const unix = fakeAgent(A);
    unix.addRequest(fakeRequest(), { socketPath: '/tmp/agent.sock', path: '/url' });
    assert.strictEqual(unix.created[0].connectOptions.path, '/tmp/agent.sock');
    assert.deepStrictEqual(Object.keys(unix.sockets), ['localhost:::/tmp/agent.sock']);
  });

  test(`[${label}] free socket is pooled, reused, and maxSockets queues`, async () => {
    const agent = fakeAgent(A, { keepAlive: true, maxSockets: 1, keepAliveMsecs: 42 });
    const name = 'h:1:';
    const r1 = fakeRequest();
    const r2 = fakeRequest();
    const r3 = fakeRequest();
    agent.addRequest(r1, { host: 'h', port: 1 });
    agent.addRequest(r2, { host: 'h', port: 1 });
    agent.addRequest(r3, { host: 'h', port: 1 });
    assert.strictEqual(agent.created.length, 1);
    assert.deepStrictEqual(agent.requests[name], [r2, r3]);
    const s = agent.created[0];

    // A queued request gets the freed socket directly, not via the pool.
    release(s);
    assert.deepStrictEqual(r2.sockets, [s]);
    assert.deepStrictEqual(agent.requests[name], [r3]);
    release(s);
    assert.deepStrictEqual(r3.sockets, [s]);
    assert.strictEqual(name in agent.requests, false);
    assert.strictEqual(s.refed, true);

    // No one waiting: into the free pool, unref'd, keep-alive on.
    release(s);
    assert.deepStrictEqual(agent.freeSockets[name], [s]);
    assert.strictEqual(name in agent.sockets, false);
    assert.strictEqual(s.refed, false);
    assert.deepStrictEqual(s.keepAliveCalls, [[true, 42]]);
    assert.strictEqual(s._httpMessage, null);
    assert.strictEqual(agent.totalSocketCount, 1);

    // Reuse.
    const r4 = fakeRequest();
    agent.addRequest(r4, { host: 'h', port: 1 });
    assert.deepStrictEqual(r4.sockets, [s]);
    assert.strictEqual(r4.reusedSocket, true);
    assert.strictEqual(s.refed, true);
    assert.strictEqual(name in agent.freeSockets, false);
    assert.deepStrictEqual(agent.sockets[name], [s]);
    assert.strictEqual(agent.created.length, 1);
    assert.strictEqual(agent.totalSocketCount, 1);

    // Closing removes it everywhere.
    s.destroy();
    await tick();
    assert.strictEqual(name in agent.sockets, false);
    assert.strictEqual(agent.totalSocketCount, 0);
  });

  test(`[${label}] keepAlive false or non-keep-alive request destroys the freed socket`, () => {
    const agent = fakeAgent(A, { keepAlive: false });
    agent.addRequest(fakeRequest(), { host: 'h', port: 1 });
    release(agent.created[0]);
    assert.strictEqual(agent.created[0].destroyed, true);
    assert.deepStrictEqual(Object.keys(agent.freeSockets), []);

    const ka = fakeAgent(A, { keepAlive: true });
    ka.addRequest(fakeRequest({ keepAlive: false }), { host: 'h', port: 1 });
    release(ka.created[0]);
    assert.strictEqual(ka.created[0].destroyed, true);

    ka.addRequest(fakeRequest(), { host: 'h', port: 1 });
    ka.created[1]._httpMessage = null;
    release(ka.created[1]);
    assert.strictEqual(ka.created[1].destroyed, true);

    // A socket that is no longer writable is destroyed even with waiters.
    ka.addRequest(fakeRequest(), { host: 'h', port: 1 });
    ka.created[2].writable = false;
    release(ka.created[2]);
    assert.strictEqual(ka.created[2].destroyed, true);
  });

  test(`[${label}] maxFreeSockets caps the idle pool`, () => {
    const agent = fakeAgent(A, { keepAlive: true, maxFreeSockets: 2 });
    for (let i = 0; i < 4; i++) agent.addRequest(fakeRequest(), { host: 'h', port: 1 });
    assert.strictEqual(agent.created.length, 4);
    for (const s of agent.created) release(s);
    assert.deepStrictEqual(agent.freeSockets['h:1:'], agent.created.slice(0, 2));
    assert.deepStrictEqual(agent.created.map((s) => s.destroyed), [false, false, true, true]);
  });

  for (const scheduling of ['lifo', 'fifo']) {
    test(`[${label}] scheduling ${scheduling} picks the ${scheduling === 'lifo' ? 'last' : 'first'} freed socket`, () => {
      const agent = fakeAgent(A, { keepAlive: true, scheduling });
      for (let i = 0; i < 3; i++) agent.addRequest(fakeRequest(), { host: 'h', port: 1 });
      const [a, b, c] = agent.created;
      release(b);
      release(c);
      release(a);
      assert.deepStrictEqual(agent.freeSockets['h:1:'], [b, c, a]);
      const order = [];
      for (let i = 0; i < 3; i++) {
        const req = fakeRequest();
        agent.addRequest(req, { host: 'h', port: 1 });
        order.push(req.sockets[0]);
      }
      assert.deepStrictEqual(order, scheduling === 'lifo' ? [a, c, b] : [b, c, a]);
      assert.strictEqual(agent.created.length, 3);
    });
  }

  test(`[${label}] destroyed sockets at the head of the free list are skipped`, () => {
    const agent = fakeAgent(A, { keepAlive: true, scheduling: 'fifo' });
    for (let i = 0; i < 3; i++) agent.addRequest(fakeRequest(), { host: 'h', port: 1 });
    const [a, b, c] = agent.created;
    for (const s of [a, b, c]) release(s);
    // Destroyed, but 'close' not emitted yet: still listed.
    a.destroyed = true;
    b.destroyed = true;
    const req = fakeRequest();
    agent.addRequest(req, { host: 'h', port: 1 });
    assert.deepStrictEqual(req.sockets, [c]);
    assert.strictEqual(req.reusedSocket, true);
    assert.strictEqual('h:1:' in agent.freeSockets, false);
  });

  test(`[${label}] maxTotalSockets queues across names and drains on close`, async () => {
    const agent = fakeAgent(A, { keepAlive: false, maxTotalSockets: 1 });
    const ra = fakeRequest();
    const rb = fakeRequest();
    agent.addRequest(ra, { host: 'a', port: 1 });
    agent.addRequest(rb, { host: 'b', port: 1 });
    assert.strictEqual(agent.created.length, 1);
    assert.deepStrictEqual(Object.keys(agent.requests), ['b:1:']);
    assert.deepStrictEqual(agent.sockets['b:1:'], []);

    release(agent.created[0]); // keepAlive false: destroyed, 'close' next tick
    await tick();
    assert.strictEqual(agent.created.length, 2);
    assert.strictEqual(agent.created[1].connectOptions.host, 'b');
    assert.deepStrictEqual(rb.sockets, [agent.created[1]]);
    assert.deepStrictEqual(Object.keys(agent.requests), []);
    assert.strictEqual(agent.totalSocketCount, 1);
  });

  test(`[${label}] 'agentRemove' takes a socket out of the pool`, () => {
    const agent = fakeAgent(A, { keepAlive: true });
    agent.addRequest(fakeRequest(), { host: 'h', port: 1 });
    const s = agent.created[0];
    assert.strictEqual(s.listenerCount('free'), 1);
    s.emit('agentRemove');
    assert.strictEqual('h:1:' in agent.sockets, false);
    assert.strictEqual(agent.totalSocketCount, 0);
    for (const event of ['free', 'close', 'timeout', 'agentRemove']) {
      assert.strictEqual(s.listenerCount(event), 0, event);
    }
  });

  test(`[${label}] an error on an idle socket destroys and removes it`, async () => {
    const agent = fakeAgent(A, { keepAlive: true });
    agent.addRequest(fakeRequest(), { host: 'h', port: 1 });
    const s = agent.created[0];
    release(s);
    assert.strictEqual(s.listenerCount('error'), 1);
    s.emit('error', new Error('idle failure'));
    assert.strictEqual(s.destroyed, true);
    assert.strictEqual('h:1:' in agent.freeSockets, false);
    assert.strictEqual(agent.totalSocketCount, 0);

    // Reuse removes that listener.
    agent.addRequest(fakeRequest(), { host: 'h', port: 1 });
    const t = agent.created[1];
    release(t);
    agent.addRequest(fakeRequest(), { host: 'h', port: 1 });
    assert.strictEqual(t.listenerCount('error'), 0);
  });

  test(`[${label}] 'timeout' destroys idle sockets only`, () => {
    const agent = fakeAgent(A, { keepAlive: true });
    agent.addRequest(fakeRequest(), { host: 'h', port: 1 });
    agent.addRequest(fakeRequest(), { host: 'h', port: 1 });
    const [busy, idle] = agent.created;
    release(idle);
    busy.emit('timeout');
    idle.emit('timeout');
    assert.strictEqual(busy.destroyed, false);
    assert.strictEqual(idle.destroyed, true);
  });

  test(`[${label}] keepSocketAlive: agent timeout and Keep-Alive hints`, () => {
    const agent = new A({ keepAlive: true, keepAliveMsecs: 10, timeout: 5000 });
    const withHint = (header) => {
      const s = new FakeSocket();
      s._httpMessage = { res: { headers: header === undefined ? {} : { 'keep-alive': header } } };
      return [agent.keepSocketAlive(s), s];
    };
    let [ok, s] = withHint(undefined);
    assert.strictEqual(ok, true);
    assert.strictEqual(s.timeout, 5000);
    assert.strictEqual(s.refed, false);
    assert.deepStrictEqual(s.keepAliveCalls, [[true, 10]]);
    [ok, s] = withHint('timeout=3');
    assert.strictEqual(ok, true);
    assert.strictEqual(s.timeout, 2000);
    [ok, s] = withHint('timeout=30, max=5');
    assert.strictEqual(ok, true);
    assert.strictEqual(s.timeout, 5000);
    [ok, s] = withHint('timeout=1');
    assert.strictEqual(ok, false);
    [ok, s] = withHint('timeout=0');
    assert.strictEqual(ok, false);
    [ok, s] = withHint('max=5, timeout=2');
    assert.strictEqual(ok, true);
    assert.strictEqual(s.timeout, 5000);

    // Without an agent timeout a hint does not set one; the timeout is 0.
    const plain = new A({ keepAlive: true });
    const p = new FakeSocket();
    p.timeout = 99;
    p._httpMessage = { res: { headers: { 'keep-alive': 'timeout=3' } } };
    assert.strictEqual(plain.keepSocketAlive(p), true);
    assert.strictEqual(p.timeout, 0);
    const q = new FakeSocket();
    assert.strictEqual(plain.keepSocketAlive(q), true);
    assert.deepStrictEqual(q.timeoutCalls, []);
  });

  test(`[${label}] request timeout applied to the socket unless equal to the agent's`, () => {
    const agent = fakeAgent(A, { keepAlive: true, timeout: 300 });
    agent.addRequest(fakeRequest({ timeout: 700 }), { host: 'h', port: 1 });
    assert.deepStrictEqual(agent.created[0].timeoutCalls, [700]);
    agent.addRequest(fakeRequest({ timeout: 300 }), { host: 'h', port: 1 });
    assert.deepStrictEqual(agent.created[1].timeoutCalls, []);
    agent.addRequest(fakeRequest(), { host: 'h', port: 1 });
    assert.deepStrictEqual(agent.created[2].timeoutCalls, []);
  });

  test(`[${label}] createConnection callback style, called once, and errors`, async () => {
    const agent = new A({ keepAlive: true });
    let socket;
    agent.createConnection = (opts, cb) => {
      socket = new FakeSocket(opts);
      setImmediate(() => {
        cb(null, socket);
        cb(null, socket); // ignored
        cb(new Error('late')); // ignored
      });
    };
    const req = fakeRequest();
    agent.addRequest(req, { host: 'h', port: 1 });
    assert.strictEqual(agent.totalSocketCount, 0);
    await tick();
    assert.deepStrictEqual(req.sockets, [socket]);
    assert.deepStrictEqual(req.errors, []);
    assert.strictEqual(agent.totalSocketCount, 1);
    assert.deepStrictEqual(agent.sockets['h:1:'], [socket]);
    assert.strictEqual(socket.listenerCount('free'), 1);

    const failing = new A();
    const boom = new Error('boom');
    failing.createConnection = (opts, cb) => { cb(boom); };
    const bad = fakeRequest();
    failing.addRequest(bad, { host: 'h', port: 1 });
    assert.deepStrictEqual(bad.errors, [boom]);
    assert.deepStrictEqual(bad.sockets, []);
    assert.strictEqual(failing.totalSocketCount, 0);
  });

  test(`[${label}] destroy() destroys idle and busy sockets`, async () => {
    const agent = fakeAgent(A, { keepAlive: true });
    agent.addRequest(fakeRequest(), { host: 'h', port: 1 });
    agent.addRequest(fakeRequest(), { host: 'g', port: 2 });
    release(agent.created[0]);
    agent.destroy();
    assert.deepStrictEqual(agent.created.map((s) => s.destroyed), [true, true]);
    await tick();
    assert.deepStrictEqual(Object.keys(agent.freeSockets), []);
    assert.deepStrictEqual(Object.keys(agent.sockets), []);
    assert.strictEqual(agent.totalSocketCount, 0);
  });

  test(`[${label}] 'keylog' forwarding starts with the first listener`, () => {
    const agent = fakeAgent(A);
    const seen = [];
    agent.on('keylog', (line, socket) => seen.push([line, socket]));
    assert.strictEqual(agent.listenerCount('newListener'), 0);
    agent.addRequest(fakeRequest(), { host: 'h', port: 1 });
    const [first] = agent.created;
    first.emit('keylog', 'line');
    assert.deepStrictEqual(seen, [['line', first]]);
  });
}

test('keylog listener added while sockets exist forwards theirs too', () => {
  // Node 20 throws here (it calls .on() on the per-name arrays); rshttp
  // attaches to each socket in use.
  const agent = fakeAgent(Agent);
  agent.addRequest(fakeRequest(), { host: 'h', port: 1 });
  const seen = [];
  agent.on('keylog', (line, socket) => seen.push([line, socket]));
  agent.created[0].emit('keylog', 'early');
  assert.deepStrictEqual(seen, [['early', agent.created[0]]]);
});

// ---------------------------------------------------------------------------
// Real traffic: node:http client and server

test('keepAlive reuses the socket: reusedSocket, same local port', NET_TEST, async () => {
  const { server, port } = await listen((req, res) => res.end('ok'));
  const agent = netAgent({ keepAlive: true });
  const name = `127.0.0.1:${port}:`;
  try {
    const freed = once(agent, 'free');
    const first = await get(agent, port);
    const [freedSocket, freeOptions] = await freed;
    assert.strictEqual(first.body, 'ok');
    assert.strictEqual(first.req.reusedSocket, false);
    assert.strictEqual(freedSocket, first.socket);
    assert.strictEqual(freeOptions._agentKey, name);
    assert.deepStrictEqual(agent.freeSockets[name], [first.socket]);
    assert.strictEqual(name in agent.sockets, false);
    assert.strictEqual(agent.totalSocketCount, 1);

    const second = await get(agent, port);
    assert.strictEqual(second.req.reusedSocket, true);
    assert.strictEqual(second.socket, first.socket);
    assert.strictEqual(second.localPort, first.localPort);
    assert.strictEqual(agent.totalSocketCount, 1);
  } finally {
    await closeAll(server, agent);
  }
});

test('keepAlive false closes the socket after the response', NET_TEST, async () => {
  let connections = 0;
  const { server, port } = await listen((req, res) => res.end('ok'));
  server.on('connection', () => { connections++; });
  const agent = netAgent({ keepAlive: false });
  try {
    const first = await get(agent, port);
    if (!first.socket.destroyed) await once(first.socket, 'close');
    assert.strictEqual(first.socket.destroyed, true);
    assert.deepStrictEqual(Object.keys(agent.freeSockets), []);
    assert.deepStrictEqual(Object.keys(agent.sockets), []);
    assert.strictEqual(agent.totalSocketCount, 0);

    const second = await get(agent, port);
    assert.strictEqual(second.req.reusedSocket, false);
    assert.notStrictEqual(second.socket, first.socket);
    assert.strictEqual(connections, 2);
  } finally {
    await closeAll(server, agent);
  }
});

test('maxSockets queues requests in agent.requests, then drains them', NET_TEST, async () => {
  let connections = 0;
  const { server, port } = await listen((req, res) => setTimeout(() => res.end(req.url), 20));
  server.on('connection', () => { connections++; });
  const agent = netAgent({ keepAlive: true, maxSockets: 1 });
  const name = `127.0.0.1:${port}:`;
  try {
    const results = Promise.all([1, 2, 3].map((i) => get(agent, port, { path: `/${i}` })));
    assert.strictEqual(agent.sockets[name].length, 1);
    assert.strictEqual(agent.requests[name].length, 2);
    const done = await results;
    assert.deepStrictEqual(done.map((r) => r.body), ['/1', '/2', '/3']);
    assert.deepStrictEqual(done.map((r) => r.socket === done[0].socket), [true, true, true]);
    assert.deepStrictEqual(done.map((r) => r.req.reusedSocket), [false, false, false]);
    assert.strictEqual(connections, 1);
    assert.strictEqual(name in agent.requests, false);
    assert.strictEqual(agent.totalSocketCount, 1);
  } finally {
    await closeAll(server, agent);
  }
});

test('maxFreeSockets keeps at most that many idle sockets', NET_TEST, async () => {
  const held = [];
  const { server, port } = await listen((req, res) => {
    held.push(res);
    if (held.length === 3) for (const r of held) r.end('ok');
  });
  const agent = netAgent({ keepAlive: true, maxFreeSockets: 1 });
  const name = `127.0.0.1:${port}:`;
  try {
    const done = await Promise.all([1, 2, 3].map(() => get(agent, port)));
    const sockets = done.map((r) => r.socket);
    assert.strictEqual(new Set(sockets).size, 3);
    await waitFor(() => sockets.filter((s) => s.destroyed).length === 2 &&
      agent.totalSocketCount === 1);
    assert.strictEqual(agent.freeSockets[name].length, 1);
    assert.ok(!agent.freeSockets[name][0].destroyed);
    assert.strictEqual(name in agent.sockets, false);
  } finally {
    await closeAll(server, agent);
  }
});

test('scheduling lifo vs fifo over real sockets', NET_TEST, async () => {
  for (const scheduling of ['lifo', 'fifo']) {
    const held = [];
    const { server, port } = await listen((req, res) => {
      // The first two are answered together, so both sockets are busy at once.
      held.push(res);
      if (held.length === 2) for (const r of held) r.end('ok');
      else if (held.length > 2) res.end('ok');
    });
    const agent = netAgent({ keepAlive: true, scheduling });
    const name = `127.0.0.1:${port}:`;
    try {
      await Promise.all([get(agent, port), get(agent, port)]);
      await waitFor(() => agent.freeSockets[name] && agent.freeSockets[name].length === 2);
      const [firstFreed, lastFreed] = agent.freeSockets[name];
      const next = await get(agent, port);
      assert.strictEqual(next.req.reusedSocket, true);
      assert.strictEqual(next.socket, scheduling === 'lifo' ? lastFreed : firstFreed, scheduling);
    } finally {
      await closeAll(server, agent);
    }
  }
});

test('destroy() closes free sockets', NET_TEST, async () => {
  const { server, port } = await listen((req, res) => res.end('ok'));
  const agent = netAgent({ keepAlive: true });
  try {
    const freed = once(agent, 'free');
    const { socket } = await get(agent, port);
    await freed;
    assert.strictEqual(agent.totalSocketCount, 1);
    const closed = once(socket, 'close');
    agent.destroy();
    await closed;
    assert.strictEqual(socket.destroyed, true);
    assert.deepStrictEqual(Object.keys(agent.freeSockets), []);
    assert.strictEqual(agent.totalSocketCount, 0);
  } finally {
    await closeAll(server, agent);
  }
});

test('timeout option: socket timeout, request override, idle expiry', NET_TEST, async () => {
  const { server, port } = await listen((req, res) => res.end('ok'));
  const agent = netAgent({ keepAlive: true, timeout: 1234 });
  const name = `127.0.0.1:${port}:`;
  try {
    const req = http.get({ host: '127.0.0.1', port, agent });
    const [socket] = await once(req, 'socket');
    assert.strictEqual(socket.timeout, 1234);
    const [res] = await once(req, 'response');
    res.resume();
    await once(agent, 'free');
    assert.deepStrictEqual(agent.freeSockets[name], [socket]);
    // Server hint (timeout=5 → 4000 ms) is above the agent's timeout.
    assert.strictEqual(socket.timeout, 1234);

    const own = http.get({ host: '127.0.0.1', port, agent, timeout: 500 });
    const [reused] = await once(own, 'socket');
    assert.strictEqual(reused, socket);
    assert.strictEqual(reused.timeout, 500);
    (await once(own, 'response'))[0].resume();
    await once(agent, 'free');
    assert.strictEqual(socket.timeout, 1234);
  } finally {
    await closeAll(server, agent);
  }

  // An idle socket is destroyed when the agent's timeout fires.
  const short = await listen((req, res) => res.end('ok'));
  const quick = netAgent({ keepAlive: true, timeout: 50 });
  try {
    const freed = once(quick, 'free');
    const { socket } = await get(quick, short.port);
    await freed;
    assert.ok(quick.freeSockets[`127.0.0.1:${short.port}:`].includes(socket));
    await once(socket, 'close');
    assert.strictEqual(`127.0.0.1:${short.port}:` in quick.freeSockets, false);
    assert.strictEqual(quick.totalSocketCount, 0);
  } finally {
    await closeAll(short.server, quick);
  }
});

test('a Keep-Alive timeout hint of 1s means the socket is not kept', NET_TEST, async () => {
  const { server, port } = await listen((req, res) => res.end('ok'));
  server.keepAliveTimeout = 1000;
  const agent = netAgent({ keepAlive: true });
  try {
    const freed = once(agent, 'free');
    const { res, socket } = await get(agent, port);
    await freed;
    assert.strictEqual(res.headers['keep-alive'], 'timeout=1');
    assert.strictEqual(socket.destroyed, true);
    assert.deepStrictEqual(Object.keys(agent.freeSockets), []);
  } finally {
    await closeAll(server, agent);
  }
});

test('createConnection override returning a net.Socket', NET_TEST, async () => {
  const { server, port } = await listen((req, res) => res.end('via override'));
  const agent = new Agent({ keepAlive: true });
  const seen = [];
  agent.createConnection = function(options, cb) {
    assert.strictEqual(this, agent);
    assert.strictEqual(typeof cb, 'function');
    seen.push(options);
    return net.connect(options.port, options.host);
  };
  try {
    const first = await get(agent, port);
    assert.strictEqual(first.body, 'via override');
    assert.ok(first.socket instanceof net.Socket);
    assert.strictEqual(seen.length, 1);
    assert.strictEqual(seen[0].port, port);
    assert.strictEqual(seen[0]._agentKey, `127.0.0.1:${port}:`);
    assert.strictEqual(seen[0].servername, '');
    assert.strictEqual(seen[0].keepAlive, true);
    assert.strictEqual(seen[0].keepAliveInitialDelay, 1000);
    await tick();
    const second = await get(agent, port);
    assert.strictEqual(second.req.reusedSocket, true);
    assert.strictEqual(seen.length, 1);
  } finally {
    await closeAll(server, agent);
  }
});

test('createConnection override using the callback', NET_TEST, async () => {
  const { server, port } = await listen((req, res) => res.end('via callback'));
  const agent = new Agent();
  let calls = 0;
  agent.createConnection = (options, cb) => {
    calls++;
    const socket = net.connect(options.port, options.host);
    socket.once('connect', () => cb(null, socket));
    return undefined;
  };
  try {
    const { body, socket } = await get(agent, port);
    assert.strictEqual(body, 'via callback');
    assert.strictEqual(calls, 1);
    assert.ok(socket instanceof net.Socket);
    // keepAlive false: that socket closes after the response.
    await waitFor(() => agent.totalSocketCount === 0);

    agent.createConnection = (options, cb) => { process.nextTick(cb, new Error('refused by test')); };
    await assert.rejects(get(agent, port), { message: 'refused by test' });
    assert.strictEqual(agent.totalSocketCount, 0);
  } finally {
    await closeAll(server, agent);
  }
});
