'use strict';
// The threaded I/O mode (issue 16): `rshttp.setIoThreads(n)`,
// `createServer({ ioThreads })` and RSHTTP_IO_THREADS put sockets on I/O
// threads. Checks that the mode is what runs (reading and parsing a large
// request body costs the I/O threads CPU time, from Linux's per-thread
// scheduler counters, and costs them none inline), that each server can choose, that the loop is held by the
// same rule as inline (the process exits when its work is done; a paused
// or unref'd socket does not hold it), that a worker thread's environment
// can use the mode and go away, and that the option is validated.

const test = require('node:test');
const assert = require('node:assert');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const rshttp = require('..');

const root = path.join(__dirname, '..');

/** CPU ns of the I/O threads (named rshttp-io), from /proc/self/task/<tid>/schedstat. */
function ioThreadsCpuNs() {
  let ns = 0;
  for (const tid of fs.readdirSync('/proc/self/task')) {
    try {
      if (fs.readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() !== 'rshttp-io') continue;
      ns += Number(fs.readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended meanwhile
    }
  }
  return ns;
}

/** POSTs `size` bytes to `server` with Node's own client; resolves to the echoed length. */
function postTo(server, size) {
  return new Promise((resolve, reject) => {
    const req = http.request({ port: server.address().port, host: '127.0.0.1', method: 'POST', agent: false }, (res) => {
      let n = 0;
      res.on('data', (d) => (n += d.length));
      res.on('end', () => resolve(n));
    });
    req.on('error', reject);
    req.end(Buffer.alloc(size, 'x'));
  });
}

/** A server counting the body bytes of each request and answering their number. */
function countingServer(options) {
  return rshttp.createServer(options, (req, res) => {
    let n = 0;
    req.on('data', (d) => (n += d.length));
    req.on('end', () => res.end(String(n)));
  });
}

async function listen(server) {
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** Ms of I/O-thread CPU spent while a server with `options` takes a 32 MiB body. */
async function ioCpuMs(options) {
  const server = await listen(countingServer(options));
  try {
    const SIZE = 32 * 1024 * 1024;
    const before = ioThreadsCpuNs();
    assert.strictEqual(await postTo(server, SIZE), String(SIZE).length);
    return (ioThreadsCpuNs() - before) / 1e6;
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

// Reading 32 MiB in 16 KiB reads and framing it takes the thread that does
// it well over 5 ms; idle I/O threads take next to nothing.
const BUSY_MS = 5;
const IDLE_MS = 2;

test('setIoThreads validates its count and returns the I/O threads running', () => {
  assert.throws(() => rshttp.setIoThreads(-1), { code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => rshttp.setIoThreads('2'), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => rshttp.createServer({ ioThreads: 1.5 }).listen(0), { code: 'ERR_OUT_OF_RANGE' });
  assert.strictEqual(rshttp.setIoThreads(0), 0);
  const n = rshttp.setIoThreads(2);
  assert.ok(n >= 1, `${n} threads`);
  assert.strictEqual(rshttp.setIoThreads(0), 0);
});

test('ioThreads: 2 reads a request body on the I/O threads; ioThreads: 0 does not use them', async () => {
  const threaded = await ioCpuMs({ ioThreads: 2 });
  assert.ok(threaded > BUSY_MS, `the I/O threads spent ${threaded} ms`);
  const inline = await ioCpuMs({ ioThreads: 0 });
  assert.ok(inline < IDLE_MS, `the I/O threads spent ${inline} ms on an inline server`);
});

test('setIoThreads(n) is the default for servers made afterwards', async () => {
  rshttp.setIoThreads(2);
  try {
    const threaded = await ioCpuMs(undefined);
    assert.ok(threaded > BUSY_MS, `the I/O threads spent ${threaded} ms`);
  } finally {
    rshttp.setIoThreads(0);
  }
  const inline = await ioCpuMs(undefined);
  assert.ok(inline < IDLE_MS, `the I/O threads spent ${inline} ms on an inline server`);
});

test('threaded: keep-alive, pipelining and rshttp\'s own client give node:http\'s answers', async () => {
  const server = await listen(rshttp.createServer({ ioThreads: 2 }, (req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => res.end(`${req.method} ${req.url} ${body}`));
  }));
  try {
    const port = server.address().port;
    const net = require('node:net');
    const piped = await new Promise((resolve, reject) => {
      const c = net.connect(port, '127.0.0.1');
      let got = '';
      c.setEncoding('latin1');
      c.on('data', (d) => (got += d));
      c.on('end', () => resolve(got));
      c.on('error', reject);
      c.end('GET /1 HTTP/1.1\r\nHost: a\r\n\r\nPOST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc' +
        'GET /3 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    });
    const bodies = piped.split(/HTTP\/1\.1 200 OK\r\n/).slice(1).map((r) => r.split('\r\n\r\n')[1]);
    assert.deepStrictEqual(bodies, ['GET /1 ', 'POST /2 abc', 'GET /3 ']);
    rshttp.setIoThreads(2);
    try {
      const agent = new rshttp.Agent({ keepAlive: true });
      for (const i of [1, 2, 3]) {
        const text = await new Promise((resolve, reject) => {
          rshttp.get({ port, host: '127.0.0.1', path: `/c${i}`, agent }, (res) => {
            let t = '';
            res.on('data', (d) => (t += d));
            res.on('end', () => resolve(t));
          }).on('error', reject);
        });
        assert.strictEqual(text, `GET /c${i} `);
      }
      agent.destroy();
    } finally {
      rshttp.setIoThreads(0);
    }
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

/** Runs `code` in a fresh node with RSHTTP_IO_THREADS=2; returns its exit and output, or a timeout. */
function runChild(code, timeout = 15_000) {
  const r = spawnSync(process.execPath, ['-e', code], {
    cwd: root, encoding: 'utf8', timeout, env: { ...process.env, RSHTTP_IO_THREADS: '2' },
  });
  return { status: r.status, signal: r.signal, out: r.stdout.trim(), err: r.stderr };
}

test('threaded: the process exits once the server is closed and the client done', () => {
  const r = runChild(`
    const http = require('.');
    const server = http.createServer((req, res) => res.end('ok'));
    server.listen(0, '127.0.0.1', () => {
      http.get({ port: server.address().port, host: '127.0.0.1' }, (res) => {
        res.resume();
        res.on('end', () => { console.log('done', res.statusCode); server.close(); });
      });
    });`);
  assert.strictEqual(r.signal, null, `timed out or killed: ${r.err}`);
  assert.strictEqual(r.status, 0, r.err);
  assert.strictEqual(r.out, 'done 200');
});

test('threaded: an unref\'d server and a paused socket do not hold the loop; a reading one does', () => {
  const r = runChild(`
    const http = require('.');
    const net = require('net');
    const server = http.createServer(() => {});
    server.on('connection', (socket) => {
      socket.pause();
      console.log('paused');
      server.unref();
    });
    server.listen(0, '127.0.0.1', () => {
      // A peer that stays connected: only rshttp's paused socket and the
      // unref'd server are left, so the process must exit.
      const c = net.connect(server.address().port, '127.0.0.1', () => c.unref());
    });`);
  assert.strictEqual(r.signal, null, `the process did not exit: ${r.err}`);
  assert.strictEqual(r.status, 0, r.err);
  assert.strictEqual(r.out, 'paused');
  const held = runChild(`
    const http = require('.');
    const net = require('net');
    const server = http.createServer(() => {});
    server.on('connection', () => {
      server.unref();
      setTimeout(() => { console.log('still here'); process.exit(0); }, 300).unref();
    });
    server.listen(0, '127.0.0.1', () => {
      const c = net.connect(server.address().port, '127.0.0.1', () => c.unref());
    });`);
  assert.strictEqual(held.out, 'still here', 'a reading socket holds the loop');
});

test('threaded: a worker thread serves with its own sink and goes away cleanly', () => {
  const r = runChild(`
    const { Worker } = require('worker_threads');
    const code = \`
      const http = require(${JSON.stringify(root)});
      const { parentPort } = require('worker_threads');
      const server = http.createServer({ ioThreads: 2 }, (req, res) => res.end('from worker'));
      server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
    \`;
    const w = new Worker(code, { eval: true });
    w.on('message', (port) => {
      require('http').get({ port, host: '127.0.0.1', agent: false }, (res) => {
        let t = '';
        res.on('data', (d) => (t += d));
        res.on('end', () => { console.log(t); w.terminate(); });
      });
    });
    w.on('exit', (code) => console.log('worker exit'));`);
  assert.strictEqual(r.signal, null, `timed out or killed: ${r.err}`);
  assert.strictEqual(r.status, 0, r.err);
  assert.deepStrictEqual(r.out.split('\n'), ['from worker', 'worker exit']);
});
