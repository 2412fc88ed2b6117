'use strict';
// supertest, the test client most Express and Koa suites use, on the
// implementation under test. supertest listens on an ephemeral port for
// each request made from an app and closes that server afterwards; 6.x and
// 7.1 (pinned here: later versions close every server they start) close it
// only when the server's `_handle` is set. A child program makes 300 such
// requests and must exit on its own, as it does on node:http.

const test = require('node:test');
const assert = require('node:assert');
const { spawn } = require('node:child_process');
const { assertImpl } = require('./_common');

const program = `
const express = require('express');
const request = require('supertest');
const app = express();
app.use(express.json());
app.post('/echo', (req, res) => res.status(201).json(req.body));
app.get('/hello/:name', (req, res) => res.send('hello ' + req.params.name));
(async () => {
  for (let i = 0; i < 150; i++) {
    const r = await request(app).post('/echo').send({ i });
    if (r.status !== 201 || r.body.i !== i) throw new Error('bad echo ' + r.status + ' ' + r.text);
    const h = await request(app).get('/hello/' + i).expect(200);
    if (h.text !== 'hello ' + i) throw new Error('bad hello ' + h.text);
  }
  console.log('done ' + Date.now());
})().catch((e) => { console.error(e); process.exit(1); });
`;

test('300 supertest requests against an express app, then the process exits', async () => {
  assertImpl();
  const child = spawn(process.execPath, ['-e', program], {
    cwd: __dirname, stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d) => { out += d; });
  const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const [code, signal] = await new Promise((resolve) => child.on('exit', (c, s) => resolve([c, s])));
  const exitedAt = Date.now();
  clearTimeout(killer);
  assert.match(out, /done \d+/, 'the requests did not all complete');
  assert.strictEqual(signal, null, 'the program did not exit within 20 s of starting');
  assert.strictEqual(code, 0);
  const lingered = exitedAt - Number(/done (\d+)/.exec(out)[1]);
  console.log(`# exit ${lingered} ms after the program's last line`);
  assert.ok(lingered < 1000, `exited ${lingered} ms after its work was done`);
});
