'use strict';

/**
 * Constants and small helpers shared by rshttp's outgoing and incoming
 * message classes: Node 20's `METHODS` and `STATUS_CODES` tables, the
 * `chunked` / `100-continue` header expressions, and the cached `Date`
 * header value.
 */

const {
  checkIsHttpToken,
  checkInvalidHeaderChar,
} = require('./validators');

/**
 * Request methods the parser knows, sorted, as `require('http').METHODS`
 * in Node 20.
 */
const METHODS = [
  'ACL', 'BIND', 'CHECKOUT', 'CONNECT', 'COPY', 'DELETE', 'GET', 'HEAD',
  'LINK', 'LOCK', 'M-SEARCH', 'MERGE', 'MKACTIVITY', 'MKCALENDAR', 'MKCOL',
  'MOVE', 'NOTIFY', 'OPTIONS', 'PATCH', 'POST', 'PROPFIND', 'PROPPATCH',
  'PURGE', 'PUT', 'QUERY', 'REBIND', 'REPORT', 'SEARCH', 'SOURCE',
  'SUBSCRIBE', 'TRACE', 'UNBIND', 'UNLINK', 'UNLOCK', 'UNSUBSCRIBE',
];

/** Reason phrases by status code, as `require('http').STATUS_CODES`. */
const STATUS_CODES = {
  100: 'Continue',
  101: 'Switching Protocols',
  102: 'Processing',
  103: 'Early Hints',
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  203: 'Non-Authoritative Information',
  204: 'No Content',
  205: 'Reset Content',
  206: 'Partial Content',
  207: 'Multi-Status',
  208: 'Already Reported',
  226: 'IM Used',
  300: 'Multiple Choices',
  301: 'Moved Permanently',
  302: 'Found',
  303: 'See Other',
  304: 'Not Modified',
  305: 'Use Proxy',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  411: 'Length Required',
  412: 'Precondition Failed',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  416: 'Range Not Satisfiable',
  417: 'Expectation Failed',
  418: 'I\'m a Teapot',
  421: 'Misdirected Request',
  422: 'Unprocessable Entity',
  423: 'Locked',
  424: 'Failed Dependency',
  425: 'Too Early',
  426: 'Upgrade Required',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  451: 'Unavailable For Legal Reasons',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
  506: 'Variant Also Negotiates',
  507: 'Insufficient Storage',
  508: 'Loop Detected',
  509: 'Bandwidth Limit Exceeded',
  510: 'Not Extended',
  511: 'Network Authentication Required',
};

/** Matches a `chunked` token in a Transfer-Encoding / TE value. */
const chunkExpression = /(?:^|\W)chunked(?:$|\W)/i;

/** Matches a `100-continue` token in an Expect value. */
const continueExpression = /(?:^|\W)100-continue(?:$|\W)/i;

/** Matches a `close` token in a Connection value. */
const connCloseExpression = /(?:^|\W)close(?:$|\W)/i;

let utcCache;
let dateLineCache = '';

function resetUtcCache() {
  utcCache = undefined;
}

/**
 * The current time as an RFC 7231 date (`Date` header value), cached until
 * the next whole second like Node does.
 * @returns {string}
 */
function utcDate() {
  if (!utcCache) {
    const d = new Date();
    utcCache = d.toUTCString();
    dateLineCache = 'Date: ' + utcCache + '\r\n';
    const t = setTimeout(resetUtcCache, 1000 - d.getMilliseconds());
    if (typeof t.unref === 'function') t.unref();
  }
  return utcCache;
}

/** The head's `Date: ...\r\n` line (cached with utcDate). */
function dateLine() {
  if (!utcCache) utcDate();
  return dateLineCache;
}

/**
 * Sockets that can take a response's bytes without going through their
 * Writable (rshttp's own sockets) have these two methods:
 * `[kCanWriteDirect]()` says whether nothing is buffered or in flight, so a
 * direct write keeps order; `[kWriteDirect](data, encoding)` writes if it
 * can and returns whether it did.
 */
const kCanWriteDirect = Symbol('kCanWriteDirect');
const kWriteDirect = Symbol('kWriteDirect');

/**
 * How the core encodes a string written with `encoding`: 'latin1',
 * 'utf8' (also when none is given), or null for the other encodings, whose
 * strings are not handed to it directly.
 */
function directEncoding(encoding) {
  if (!encoding || encoding === 'utf8' || encoding === 'utf-8') return 'utf8';
  if (encoding === 'latin1' || encoding === 'binary') return 'latin1';
  return null;
}

/**
 * Lower-cased header names by name as given, for the names seen lately (at
 * most LOWER_MAX, each at most 64 characters). A name lower-cased afresh is
 * a new string each time, and a new string as a property key (the header
 * maps are keyed by lower-case name) sends V8's keyed access to its runtime
 * to look the string up (a store of a new key costs ~10x a cached one);
 * the cached string is the same object each time, internalised once.
 */
const lowerNames = new Map();
const LOWER_MAX = 512;

/** `name.toLowerCase()`, the same string object for a name seen lately. */
function lowerCaseName(name) {
  let lower = lowerNames.get(name);
  if (lower === undefined) {
    lower = name.toLowerCase();
    if (name.length <= 64) {
      if (lowerNames.size >= LOWER_MAX) lowerNames.clear();
      lowerNames.set(name, lower);
    }
  }
  return lower;
}

/** Header fields Node's parser hands to JS at a time, past the first (kMaxHeaderFieldsCount - 1). */
const FIELDS_PER_FLUSH = 31;

/**
 * The header or trailer lines (`raw`, name and value alternating) that
 * Node's parser keeps under its `maxHeaderPairs` limit of `maxPairs`
 * entries (0 or less: none). Node's parser passes fields to JS 31 at a
 * time and JS appends a batch while it holds fewer than `maxPairs`
 * entries, so whole batches are kept: up to `maxPairs` rounded up to a
 * multiple of 62 entries (a head's `headers` object then takes only the
 * first `maxPairs`; trailers take all that was kept). Truncates `raw` in
 * place and returns it.
 */
function keepHeaderLines(raw, maxPairs) {
  const batch = FIELDS_PER_FLUSH * 2;
  if (maxPairs > 0 && raw.length > batch) {
    const kept = Math.ceil(maxPairs / batch) * batch;
    if (raw.length > kept) raw.length = kept;
  }
  return raw;
}

module.exports = {
  METHODS,
  lowerCaseName,
  keepHeaderLines,
  kCanWriteDirect,
  kWriteDirect,
  directEncoding,
  STATUS_CODES,
  CRLF: '\r\n',
  chunkExpression,
  continueExpression,
  connCloseExpression,
  checkIsHttpToken,
  checkInvalidHeaderChar,
  _checkIsHttpToken: checkIsHttpToken,
  _checkInvalidHeaderChar: checkInvalidHeaderChar,
  utcDate,
  dateLine,
};
