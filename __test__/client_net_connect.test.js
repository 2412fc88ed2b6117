'use strict';
// The HTTP client opens its connections through net.Socket.prototype.connect
// (as it is when the request starts, so code that wraps it sees them),
// checked on node:http and rshttp alike: called once per connection on the
// request's socket, with the normalized [options, callback] and the Agent's
// noDelay; the callback runs on 'connect'.

const { test } = require('node:test');
const assert = require('node:assert');
const net = require('node:net');
const { once } = require('node:events');
const nodeHttp = require('node:http');
const rshttp = require('..');

const T = { timeout: 20_000 };
const IMPLS = [['node:http', nodeHttp], ['rshttp', rshttp]];

for (const [name, http] of IMPLS) {
  test(`${name}: a client request connects through net.Socket.prototype.connect`, T, async () => {
    const server = nodeHttp.createServer((req, res) => res.end('ok'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const calls = [];
    const original = net.Socket.prototype.connect;
    net.Socket.prototype.connect = function connect(...args) {
      calls.push({ socket: this, args: args.length, normalized: Array.isArray(args[0]), noDelay: args[0][0]?.noDelay });
      return original.apply(this, args);
    };
    let socket;
    let body = '';
    try {
      const agent = new http.Agent();
      const req = http.get({ host: '127.0.0.1', port: server.address().port, agent });
      req.on('socket', (s) => { socket = s; });
      const [res] = await once(req, 'response');
      res.setEncoding('utf8');
      for await (const chunk of res) body += chunk;
      agent.destroy();
    } finally {
      net.Socket.prototype.connect = original;
      server.close();
    }
    assert.strictEqual(body, 'ok');
    assert.strictEqual(calls.length, 1);
    assert.strictEqual(calls[0].socket, socket);
    assert.deepStrictEqual({ ...calls[0], socket: undefined }, { socket: undefined, args: 1, normalized: true, noDelay: true });
  });
}
