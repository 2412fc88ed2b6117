'use strict';

// Differential tests of lib/validators.js and lib/errors.js against Node's
// own internal/validators and internal/errors (loaded in a child process
// started with --expose-internals): same outcome, error class, code,
// message, toString() and stack header for every case.

const test = require('node:test');
const assert = require('node:assert');
const http = require('http');
const { execFileSync } = require('child_process');
const validators = require('../lib/validators');
const errors = require('../lib/errors');
const common = require('../lib/http_common');

// Each case is a function body run with `v` (validators), `codes` and
// `E` (extra constructors) in scope; it either returns a value or throws.
const cases = [
  'return v.validateInteger(5, "n")',
  'v.validateInteger("5", "n")',
  'v.validateInteger(1.5, "n")',
  'v.validateInteger(10, "n", 0, 9)',
  'v.validateInteger(2 ** 53, "n")',
  'v.validateInteger(-(2 ** 40), "opts.n", 0)',
  'v.validateInteger(NaN, "n")',
  'v.validateInt32(2 ** 31, "n")',
  'v.validateUint32(-1, "n")',
  'v.validateUint32(0, "n", true)',
  'v.validateNumber("1", "n")',
  'v.validateNumber(5, "n", 0, 4)',
  'v.validateNumber(-1, "n", 0)',
  'v.validateNumber(9, "n", undefined, 4)',
  'v.validateNumber(NaN, "n", 0)',
  'return v.validateNumber(NaN, "n")',
  'v.validateString(1, "name")',
  'v.validateString(null, "name")',
  'v.validateString(undefined, "name")',
  'v.validateString(Symbol("s"), "name")',
  'v.validateString(10n, "name")',
  'v.validateString(() => {}, "name")',
  'v.validateString(function named() {}, "name")',
  'v.validateString({}, "name")',
  'v.validateString(Object.create(null), "name")',
  'v.validateString([], "name")',
  'v.validateString(new Map(), "options.name")',
  'v.validateString(-0, "name")',
  'v.validateString(Infinity, "name")',
  'v.validateString(true, "name")',
  'v.validateString(Buffer.alloc(1), "first argument")',
  'v.validateBoolean("true", "flag")',
  'v.validateBoolean(0, "options.flag")',
  'v.validateFunction("f", "cb")',
  'v.validateFunction(undefined, "callback")',
  'v.validateObject(null, "opts")',
  'v.validateObject([], "opts")',
  'v.validateObject("x", "opts")',
  'v.validateObject(() => {}, "opts")',
  'return v.validateObject(null, "opts", v.kValidateObjectAllowNullable)',
  'return v.validateObject([], "opts", v.kValidateObjectAllowArray)',
  'return v.validateObject(() => {}, "opts", v.kValidateObjectAllowFunction)',
  'v.validateObject(1, "opts", v.kValidateObjectAllowNullable)',
  'v.validateOneOf("c", "mode", ["a", "b", 3])',
  'return v.validateOneOf("a", "mode", ["a", "b"])',
  'v.validateArray({}, "list")',
  'v.validateArray([], "list", 1)',
  'v.validateAbortSignal({}, "signal")',
  'return v.validateAbortSignal(undefined, "signal")',
  'return v.validatePort(80)',
  'return v.validatePort("8080")',
  'v.validatePort(65536)',
  'v.validatePort(-1)',
  'v.validatePort("")',
  'v.validatePort("  ")',
  'v.validatePort(1.5)',
  'v.validatePort(null)',
  'v.validatePort(0, "Port", false)',
  'v.validatePort("abc", "options.port")',
  'return v.validateLinkHeaderValue("</a.css>; rel=preload")',
  'return v.validateLinkHeaderValue(["</a>; rel=preload", "</b>; as=\\"style\\""])',
  'return v.validateLinkHeaderValue([])',
  'v.validateLinkHeaderValue("a.css")',
  'v.validateLinkHeaderValue(["</a>", undefined])',
  'v.validateLinkHeaderValue(42)',
  'v.validateLinkHeaderValue("x".repeat(200))',
  'throw new codes.ERR_INVALID_ARG_TYPE("x", ["string", "Buffer", "TypedArray", "DataView"], 1)',
  'throw new codes.ERR_INVALID_ARG_TYPE("x", ["object", "Buffer"], 1)',
  'throw new codes.ERR_INVALID_ARG_TYPE("x", ["Headers", "Map"], "s")',
  'throw new codes.ERR_INVALID_ARG_TYPE("x", ["number", "string", "boolean"], null)',
  'throw new codes.ERR_INVALID_ARG_TYPE("x", ["a dictionary", "null"], 1)',
  'throw new codes.ERR_INVALID_ARG_TYPE("x", "an integer", "it\'s")',
  'throw new codes.ERR_INVALID_ARG_TYPE("x", "Function", "a long string that goes past the limit")',
  'throw new codes.ERR_INVALID_ARG_VALUE("headers", ["a", "b", "c"])',
  'throw new codes.ERR_INVALID_ARG_VALUE.RangeError("opt.x", { deep: { a: [1, 2] } }, "is bad")',
  'throw new codes.ERR_INVALID_ARG_VALUE("x", "y".repeat(300))',
  'throw new codes.ERR_OUT_OF_RANGE("x", ">= 0", -1)',
  'throw new codes.ERR_OUT_OF_RANGE("x", ">= 0", 123456789012)',
  'throw new codes.ERR_OUT_OF_RANGE("x", ">= 0", 12345678901234567890n)',
  'throw new codes.ERR_OUT_OF_RANGE("x", ">= 0", 5n)',
  'throw new codes.ERR_OUT_OF_RANGE("Custom text.", ">= 0", "a", true)',
  'throw new codes.ERR_MISSING_ARGS("a")',
  'throw new codes.ERR_MISSING_ARGS("a", "b")',
  'throw new codes.ERR_MISSING_ARGS(["a", "b"], "c", "d")',
  'throw new codes.ERR_SOCKET_BAD_PORT("Port", "x", false)',
  'throw new codes.ERR_HTTP_HEADERS_SENT("set")',
  'throw new codes.ERR_HTTP_INVALID_HEADER_VALUE(undefined, "x")',
  'throw new codes.ERR_HTTP_INVALID_STATUS_CODE("abc")',
  'throw new codes.ERR_HTTP_CONTENT_LENGTH_MISMATCH(3, 4)',
  'throw new codes.ERR_HTTP_TRAILER_INVALID()',
  'throw new codes.ERR_HTTP_BODY_NOT_ALLOWED()',
  'throw new codes.ERR_HTTP_SOCKET_ASSIGNED()',
  'throw new codes.ERR_HTTP_SOCKET_ENCODING()',
  'throw new codes.ERR_HTTP_REQUEST_TIMEOUT()',
  'throw new codes.ERR_INVALID_CHAR("statusMessage")',
  'throw new codes.ERR_INVALID_CHAR("header content", "x")',
  'throw new codes.ERR_INVALID_HTTP_TOKEN("Method", "G T")',
  'throw new codes.ERR_METHOD_NOT_IMPLEMENTED("_implicitHeader()")',
  'throw new codes.ERR_STREAM_WRITE_AFTER_END()',
  'throw new codes.ERR_STREAM_DESTROYED("write")',
  'throw new codes.ERR_STREAM_ALREADY_FINISHED("end")',
  'throw new codes.ERR_STREAM_NULL_VALUES()',
  'throw new codes.ERR_STREAM_CANNOT_PIPE()',
  'throw new codes.ERR_STREAM_PREMATURE_CLOSE()',
  'throw new codes.ERR_SERVER_ALREADY_LISTEN()',
  'throw new codes.ERR_SERVER_NOT_RUNNING()',
  'throw new codes.ERR_INVALID_URL("http://[")',
  'throw new codes.ERR_INVALID_PROTOCOL("ftp:", "http:")',
  'throw new codes.ERR_UNESCAPED_CHARACTERS("Request path")',
  'throw new codes.ERR_INVALID_ADDRESS_FAMILY("IPv7", "h", 1)',
  'throw new codes.ERR_INVALID_STATE.TypeError("closed")',
  'throw new codes.ERR_INVALID_RETURN_VALUE("an object", "fn", 1)',
  'throw new codes.ERR_SOCKET_CLOSED()',
  'throw new codes.ERR_MULTIPLE_CALLBACK()',
  'throw new E.AbortError()',
  'throw new E.AbortError("stop", { cause: 1 })',
  'throw new E.ConnResetException("socket hang up")',
  'throw new E.ErrnoException(-104, "read")',
  'throw new E.ExceptionWithHostPort(-111, "connect", "127.0.0.1", 80)',
  'throw new E.ExceptionWithHostPort(-98, "listen", "::", 0, "127.0.0.1:5")',
  'throw new E.UVExceptionWithHostPort(-98, "listen", "::", 8080)',
];

