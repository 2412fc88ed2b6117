'use strict';
// Listening on what a server is given rather than on a port it binds:
// - a listening handle, descriptor or net.Server (`listen(handle)`,
//   `listen({ fd })`, `listen(netServer)`): the core accepts from a
//   duplicate of its descriptor;
// - a cluster worker's port or path: a net.Server (the acceptor) takes part
//   in the cluster protocol as node:http's server would (round-robin handoff
//   from the primary, or the shared listening socket), and each connection
//   it accepts is handed to the core by descriptor, so the core serves it
//   as one it accepted itself.

const net = require('net');

/**
 * The listening descriptor `listen()`'s first argument names, if it names
 * one: a libuv handle, `{ fd }`, `{ handle }`, or a net.Server (its
 * `_handle`). Undefined for the port and path forms.
 */
function listenDescriptor(first) {
  if (first === null || typeof first !== 'object') return undefined;
  const h = first._handle || first.handle || first;
  if (h === null || typeof h !== 'object') return undefined;
  const fd = h.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}

/**
 * The libuv listening handle `listen()`'s first argument is or wraps
 * (`listen(handle)`, `listen(netServer)`), or undefined. Such a handle
 * becomes the server's, as in net: connections libuv accepts on it are
 * given to `adopt(fd)` (and `close()` closes it).
 */
function listenHandle(first) {
  if (first === null || typeof first !== 'object') return undefined;
  const h = first._handle || first.handle || first;
  return h && typeof h === 'object' && 'onconnection' in h && typeof h.close === 'function' ? h : undefined;
}

/** Routes the connections libuv accepts on `handle` to `adopt(fd)`. */
function takeOverHandle(handle, adopt, onError) {
  handle.onconnection = function onconnection(status, client) {
    if (status < 0 || !client) return;
    try {
      adopt(client.fd);
    } catch (err) {
      onError(err);
    }
    client.close();
  };
}

/** Whether `listen()` with these options goes through the cluster primary. */
function listensThroughCluster(opts) {
  if (opts.exclusive) return false;
  const cluster = require('cluster');
  return cluster.isWorker === true;
}

/**
 * A net.Server that accepts for `server` in a cluster worker. `adopt(fd)`
 * gives each accepted connection's descriptor to the core (which
 * duplicates it); the acceptor's own socket is then closed without a FIN,
 * the core's duplicate keeping the connection open. `closeServer(cb)`
 * closes the rshttp server and calls `cb` once it has closed (its open
 * connections finished), which is what a worker's disconnect waits for.
 */
function createAcceptor(server, adopt, closeServer) {
  const acceptor = new net.Server({ pauseOnConnect: true });
  // The cluster primary asks the worker's server (the acceptor) whether it
  // has room; the answer is the rshttp server's.
  Object.defineProperty(acceptor, 'maxConnections', {
    configurable: true,
    get: () => server.maxConnections,
    set() {},
  });
  acceptor.on('drop', (data) => server.emit('drop', data));
  acceptor.on('connection', (socket) => {
    const fd = socket._handle && socket._handle.fd;
    if (typeof fd === 'number' && fd >= 0) {
      try {
        adopt(fd);
      } catch (err) {
        server.emit('error', err);
      }
      socket.destroy();
    } else {
      // No descriptor (not a libuv TCP or pipe handle): serve the stream.
      socket.resume();
      server.emit('connection', socket);
    }
  });
  // A worker's disconnect() closes each server it listens for (the
  // acceptor) and waits for its callback: close the rshttp server and wait
  // for its connections, as node:http's server would make it wait.
  acceptor.close = function closeForCluster(cb) {
    closeServer(() => {
      if (typeof cb === 'function') cb();
    });
    return this;
  };
  return acceptor;
}

/** Closes an acceptor's listening handle (not the rshttp server). */
function closeAcceptor(acceptor) {
  net.Server.prototype.close.call(acceptor);
}

/**
 * Adds read and write permission for everyone to a unix socket file, as
 * net's `readableAll` / `writableAll` do (uv_pipe_chmod).
 */
function chmodSocket(path, readableAll, writableAll) {
  if (!readableAll && !writableAll) return;
  const fs = require('fs');
  const mode = (readableAll ? 0o444 : 0) | (writableAll ? 0o222 : 0);
  fs.chmodSync(path, fs.statSync(path).mode | mode);
}

module.exports = { listenDescriptor, listenHandle, takeOverHandle, listensThroughCluster, createAcceptor, closeAcceptor, chmodSocket };
