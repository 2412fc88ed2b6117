'use strict';

/**
 * Helpers for the outside-in HTTP client tests (client.test.js): a raw `net`
 * server that records the exact request bytes and sends exact response
 * bytes, request framing (so a test can wait for "one whole request"), and
 * small promise utilities.
 */

const net = require('node:net');

/**
 * Length of the first complete HTTP/1 request in `buf` (a latin1 string),
 * framed by Content-Length or chunked Transfer-Encoding; -1 if incomplete.
 */
function requestLength(buf) {
  const headEnd = buf.indexOf('\r\n\r\n');
  if (headEnd === -1) return -1;
  const head = buf.slice(0, headEnd);
  const bodyStart = headEnd + 4;
  const te = /\r\ntransfer-encoding:[ \t]*([^\r\n]*)/i.exec(head);
  if (te && /chunked\s*$/i.test(te[1])) {
    let i = bodyStart;
    for (;;) {
      const lineEnd = buf.indexOf('\r\n', i);
      if (lineEnd === -1) return -1;
      const size = parseInt(buf.slice(i, lineEnd), 16);
      if (Number.isNaN(size)) throw new Error(`bad chunk size line ${JSON.stringify(buf.slice(i, lineEnd))}`);
      if (size === 0) {
        // Trailers, ended by an empty line.
        let j = lineEnd + 2;
        for (;;) {
          const e = buf.indexOf('\r\n', j);
          if (e === -1) return -1;
          if (e === j) return e + 2;
          j = e + 2;
        }
      }
      const next = lineEnd + 2 + size + 2;
      if (buf.length < next) return -1;
      i = next;
    }
  }
  const cl = /\r\ncontent-length:[ \t]*(\d+)/i.exec(head);
  const len = cl ? Number(cl[1]) : 0;
  if (buf.length < bodyStart + len) return -1;
  return bodyStart + len;
}

/** One accepted connection on a raw server. */
class Conn {
  constructor(socket) {
    this.socket = socket;
    this.received = ''; // every byte received, latin1
    this.pending = ''; // bytes not yet returned by readRequest(), latin1
    this.ended = false; // the client sent FIN
    this.closedFlag = false;
    this._waiters = [];
    socket.setEncoding('latin1');
    socket.on('data', (d) => {
      this.received += d;
      this.pending += d;
      this._check();
    });
    socket.on('end', () => {
      this.ended = true;
      this._check();
    });
    socket.on('error', () => {});
    this.closed = new Promise((resolve) => socket.on('close', () => {
      this.closedFlag = true;
      this._check();
      resolve();
    }));
  }

  _check() {
    for (const w of this._waiters.slice()) {
      let v;
      try {
        v = w.fn();
      } catch (err) {
        this._waiters.splice(this._waiters.indexOf(w), 1);
        w.reject(err);
        continue;
      }
      if (v !== undefined && v !== false && v !== null) {
        this._waiters.splice(this._waiters.indexOf(w), 1);
        w.resolve(v);
      } else if (this.closedFlag) {
        this._waiters.splice(this._waiters.indexOf(w), 1);
        w.reject(new Error(`connection closed while waiting; received ${JSON.stringify(this.received)}`));
      }
    }
  }

  /** Resolves to fn()'s first truthy value, re-checked as bytes arrive. */
  until(fn) {
    return new Promise((resolve, reject) => {
      this._waiters.push({ fn, resolve, reject });
      this._check();
    });
  }

  /** Resolves to the next complete request's bytes (latin1), consuming them. */
  readRequest() {
    return this.until(() => {
      const n = requestLength(this.pending);
      if (n === -1) return undefined;
      const r = this.pending.slice(0, n);
      this.pending = this.pending.slice(n);
      return r;
    });
  }

  /** Resolves once the request head (up to the blank line) has arrived; returns it. */
  readHead() {
    return this.until(() => {
      const i = this.pending.indexOf('\r\n\r\n');
      if (i === -1) return undefined;
      const h = this.pending.slice(0, i + 4);
      this.pending = this.pending.slice(i + 4);
      return h;
    });
  }

  write(data) {
    return new Promise((resolve) => this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data, () => resolve()));
  }

  end(data) {
    if (data === undefined) this.socket.end();
    else this.socket.end(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
    return this.closed;
  }

  destroy() {
    this.socket.destroy();
    return this.closed;
  }
}

/**
 * Starts a raw `net` server on 127.0.0.1 (or on the unix socket `path`).
 * `onConn(conn)` runs for every connection (may be async). Resolves to
 * `{ server, port, conns, nextConn(), close() }`; `close()` destroys every
 * connection and closes the server.
 */
function rawServer(onConn, { path } = {}) {
  const conns = [];
  const queue = [];
  const takers = [];
  const server = net.createServer((socket) => {
    const conn = new Conn(socket);
    conns.push(conn);
    if (takers.length) takers.shift()(conn);
    else queue.push(conn);
    if (onConn) {
      Promise.resolve().then(() => onConn(conn)).catch((err) => {
        // Surface handler failures as a destroyed connection; the test sees it.
        conn.handlerError = err;
        socket.destroy();
      });
    }
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    const ready = () => resolve({
      server,
      port: path ? undefined : server.address().port,
      conns,
      /** Resolves to the first connection whose received bytes include `text`. */
      async connReceiving(text) {
        for (;;) {
          const c = conns.find((x) => x.received.includes(text));
          if (c) return c;
          await delay(2);
        }
      },
      nextConn() {
        if (queue.length) return Promise.resolve(queue.shift());
        return new Promise((r) => takers.push(r));
      },
      close() {
        for (const c of conns) c.socket.destroy();
        return new Promise((r) => server.close(() => r()));
      },
    });
    if (path) server.listen(path, ready);
    else server.listen(0, '127.0.0.1', ready);
  });
}

/** Resolves with the listener arguments of the first `event` (array), rejects on 'error' unless event is 'error'. */
function once(emitter, event) {
  return new Promise((resolve, reject) => {
    const onEvent = (...args) => {
      emitter.removeListener('error', onError);
      resolve(args);
    };
    const onError = (err) => {
      emitter.removeListener(event, onEvent);
      reject(err);
    };
    emitter.once(event, onEvent);
    if (event !== 'error') emitter.once('error', onError);
  });
}

/** Resolves to the whole body of a readable as a Buffer. */
async function body(readable) {
  const chunks = [];
  for await (const c of readable) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(chunks);
}

const delay = (ms) => new Promise((r) => setTimeout(r, ms));

/** Keeps the JS thread busy for `ms`, as a handler doing synchronous work. */
function busy(ms) {
  const end = Date.now() + ms;
  while (Date.now() < end);
}

/** A port that nothing listens on (bound then released). */
function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

module.exports = { rawServer, requestLength, once, body, delay, busy, freePort, Conn };