function describe(fn) {
  try {
    const value = fn();
    return { ok: true, value: value === undefined ? '<undefined>' : value };
  } catch (err) {
    return {
      ok: false,
      name: err.name,
      code: err.code,
      message: err.message,
      string: String(err),
      head: String(err.stack).split('\n')[0],
      ctor: err.constructor.name,
      keys: Object.keys(err).filter((k) => k !== 'cause'),
      props: { input: err.input, host: err.host, port: err.port, errno: err.errno, syscall: err.syscall,
               address: err.address },
      isTypeError: err instanceof TypeError,
      isRangeError: err instanceof RangeError,
    };
  }
}

const childScript = `
  const v = require('internal/validators');
  const e = require('internal/errors');
  const E = { AbortError: e.AbortError, ConnResetException: e.ConnResetException,
              ErrnoException: e.ErrnoException, ExceptionWithHostPort: e.ExceptionWithHostPort,
              UVExceptionWithHostPort: e.UVExceptionWithHostPort };
  const describe = ${describe.toString()};
  const cases = JSON.parse(process.env.RSHTTP_CASES);
  const out = cases.map((src) => describe(() => new Function('v', 'codes', 'E', src)(v, e.codes, E)));
  process.stdout.write(JSON.stringify(out));
`;

let nodeResults;
test('Node reference results (child with --expose-internals)', () => {
  const stdout = execFileSync(process.execPath, ['--expose-internals', '-e', childScript], {
    env: { ...process.env, RSHTTP_CASES: JSON.stringify(cases) },
  });
  nodeResults = JSON.parse(stdout);
  assert.strictEqual(nodeResults.length, cases.length);
});

