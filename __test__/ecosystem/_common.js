'use strict';
// Shared pieces of the ecosystem scenarios (scripts/ecosystem.js runs each
// file twice: under `--require rshttp/register`, where every `http` in the
// process, the packages' own included, is rshttp, and on plain node:http).
// A scenario is written as an application would be: it requires `http`.

const assert = require('node:assert');
const http = require('http');
const path = require('node:path');

/** 'rshttp' or 'node': which implementation this run is meant to be on. */
const impl = process.env.RSHTTP_IMPL || 'rshttp';

/** Fails unless `http` is the implementation this run is for. */
function assertImpl() {
  const rshttp = require(path.join(__dirname, '..', '..'));
  if (impl === 'rshttp') assert.strictEqual(http.createServer, rshttp.createServer, 'http is not rshttp');
  else assert.notStrictEqual(http.createServer, rshttp.createServer, 'http is rshttp on a node run');
}

/** Listens on a loopback port; resolves to the base URL. */
function listen(server, host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      resolve(`http://${host}:${server.address().port}`);
    });
  });
}

/** Closes a server and every connection it still has. */
function close(server) {
  return new Promise((resolve) => {
    if (typeof server.closeAllConnections === 'function') server.closeAllConnections();
    server.close(() => resolve());
  });
}

/**
 * One request with `http` (the implementation under test): resolves to
 * `{ status, headers, body }` (body a Buffer).
 */
function request(url, { method = 'GET', headers = {}, body, agent = false } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A promise and its resolvers. */
function deferred() {
  let resolve;
  let reject;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Rejects if `promise` has not settled within `ms`. */
function within(ms, promise, what = 'operation') {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

module.exports = { impl, assertImpl, listen, close, request, deferred, within, http };
