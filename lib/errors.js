'use strict';

/**
 * Node-compatible error codes for rshttp.
 *
 * Every `codes.ERR_X` is a class whose instances look like Node 20's own
 * internal errors: `err.name` is the base class name ('TypeError', 'Error',
 * 'RangeError'), `err.code` is an own enumerable property, `err.message` is
 * Node's exact text, `err.toString()` and the first line of `err.stack` read
 * `TypeError [ERR_X]: message`, and `err.constructor` is the base class.
 *
 * The message formats follow Node 20's `lib/internal/errors.js`.
 */

const util = require('util');

/** Message templates (string with %s placeholders, or a function). */
const messages = new Map();

/** Map of code → error class, as Node's `require('internal/errors').codes`. */
const codes = {};

const classRegExp = /^[A-Z][a-zA-Z0-9]*$/;

// Type names that ERR_INVALID_ARG_TYPE prints as "of type x".
const kTypes = [
  'string',
  'function',
  'number',
  'object',
  'Function',
  'Object',
  'boolean',
  'bigint',
  'symbol',
];

/**
 * Joins a list as Node does: 'a', 'a or b', 'a, b, or c'.
 * @param {string[]} array
 * @param {string} [type]
 * @returns {string}
 */
function formatList(array, type = 'and') {
  switch (array.length) {
    case 0: return '';
    case 1: return `${array[0]}`;
    case 2: return `${array[0]} ${type} ${array[1]}`;
    case 3: return `${array[0]}, ${array[1]}, ${type} ${array[2]}`;
    default:
      return `${array.slice(0, -1).join(', ')}, ${type} ${array[array.length - 1]}`;
  }
}

/**
 * Describes a received value the way Node's type-mismatch errors do,
 * e.g. 'type number (1)', 'an instance of Object', 'null', 'function f'.
 * @param {*} value
 * @returns {string}
 */
function determineSpecificType(value) {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';

  const type = typeof value;
  switch (type) {
    case 'bigint':
      return `type bigint (${value}n)`;
    case 'number':
      if (value === 0) {
        return 1 / value === -Infinity ? 'type number (-0)' : 'type number (0)';
      } else if (Number.isNaN(value)) {
        return 'type number (NaN)';
      } else if (value === Infinity) {
        return 'type number (Infinity)';
      } else if (value === -Infinity) {
        return 'type number (-Infinity)';
      }
      return `type number (${value})`;
    case 'boolean':
      return value ? 'type boolean (true)' : 'type boolean (false)';
    case 'symbol':
      return `type symbol (${String(value)})`;
    case 'function':
      return `function ${value.name}`;
    case 'object':
      if (value.constructor && 'name' in value.constructor) {
        return `an instance of ${value.constructor.name}`;
      }
      return `${util.inspect(value, { depth: -1 })}`;
    case 'string': {
      let s = value;
      if (s.length > 28) s = `${s.slice(0, 25)}...`;
      if (s.indexOf("'") === -1) return `type string ('${s}')`;
      return `type string (${JSON.stringify(s)})`;
    }
    default: {
      let s = util.inspect(value, { colors: false });
      if (s.length > 28) s = `${s.slice(0, 25)}...`;
      return `type ${type} (${s})`;
    }
  }
}

/**
 * Inserts '_' thousands separators into an integer string, as Node's
 * ERR_OUT_OF_RANGE does for large numbers.
 * @param {string} val
 * @returns {string}
 */
function addNumericalSeparator(val) {
  let res = '';
  let i = val.length;
  const start = val[0] === '-' ? 1 : 0;
  for (; i >= start + 4; i -= 3) {
    res = `_${val.slice(i - 3, i)}${res}`;
  }
  return `${val.slice(0, i)}${res}`;
}

function countPlaceholders(msg) {
  let n = 0;
  const re = /%[dfijoOs]/g;
  while (re.exec(msg) !== null) n++;
  return n;
}

