'use strict';

/**
 * Argument validators with Node 20's semantics and error messages
 * (`internal/validators`), plus the HTTP-specific checks behind
 * `http.validateHeaderName()` / `http.validateHeaderValue()`.
 *
 * Each validator throws the same `ERR_*` error Node would, with the
 * validator's own frame removed from the stack as Node's hideStackFrames
 * does.
 */

const {
  codes: {
    ERR_HTTP_INVALID_HEADER_VALUE,
    ERR_INVALID_ARG_TYPE,
    ERR_INVALID_ARG_VALUE,
    ERR_INVALID_CHAR,
    ERR_INVALID_HTTP_TOKEN,
    ERR_OUT_OF_RANGE,
    ERR_SOCKET_BAD_PORT,
  },
  hideStackFrames,
} = require('./errors');

/**
 * Wraps a validator so that errors it throws do not show its own frames.
 */
function hidden(fn) {
  // Fixed arity (no rest array) keeps setHeader()'s hot path cheap; every
  // validator takes at most four arguments.
  function wrapped(a, b, c, d) {
    try {
      return fn(a, b, c, d);
    } catch (err) {
      throw hideStackFrames(err, wrapped);
    }
  }
  Object.defineProperty(wrapped, 'name', { value: fn.name });
  wrapped.withoutStackTrace = fn;
  return wrapped;
}

/** Throws ERR_INVALID_ARG_TYPE / ERR_OUT_OF_RANGE unless an integer in [min, max]. */
const validateInteger = hidden(function validateInteger(
  value, name, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER) {
  if (typeof value !== 'number') throw new ERR_INVALID_ARG_TYPE(name, 'number', value);
  if (!Number.isInteger(value)) throw new ERR_OUT_OF_RANGE(name, 'an integer', value);
  if (value < min || value > max) {
    throw new ERR_OUT_OF_RANGE(name, `>= ${min} && <= ${max}`, value);
  }
});

/** Throws unless a 32-bit signed integer in [min, max]. */
const validateInt32 = hidden(function validateInt32(
  value, name, min = -2147483648, max = 2147483647) {
  if (typeof value !== 'number') throw new ERR_INVALID_ARG_TYPE(name, 'number', value);
  if (!Number.isInteger(value)) throw new ERR_OUT_OF_RANGE(name, 'an integer', value);
  if (value < min || value > max) {
    throw new ERR_OUT_OF_RANGE(name, `>= ${min} && <= ${max}`, value);
  }
});

/** Throws unless a 32-bit unsigned integer (>= 1 when `positive`). */
const validateUint32 = hidden(function validateUint32(value, name, positive = false) {
  if (typeof value !== 'number') throw new ERR_INVALID_ARG_TYPE(name, 'number', value);
  if (!Number.isInteger(value)) throw new ERR_OUT_OF_RANGE(name, 'an integer', value);
  const min = positive ? 1 : 0;
  const max = 4_294_967_295;
  if (value < min || value > max) {
    throw new ERR_OUT_OF_RANGE(name, `>= ${min} && <= ${max}`, value);
  }
});

/** Throws ERR_INVALID_ARG_TYPE unless a string. */
const validateString = hidden(function validateString(value, name) {
  if (typeof value !== 'string') throw new ERR_INVALID_ARG_TYPE(name, 'string', value);
});

/** Throws unless a number, optionally within [min, max] (NaN rejected when bounded). */
const validateNumber = hidden(function validateNumber(value, name, min = undefined, max) {
  if (typeof value !== 'number') throw new ERR_INVALID_ARG_TYPE(name, 'number', value);
  if ((min != null && value < min) || (max != null && value > max) ||
      ((min != null || max != null) && Number.isNaN(value))) {
    throw new ERR_OUT_OF_RANGE(
      name,
      `${min != null ? `>= ${min}` : ''}${min != null && max != null ? ' && ' : ''}` +
      `${max != null ? `<= ${max}` : ''}`,
      value);
  }
});

