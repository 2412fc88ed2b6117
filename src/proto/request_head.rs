//! Request heads: the request line and header block of one HTTP/1.x request,
//! parsed by httparse and checked the way Node's llhttp checks them (known
//! methods, Content-Length and Transfer-Encoding rules, header size limit).

use super::ParseError;
use std::ops::Range;

/// The methods llhttp accepts in a request line: Node's `http.METHODS`.
pub const METHODS: &[&str] = &[
    "ACL", "BIND", "CHECKOUT", "CONNECT", "COPY", "DELETE", "GET", "HEAD", "LINK", "LOCK",
    "M-SEARCH", "MERGE", "MKACTIVITY", "MKCALENDAR", "MKCOL", "MOVE", "NOTIFY", "OPTIONS",
    "PATCH", "POST", "PROPFIND", "PROPPATCH", "PURGE", "PUT", "QUERY", "REBIND", "REPORT", "SEARCH",
    "SOURCE", "SUBSCRIBE", "TRACE", "UNBIND", "UNLINK", "UNLOCK", "UNSUBSCRIBE",
];

/// How the body of a request is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFraming {
    /// No body at all (no Content-Length, no Transfer-Encoding).
    None,
    /// Exactly this many bytes.
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// Everything until the peer closes (responses only).
    UntilClose,
}

/// Limits applied while parsing a head.
#[derive(Debug, Clone, Copy)]
pub struct HeadLimits {
    /// Largest head (request line and headers) in bytes: Node's `maxHeaderSize`.
    pub max_header_size: usize,
    /// Accept what llhttp's lenient mode accepts (`insecureHTTPParser`).
    pub lenient: bool,
}

impl Default for HeadLimits {
    fn default() -> Self {
        HeadLimits { max_header_size: 16 * 1024, lenient: false }
    }
}

/// A parsed request head, as byte ranges into the buffer it was parsed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestHead {
    /// Index of `METHODS` entry.
    pub method: u8,
    pub path: Range<usize>,
    /// Minor HTTP version (major is always 1).
    pub version_minor: u8,
    /// (name, value) ranges, in order received.
    pub headers: Vec<(Range<usize>, Range<usize>)>,
    /// Bytes the head occupied, including the blank line.
    pub head_len: usize,
    pub framing: BodyFraming,
    /// Whether the connection persists after this request (by version and
    /// `Connection` header), before the response has its say.
    pub keep_alive: bool,
    /// `CONNECT`, or `Connection: upgrade` with an `Upgrade` header.
    pub upgrade: bool,
    /// Transfer-Encoding whose final coding is not chunked: llhttp reports
    /// the head first, then fails the message.
    pub invalid_transfer_encoding: bool,
}

impl RequestHead {
    /// The method name.
    pub fn method_name(&self) -> &'static str {
        METHODS[self.method as usize]
    }
}

pub(crate) fn range_of(buf: &[u8], part: &[u8]) -> Range<usize> {
    let start = part.as_ptr() as usize - buf.as_ptr() as usize;
    start..start + part.len()
}

pub(crate) fn has_token(value: &[u8], token: &str) -> bool {
    value
        .split(|&b| b == b',')
        .any(|t| t.trim_ascii().eq_ignore_ascii_case(token.as_bytes()))
}

pub(crate) fn map_httparse_error(e: httparse::Error) -> ParseError {
    match e {
        httparse::Error::HeaderName => ParseError::InvalidHeaderToken,
        httparse::Error::HeaderValue => ParseError::InvalidHeaderValue,
        httparse::Error::NewLine => ParseError::LfExpected,
        httparse::Error::Status => ParseError::InvalidConstant,
        httparse::Error::Token => ParseError::InvalidMethod,
        httparse::Error::TooManyHeaders => ParseError::HeaderOverflow,
        httparse::Error::Version => ParseError::InvalidVersion,
    }
}

/// Parses one request head from the start of `buf`.
///
/// `Ok(None)` means more bytes are needed. Errors follow llhttp's choices.
pub fn parse_request_head(buf: &[u8], limits: HeadLimits) -> Result<Option<RequestHead>, ParseError> {
    match parse_strict(buf, limits) {
        Err(ParseError::InvalidHeaderValue) if limits.lenient => {
            // llhttp's lenient mode takes control bytes in values; parse a copy
            // with them masked, at the same offsets, so ranges index `buf`.
            let masked: Vec<u8> = buf
                .iter()
                .map(|&b| if b < 0x20 && b != b'\r' && b != b'\n' && b != b'\t' { b' ' } else { b })
                .collect();
            parse_strict(&masked, limits)
        }
        other => other,
    }
}