test('validators and error classes match Node case by case', () => {
  assert.ok(nodeResults, 'reference results missing');
  const E = errors;
  let threw = 0;
  cases.forEach((src, i) => {
    const mine = JSON.parse(JSON.stringify(
      describe(() => new Function('v', 'codes', 'E', src)(validators, errors.codes, E))));
    assert.deepStrictEqual(mine, nodeResults[i], src);
    if (!mine.ok) threw++;
  });
  assert.ok(threw > 100);
});

test('validator stack does not start inside the validator', () => {
  try {
    validators.validateString(1, 'x');
    assert.fail('should throw');
  } catch (err) {
    const frames = err.stack.split('\n').slice(1);
    assert.ok(!/validateString|validators\.js/.test(frames[0] || ''), frames[0]);
  }
});

test('http.validateHeaderName / validateHeaderValue equivalence', () => {
  const names = ['ok', 'x-y', '', 'bad name', 'ä', 1, undefined, null, 'a:b', 'a\tb', '!#$%&\'*+-.^_`|~'];
  const values = ['ok', '', 'tab\tok', 'line\nbreak', 'nul\0', 'latin1 \u00ff', 'wide \u0100', 1, undefined,
                  null, ['a', 'b'], ['a\n'], {}];
  for (const name of names) {
    for (const label of [undefined, 'Trailer name']) {
      assert.deepStrictEqual(
        describe(() => validators.validateHeaderName(name, label)),
        describe(() => http.validateHeaderName(name, label)),
        `name ${String(name)}`);
    }
  }
  for (const value of values) {
    assert.deepStrictEqual(
      describe(() => validators.validateHeaderValue('X-H', value)),
      describe(() => http.validateHeaderValue('X-H', value)),
      `value ${String(value)}`);
  }
});

test('token and header-char checks', () => {
  assert.strictEqual(validators.checkIsHttpToken('Content-Type'), true);
  assert.strictEqual(validators.checkIsHttpToken('a b'), false);
  assert.strictEqual(validators.checkIsHttpToken(''), false);
  assert.strictEqual(validators.checkInvalidHeaderChar('fine\t\u00ff'), false);
  assert.strictEqual(validators.checkInvalidHeaderChar('bad\r'), true);
  assert.strictEqual(validators.checkInvalidHeaderChar('bad\u0100'), true);
});

test('METHODS and STATUS_CODES equal Node\'s', () => {
  assert.deepStrictEqual(common.METHODS, http.METHODS);
  assert.deepStrictEqual(common.STATUS_CODES, http.STATUS_CODES);
  assert.deepStrictEqual(Object.keys(common.STATUS_CODES), Object.keys(http.STATUS_CODES));
});

test('chunk and continue expressions', () => {
  assert.ok(common.chunkExpression.test('gzip, Chunked'));
  assert.ok(!common.chunkExpression.test('notchunkedx'));
  assert.ok(common.continueExpression.test('100-Continue'));
  assert.ok(!common.continueExpression.test('1100-continue'));
});

test('utcDate is an RFC 7231 date and is cached', () => {
  const a = common.utcDate();
  assert.match(a, /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
  assert.strictEqual(common.utcDate(), a);
  assert.ok(Math.abs(Date.parse(a) - Date.now()) < 2000);
});
