'use strict';
// The bridge to the Rust core: loads the addon, registers this environment's
// one event sink, decodes each packed batch of events and routes them to the
// connection or server they name. Also counts what holds the event loop open.

const binding = require('../binding.js');

/** Event kinds, mirroring src/events.rs. */
const EV_CONNECTION = 1;
const EV_REQUEST = 2;
const EV_BODY = 3;
const EV_BODY_END = 4;
const EV_CLIENT_ERROR = 5;
const EV_DRAIN = 6;
const EV_CLOSE = 7;
const EV_TIMEOUT = 8;
const EV_DATA = 9;
const EV_END = 10;
const EV_SERVER_ERROR = 11;
const EV_INJECTED = 12;

/** Method names by the index the core sends (src/proto/request_head.rs). */
const METHOD_NAMES = [
  'ACL', 'BIND', 'CHECKOUT', 'CONNECT', 'COPY', 'DELETE', 'GET', 'HEAD', 'LINK', 'LOCK',
  'M-SEARCH', 'MERGE', 'MKACTIVITY', 'MKCALENDAR', 'MKCOL', 'MOVE', 'NOTIFY', 'OPTIONS',
  'PATCH', 'POST', 'PROPFIND', 'PROPPATCH', 'PURGE', 'PUT', 'QUERY', 'REBIND', 'REPORT', 'SEARCH',
  'SOURCE', 'SUBSCRIBE', 'TRACE', 'UNBIND', 'UNLINK', 'UNLOCK', 'UNSUBSCRIBE',
];

/** Open connections by id: objects with the `on*` handlers below. */
const connections = new Map();
/** Listening servers by listener id: objects with `onConnection(id, info)`. */
const listeners = new Map();

let refs = 0;
/** Holds the event loop open while something should. */
function ref() {
  if (refs++ === 0) binding.refSink(true);
}
/** Releases one hold taken by `ref()`. */
function unref() {
  if (--refs === 0) binding.refSink(false);
}

function u32(b, i) {
  return b[i] + b[i + 1] * 0x100 + b[i + 2] * 0x10000 + b[i + 3] * 0x1000000;
}

let pendingErrors = null;
function report(err) {
  (pendingErrors ||= []).push(err);
}

function readFields(b, i) {
  const count = u32(b, i);
  i += 4;
  const list = new Array(count * 2);
  for (let k = 0; k < count * 2; k++) {
    const len = u32(b, i);
    i += 4;
    list[k] = b.latin1Slice(i, i + len);
    i += len;
  }
  return [list, i];
}

/** Decodes one batch and delivers its events in order. */
function dispatch(b) {
  const end = b.length;
  let i = 0;
  while (i < end) {
    const kind = b[i];
    const id = u32(b, i + 1);
    i += 5;
    const conn = connections.get(id);
    try {
      switch (kind) {
        case EV_REQUEST: {
          const method = METHOD_NAMES[b[i]];
          const minor = b[i + 1];
          const flags = b[i + 2];
          const ulen = u32(b, i + 3);
          i += 7;
          const url = b.latin1Slice(i, i + ulen);
          i += ulen;
          let raw;
          [raw, i] = readFields(b, i);
          if (conn) conn.onRequest(method, url, minor, flags, raw);
          break;
        }
        case EV_BODY: {
          const len = u32(b, i);
          i += 4;
          const chunk = b.subarray(i, i + len);
          i += len;
          if (conn) conn.onBody(chunk);
          break;
        }
        case EV_BODY_END: {
          let raw;
          [raw, i] = readFields(b, i);
          if (conn) conn.onBodyEnd(raw);
          break;
        }
        case EV_CONNECTION: {
          const server = u32(b, i);
          i += 4;
          let len = u32(b, i);
          const remoteAddress = b.latin1Slice(i + 4, i + 4 + len);
          i += 4 + len;
          const remotePort = b[i] + b[i + 1] * 256;
          const family = b[i + 2];
          i += 3;
          len = u32(b, i);
          const localAddress = b.latin1Slice(i + 4, i + 4 + len);
          i += 4 + len;
          const localPort = b[i] + b[i + 1] * 256;
          i += 2;
          const l = listeners.get(server);
          if (l) {
            l.onConnection(id, { remoteAddress, remotePort, family, localAddress, localPort });
          } else {
            binding.connDestroy(id);
          }
          break;
        }
        case EV_CLIENT_ERROR: {
          let len = u32(b, i);
          const code = b.latin1Slice(i + 4, i + 4 + len);
          i += 4 + len;
          len = u32(b, i);
          const reason = b.latin1Slice(i + 4, i + 4 + len);
          i += 4 + len;
          const parsed = u32(b, i);
          len = u32(b, i + 4);
          const rawPacket = Buffer.from(b.subarray(i + 8, i + 8 + len));
          i += 8 + len;
          if (conn) conn.onClientError(code, reason, parsed, rawPacket);
          break;
        }
        case EV_DATA: {
          const len = u32(b, i);
          i += 4;
          const chunk = b.subarray(i, i + len);
          i += len;
          if (conn) conn.onData(chunk);
          break;
        }
        case EV_DRAIN:
          if (conn) conn.onDrain();
          break;
        case EV_TIMEOUT:
          if (conn) conn.onTimeout();
          break;
        case EV_END:
          if (conn) conn.onEnd();
          break;
        case EV_CLOSE: {
          const len = u32(b, i);
          const code = b.latin1Slice(i + 4, i + 4 + len);
          i += 4 + len;
          if (conn) {
            connections.delete(id);
            conn.onClose(code);
          }
          break;
        }
        case EV_INJECTED: {
          const total = u32(b, i);
          i += 4;
          if (conn && conn.onInjected) conn.onInjected(total);
          break;
        }
        case EV_SERVER_ERROR: {
          const len = u32(b, i);
          const code = b.latin1Slice(i + 4, i + 4 + len);
          i += 4 + len;
          const l = listeners.get(id);
          if (l) l.onAcceptError(code);
          break;
        }
        default:
          throw new Error(`rshttp: unknown event kind ${kind}`);
      }
    } catch (err) {
      report(err);
    }
  }
  if (pendingErrors !== null) {
    const errs = pendingErrors;
    pendingErrors = null;
    for (const err of errs) process.nextTick(rethrow, err);
  }
}

function rethrow(err) {
  throw err;
}

binding.initSink(dispatch);

module.exports = {
  binding,
  connections,
  listeners,
  ref,
  unref,
};
