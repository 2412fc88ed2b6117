'use strict';

/**
 * rshttp's `http.Agent`: the client connection pool, with the observable
 * behaviour of Node 20's `http.Agent`.
 *
 * An agent keys its connections by `getName(options)` (host:port:localAddress
 * plus family / socket path). For each key it tracks:
 *   - `sockets[name]`: sockets currently assigned to requests,
 *   - `freeSockets[name]`: idle keep-alive sockets waiting for reuse,
 *   - `requests[name]`: requests waiting because a socket limit was reached.
 * All three are null-prototype objects whose entries are deleted once empty.
 *
 * The pool only manages sockets; the HTTP exchange itself belongs to the
 * request (`req.onSocket(socket)`). A request hands its socket back by making
 * the socket emit 'free'; a socket leaves the pool when it closes or emits
 * 'agentRemove' (e.g. after an upgrade).
 *
 * Async-hooks bookkeeping of Node (re-assigning async ids to reused handles,
 * running queued requests in their original async context) is not done.
 */

const net = require('net');
const EventEmitter = require('events');
const { debuglog } = require('util');
const { validateNumber, validateOneOf, validateString } = require('./validators');
const clientSocket = require('./client_socket');

// A plain no-op unless NODE_DEBUG names http: the pool calls it per request.
const httpDebug = debuglog('http');
const debug = httpDebug.enabled ? httpDebug : function noop() {};

/** On a queued request: the merged options it was queued with. */
const kQueuedOptions = Symbol('rshttp.agent.queuedOptions');
/** On an agent: the listener forwarding socket 'keylog' events, once wanted. */
const kKeylogForwarder = Symbol('rshttp.agent.keylogForwarder');

/**
 * Milliseconds subtracted from a server's `Keep-Alive: timeout=N` hint so an
 * idle socket is dropped before the server is expected to close it.
 */
const SERVER_HINT_MARGIN_MS = 1000;

/**
 * 'error' listener put on a socket while it sits idle in the free pool: the
 * socket is destroyed and taken out of the agent.
 */
function dropFailedIdleSocket(err) {
  debug('SOCKET ERROR on FREE socket:', err && err.message, err && err.stack);
  this.destroy();
  this.emit('agentRemove');
}

/**
 * Creates a connection pool.
 *
 * @param {object} [options]
 * @param {boolean} [options.keepAlive=false] keep idle sockets for reuse
 * @param {number} [options.keepAliveMsecs=1000] TCP keep-alive initial delay
 * @param {number} [options.maxSockets=Agent.defaultMaxSockets] per-name cap
 * @param {number} [options.maxTotalSockets=Infinity] cap across all names
 * @param {number} [options.maxFreeSockets=256] per-name idle cap
 * @param {'lifo'|'fifo'} [options.scheduling='lifo'] which idle socket to reuse
 * @param {number} [options.timeout] socket timeout in milliseconds
 * Any other option is passed to `createConnection` with every connection.
 * Callable without `new`, as Node's.
 */
function Agent(options) {
  if (!(this instanceof Agent)) return new Agent(options);

  EventEmitter.call(this);

  this.defaultPort = 80;
  this.protocol = 'http:';

  this.options = { __proto__: null, ...options };
  if (this.options.noDelay === undefined) this.options.noDelay = true;
  // A request's `path` is its URL path, never a pipe to connect to.
  this.options.path = null;

  this.requests = { __proto__: null };
  this.sockets = { __proto__: null };
  this.freeSockets = { __proto__: null };
  this.keepAliveMsecs = this.options.keepAliveMsecs || 1000;
  this.keepAlive = this.options.keepAlive || false;
  this.maxSockets = this.options.maxSockets || Agent.defaultMaxSockets;
  this.maxFreeSockets = this.options.maxFreeSockets || 256;
  this.scheduling = this.options.scheduling || 'lifo';
  this.maxTotalSockets = this.options.maxTotalSockets;
  this.totalSocketCount = 0;

  validateOneOf(this.scheduling, 'scheduling', ['fifo', 'lifo']);

  if (this.maxTotalSockets === undefined) {
    this.maxTotalSockets = Infinity;
  } else {
    validateNumber(this.maxTotalSockets, 'maxTotalSockets', 1);
  }

  this.on('free', (socket, connectOptions) => {
    onSocketReleased(this, socket, connectOptions);
  });

  // 'keylog' forwarding is only wired up once someone listens for it.
  this.on('newListener', watchForKeylogListener);
}
Object.setPrototypeOf(Agent.prototype, EventEmitter.prototype);
Object.setPrototypeOf(Agent, EventEmitter);

