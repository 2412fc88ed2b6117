// rshttp imported as an ES module (the package's `import` condition): the
// default export is the object require('rshttp') returns, every name
// node:http exports is a named export bound to the same value, and the
// named imports serve and make requests.
import test from 'node:test';
import assert from 'node:assert';
import { createRequire } from 'node:module';
import * as nodeHttp from 'node:http';
import * as ns from 'rshttp';
import http, {
  createServer, request, get, Agent, globalAgent, maxHeaderSize, METHODS, STATUS_CODES,
} from 'rshttp';

const require = createRequire(import.meta.url);

test('the default export is the CommonJS exports object', () => {
  const cjs = require('rshttp');
  assert.strictEqual(http, cjs);
  assert.strictEqual(ns.default, cjs);
  assert.strictEqual(require.resolve('rshttp'), require.resolve('../index.js'));
});

test('every export of node:http is a named export, the same value as in CommonJS', () => {
  const cjs = require('rshttp');
  const names = Object.keys(nodeHttp).filter((n) => n !== 'default');
  assert.ok(names.includes('_connectionListener') && names.includes('createServer'));
  for (const name of names) {
    assert.ok(name in ns, `missing named export ${name}`);
    assert.strictEqual(ns[name], cjs[name], `${name} differs from require('rshttp').${name}`);
  }
  assert.notStrictEqual(createServer, nodeHttp.createServer);
  assert.strictEqual(maxHeaderSize, nodeHttp.maxHeaderSize);
  assert.deepStrictEqual(METHODS, nodeHttp.METHODS);
  assert.deepStrictEqual(STATUS_CODES, nodeHttp.STATUS_CODES);
  assert.ok(globalAgent instanceof Agent);
});

test('named imports serve a request and make one with rshttp\'s client', async () => {
  const server = createServer((req, res) => res.end(`esm ${req.method} ${req.url}`));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  try {
    const viaGet = await new Promise((resolve, reject) => {
      get({ port, host: '127.0.0.1', path: '/a', agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c) => { body += c; }).on('end', () => resolve(body));
      }).on('error', reject);
    });
    assert.strictEqual(viaGet, 'esm GET /a');
    const viaRequest = await new Promise((resolve, reject) => {
      const req = request({ port, host: '127.0.0.1', path: '/b', method: 'POST', agent: false }, (res) => {
        assert.ok(req instanceof http.ClientRequest);
        let body = '';
        res.setEncoding('utf8').on('data', (c) => { body += c; }).on('end', () => resolve(body));
      });
      req.on('error', reject).end('x');
    });
    assert.strictEqual(viaRequest, 'esm POST /b');
  } finally {
    server.close();
  }
});