function buildMessage(key, args, self) {
  const msg = messages.get(key);
  if (typeof msg === 'function') {
    if (msg.length > args.length) {
      throw new Error(`Code: ${key}; The provided arguments length (${args.length}) ` +
                      `does not match the required ones (${msg.length}).`);
    }
    return Reflect.apply(msg, self, args);
  }
  const expected = countPlaceholders(msg);
  if (expected !== args.length) {
    throw new Error(`Code: ${key}; The provided arguments length (${args.length}) ` +
                    `does not match the required ones (${expected}).`);
  }
  if (args.length === 0) return msg;
  return util.format(msg, ...args);
}

/**
 * Makes the class for one code over one base class (Error, TypeError...).
 * The first line of the stack is rendered as `Name [CODE]: message`, which
 * is what Node prints for its internal errors.
 */
function makeNodeErrorWithCode(Base, key) {
  class NodeError extends Base {
    constructor(...args) {
      super();
      // Some message functions store extra fields on `this` (e.g. ERR_INVALID_URL
      // sets `input`), so they run with the instance as receiver. Node declares
      // `code` as a class field, i.e. before the message is computed.
      Object.defineProperty(this, 'code', {
        value: key, enumerable: true, writable: true, configurable: true,
      });
      const message = buildMessage(key, args, this);
      Object.defineProperty(this, 'message', {
        value: message, enumerable: false, writable: true, configurable: true,
      });
      // Render the stack header with the code in it, then drop the own name.
      Object.defineProperty(this, 'name', {
        value: `${Base.name} [${key}]`, enumerable: false, writable: true, configurable: true,
      });
      // eslint-disable-next-line no-unused-expressions
      this.stack;
      delete this.name;
    }

    // Node reports the base class as the constructor (a WPT workaround).
    get ['constructor']() {
      return Base;
    }

    toString() {
      return `${this.name} [${key}]: ${this.message}`;
    }
  }
  // Keep the `code` property order identical to Node: code is the only own
  // enumerable property; message and stack are not enumerable.
  return NodeError;
}

/**
 * Registers a code. `val` is the message (util.format template or function),
 * `Base` the main class; `otherClasses` become `codes.X.RangeError` etc.
 */
function E(key, val, Base, ...otherClasses) {
  messages.set(key, val);
  const ErrClass = makeNodeErrorWithCode(Base, key);
  for (const clazz of otherClasses) {
    ErrClass[clazz.name] = makeNodeErrorWithCode(clazz, key);
  }
  // Node exposes `.HideStackFramesError` variants for some codes; here the
  // same class serves (stack trimming is done by the validators themselves).
  ErrClass.HideStackFramesError = ErrClass;
  codes[key] = ErrClass;
}

E('ERR_HTTP_BODY_NOT_ALLOWED',
  'Adding content for this request method or response status is not allowed.', Error);
E('ERR_HTTP_CONTENT_LENGTH_MISMATCH',
  'Response body\'s content-length of %s byte(s) does not match the content-length of %s byte(s) set in header',
  Error);
E('ERR_HTTP_HEADERS_SENT', 'Cannot %s headers after they are sent to the client', Error);
E('ERR_HTTP_INVALID_HEADER_VALUE', 'Invalid value "%s" for header "%s"', TypeError);
E('ERR_HTTP_INVALID_STATUS_CODE', 'Invalid status code: %s', RangeError);
E('ERR_HTTP_REQUEST_TIMEOUT', 'Request timeout', Error);
E('ERR_HTTP_SOCKET_ASSIGNED', 'ServerResponse has an already assigned socket', Error);
E('ERR_HTTP_SOCKET_ENCODING',
  'Changing the socket encoding is not allowed per RFC7230 Section 3.', Error);