/**
 * The agent's 'free' handler: a request is done with `socket`. The socket
 * goes to the oldest queued request for the same name, else into the idle
 * pool when keep-alive allows it, else it is destroyed.
 */
function onSocketReleased(agent, socket, connectOptions) {
  const name = agent.getName(connectOptions);
  debug('agent.on(free)', name);

  if (!socket.writable) {
    socket.destroy();
    return;
  }

  const waiting = agent.requests[name];
  if (waiting && waiting.length) {
    const next = waiting.shift();
    giveSocketToRequest(agent, next, socket);
    if (waiting.length === 0) delete agent.requests[name];
    return;
  }

  const lastRequest = socket._httpMessage;
  if (!lastRequest || !lastRequest.shouldKeepAlive || !agent.keepAlive) {
    socket.destroy();
    return;
  }

  const idle = agent.freeSockets[name] || [];
  const idleCount = idle.length;
  const busy = agent.sockets[name];
  const perNameCount = idleCount + (busy ? busy.length : 0);

  if (agent.totalSocketCount > agent.maxTotalSockets ||
      perNameCount > agent.maxSockets ||
      idleCount >= agent.maxFreeSockets ||
      !agent.keepSocketAlive(socket)) {
    socket.destroy();
    return;
  }

  agent.freeSockets[name] = idle;
  socket._httpMessage = null;
  agent.removeSocket(socket, connectOptions);

  socket.once('error', dropFailedIdleSocket);
  idle.push(socket);
}

/** 'newListener' handler: on the first 'keylog' listener, start forwarding. */
function watchForKeylogListener(eventName) {
  if (eventName !== 'keylog') return;
  this.removeListener('newListener', watchForKeylogListener);

  const agent = this;
  this[kKeylogForwarder] = function forwardKeylog(line) {
    agent.emit('keylog', line, this);
  };
  // Sockets in use now start forwarding too; new ones do at creation.
  for (const list of Object.values(this.sockets)) {
    for (const socket of list) socket.on('keylog', this[kKeylogForwarder]);
  }
}

/** Per-name socket cap applied when `maxSockets` is not given (Infinity). */
Agent.defaultMaxSockets = Infinity;

/**
 * Opens a connection: `(options, callback) => socket | undefined`. Either
 * returns the socket, or returns nothing and calls `callback(err, socket)`.
 * Defaults to rshttp's client socket; override per agent or subclass.
 */
Agent.prototype.createConnection = clientSocket.createConnection;

/**
 * The pool key for a set of connection options:
 * `host:port:localAddress`, then `:family` when it is 4 or 6, then
 * `:socketPath` when set. A missing host counts as 'localhost'.
 * @param {object} [options]
 * @returns {string}
 */
Agent.prototype.getName = function getName(options = {}) {
  return nameOf(options.host, options.port, options.localAddress, options.family, options.socketPath);
};

/**
 * The last key built, with what it was built from: a pool asks for the same
 * key on every request, and the same string object is then a key that
 * property look-ups have seen before (no new string to build and hash).
 */
const lastName = { host: '', port: undefined, localAddress: undefined, family: undefined, socketPath: undefined, name: '' };

/** `getName` of these option values. */
function nameOf(host, port, localAddress, family, socketPath) {
  const last = lastName;
  if (last.name !== '' && host === last.host && port === last.port && localAddress === last.localAddress &&
      family === last.family && socketPath === last.socketPath) {
    return last.name;
  }
  let name = `${host || 'localhost'}:`;
  if (port) name += port;
  name += ':';
  if (localAddress) name += localAddress;
  if (family === 4 || family === 6) name += `:${family}`;
  if (socketPath) name += `:${socketPath}`;
  last.host = host;
  last.port = port;
  last.localAddress = localAddress;
  last.family = family;
  last.socketPath = socketPath;
  last.name = name;
  return name;
}