/** Throws ERR_INVALID_ARG_VALUE unless `value` is one of `oneOf`. */
const validateOneOf = hidden(function validateOneOf(value, name, oneOf) {
  if (!oneOf.includes(value)) {
    const allowed = oneOf
      .map((v) => (typeof v === 'string' ? `'${v}'` : String(v)))
      .join(', ');
    throw new ERR_INVALID_ARG_VALUE(name, value, 'must be one of: ' + allowed);
  }
});

/** Throws ERR_INVALID_ARG_TYPE unless a boolean. */
const validateBoolean = hidden(function validateBoolean(value, name) {
  if (typeof value !== 'boolean') throw new ERR_INVALID_ARG_TYPE(name, 'boolean', value);
});

const kValidateObjectNone = 0;
const kValidateObjectAllowNullable = 1 << 0;
const kValidateObjectAllowArray = 1 << 1;
const kValidateObjectAllowFunction = 1 << 2;

/**
 * Throws ERR_INVALID_ARG_TYPE unless a non-null, non-array object; `options`
 * bit flags allow null, arrays or functions.
 */
const validateObject = hidden(function validateObject(value, name, options = kValidateObjectNone) {
  if (options === kValidateObjectNone) {
    if (value === null || Array.isArray(value) || typeof value !== 'object') {
      throw new ERR_INVALID_ARG_TYPE(name, 'Object', value);
    }
    return;
  }
  if ((options & kValidateObjectAllowNullable) === 0 && value === null) {
    throw new ERR_INVALID_ARG_TYPE(name, 'Object', value);
  }
  if ((options & kValidateObjectAllowArray) === 0 && Array.isArray(value)) {
    throw new ERR_INVALID_ARG_TYPE(name, 'Object', value);
  }
  const type = typeof value;
  if (type !== 'object' &&
      ((options & kValidateObjectAllowFunction) === 0 || type !== 'function')) {
    throw new ERR_INVALID_ARG_TYPE(name, 'Object', value);
  }
});

/** Throws ERR_INVALID_ARG_TYPE / ERR_INVALID_ARG_VALUE unless an array of minLength. */
const validateArray = hidden(function validateArray(value, name, minLength = 0) {
  if (!Array.isArray(value)) throw new ERR_INVALID_ARG_TYPE(name, 'Array', value);
  if (value.length < minLength) {
    throw new ERR_INVALID_ARG_VALUE(name, value, `must be longer than ${minLength}`);
  }
});

/** Throws ERR_INVALID_ARG_TYPE unless a function. */
const validateFunction = hidden(function validateFunction(value, name) {
  if (typeof value !== 'function') throw new ERR_INVALID_ARG_TYPE(name, 'Function', value);
});

/** Throws ERR_INVALID_ARG_TYPE unless undefined or an AbortSignal-like object. */
const validateAbortSignal = hidden(function validateAbortSignal(signal, name) {
  if (signal !== undefined &&
      (signal === null || typeof signal !== 'object' || !('aborted' in signal))) {
    throw new ERR_INVALID_ARG_TYPE(name, 'AbortSignal', signal);
  }
});

/**
 * Checks a port number (number or numeric string, integer, 0..65535; 0 only
 * when allowZero) and returns it as a number; ERR_SOCKET_BAD_PORT otherwise.
 */
const validatePort = hidden(function validatePort(port, name = 'Port', allowZero = true) {
  if ((typeof port !== 'number' && typeof port !== 'string') ||
      (typeof port === 'string' && port.trim().length === 0) ||
      +port !== (+port >>> 0) ||
      port > 0xFFFF ||
      (port === 0 && !allowZero)) {
    throw new ERR_SOCKET_BAD_PORT(name, port, allowZero);
  }
  return port | 0;
});