E('ERR_HTTP_TRAILER_INVALID', 'Trailers are invalid with this transfer encoding', Error);
E('ERR_ILLEGAL_CONSTRUCTOR', 'Illegal constructor', TypeError);
E('ERR_INVALID_ADDRESS_FAMILY', function(addressType, host, port) {
  this.host = host;
  this.port = port;
  return `Invalid address family: ${addressType} ${host}:${port}`;
}, RangeError);
E('ERR_INVALID_ARG_TYPE', (name, expected, actual) => {
  if (!Array.isArray(expected)) expected = [expected];

  let msg = 'The ';
  if (name.endsWith(' argument')) {
    msg += `${name} `;
  } else {
    const type = name.includes('.') ? 'property' : 'argument';
    msg += `"${name}" ${type} `;
  }
  msg += 'must be ';

  const types = [];
  const instances = [];
  const other = [];
  for (const value of expected) {
    if (kTypes.includes(value)) {
      types.push(value.toLowerCase());
    } else if (classRegExp.exec(value) !== null) {
      instances.push(value);
    } else {
      other.push(value);
    }
  }

  // 'object' becomes 'an instance of ... or Object' when instances are listed.
  if (instances.length > 0) {
    const pos = types.indexOf('object');
    if (pos !== -1) {
      types.splice(pos, 1);
      instances.push('Object');
    }
  }

  if (types.length > 0) {
    msg += `${types.length > 1 ? 'one of type' : 'of type'} ${formatList(types, 'or')}`;
    if (instances.length > 0 || other.length > 0) msg += ' or ';
  }
  if (instances.length > 0) {
    msg += `an instance of ${formatList(instances, 'or')}`;
    if (other.length > 0) msg += ' or ';
  }
  if (other.length > 0) {
    if (other.length > 1) {
      msg += `one of ${formatList(other, 'or')}`;
    } else {
      if (other[0].toLowerCase() !== other[0]) msg += 'an ';
      msg += `${other[0]}`;
    }
  }

  msg += `. Received ${determineSpecificType(actual)}`;
  return msg;
}, TypeError);
E('ERR_INVALID_ARG_VALUE', (name, value, reason = 'is invalid') => {
  let inspected = util.inspect(value);
  if (inspected.length > 128) inspected = `${inspected.slice(0, 128)}...`;
  const type = name.includes('.') ? 'property' : 'argument';
  return `The ${type} '${name}' ${reason}. Received ${inspected}`;
}, TypeError, RangeError);
E('ERR_INVALID_CHAR', (name, field = undefined) => {
  let msg = `Invalid character in ${name}`;
  if (field !== undefined) msg += ` ["${field}"]`;
  return msg;
}, TypeError);
E('ERR_INVALID_FD', '"fd" must be a positive integer: %s', RangeError);
E('ERR_INVALID_HANDLE_TYPE', 'This handle type cannot be sent', TypeError);
E('ERR_INVALID_HTTP_TOKEN', '%s must be a valid HTTP token ["%s"]', TypeError);
E('ERR_INVALID_IP_ADDRESS', 'Invalid IP address: %s', TypeError);
E('ERR_INVALID_PROTOCOL', 'Protocol "%s" not supported. Expected "%s"', TypeError);
E('ERR_INVALID_RETURN_VALUE', (input, name, value) => {
  return `Expected ${input} to be returned from the "${name}"` +
         ` function but got ${determineSpecificType(value)}.`;
}, TypeError, RangeError);
E('ERR_INVALID_STATE', 'Invalid state: %s', Error, TypeError, RangeError);
E('ERR_INVALID_THIS', 'Value of "this" must be of type %s', TypeError);
E('ERR_INVALID_URL', function(input, base = null) {
  this.input = input;
  if (base != null) this.base = base;
  return 'Invalid URL';
}, TypeError);
E('ERR_INVALID_URL_SCHEME', (expected) => {
  if (typeof expected === 'string') expected = [expected];
  const res = expected.length === 2 ?
    `one of scheme ${expected[0]} or ${expected[1]}` :
    `of scheme ${expected[0]}`;
  return `The URL must be ${res}`;
}, TypeError);
E('ERR_METHOD_NOT_IMPLEMENTED', 'The %s method is not implemented', Error);
E('ERR_MISSING_ARGS', (...args) => {
  let msg = 'The ';
  const len = args.length;
  const wrap = (a) => `"${a}"`;
  args = args.map((a) => (Array.isArray(a) ? a.map(wrap).join(' or ') : wrap(a)));
  msg += `${formatList(args)} argument${len > 1 ? 's' : ''}`;
  return `${msg} must be specified`;
}, TypeError);
E('ERR_MULTIPLE_CALLBACK', 'Callback called multiple times', Error);
E('ERR_OUT_OF_RANGE', (str, range, input, replaceDefaultBoolean = false) => {
  let msg = replaceDefaultBoolean ? str : `The value of "${str}" is out of range.`;
  let received;
  if (Number.isInteger(input) && Math.abs(input) > 2 ** 32) {
    received = addNumericalSeparator(String(input));
  } else if (typeof input === 'bigint') {
    received = String(input);
    if (input > 2n ** 32n || input < -(2n ** 32n)) {
      received = addNumericalSeparator(received);
    }
    received += 'n';
  } else {
    received = util.inspect(input);
  }
  msg += ` It must be ${range}. Received ${received}`;
  return msg;
}, RangeError);
E('ERR_SERVER_ALREADY_LISTEN',
  'Listen method has been called more than once without closing.', Error);