/**
 * Finds a socket for `req`: an idle one (per `scheduling`), a new one while
 * under `maxSockets` / `maxTotalSockets`, or else queues `req` in `requests`.
 * The legacy form `addRequest(req, host, port, localAddress)` is accepted.
 * @param {object} req a ClientRequest (needs onSocket() and getHeader())
 * @param {object|string} options request options, or the host (legacy)
 * @param {number} [port] legacy form only
 * @param {string} [localAddress] legacy form only
 */
Agent.prototype.addRequest = function addRequest(req, options, port, localAddress) {
  if (typeof options === 'string') {
    options = { __proto__: null, host: options, port, localAddress };
  }

  // The merged connection options (connectionOptionsFor) are only built
  // when a connection is to be opened or the request waits; a reused idle
  // socket needs only their pool key, read straight from the two sources
  // when getName is the agent's own. Spreading into a null-prototype
  // object is the dearest step of a pooled request.
  let merged = null;
  let name;
  if (this.getName === ownGetName) {
    checkServerName(this.options, options, req);
    name = poolKey(this.options, options);
  } else {
    merged = connectionOptionsFor(this, options, req);
    name = this.getName(merged);
  }
  if (!this.sockets[name]) this.sockets[name] = [];

  const idle = this.freeSockets[name];
  let socket;
  if (idle) {
    while (idle.length && idle[0].destroyed) idle.shift();
    socket = this.scheduling === 'fifo' ? idle.shift() : idle.pop();
    if (!idle.length) delete this.freeSockets[name];
  }

  const idleLeft = idle ? idle.length : 0;
  const inUse = idleLeft + this.sockets[name].length;

  if (socket) {
    this.reuseSocket(socket, req);
    giveSocketToRequest(this, req, socket);
    this.sockets[name].push(socket);
  } else if (inUse < this.maxSockets && this.totalSocketCount < this.maxTotalSockets) {
    debug('call onSocket', inUse, idleLeft);
    this.createSocket(req, merged || connectionOptionsFor(this, options, req), (err, newSocket) => {
      if (err) req.onSocket(newSocket, err);
      else giveSocketToRequest(this, req, newSocket);
    });
  } else {
    debug('wait for socket');
    if (!this.requests[name]) this.requests[name] = [];
    // Kept so that a socket freed under another name can serve this request.
    req[kQueuedOptions] = merged || connectionOptionsFor(this, options, req);
    this.requests[name].push(req);
  }
};

/**
 * Opens a new pooled connection for `req` through `this.createConnection`
 * and calls `cb(err)` or `cb(null, socket)` once, whether the connection
 * function returned the socket or reported it through its callback.
 * @param {object} req
 * @param {object} options
 * @param {Function} cb
 */
Agent.prototype.createSocket = function createSocket(req, options, cb) {
  options = connectionOptionsFor(this, options, req);

  const name = this.getName(options);
  options._agentKey = name;

  debug('createConnection', name, options);
  options.encoding = null;

  let settled = false;
  const oncreate = (err, socket) => {
    // net.createConnection also registers its callback for 'connect'.
    if (settled) return;
    settled = true;
    if (err) return cb(err);
    if (!this.sockets[name]) this.sockets[name] = [];
    this.sockets[name].push(socket);
    this.totalSocketCount++;
    debug('sockets', name, this.sockets[name].length, this.totalSocketCount);
    watchPooledSocket(this, socket, options);
    cb(null, socket);
  };

  if (this.keepAlive) {
    options.keepAlive = this.keepAlive;
    options.keepAliveInitialDelay = this.keepAliveMsecs;
  }

  const returned = this.createConnection(options, oncreate);
  if (returned) oncreate(null, returned);
};

const ownGetName = Agent.prototype.getName;

/**
 * Option `key` of the merged connection options: the agent's when it has
 * it (even undefined, as a spread would), else the request's.
 */