const tokenRegExp = /^[\^_`a-zA-Z\-0-9!#$%&'*+.|~]+$/;

/**
 * True if `val` is an RFC 7230 token (valid header name / method).
 * @param {string} val
 * @returns {boolean}
 */
function checkIsHttpToken(val) {
  if (knownTokens.has(val)) return true;
  const ok = tokenRegExp.test(val);
  if (ok && typeof val === 'string') remember(knownTokens, val);
  return ok;
}

/**
 * Header names and values seen valid lately: a server sends the same few
 * on every response, and a Set lookup is cheaper than the regular
 * expression. Each holds at most KNOWN_MAX strings.
 */
const knownTokens = new Set();
const knownValues = new Set();
const KNOWN_MAX = 256;

function remember(set, val) {
  if (val.length > 256) return;
  if (set.size >= KNOWN_MAX) set.clear();
  set.add(val);
}

const headerCharRegex = /[^\t\x20-\x7e\x80-\xff]/;

/**
 * True if `val` (coerced to string) has a character not allowed in a header
 * field value.
 * @param {*} val
 * @returns {boolean}
 */
function checkInvalidHeaderChar(val) {
  // A number's text is digits, sign, point, exponent or Infinity/NaN.
  if (typeof val === 'number') return false;
  if (knownValues.has(val)) return false;
  const bad = headerCharRegex.test(val);
  if (!bad && typeof val === 'string') remember(knownValues, val);
  return bad;
}

/**
 * `http.validateHeaderName(name[, label])`: ERR_INVALID_HTTP_TOKEN unless
 * `name` is a non-empty token string.
 */
const validateHeaderName = hidden(function validateHeaderName(name, label) {
  if (typeof name !== 'string' || !name || !checkIsHttpToken(name)) {
    throw new ERR_INVALID_HTTP_TOKEN(label || 'Header name', name);
  }
});

/**
 * `http.validateHeaderValue(name, value)`: ERR_HTTP_INVALID_HEADER_VALUE for
 * undefined, ERR_INVALID_CHAR for forbidden characters.
 */
const validateHeaderValue = hidden(function validateHeaderValue(name, value) {
  if (value === undefined) {
    throw new ERR_HTTP_INVALID_HEADER_VALUE(value, name);
  }
  if (checkInvalidHeaderChar(value)) {
    throw new ERR_INVALID_CHAR('header content', name);
  }
});

const linkValueRegExp = /^(?:<[^>]*>)(?:\s*;\s*[^;"\s]+(?:=(")?[^;"\s]*\1)?)*$/;
const kLinkFormat =
  'must be an array or string of format "</styles.css>; rel=preload; as=style"';

function validateLinkHeaderFormat(value, name) {
  if (typeof value === 'undefined' || !linkValueRegExp.exec(value)) {
    throw new ERR_INVALID_ARG_VALUE(name, value, kLinkFormat);
  }
}

/**
 * Validates `hints.link` of `writeEarlyHints()` (a string or array of
 * `<url>; param` values) and returns the joined Link header value.
 * @returns {string}
 */
const validateLinkHeaderValue = hidden(function validateLinkHeaderValue(hints) {
  if (typeof hints === 'string') {
    validateLinkHeaderFormat(hints, 'hints');
    return hints;
  } else if (Array.isArray(hints)) {
    let result = '';
    for (let i = 0; i < hints.length; i++) {
      validateLinkHeaderFormat(hints[i], 'hints');
      result += hints[i];
      if (i !== hints.length - 1) result += ', ';
    }
    return result;
  }
  throw new ERR_INVALID_ARG_VALUE('hints', hints, kLinkFormat);
});

module.exports = {
  validateAbortSignal,
  validateArray,
  validateBoolean,
  validateFunction,
  validateInt32,
  validateInteger,
  validateNumber,
  validateObject,
  kValidateObjectNone,
  kValidateObjectAllowNullable,
  kValidateObjectAllowArray,
  kValidateObjectAllowFunction,
  validateOneOf,
  validatePort,
  validateString,
  validateUint32,
  validateLinkHeaderValue,
  checkIsHttpToken,
  checkInvalidHeaderChar,
  validateHeaderName,
  validateHeaderValue,
};