E('ERR_SERVER_NOT_RUNNING', 'Server is not running.', Error);
E('ERR_SOCKET_ALREADY_BOUND', 'Socket is already bound', Error);
E('ERR_SOCKET_BAD_PORT', (name, port, allowZero = true) => {
  const operator = allowZero ? '>=' : '>';
  return `${name} should be ${operator} 0 and < 65536. Received ${determineSpecificType(port)}.`;
}, RangeError);
E('ERR_SOCKET_CLOSED', 'Socket is closed', Error);
E('ERR_SOCKET_CLOSED_BEFORE_CONNECTION',
  'Socket closed before the connection was established', Error);
E('ERR_SOCKET_CONNECTION_TIMEOUT', 'Socket connection timeout', Error);
E('ERR_STREAM_ALREADY_FINISHED', 'Cannot call %s after a stream was finished', Error);
E('ERR_STREAM_CANNOT_PIPE', 'Cannot pipe, not readable', Error);
E('ERR_STREAM_DESTROYED', 'Cannot call %s after a stream was destroyed', Error);
E('ERR_STREAM_NULL_VALUES', 'May not write null values to stream', TypeError);
E('ERR_STREAM_PREMATURE_CLOSE', 'Premature close', Error);
E('ERR_STREAM_PUSH_AFTER_EOF', 'stream.push() after EOF', Error);
E('ERR_STREAM_UNSHIFT_AFTER_END_EVENT', 'stream.unshift() after end event', Error);
E('ERR_STREAM_WRITE_AFTER_END', 'write after end', Error);
E('ERR_UNESCAPED_CHARACTERS', '%s contains unescaped characters', TypeError);

/**
 * Node's AbortError: a plain Error with code 'ABORT_ERR' and name
 * 'AbortError' (not a DOMException).
 */
class AbortError extends Error {
  constructor(message = 'The operation was aborted', options = undefined) {
    if (options !== undefined && typeof options !== 'object') {
      throw new codes.ERR_INVALID_ARG_TYPE('options', 'Object', options);
    }
    super(message, options);
    this.code = 'ABORT_ERR';
    this.name = 'AbortError';
  }
}

/**
 * The 'socket hang up' / 'aborted' error of the http module:
 * an Error with code 'ECONNRESET'.
 */
class ConnResetException extends Error {
  constructor(msg) {
    super(msg);
    this.code = 'ECONNRESET';
  }

  get ['constructor']() {
    return Error;
  }
}

