'use strict';
// Seeds for the differential fuzzer: requests and responses that between
// them use every framing feature (Content-Length, chunked with extensions
// and trailers, pipelining, HTTP/1.0 and 0.9, upgrades, Expect), plus the
// request-smuggling classics, which are also run as fixed cases.

const CRLF = '\r\n';
const req = (lines, body = '') => lines.join(CRLF) + CRLF + CRLF + body;

/** Ordinary requests, mutated by the fuzzer. */
const requests = [
  req(['GET / HTTP/1.1', 'Host: a']),
  req(['GET /path/to?x=1&y=%20#frag HTTP/1.1', 'Host: example.com', 'Accept: */*', 'User-Agent: fuzz']),
  req(['POST /cl HTTP/1.1', 'Host: a', 'Content-Length: 11', 'Content-Type: text/plain'], 'hello world'),
  req(['POST /chunked HTTP/1.1', 'Host: a', 'Transfer-Encoding: chunked'], '5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n'),
  req(['POST /ext HTTP/1.1', 'Host: a', 'Transfer-Encoding: chunked', 'Trailer: X-T'],
    '5;name=value;q="quoted"\r\nhello\r\n0\r\nX-T: done\r\nX-U: two\r\n\r\n'),
  req(['GET /a HTTP/1.1', 'Host: a']) + req(['GET /b HTTP/1.1', 'Host: a', 'Connection: close']),
  req(['POST /p1 HTTP/1.1', 'Host: a', 'Content-Length: 3'], 'abc') +
    req(['POST /p2 HTTP/1.1', 'Host: a', 'Transfer-Encoding: chunked'], '1\r\nz\r\n0\r\n\r\n'),
  req(['GET /old HTTP/1.0']),
  req(['GET /ka HTTP/1.0', 'Connection: keep-alive']) + req(['GET /ka2 HTTP/1.0']),
  req(['OPTIONS * HTTP/1.1', 'Host: a']),
  req(['CONNECT example.com:443 HTTP/1.1', 'Host: example.com:443']),
  req(['GET http://example.com/abs?q HTTP/1.1', 'Host: example.com']),
  req(['HEAD /h HTTP/1.1', 'Host: a']),
  req(['DELETE /d HTTP/1.1', 'Host: a', 'Content-Length: 0']),
  req(['PUT /e HTTP/1.1', 'Host: a', 'Expect: 100-continue', 'Content-Length: 4'], 'data'),
  req(['GET /ws HTTP/1.1', 'Host: a', 'Upgrade: websocket', 'Connection: Upgrade']),
  req(['GET /multi HTTP/1.1', 'Host: a', 'Cookie: a=1', 'Cookie: b=2', 'X-Dup: 1', 'X-Dup: 2', 'Set-Cookie: s']),
  req(['GET /ws HTTP/1.1', 'Host: a', 'X-Spaces:   padded value  \t', 'X-Empty:']),
];