function pick(agentOptions, options, key) {
  if (key in agentOptions) return agentOptions[key];
  return options == null ? undefined : options[key];
}

/**
 * `getName(connectionOptionsFor(agent, options, req))` for the agent's own
 * getName, without building the merged options.
 */
function poolKey(agentOptions, options) {
  return nameOf(pick(agentOptions, options, 'host'), pick(agentOptions, options, 'port'),
    pick(agentOptions, options, 'localAddress'), pick(agentOptions, options, 'family'),
    pick(agentOptions, options, 'socketPath'));
}

/**
 * The checks connectionOptionsFor makes while filling in `servername` (a
 * Host header that is not a string throws), without building anything.
 */
function checkServerName(agentOptions, options, req) {
  const servername = pick(agentOptions, options, 'servername');
  if (servername || servername === '') return;
  const hostHeader = req.getHeader('host');
  if (hostHeader) validateString(hostHeader, 'options.headers.host');
}

/**
 * The request's options overlaid with the agent's (agent wins), with `path`
 * taken from `socketPath` and a TLS `servername` filled in when absent.
 */
function connectionOptionsFor(agent, options, req) {
  const merged = { __proto__: null, ...options, ...agent.options };
  if (merged.socketPath) merged.path = merged.socketPath;
  if (!merged.servername && merged.servername !== '') {
    merged.servername = serverNameFor(merged, req);
  }
  return merged;
}

/**
 * SNI name for a connection: the request's Host header without its port
 * (brackets of an IPv6 literal removed), else `options.host`; '' when the
 * result is an IP address.
 */
function serverNameFor(options, req) {
  let host = options.host;
  const hostHeader = req.getHeader('host');
  if (hostHeader) {
    validateString(hostHeader, 'options.headers.host');
    if (hostHeader[0] === '[') {
      const close = hostHeader.indexOf(']');
      host = close === -1 ? hostHeader : hostHeader.substring(1, close);
    } else {
      host = hostHeader.split(':', 1)[0];
    }
  }
  return net.isIP(host) ? '' : host;
}

/**
 * Hooks a new pooled socket to the agent: 'free' → agent 'free', 'close' and
 * 'agentRemove' → out of the pool, 'timeout' → destroyed when idle.
 */
function watchPooledSocket(agent, socket, options) {
  function onFree() {
    debug('CLIENT socket onFree');
    agent.emit('free', socket, options);
  }

  // Closing is how a socket normally leaves the pool; errors end in 'close'.
  function onClose() {
    debug('CLIENT socket onClose');
    agent.totalSocketCount--;
    agent.removeSocket(socket, options);
  }

  // Only idle sockets are destroyed on timeout; a busy one is the request's.
  function onTimeout() {
    debug('CLIENT socket onTimeout');
    const idle = agent.freeSockets;
    for (const name of Object.keys(idle)) {
      if (idle[name].includes(socket)) return socket.destroy();
    }
  }

  // Explicit removal (e.g. after 'upgrade'): the socket is no longer pooled.
  function onAgentRemove() {
    debug('CLIENT socket onRemove');
    agent.totalSocketCount--;
    agent.removeSocket(socket, options);
    socket.removeListener('close', onClose);
    socket.removeListener('free', onFree);
    socket.removeListener('timeout', onTimeout);
    socket.removeListener('agentRemove', onAgentRemove);
  }

  socket.on('free', onFree);
  socket.on('close', onClose);
  socket.on('timeout', onTimeout);
  socket.on('agentRemove', onAgentRemove);

  if (agent[kKeylogForwarder]) socket.on('keylog', agent[kKeylogForwarder]);
}

/**
 * Takes `socket` out of `sockets` (and out of `freeSockets` too when it is
 * no longer writable). If requests are waiting, for this name or for a name
 * with no socket, a new connection is opened for the oldest of them.
 * Does not change `totalSocketCount`.
 * @param {object} socket
 * @param {object} options the options the socket was created with
 */
