'use strict';
// Processes end when their work is done, as on node:http: a child program
// opens a server, makes requests through a keep-alive agent (its idle
// sockets stay pooled), leaves one 300 KB response paused after its first
// chunk, then closes the server and does nothing more. The time from its
// last line to its exit is measured; node:http exits at once.

const test = require('node:test');
const assert = require('node:assert');
const { spawn } = require('node:child_process');
const { assertImpl } = require('./_common');

const program = `
const http = require('http');
const server = http.createServer((req, res) => {
  if (req.url === '/big') return res.end(Buffer.alloc(300_000, 1));
  res.end('ok ' + req.url);
});
server.listen(0, '127.0.0.1', async () => {
  const base = 'http://127.0.0.1:' + server.address().port;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
  const get = (path) => new Promise((resolve, reject) => {
    http.get(base + path, { agent }, (res) => {
      let n = 0;
      res.on('data', (c) => { n += c.length; });
      res.on('end', () => resolve(n));
    }).on('error', reject);
  });
  for (let i = 0; i < 10; i++) await get('/' + i);
  await Promise.all([get('/a'), get('/b'), get('/c')]);
  // A response read up to its first chunk, then paused for good.
  await new Promise((resolve) => {
    http.get(base + '/big', { agent: false }, (res) => {
      res.once('data', () => { res.pause(); resolve(); });
    });
  });
  server.close();
  console.log('done ' + Date.now());
});
`;

test('a program with a closed server, pooled keep-alive sockets and a paused response exits at once', async () => {
  assertImpl();
  const child = spawn(process.execPath, ['-e', program], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d) => { out += d; });
  const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  const [code, signal] = await new Promise((resolve) => child.on('exit', (c, s) => resolve([c, s])));
  const exitedAt = Date.now();
  clearTimeout(killer);
  assert.strictEqual(signal, null, `the program did not exit within 10 s (output: ${out.trim()})`);
  assert.strictEqual(code, 0);
  const done = Number(/done (\d+)/.exec(out)[1]);
  const lingered = exitedAt - done;
  console.log(`# exit ${lingered} ms after the program's last line`);
  assert.ok(lingered < 1000, `exited ${lingered} ms after its work was done`);
});