let errmap;
function errnoName(err) {
  errmap ??= util.getSystemErrorMap();
  const entry = errmap.get(err);
  return entry ? entry[0] : `Unknown system error ${err}`;
}

/**
 * Node's errno error without address, e.g. `read ECONNRESET`
 * (`errno`, `code`, `syscall` set). `err` is a negative libuv errno.
 */
class ErrnoException extends Error {
  constructor(err, syscall, original) {
    const code = errnoName(err);
    super(original ? `${syscall} ${code} ${original}` : `${syscall} ${code}`);
    this.errno = err;
    this.code = code;
    this.syscall = syscall;
  }

  get ['constructor']() {
    return Error;
  }
}

/**
 * Node's errno error with address, e.g. `connect ECONNREFUSED 127.0.0.1:80`
 * (`errno`, `code`, `syscall`, `address`, `port` set).
 */
class ExceptionWithHostPort extends Error {
  constructor(err, syscall, address, port, additional) {
    const code = errnoName(err);
    let details = '';
    if (port && port > 0) {
      details = ` ${address}:${port}`;
    } else if (address) {
      details = ` ${address}`;
    }
    if (additional) details += ` - Local (${additional})`;
    super(`${syscall} ${code}${details}`);
    this.errno = err;
    this.code = code;
    this.syscall = syscall;
    this.address = address;
    if (port) this.port = port;
  }

  get ['constructor']() {
    return Error;
  }
}

/**
 * Node's libuv error with the description, e.g.
 * `listen EADDRINUSE: address already in use :::8080`.
 */
class UVExceptionWithHostPort extends Error {
  constructor(err, syscall, address, port) {
    errmap ??= util.getSystemErrorMap();
    const [code, uvmsg] = errmap.get(err) || ['UNKNOWN', 'unknown error'];
    let details = '';
    if (port && port > 0) {
      details = ` ${address}:${port}`;
    } else if (address) {
      details = ` ${address}`;
    }
    super(`${syscall} ${code}: ${uvmsg}${details}`);
    this.code = code;
    this.errno = err;
    this.syscall = syscall;
    this.address = address;
    if (port) this.port = port;
  }

  get ['constructor']() {
    return Error;
  }
}

/**
 * Removes `fn` and the frames above it from `err.stack` (what Node's
 * hideStackFrames does), and returns the error.
 * @param {Error} err
 * @param {Function} fn
 * @returns {Error}
 */
function hideStackFrames(err, fn) {
  if (Error.stackTraceLimit && typeof Error.captureStackTrace === 'function') {
    const name = Object.getOwnPropertyDescriptor(err, 'name');
    if (typeof err.code === 'string' && err.code.startsWith('ERR_')) {
      // Keep the `Name [CODE]: message` header when re-rendering the stack.
      Object.defineProperty(err, 'name', {
        value: `${err.name} [${err.code}]`,
        enumerable: false, writable: true, configurable: true,
      });
    }
    Error.captureStackTrace(err, fn);
    // eslint-disable-next-line no-unused-expressions
    err.stack;
    if (name) Object.defineProperty(err, 'name', name);
    else delete err.name;
  }
  return err;
}

/**
 * The I/O error a native call threw, as the core encodes it (src/io/error.rs,
 * `IoError`'s display: `code:syscall:errno`, errno the positive OS number),
 * or null when `e` is not one (a contained internal error).
 */
function nativeIoError(e) {
  const m = /^([A-Z][A-Z0-9_]*):([a-z_]*):(\d+)$/.exec(String(e && e.message));
  return m ? { code: m[1], syscall: m[2], errno: Number(m[3]) } : null;
}

module.exports = {
  AbortError,
  nativeIoError,
  ConnResetException,
  ErrnoException,
  ExceptionWithHostPort,
  UVExceptionWithHostPort,
  codes,
  determineSpecificType,
  formatList,
  addNumericalSeparator,
  hideStackFrames,
};