Agent.prototype.removeSocket = function removeSocket(socket, options) {
  const name = this.getName(options);
  debug('removeSocket', name, 'writable:', socket.writable);

  dropFromPool(this.sockets, name, socket);
  if (!socket.writable) dropFromPool(this.freeSockets, name, socket);

  let req;
  const sameName = this.requests[name];
  if (sameName && sameName.length) {
    debug('removeSocket, have a request, make a socket');
    req = sameName[0];
  } else {
    // Only the first queued name is considered, and only when it has no
    // socket of its own (it is then waiting on maxTotalSockets).
    const otherName = firstKey(this.requests);
    if (otherName !== undefined &&
        !(this.sockets[otherName] && this.sockets[otherName].length)) {
      debug('removeSocket, have a request with different origin, make a socket');
      req = this.requests[otherName][0];
      options = req[kQueuedOptions];
    }
  }

  if (req && options) {
    req[kQueuedOptions] = undefined;
    // The new socket is announced as free, which hands it to the queue.
    this.createSocket(req, options, (err, newSocket) => {
      if (err) req.onSocket(newSocket, err);
      else newSocket.emit('free');
    });
  }
};

/** Takes `socket` out of `pool[name]`, deleting the entry once empty. */
function dropFromPool(pool, name, socket) {
  const list = pool[name];
  if (!list) return;
  const at = list.indexOf(socket);
  if (at === -1) return;
  list.splice(at, 1);
  if (list.length === 0) delete pool[name];
}

/** `Object.keys(object)[0]`, without building the list. */
function firstKey(object) {
  for (const key in object) {
    if (Object.hasOwn(object, key)) return key;
  }
  return undefined;
}

/**
 * Prepares a released socket for the idle pool: TCP keep-alive on, unref'd,
 * timeout set to the agent's `timeout` (lowered to a server's
 * `Keep-Alive: timeout=N` hint minus one second). Returns false, so the
 * socket is destroyed instead, when that hint leaves no usable time.
 * @param {object} socket
 * @returns {boolean}
 */
Agent.prototype.keepSocketAlive = function keepSocketAlive(socket) {
  socket.setKeepAlive(true, this.keepAliveMsecs);
  socket.unref();

  let timeout = this.options.timeout || 0;
  let reusable = true;

  const res = socket._httpMessage && socket._httpMessage.res;
  if (res) {
    const header = typeof res._headerValue === 'function' ? res._headerValue('keep-alive') : res.headers['keep-alive'];
    const match = header ? /^timeout=(\d+)/.exec(header) : null;
    if (match) {
      const hinted = Math.max(Number.parseInt(match[1], 10) * 1000 - SERVER_HINT_MARGIN_MS, 0);
      if (hinted === 0) {
        reusable = false;
      } else if (hinted < timeout) {
        timeout = hinted;
      }
    }
  }

  if (socket.timeout !== timeout) socket.setTimeout(timeout);

  return reusable;
};

/**
 * Readies an idle socket for `req`: drops the idle-time error listener,
 * marks `req.reusedSocket` and refs the socket again.
 * @param {object} socket
 * @param {object} req
 */
Agent.prototype.reuseSocket = function reuseSocket(socket, req) {
  debug('have free socket');
  socket.removeListener('error', dropFailedIdleSocket);
  req.reusedSocket = true;
  socket.ref();
};

/** Destroys every socket of the agent, idle ones first, then busy ones. */
Agent.prototype.destroy = function destroy() {
  for (const pool of [this.freeSockets, this.sockets]) {
    for (const name of Object.keys(pool)) {
      // A copy: a socket closing synchronously would splice the live list.
      for (const socket of pool[name].slice()) socket.destroy();
    }
  }
};

/**
 * Gives `socket` to `req`, then applies `req.timeout` to the socket unless it
 * is unset or equal to the agent's timeout.
 */
function giveSocketToRequest(agent, req, socket) {
  req.onSocket(socket);
  const agentTimeout = agent.options.timeout || 0;
  if (req.timeout === undefined || req.timeout === agentTimeout) return;
  socket.setTimeout(req.timeout);
}

/** The default agent, with Node 20's settings. */
const globalAgent = new Agent({ keepAlive: true, scheduling: 'lifo', timeout: 5000 });

module.exports = {
  Agent,
  globalAgent,
};
