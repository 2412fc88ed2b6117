'use strict';
// Body-handling middleware on the implementation under test: compression
// (gzip and deflate negotiated from Accept-Encoding, a streamed response
// compressed chunk by chunk, below-threshold bodies left alone) and busboy
// (multipart/form-data uploads of fields and files, one of 5 MiB).

const test = require('node:test');
const assert = require('node:assert');
const crypto = require('node:crypto');
const zlib = require('node:zlib');
const compression = require('compression');
const busboy = require('busboy');
const { assertImpl, listen, close, request, http } = require('./_common');

let server;
let base;
const text = 'compress me please, '.repeat(5000);

test.before(async () => {
  assertImpl();
  const compress = compression({ threshold: 1024 });
  server = http.createServer((req, res) => {
    if (req.url === '/upload') return upload(req, res);
    compress(req, res, () => {
      res.setHeader('content-type', 'text/plain');
      if (req.url === '/small') return res.end('tiny');
      if (req.url === '/stream') {
        let i = 0;
        const timer = setInterval(() => {
          res.write(`line ${i}\n`.repeat(200));
          if (++i === 5) {
            clearInterval(timer);
            res.end();
          }
        }, 5);
        return;
      }
      res.end(text);
    });
  });
  base = await listen(server);
});

test.after(() => close(server));

function upload(req, res) {
  const bb = busboy({ headers: req.headers });
  const fields = {};
  const files = [];
  bb.on('field', (name, value) => { fields[name] = value; });
  bb.on('file', (name, stream, info) => {
    const hash = crypto.createHash('sha256');
    let size = 0;
    stream.on('data', (d) => { size += d.length; hash.update(d); });
    stream.on('end', () => files.push({ name, filename: info.filename, size, sha: hash.digest('hex') }));
  });
  bb.on('close', () => res.end(JSON.stringify({ fields, files })));
  req.pipe(bb);
}

test('gzip and deflate follow Accept-Encoding; a small body stays plain', async () => {
  const gz = await request(base, { headers: { 'accept-encoding': 'gzip' } });
  assert.strictEqual(gz.headers['content-encoding'], 'gzip');
  assert.strictEqual(gz.headers.vary, 'Accept-Encoding');
  assert.ok(gz.body.length < text.length / 10);
  assert.strictEqual(zlib.gunzipSync(gz.body).toString(), text);
  const df = await request(base, { headers: { 'accept-encoding': 'deflate' } });
  assert.strictEqual(df.headers['content-encoding'], 'deflate');
  assert.strictEqual(zlib.inflateSync(df.body).toString(), text);
  const plain = await request(base, { headers: { 'accept-encoding': 'identity' } });
  assert.strictEqual(plain.headers['content-encoding'], undefined);
  assert.strictEqual(plain.body.toString(), text);
  const small = await request(`${base}/small`, { headers: { 'accept-encoding': 'gzip' } });
  assert.strictEqual(small.headers['content-encoding'], undefined);
  assert.strictEqual(small.body.toString(), 'tiny');
});

test('a streamed response is gzipped chunk by chunk', async () => {
  const r = await request(`${base}/stream`, { headers: { 'accept-encoding': 'gzip' } });
  assert.strictEqual(r.headers['content-encoding'], 'gzip');
  assert.strictEqual(r.headers['transfer-encoding'], 'chunked');
  const expected = Array.from({ length: 5 }, (_, i) => `line ${i}\n`.repeat(200)).join('');
  assert.strictEqual(zlib.gunzipSync(r.body).toString(), expected);
});

test('a multipart upload of fields and a 5 MiB file reaches busboy intact', async () => {
  const boundary = `----rshttp${crypto.randomBytes(8).toString('hex')}`;
  const file = crypto.randomBytes(5 << 20);
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nholiday é\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="photo"; filename="a.bin"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n'),
    file,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const r = await request(`${base}/upload`, { method: 'POST', body,
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': body.length } });
  const got = JSON.parse(r.body);
  assert.deepStrictEqual(got.fields, { title: 'holiday é' });
  assert.deepStrictEqual(got.files, [{ name: 'photo', filename: 'a.bin', size: file.length,
    sha: crypto.createHash('sha256').update(file).digest('hex') }]);
});
