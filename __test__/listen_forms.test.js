'use strict';
// listen() on what a server is given, on node:http and on rshttp alike:
// a libuv handle (`listen(netServer._handle)`), a net.Server, a listening
// descriptor (`listen({ fd })`), a unix socket with readableAll /
// writableAll, and ipv6Only. Under rshttp the connections are served by
// the core's own sockets.

const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const nodeHttp = require('node:http');
const rshttp = require('..');

const impls = [['node:http', nodeHttp, 'Socket'], ['rshttp', rshttp, 'ServerSocket']];

function get(options) {
  return new Promise((resolve, reject) => {
    nodeHttp.get({ agent: false, ...options }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c) => { body += c; }).on('end', () => resolve(body));
    }).on('error', reject);
  });
}

function netListening(options) {
  return new Promise((resolve) => {
    const s = net.createServer(() => { s.sawConnection = true; });
    s.listen(options, () => resolve(s));
  });
}

const once = (emitter, event) => new Promise((resolve) => emitter.once(event, resolve));

for (const [name, http, socketClass] of impls) {
  test(`${name}: listen(netServer._handle) and listen(netServer) serve every connection on that socket`, async () => {
    for (const form of ['handle', 'server']) {
      const ns = await netListening({ port: 0, host: '127.0.0.1' });
      const server = http.createServer((req, res) => res.end(req.socket.constructor.name));
      server.listen(form === 'handle' ? ns._handle : ns);
      await once(server, 'listening');
      assert.deepStrictEqual(server.address(), ns.address());
      const { port } = ns.address();
      const bodies = [];
      for (let i = 0; i < 8; i++) bodies.push(await get({ port, host: '127.0.0.1' }));
      assert.deepStrictEqual(new Set(bodies), new Set([socketClass]));
      assert.strictEqual(ns.sawConnection, undefined, 'the net.Server still accepted');
      // The handle is the server's now: closing the server closes it.
      await new Promise((r) => server.close(r));
      await assert.rejects(get({ port, host: '127.0.0.1' }), { code: 'ECONNREFUSED' });
    }
  });

  test(`${name}: a unix socket with readableAll and writableAll is world read/writable`, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rshttp-unix-'));
    try {
      const modes = {};
      for (const [key, opts] of [['plain', {}], ['all', { readableAll: true, writableAll: true }], ['read', { readableAll: true }]]) {
        const socketPath = path.join(dir, `${key}.sock`);
        const server = http.createServer((req, res) => res.end('unix'));
        server.listen({ path: socketPath, ...opts });
        await once(server, 'listening');
        assert.strictEqual(server.address(), socketPath);
        modes[key] = fs.statSync(socketPath).mode & 0o777;
        assert.strictEqual(await get({ socketPath }), 'unix');
        await new Promise((r) => server.close(r));
      }
      assert.strictEqual(modes.all & 0o666, 0o666, `mode ${modes.all.toString(8)}`);
      assert.strictEqual(modes.read & 0o444, 0o444);
      assert.strictEqual(modes.read & 0o022, modes.plain & 0o022);
      test.modes = test.modes || {};
      test.modes[name] = modes;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test(`${name}: once close() has called back, a connection attempt is refused`, async () => {
    for (const host of ['127.0.0.1', '::1']) {
      const server = http.createServer((req, res) => res.end());
      server.listen(0, host);
      await once(server, 'listening');
      const { port } = server.address();
      await new Promise((r) => server.close(r));
      await assert.rejects(get({ port, host }), { code: 'ECONNREFUSED' });
    }
  });

  test(`${name}: ipv6Only keeps IPv4 clients out of a '::' listener`, async () => {
    const server = http.createServer((req, res) => res.end('v6'));
    server.listen({ host: '::', port: 0, ipv6Only: true });
    await once(server, 'listening');
    const { port } = server.address();
    assert.strictEqual(await get({ host: '::1', port }), 'v6');
    await assert.rejects(get({ host: '127.0.0.1', port }), { code: 'ECONNREFUSED' });
    await new Promise((r) => server.close(r));
    const dual = http.createServer((req, res) => res.end('dual'));
    dual.listen({ host: '::', port: 0 });
    await once(dual, 'listening');
    assert.strictEqual(await get({ host: '127.0.0.1', port: dual.address().port }), 'dual');
    await new Promise((r) => dual.close(r));
  });
}

// A descriptor inherited from a parent, as systemd's socket activation
// hands one over: the parent passes a listening socket as the child's fd 3
// and closes its own; the child serves on it with listen({ fd: 3 }).
const inheritedChild = `
const http = process.env.IMPL === 'node' ? require('http') : require(${JSON.stringify(path.join(__dirname, '..'))});
const server = http.createServer((req, res) => {
  res.end('inherited ' + req.socket.constructor.name);
  server.close();
});
server.listen({ fd: 3 }, () => process.stdout.write(JSON.stringify(server.address()) + '\\n'));
`;

for (const [name, , socketClass] of impls) {
  test(`${name}: listen({ fd: 3 }) serves on a listening socket inherited from the parent`, async () => {
    const ns = await netListening({ port: 0, host: '127.0.0.1' });
    const address = ns.address();
    const { spawn } = require('node:child_process');
    const child = spawn(process.execPath, ['-e', inheritedChild], {
      stdio: ['ignore', 'pipe', 'inherit', ns._handle.fd],
      env: { ...process.env, IMPL: name === 'rshttp' ? 'rshttp' : 'node' },
    });
    await new Promise((r) => ns.close(r));
    let out = '';
    child.stdout.setEncoding('utf8');
    await new Promise((resolve) => child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve();
    }));
    assert.deepStrictEqual(JSON.parse(out), address);
    assert.strictEqual(await get({ port: address.port, host: '127.0.0.1' }), `inherited ${socketClass}`);
    const code = await new Promise((r) => child.on('exit', r));
    assert.strictEqual(code, 0, 'the child exits once its server closed');
  });
}

test('unix socket modes are the same on both implementations', () => {
  assert.ok(test.modes && test.modes['node:http'] && test.modes.rshttp, 'the unix tests did not run');
  assert.deepStrictEqual(test.modes.rshttp, test.modes['node:http']);
});