fn parse_strict(buf: &[u8], limits: HeadLimits) -> Result<Option<RequestHead>, ParseError> {
    let mut small = [httparse::EMPTY_HEADER; 64];
    let mut big;
    let mut headers: &mut [httparse::Header] = &mut small;
    let mut req = httparse::Request::new(headers);
    let mut status = req.parse(buf);
    if let Err(httparse::Error::TooManyHeaders) = status {
        big = vec![httparse::EMPTY_HEADER; buf.len() / 3 + 1];
        headers = &mut big;
        req = httparse::Request::new(headers);
        status = req.parse(buf);
    }
    let head_len = match status {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => {
            if buf.len() > limits.max_header_size {
                return Err(ParseError::HeaderOverflow);
            }
            // httparse only rejects a bad method once it sees the space after it.
            if let Some(m) = partial_method(buf) {
                if !METHODS.iter().any(|k| k.as_bytes().starts_with(m)) {
                    return Err(ParseError::InvalidMethod);
                }
            }
            return Ok(None);
        }
        Err(e) => {
            if let httparse::Error::Token = e {
                return Err(classify_token_error(buf));
            }
            // A lone CR or LF is what llhttp names, where httparse only sees a bad byte.
            let end = buf.windows(4).position(|w| w == b"\r\n\r\n").map_or(buf.len(), |p| p + 4);
            let scan = if buf[..end].last() == Some(&b'\r') { &buf[..end - 1] } else { &buf[..end] };
            check_line_endings(scan)?;
            return Err(map_httparse_error(e));
        }
    };
    if head_len > limits.max_header_size {
        return Err(ParseError::HeaderOverflow);
    }
    if !limits.lenient {
        check_line_endings(&buf[..head_len])?;
    }
    let method_str = req.method.unwrap_or("");
    let method = METHODS
        .iter()
        .position(|m| *m == method_str)
        .ok_or(ParseError::InvalidMethod)? as u8;
    let path = req.path.unwrap_or("");
    if path.is_empty() {
        return Err(ParseError::InvalidUrl);
    }
    let version_minor = req.version.unwrap_or(1);

    let mut content_length: Option<u64> = None;
    let mut te_seen = false;
    let mut te_chunked_last = false;
    let mut conn_close = false;
    let mut conn_keep_alive = false;
    let mut conn_upgrade = false;
    let mut has_upgrade_header = false;
    let mut ranges = Vec::with_capacity(req.headers.len());
    for h in req.headers.iter() {
        let name = h.name.as_bytes();
        let value = h.value;
        ranges.push((range_of(buf, name), range_of(buf, value)));
        if name.eq_ignore_ascii_case(b"content-length") {
            if content_length.is_some() {
                return Err(ParseError::DuplicateContentLength);
            }
            content_length = Some(content_length_value(value)?);
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            te_seen = true;
            for token in value.split(|&b| b == b',') {
                // llhttp fails at once on any coding after `chunked`.
                if te_chunked_last && !limits.lenient {
                    return Err(ParseError::InvalidTransferEncoding);
                }
                te_chunked_last = token.trim_ascii().eq_ignore_ascii_case(b"chunked");
            }
        } else if name.eq_ignore_ascii_case(b"connection") {
            conn_close |= has_token(value, "close");
            conn_keep_alive |= has_token(value, "keep-alive");
            conn_upgrade |= has_token(value, "upgrade");
        } else if name.eq_ignore_ascii_case(b"upgrade") {
            has_upgrade_header = true;
        }
    }
    let mut invalid_transfer_encoding = false;
    let framing = if te_seen {
        if content_length.is_some() && !limits.lenient {
            return Err(ParseError::TransferEncodingWithContentLength);
        }
        if !te_chunked_last {
            invalid_transfer_encoding = true;
        }
        BodyFraming::Chunked
    } else if let Some(n) = content_length {
        if n > 0 { BodyFraming::Length(n) } else { BodyFraming::None }
    } else {
        BodyFraming::None
    };
    let keep_alive = if version_minor >= 1 { !conn_close } else { conn_keep_alive && !conn_close };
    let upgrade = METHODS[method as usize] == "CONNECT" || (conn_upgrade && has_upgrade_header);
    Ok(Some(RequestHead {
        method,
        path: range_of(buf, path.as_bytes()),
        version_minor,
        headers: ranges,
        head_len,
        framing,
        keep_alive,
        upgrade,
        invalid_transfer_encoding,
    }))
}

