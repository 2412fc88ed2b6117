'use strict';
// The `_handle` of rshttp's `Server` and sockets. node:net's `_handle` is a
// libuv TCP or Pipe handle; packages read it to tell whether a server
// listens or a socket is open (supertest closes only servers whose
// `_handle` is set), and call a few of its methods (`fd`, `getsockname`,
// `getpeername`, `ref`/`unref`/`hasRef`, `readStart`/`readStop`, `close`).
// These objects answer those over the native listener or connection. They
// are not libuv stream handles (no `isStreamBase`): nothing can be layered
// on them in C++ (see `SocketHandle`).
//
// The owner classes create one lazily, the first time `_handle` is read
// while listening or open, so serving a request allocates none. What they
// need of their owner comes through an `ops` object the owner's module
// defines once, so the owner's state stays in its own module-local symbols.

const { binding } = require('./native');

const kOwner = Symbol('kOwner');
const kOps = Symbol('kOps');
const kClosed = Symbol('kClosed');

/** libuv's error number for an unsupported operation on this handle (UV_EINVAL). */
const UV_EINVAL = -22;
/** libuv's error number for a closed handle (UV_EBADF). */
const UV_EBADF = -9;

/** Copies `address` ({ address, family, port }) into `out`; libuv's status. */
function fillAddress(out, address) {
  if (address === null || typeof address !== 'object' || address.port === undefined) return UV_EINVAL;
  out.address = address.address;
  out.family = address.family;
  out.port = address.port;
  return 0;
}

/**
 * What both handles share: the object that owns them (`owner`, as on
 * libuv handles), and ref/unref/hasRef passed to it.
 */
class OwnedHandle {
  constructor(owner, ops) {
    this[kOwner] = owner;
    this[kOps] = ops;
  }

  /** The server or socket that owns this handle. */
  get owner() {
    return this[kOwner];
  }

  ref() {
    this[kOwner].ref();
  }

  unref() {
    this[kOwner].unref();
  }

  hasRef() {
    return this[kOps].refed(this[kOwner]);
  }
}

/**
 * A listening `Server`'s handle. `ops`: `id(server)` (the native listener,
 * or null), `refed(server)`, `stop(server)` (stops listening).
 */
class ServerHandle extends OwnedHandle {
  constructor(owner, ops) {
    super(owner, ops);
    this.reading = false;
  }

  /** The listening socket's descriptor; -1 once closed. */
  get fd() {
    const id = this[kOps].id(this[kOwner]);
    return id === null ? -1 : binding.serverFd(id);
  }

  getsockname(out) {
    if (this[kOps].id(this[kOwner]) === null) return UV_EBADF;
    return fillAddress(out, this[kOwner].address());
  }

  /** Stops listening (open connections go on); `cb` runs a tick later. */
  close(cb) {
    this[kOps].stop(this[kOwner]);
    if (typeof cb === 'function') process.nextTick(cb);
  }
}

/**
 * An open socket's handle. `ops`: `id(socket)` (the native connection, 0
 * while resolving), `info(socket)` (addresses), `reading(socket)`,
 * `refed(socket)`, `close(socket)` (closes the native connection, with an
 * RST if `resetAndDestroy()` asked for one).
 *
 * A socket handed over raw (an upgrade or CONNECT) has no handle object:
 * `tls.connect({ socket })` and `new tls.TLSSocket(socket)` layer TLS in C++
 * on any handle they find and throw on one that is not a libuv stream, but
 * wrap a socket without one as a JS stream, which works.
 */
class SocketHandle extends OwnedHandle {
  constructor(owner, ops) {
    super(owner, ops);
    this[kClosed] = false;
  }

  /** The socket's descriptor; -1 before it is connected and once closed. */
  get fd() {
    const id = this[kOps].id(this[kOwner]);
    return id === 0 || this[kClosed] ? -1 : binding.connFd(id);
  }

  /** Whether bytes are being read from the socket (not paused by backpressure). */
  get reading() {
    return !this[kClosed] && this[kOps].reading(this[kOwner]);
  }

  /** Bytes written but not yet taken by the kernel. */
  get writeQueueSize() {
    return this[kOwner].writableLength;
  }

  get bytesRead() {
    return this[kOwner].bytesRead;
  }

  get bytesWritten() {
    return this[kOwner]._bytesDispatched;
  }

  getsockname(out) {
    const info = this[kOps].info(this[kOwner]);
    if (!info.family) return UV_EINVAL;
    return fillAddress(out, { address: info.localAddress, family: info.family === 6 ? 'IPv6' : 'IPv4', port: info.localPort });
  }

  getpeername(out) {
    const info = this[kOps].info(this[kOwner]);
    if (!info.family) return UV_EINVAL;
    return fillAddress(out, { address: info.remoteAddress, family: info.family === 6 ? 'IPv6' : 'IPv4', port: info.remotePort });
  }

  readStart() {
    this[kOwner]._readStart();
    return 0;
  }

  readStop() {
    this[kOwner]._readStop();
    return 0;
  }

  /** TCP_NODELAY, as `socket.setNoDelay()`. */
  setNoDelay(on) {
    this[kOwner].setNoDelay(!!on);
    return 0;
  }

  /** Keep-alive probes; libuv takes the delay in seconds. */
  setKeepAlive(on, delaySecs) {
    this[kOwner].setKeepAlive(!!on, (Number(delaySecs) || 0) * 1000);
    return 0;
  }

  /** Closes the native connection; `cb` runs once, at once. */
  close(cb) {
    if (!this[kClosed]) {
      this[kClosed] = true;
      this[kOps].close(this[kOwner]);
    }
    if (typeof cb === 'function') cb();
  }

  /** Closes with an RST (`uv_tcp_close_reset`); `cb` as in `close`. */
  reset(cb) {
    this[kOwner].resetAndClosing = true;
    this.close(cb);
    return 0;
  }
}

module.exports = { ServerHandle, SocketHandle };
