'use strict';

/**
 * Test helper: runs the same scenario against Node's own
 * `http.ServerResponse` and rshttp's, each over a real TCP connection
 * (`net.Server` + `net.Socket`), and returns what the client received plus
 * what the scenario recorded, so tests can assert byte-for-byte equality.
 */

const net = require('net');

/** Replaces the value of every `Date:` header so heads can be compared. */
function normalizeDate(text) {
  return text.replace(/\r\nDate: [^\r\n]*\r\n/g, '\r\nDate: <date>\r\n');
}

function fakeRequest(init) {
  return {
    method: 'GET',
    url: '/',
    httpVersionMajor: 1,
    httpVersionMinor: 1,
    headers: {},
    ...init,
  };
}

/**
 * Runs `scenario(res, socket, log)` on the server side of a fresh connection,
 * with `res = new ServerResponse(req, options)` assigned to the socket.
 * `scenario` may return a promise; when it settles the server waits for
 * the response's 'finish' (if end() was called), then ends the socket.
 *
 * Options: `req` (fake request fields), `resOptions` (constructor options),
 * `setup(res)` (before assignSocket), `assign` (default true),
 * `recordBatches` (record how socket writes were batched into syscalls).
 *
 * Resolves to `{ wire, log, batches, res }` with `wire` the client bytes as
 * a latin1 string (Date normalised).
 */
function runScenario(ServerResponse, scenario, opts = {}) {
  return new Promise((resolve, reject) => {
    const log = [];
    const batches = [];
    const chunks = [];
    let res;
    const server = net.createServer((socket) => {
      if (opts.recordBatches) {
        const origWrite = socket._write;
        const origWritev = socket._writev;
        socket._write = function(data, enc, cb) {
          batches.push(Buffer.from(data, enc === 'buffer' ? undefined : enc).toString('latin1'));
          return origWrite.call(this, data, enc, cb);
        };
        socket._writev = function(list, cb) {
          batches.push(list.map(({ chunk, encoding }) =>
            Buffer.from(chunk, encoding === 'buffer' ? undefined : encoding).toString('latin1'))
            .join(''));
          return origWritev.call(this, list, cb);
        };
      }
      const req = fakeRequest(opts.req);
      res = new ServerResponse(req, opts.resOptions);
      if (opts.setup) opts.setup(res, log);
      if (opts.assign !== false) res.assignSocket(socket);
      let result;
      try {
        result = scenario(res, socket, log);
      } catch (err) {
        log.push(['threw', err.name, err.code, err.message]);
      }
      Promise.resolve(result).then(() => {
        const done = () => setImmediate(() => socket.end());
        if (res.finished && !res.writableFinished && !socket.destroyed) {
          const t = setTimeout(done, 200);
          res.once('finish', () => { clearTimeout(t); done(); });
        } else {
          done();
        }
      }, (err) => {
        log.push(['rejected', err && err.message]);
        socket.end();
      });
    });
    server.listen(0, '127.0.0.1', () => {
      const client = net.connect(server.address().port, '127.0.0.1');
      client.on('data', (d) => chunks.push(d));
      client.on('error', () => {});
      client.on('close', () => {
        server.close();
        resolve({
          wire: normalizeDate(Buffer.concat(chunks).toString('latin1')),
          log,
          batches: batches.map(normalizeDate),
          res,
        });
      });
    });
    server.on('error', reject);
  });
}

/** Runs the scenario against Node's ServerResponse and rshttp's. */
async function both(scenario, opts) {
  const http = require('http');
  const { ServerResponse } = require('../lib/server_response');
  const node = await runScenario(http.ServerResponse, scenario, opts);
  const ours = await runScenario(ServerResponse, scenario, opts);
  return { node, ours };
}

/** Calls `fn` and returns a comparable description of what it threw. */
function thrown(fn) {
  try {
    fn();
  } catch (err) {
    return {
      name: err.name,
      code: err.code,
      message: err.message,
      string: String(err),
      head: String(err.stack).split('\n')[0],
      ctor: err.constructor && err.constructor.name,
    };
  }
  return null;
}

module.exports = { both, runScenario, normalizeDate, fakeRequest, thrown };