/// The value of a Content-Length field: digits only (surrounding blanks
/// allowed), as llhttp reads it.
pub(crate) fn content_length_value(value: &[u8]) -> Result<u64, ParseError> {
    let v = value.trim_ascii();
    if v.is_empty() || !v.iter().all(u8::is_ascii_digit) || v.len() > 19 {
        return Err(ParseError::InvalidContentLength);
    }
    std::str::from_utf8(v).unwrap().parse().map_err(|_| ParseError::InvalidContentLength)
}

/// llhttp accepts only CRLF line endings: a lone CR or LF in a head is an error.
pub(crate) fn check_line_endings(head: &[u8]) -> Result<(), ParseError> {
    let start = head.iter().position(|&b| b != b'\r' && b != b'\n').unwrap_or(head.len());
    let head = &head[start..];
    for (i, &b) in head.iter().enumerate() {
        if b == b'\r' && head.get(i + 1) != Some(&b'\n') {
            return Err(ParseError::LfExpected);
        }
        if b == b'\n' && (i == 0 || head[i - 1] != b'\r') {
            return Err(ParseError::CrExpected);
        }
    }
    Ok(())
}

/// How many bytes llhttp would have accepted before rejecting a method:
/// leading blank lines plus the longest prefix shared with a known method.
pub fn method_error_offset(buf: &[u8]) -> usize {
    let start = buf.iter().position(|&b| b != b'\r' && b != b'\n').unwrap_or(buf.len());
    let token = &buf[start..];
    let best = METHODS
        .iter()
        .map(|m| m.as_bytes().iter().zip(token).take_while(|(a, b)| a == b).count())
        .max()
        .unwrap_or(0);
    start + best
}

/// The method token at the start of a request still being received, if the
/// buffer holds any of it (after leading blank lines).
fn partial_method(buf: &[u8]) -> Option<&[u8]> {
    let start = buf.iter().position(|&b| b != b'\r' && b != b'\n')?;
    let rest = &buf[start..];
    let end = rest.iter().position(|&b| b == b' ').unwrap_or(rest.len());
    Some(&rest[..end])
}