/** The smuggling classics: each is sent as is and also mutated. */
const smuggling = {
  'CL.TE': req(['POST / HTTP/1.1', 'Host: a', 'Content-Length: 13', 'Transfer-Encoding: chunked'], '0\r\n\r\nSMUGGLED'),
  'TE.CL': req(['POST / HTTP/1.1', 'Host: a', 'Transfer-Encoding: chunked', 'Content-Length: 3'], '8\r\nSMUGGLED\r\n0\r\n\r\n'),
  'TE xchunked': req(['POST / HTTP/1.1', 'Host: a', 'Transfer-Encoding: xchunked'], '5\r\nhello\r\n0\r\n\r\n'),
  'TE chunked, identity': req(['POST / HTTP/1.1', 'Host: a', 'Transfer-Encoding: chunked, identity'], '5\r\nhello\r\n0\r\n\r\n'),
  'TE identity, chunked': req(['POST / HTTP/1.1', 'Host: a', 'Transfer-Encoding: identity, chunked'], '5\r\nhello\r\n0\r\n\r\n'),
  'TE tab': req(['POST / HTTP/1.1', 'Host: a', 'Transfer-Encoding:\tchunked'], '5\r\nhello\r\n0\r\n\r\n'),
  'TE space before colon': req(['POST / HTTP/1.1', 'Host: a', 'Transfer-Encoding : chunked'], '5\r\nhello\r\n0\r\n\r\n'),
  'TE duplicate': req(['POST / HTTP/1.1', 'Host: a', 'Transfer-Encoding: chunked', 'Transfer-Encoding: identity'], '5\r\nhello\r\n0\r\n\r\n'),
  'TE vertical tab': req(['POST / HTTP/1.1', 'Host: a', 'Transfer-Encoding: \x0bchunked'], '5\r\nhello\r\n0\r\n\r\n'),
  'TE obs-fold': req(['POST / HTTP/1.1', 'Host: a', 'Transfer-Encoding:', ' chunked'], '5\r\nhello\r\n0\r\n\r\n'),
  'TE CHUNKED upper': req(['POST / HTTP/1.1', 'Host: a', 'Transfer-Encoding: CHUNKED'], '5\r\nhello\r\n0\r\n\r\n'),
  'TE on HTTP/1.0': req(['POST / HTTP/1.0', 'Transfer-Encoding: chunked'], '5\r\nhello\r\n0\r\n\r\n'),
  'CL duplicate same': req(['POST / HTTP/1.1', 'Host: a', 'Content-Length: 5', 'Content-Length: 5'], 'hello'),
  'CL duplicate differ': req(['POST / HTTP/1.1', 'Host: a', 'Content-Length: 5', 'Content-Length: 6'], 'hello!'),
  'CL list': req(['POST / HTTP/1.1', 'Host: a', 'Content-Length: 5, 5'], 'hello'),
  'CL signed +': req(['POST / HTTP/1.1', 'Host: a', 'Content-Length: +5'], 'hello'),
  'CL signed -': req(['POST / HTTP/1.1', 'Host: a', 'Content-Length: -5'], 'hello'),
  'CL leading zeros': req(['POST / HTTP/1.1', 'Host: a', 'Content-Length: 0005'], 'hello'),
  'CL hex': req(['POST / HTTP/1.1', 'Host: a', 'Content-Length: 0x5'], 'hello'),
  'CL overflow': req(['POST / HTTP/1.1', 'Host: a', 'Content-Length: 99999999999999999999999'], 'hello'),
  'bare LF': 'GET /lf HTTP/1.1\nHost: a\n\n',
  'bare CR': 'GET /cr HTTP/1.1\rHost: a\r\r',
  'LF in chunked': req(['POST / HTTP/1.1', 'Host: a', 'Transfer-Encoding: chunked'], '5\nhello\n0\n\n'),
  'obs-fold value': req(['GET / HTTP/1.1', 'Host: a', 'X-Folded: one', ' two']),
  'NUL in name': req(['GET / HTTP/1.1', 'Host: a', 'X-N\0ul: v']),
  'NUL in value': req(['GET / HTTP/1.1', 'Host: a', 'X-Nul: v\0v']),
  'DEL in name': req(['GET / HTTP/1.1', 'Host: a', 'X-D\x7fel: v']),
  'DEL in value': req(['GET / HTTP/1.1', 'Host: a', 'X-Del: v\x7fv']),
  'high byte in value': req(['GET / HTTP/1.1', 'Host: a', 'X-High: caf\xe9']),
  'chunk size overflow': req(['POST / HTTP/1.1', 'Host: a', 'Transfer-Encoding: chunked'], 'fffffffffffffffff1\r\nhello\r\n0\r\n\r\n'),
  'chunk size with spaces': req(['POST / HTTP/1.1', 'Host: a', 'Transfer-Encoding: chunked'], '5 \r\nhello\r\n0\r\n\r\n'),
  'huge chunk extension': req(['POST / HTTP/1.1', 'Host: a', 'Transfer-Encoding: chunked'], `5;${'x'.repeat(20000)}\r\nhello\r\n0\r\n\r\n`),
  'CL in trailers': req(['POST / HTTP/1.1', 'Host: a', 'Transfer-Encoding: chunked'], '5\r\nhello\r\n0\r\nContent-Length: 5\r\n\r\n'),
  'space in request target': req(['GET /a b HTTP/1.1', 'Host: a']),
  'no version': 'GET /path\r\n\r\n',
  'junk version': req(['GET / HTTP/9.9', 'Host: a']),
  'lowercase method': req(['get / HTTP/1.1', 'Host: a']),
  'odd target': req(['GET 00/old HTTP/1.0']),
  'junk after request': `${req(['GET / HTTP/1.1', 'Host: a'])}\x01\x02junk\r\n\r\n`,
  'half-closed head': 'GET / HTTP/1.1\r\nHost: a\r\n',
  'half-closed chunked': req(['POST / HTTP/1.1', 'Host: a', 'Transfer-Encoding: chunked'], '5\r\nhello\r\n0\r\n'),
};

/** Responses for the client side (the request is GET unless named HEAD). */
const responses = [
  'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello',
  'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;e=1\r\nhello\r\n0\r\nX-Trailer: t\r\n\r\n',
  'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil close',
  'HTTP/1.0 200 OK\r\n\r\nold style',
  'HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n',
  'HTTP/1.1 304 Not Modified\r\nETag: "x"\r\n\r\n',
  'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
  'HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n',
  'HTTP/1.1 404 Not Found\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 0\r\n\r\n',
  'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
  'HTTP/1.1 200\r\nContent-Length: 1\r\n\r\nx',
];

module.exports = { requests, smuggling, responses };