/// httparse reports both a bad method and a bad target as `Token`.
fn classify_token_error(buf: &[u8]) -> ParseError {
    match partial_method(buf) {
        Some(m) if METHODS.iter().any(|k| k.as_bytes() == m) => ParseError::InvalidUrl,
        _ => ParseError::InvalidMethod,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Option<RequestHead>, ParseError> {
        parse_request_head(s.as_bytes(), HeadLimits::default())
    }

    #[test]
    fn simple_get() {
        let s = "GET /a?b=1 HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n\r\nrest";
        let h = parse(s).unwrap().unwrap();
        assert_eq!(h.method_name(), "GET");
        assert_eq!(&s[h.path.clone()], "/a?b=1");
        assert_eq!(h.version_minor, 1);
        assert_eq!(h.headers.len(), 2);
        assert_eq!(&s[h.headers[1].0.clone()], "X-A");
        assert_eq!(&s[h.headers[1].1.clone()], "1");
        assert_eq!(h.head_len, s.len() - 4);
        assert_eq!(h.framing, BodyFraming::None);
        assert!(h.keep_alive);
        assert!(!h.upgrade);
    }

    #[test]
    fn partial_needs_more() {
        assert_eq!(parse("GET / HTTP/1.1\r\nHost: x\r\n"), Ok(None));
    }

    #[test]
    fn unknown_method_rejected_early() {
        assert_eq!(parse("FOO / HTTP/1.1\r\n\r\n"), Err(ParseError::InvalidMethod));
        assert_eq!(parse("XYZ"), Err(ParseError::InvalidMethod));
        assert_eq!(parse("GE"), Ok(None));
    }

    #[test]
    fn http10_keep_alive_rules() {
        assert!(!parse("GET / HTTP/1.0\r\n\r\n").unwrap().unwrap().keep_alive);
        assert!(parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").unwrap().unwrap().keep_alive);
        assert!(!parse("GET / HTTP/1.1\r\nConnection: close\r\n\r\n").unwrap().unwrap().keep_alive);
    }

    #[test]
    fn framing() {
        let h = parse("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n").unwrap().unwrap();
        assert_eq!(h.framing, BodyFraming::Length(5));
        let h = parse("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n").unwrap().unwrap();
        assert_eq!(h.framing, BodyFraming::Chunked);
        assert_eq!(
            parse("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"),
            Err(ParseError::TransferEncodingWithContentLength)
        );
        assert_eq!(
            parse("POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n"),
            Err(ParseError::DuplicateContentLength)
        );
        assert_eq!(parse("POST / HTTP/1.1\r\nContent-Length: 3x\r\n\r\n"), Err(ParseError::InvalidContentLength));
        assert!(parse("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n").unwrap().unwrap().invalid_transfer_encoding);
        assert!(parse("POST / HTTP/1.1\r\nTransfer-Encoding: chunkedchunked\r\n\r\n").unwrap().unwrap().invalid_transfer_encoding);
        assert_eq!(
            parse("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked-false\r\n\r\n"),
            Err(ParseError::InvalidTransferEncoding)
        );
        assert_eq!(parse("POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"), Err(ParseError::InvalidTransferEncoding));
    }

    #[test]
    fn upgrade_and_connect() {
        assert!(parse("GET / HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n").unwrap().unwrap().upgrade);
        assert!(!parse("GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n").unwrap().unwrap().upgrade);
        assert!(parse("CONNECT a:443 HTTP/1.1\r\n\r\n").unwrap().unwrap().upgrade);
    }

    #[test]
    fn header_overflow() {
        let limits = HeadLimits { max_header_size: 32, lenient: false };
        let long = format!("GET / HTTP/1.1\r\nX: {}\r\n", "a".repeat(40));
        assert_eq!(parse_request_head(long.as_bytes(), limits), Err(ParseError::HeaderOverflow));
    }

    #[test]
    fn lenient_takes_control_bytes_in_values() {
        let s = "GET / HTTP/1.1\r\nX: te\x08t\r\n\r\n";
        assert_eq!(parse(s), Err(ParseError::InvalidHeaderValue));
        let h = parse_request_head(s.as_bytes(), HeadLimits { lenient: true, ..HeadLimits::default() }).unwrap().unwrap();
        assert_eq!(&s[h.headers[0].1.clone()], "te\x08t");
    }

    #[test]
    fn bare_cr_or_lf_rejected() {
        assert_eq!(parse("GET / HTTP/1.1\r\nA: b\rC: d\r\n\r\n"), Err(ParseError::LfExpected));
        assert_eq!(parse("GET / HTTP/1.1\r\nA: x\nC: 1\r\n\r\n"), Err(ParseError::CrExpected));
        assert!(parse("\r\nGET / HTTP/1.1\r\n\r\n").unwrap().is_some());
    }

    #[test]
    fn method_offsets() {
        assert_eq!(method_error_offset(b"Oopsie"), 1);
        assert_eq!(method_error_offset(b"\r\nGEX"), 4);
        assert_eq!(method_error_offset(b"zzz"), 0);
    }

    #[test]
    fn many_headers() {
        let mut s = String::from("GET / HTTP/1.1\r\n");
        for i in 0..200 {
            s.push_str(&format!("h{}: v\r\n", i));
        }
        s.push_str("\r\n");
        assert_eq!(parse(&s).unwrap().unwrap().headers.len(), 200);
    }

    #[test]
    fn bad_header_and_version() {
        assert_eq!(parse("GET / HTTP/1.1\r\nBad Name: x\r\n\r\n"), Err(ParseError::InvalidHeaderToken));
        assert_eq!(parse("GET / HTTP/3.1\r\n\r\n"), Err(ParseError::InvalidVersion));
        assert_eq!(parse("GET /\x01 HTTP/1.1\r\n\r\n"), Err(ParseError::InvalidUrl));
    }
}
