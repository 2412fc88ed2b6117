//! Request heads: the request line and header block of one HTTP request,
//! read by llhttp's grammar as Node 20 configures it (request line forms,
//! HTTP/0.9, RTSP and ICE protocol names, methods, versions, target forms)
//! and framed as llhttp frames requests.

use super::chars::{ALPHA, URL, USERINFO};
use super::error::{err, Code, ParseError};
use super::Step;
use super::headers::{flag, parse_fields, track_header, Ctx, Fields};
use std::ops::Range;

/// The methods llhttp accepts in a request line. The first 35 are Node's
/// `http.METHODS` (sorted); the rest are llhttp's others (HTTP/2's `PRI`
/// and RTSP's), which Node also reports as `req.method`. The index is what
/// the core sends to JS (`lib/native.js` has the same table).
pub const METHODS: &[&str] = &[
    "ACL", "BIND", "CHECKOUT", "CONNECT", "COPY", "DELETE", "GET", "HEAD", "LINK", "LOCK",
    "M-SEARCH", "MERGE", "MKACTIVITY", "MKCALENDAR", "MKCOL", "MOVE", "NOTIFY", "OPTIONS",
    "PATCH", "POST", "PROPFIND", "PROPPATCH", "PURGE", "PUT", "QUERY", "REBIND", "REPORT", "SEARCH",
    "SOURCE", "SUBSCRIBE", "TRACE", "UNBIND", "UNLINK", "UNLOCK", "UNSUBSCRIBE",
    "PRI", "DESCRIBE", "ANNOUNCE", "SETUP", "PLAY", "PAUSE", "TEARDOWN", "GET_PARAMETER",
    "SET_PARAMETER", "REDIRECT", "RECORD", "FLUSH",
];

const CONNECT: u8 = 3;
const GET: u8 = 6;
const OPTIONS: u8 = 17;
const POST: u8 = 19;
const SOURCE: u8 = 28;
const PRI: u8 = 35;
/// Methods from here on are RTSP's only.
const FIRST_RTSP: u8 = 36;

/// How the body of a message is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFraming {
    /// No body at all.
    None,
    /// Exactly this many bytes.
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// Everything until the peer closes.
    UntilClose,
}

/// Limits applied while parsing a head.
#[derive(Debug, Clone, Copy)]
pub struct HeadLimits {
    /// Node's `maxHeaderSize`: a head fails once what Node counts of it
    /// (`track_header`: target or reason, field names and values) reaches it.
    pub max_header_size: usize,
    /// Accept what llhttp's lenient flags accept (`insecureHTTPParser`).
    pub lenient: bool,
}

impl Default for HeadLimits {
    fn default() -> Self {
        HeadLimits { max_header_size: 16 * 1024, lenient: false }
    }
}

/// A parsed request head, as byte ranges into the buffer it was parsed from
/// (or into `rebuilt`, when there is one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestHead {
    /// Index of `METHODS` entry.
    pub method: u8,
    pub path: Range<usize>,
    /// HTTP version (0.9 for a request line without one).
    pub version_major: u8,
    pub version_minor: u8,
    /// (name, value) ranges, in order received.
    pub headers: Vec<(Range<usize>, Range<usize>)>,
    /// Bytes the head occupied, including the blank line.
    pub head_len: usize,
    pub framing: BodyFraming,
    /// Whether the connection persists after this request (llhttp's
    /// `should_keep_alive`), before the response has its say.
    pub keep_alive: bool,
    /// `CONNECT`, or `Connection: upgrade` with an `Upgrade` header.
    pub upgrade: bool,
    /// Transfer-Encoding whose final coding is not chunked: llhttp reports
    /// the head first, then fails the message.
    pub invalid_transfer_encoding: bool,
    /// When lenient parsing joined folded lines: the head's bytes followed
    /// by the joined values, which `path` and `headers` index instead.
    pub rebuilt: Option<Vec<u8>>,
}

impl RequestHead {
    /// The method name.
    pub fn method_name(&self) -> &'static str {
        METHODS[self.method as usize]
    }
}

/// The index in `METHODS` of an exact method name.
fn method_index(m: &[u8]) -> Option<u8> {
    // The common ones first; the table for the rest.
    match m {
        b"GET" => Some(GET),
        b"POST" => Some(POST),
        _ => METHODS.iter().position(|k| k.as_bytes() == m).map(|p| p as u8),
    }
}

/// Reads the method as llhttp's trie does: the longest method the input
/// follows; a method that is a prefix of a longer one is taken only when
/// the next byte leaves the longer ones. Ok((index, end)).
fn method(buf: &[u8], start: usize) -> Result<Option<(u8, usize)>, ParseError> {
    let rest = &buf[start..];
    // Fast path: a known method followed by a space.
    if let Some(sp) = rest.iter().take(14).position(|&b| b == b' ') {
        if let Some(m) = method_index(&rest[..sp]) {
            return Ok(Some((m, start + sp)));
        }
    }
    let common = |m: &str| m.bytes().zip(rest).take_while(|(a, b)| a == *b).count();
    let depth = METHODS.iter().map(|m| common(m)).max().unwrap_or(0);
    let prefix = &rest[..depth];
    let longer = METHODS.iter().any(|m| m.len() > depth && m.as_bytes().starts_with(prefix));
    if depth == rest.len() && longer {
        return Ok(None);
    }
    match method_index(prefix) {
        Some(m) if depth > 0 => Ok(Some((m, start + depth))),
        _ => Err(err(Code::InvalidMethod, "Invalid method encountered", start + depth)),
    }
}

/// How many bytes llhttp accepts before rejecting a method (for
/// `bytesParsed`): leading blank lines plus the longest prefix of a method.
pub fn method_error_offset(buf: &[u8]) -> usize {
    let start = buf.iter().position(|&b| b != b'\r' && b != b'\n').unwrap_or(buf.len());
    match method(buf, start) {
        Err(e) => e.at,
        Ok(Some((_, end))) => end,
        Ok(None) => buf.len(),
    }
}

/// Where the request target ends, and what follows it.
enum TargetEnd {
    /// A space: the protocol and version follow.
    Version(usize),
    /// The line ended: HTTP/0.9, fields start at the offset given.
    Http09(usize),
}

/// Tab and form feed in a path, query or fragment: llhttp 9.3 refuses them
/// as "Invalid characters in url", one byte on (where other bytes outside
/// URL_CHAR get the part's own reason, at the byte).
macro_rules! TAB_OR_FF {
    () => {
        b'\t' | 0x0c
    };
}

/// The request target from its first byte, as llhttp's URL machine reads
/// it: origin-form, absolute-form, authority-form (CONNECT) or `*`.
fn target(buf: &[u8], mut i: usize, connect: bool) -> Step<(usize, TargetEnd)> {
    #[derive(PartialEq)]
    enum S {
        Path,
        Query,
        Fragment,
        Server { at: bool },
    }
    let invalid = |reason, at| Err(err(Code::InvalidUrl, reason, at));
    let mut s = if connect {
        S::Server { at: false }
    } else {
        let b = need!(buf, i);
        if b == b'/' || b == b'*' {
            S::Path
        } else if ALPHA[b as usize] {
            while ALPHA[need!(buf, i) as usize] {
                i += 1;
            }
            match buf[i] {
                b':' => {}
                b' ' | b'\r' | b'\n' => return invalid("Invalid characters in url", i + 1),
                _ => return invalid("Unexpected char in url schema", i),
            }
            i += 1;
            for k in 0..2 {
                match need!(buf, i + k) {
                    b'/' => {}
                    b' ' | b'\r' | b'\n' if k == 0 => return invalid("Invalid characters in url", i + 1),
                    _ => return invalid("Unexpected char in url schema", i + k),
                }
            }
            i += 2;
            S::Server { at: false }
        } else if b == b' ' || b == b'\r' || b == b'\n' {
            return invalid("Invalid characters in url", i + 1);
        } else {
            return invalid("Unexpected start char in url", i);
        }
    };
    loop {
        let b = need!(buf, i);
        match s {
            S::Path => {
                if URL[b as usize] {
                    i += 1;
                    while i < buf.len() && URL[buf[i] as usize] {
                        i += 1;
                    }
                    continue;
                }
                match b {
                    b'?' => s = S::Query,
                    b'#' => s = S::Fragment,
                    b' ' | b'\r' | b'\n' => break,
                    TAB_OR_FF!() => return invalid("Invalid characters in url", i + 1),
                    _ => return invalid("Invalid char in url path", i),
                }
            }
            S::Query => match b {
                b'#' => s = S::Fragment,
                b'?' => {}
                b' ' | b'\r' | b'\n' => break,
                _ if URL[b as usize] => {}
                TAB_OR_FF!() => return invalid("Invalid characters in url", i + 1),
                _ => return invalid("Invalid char in url query", i),
            },
            S::Fragment => match b {
                b'?' | b'#' => {}
                b' ' | b'\r' | b'\n' => break,
                _ if URL[b as usize] => {}
                TAB_OR_FF!() => return invalid("Invalid characters in url", i + 1),
                _ => return invalid("Invalid char in url fragment start", i),
            },
            S::Server { at } => match b {
                b'/' => {
                    s = S::Path;
                    continue;
                }
                b'?' => s = S::Query,
                b'@' if at => return invalid("Double @ in url", i),
                b'@' => s = S::Server { at: true },
                b'[' | b']' => {}
                b' ' | b'\r' | b'\n' => break,
                _ if USERINFO[b as usize] => {}
                _ => return invalid("Unexpected char in url server", i),
            },
        }
        i += 1;
    }
    let end = i;
    Ok(Some(match buf[i] {
        b' ' => (end, TargetEnd::Version(i + 1)),
        b'\r' => match need!(buf, i + 1) {
            b'\n' => (end, TargetEnd::Http09(i + 2)),
            _ => return invalid("Expected CRLF", i),
        },
        _ => (end, TargetEnd::Http09(i + 1)),
    }))
}

/// `HTTP/`, `RTSP/` or `ICE/` and the version digits after the target.
/// Returns (major, minor, offset after the minor digit).
fn protocol_version(buf: &[u8], mut i: usize, method: u8, lenient: bool) -> Step<(u8, u8, usize)> {
    while need!(buf, i) == b' ' {
        i += 1;
    }
    let expected = |at| Err(err(Code::InvalidConstant, "Expected HTTP/, RTSP/ or ICE/", at));
    let (name, allowed, reason): (&[u8], bool, &str) = match buf[i] {
        b'H' => (b"HTTP", method < FIRST_RTSP, "Invalid method for HTTP/x.x request"),
        b'R' => (
            b"RTSP",
            method >= FIRST_RTSP || matches!(method, OPTIONS | GET | POST),
            "Invalid method for RTSP/x.x request",
        ),
        b'I' => (b"ICE", method == SOURCE, "Expected SOURCE method for ICE/x.x request"),
        _ => return expected(i),
    };
    for (k, &c) in name.iter().enumerate() {
        if need!(buf, i + k) != c {
            return expected(i + k);
        }
    }
    i += name.len();
    if !allowed {
        return Err(err(Code::InvalidConstant, reason, i));
    }
    if need!(buf, i) != b'/' {
        return expected(i);
    }
    version(buf, i + 1, lenient)
}

/// `major.minor` as llhttp checks it: one digit each; unless lenient, only
/// 0.9, 1.0, 1.1 and 2.0.
pub(crate) fn version(buf: &[u8], i: usize, lenient: bool) -> Step<(u8, u8, usize)> {
    let major = need!(buf, i);
    if !major.is_ascii_digit() {
        return Err(err(Code::InvalidVersion, "Invalid major version", i));
    }
    if need!(buf, i + 1) != b'.' {
        return Err(err(Code::InvalidVersion, "Expected dot", i + 1));
    }
    let minor = need!(buf, i + 2);
    if !minor.is_ascii_digit() {
        return Err(err(Code::InvalidVersion, "Invalid minor version", i + 2));
    }
    let (major, minor) = (major - b'0', minor - b'0');
    if !lenient && !matches!((major, minor), (0, 9) | (1, 0) | (1, 1) | (2, 0)) {
        return Err(err(Code::InvalidVersion, "Invalid HTTP version", i + 3));
    }
    Ok(Some((major, minor, i + 3)))
}

/// Parses one request head from the start of `buf`.
///
/// `Ok(None)` means more bytes are needed. Errors follow llhttp's choices
/// and say where llhttp stops (`ParseError::at`).
pub fn parse_request_head(buf: &[u8], limits: HeadLimits) -> Result<Option<RequestHead>, ParseError> {
    let mut fields = Fields { list: Vec::with_capacity(16), limit: limits.max_header_size, ..Fields::default() };
    let r = parse(buf, limits.lenient, &mut fields);
    track_header(r, &fields, buf.len(), limits.max_header_size)
}

fn parse(buf: &[u8], lenient: bool, fields: &mut Fields) -> Result<Option<RequestHead>, ParseError> {
    let start = buf.iter().position(|&b| b != b'\r' && b != b'\n').unwrap_or(buf.len());
    if start == buf.len() {
        return Ok(None);
    }
    let (method, mut i) = match method(buf, start)? {
        Some(m) => m,
        None => return Ok(None),
    };
    if need!(buf, i) != b' ' {
        return Err(err(Code::InvalidMethod, "Expected space after method", i));
    }
    while need!(buf, i) == b' ' {
        i += 1;
    }
    let path_start = i;
    fields.open(path_start);
    let (path_end, after) = match target(buf, i, method == CONNECT)? {
        Some(t) => t,
        None => return Ok(None),
    };
    // At the byte after the target when its callback fails.
    fields.close(path_start, path_end, path_end);
    let (major, minor, fields_at) = match after {
        TargetEnd::Http09(at) => (0, 9, at),
        TargetEnd::Version(at) => {
            let (major, minor, mut i) = match protocol_version(buf, at, method, lenient)? {
                Some(v) => v,
                None => return Ok(None),
            };
            if method == PRI {
                const PREFACE: &[u8] = b"\r\n\r\nSM\r\n\r\n";
                for (k, &c) in PREFACE.iter().enumerate() {
                    if need!(buf, i + k) != c {
                        return Err(err(Code::InvalidVersion, "Expected HTTP/2 Connection Preface", i + k));
                    }
                }
                return Err(err(Code::PausedH2Upgrade, "Pause on PRI/Upgrade", i + PREFACE.len()));
            }
            match need!(buf, i) {
                b'\r' => i += 1,
                b'\n' if lenient => i += 1,
                _ => return Err(err(Code::InvalidVersion, "Expected CRLF after version", i)),
            }
            match need!(buf, i) {
                b'\n' => i += 1,
                _ if lenient => {}
                _ => return Err(err(Code::Strict, "Expected CRLF after version", i)),
            }
            (major, minor, i)
        }
    };
    let ctx = Ctx { lenient, request: true };
    let head_len = match parse_fields(buf, fields_at, ctx, true, fields)? {
        Some(end) => end,
        None => return Ok(None),
    };
    let f = fields.flags;
    let upgrade = if f & flag::UPGRADE != 0 && f & flag::CONN_UPGRADE != 0 { true } else { method == CONNECT };
    let mut invalid_transfer_encoding = false;
    // llhttp_after_headers_complete: an upgrade (or CONNECT) without a body
    // ends the message at its head, before Transfer-Encoding is judged; the
    // rest of the stream is another protocol's (or, when Node declines the
    // upgrade, the next request's).
    let has_body = f & flag::CHUNKED != 0 || fields.content_length > 0;
    let framing = if upgrade && (method == CONNECT || !has_body) {
        BodyFraming::None
    } else if f & flag::CHUNKED != 0 {
        BodyFraming::Chunked
    } else if f & flag::TRANSFER_ENCODING != 0 {
        if lenient {
            BodyFraming::UntilClose
        } else {
            invalid_transfer_encoding = true;
            BodyFraming::Chunked
        }
    } else if fields.content_length > 0 {
        BodyFraming::Length(fields.content_length)
    } else {
        BodyFraming::None
    };
    let keep_alive = if major > 0 && minor > 0 { f & flag::CONN_CLOSE == 0 } else { f & flag::CONN_KEEP_ALIVE != 0 };
    let rebuilt = fields.rebuild(buf, head_len);
    Ok(Some(RequestHead {
        method,
        path: path_start..path_end,
        version_major: major,
        version_minor: minor,
        headers: std::mem::take(&mut fields.list),
        head_len,
        framing,
        keep_alive,
        upgrade,
        invalid_transfer_encoding,
        rebuilt,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Option<RequestHead>, ParseError> {
        parse_request_head(s.as_bytes(), HeadLimits::default())
    }

    fn lenient(s: &str) -> Result<Option<RequestHead>, ParseError> {
        parse_request_head(s.as_bytes(), HeadLimits { lenient: true, ..HeadLimits::default() })
    }

    fn code(s: &str) -> &'static str {
        parse(s).unwrap_err().code()
    }

    #[test]
    fn simple_get() {
        let s = "GET /a?b=1 HTTP/1.1\r\nHost: x\r\nX-A: 1 \t\r\n\r\nrest";
        let h = parse(s).unwrap().unwrap();
        assert_eq!(h.method_name(), "GET");
        assert_eq!(&s[h.path.clone()], "/a?b=1");
        assert_eq!((h.version_major, h.version_minor), (1, 1));
        assert_eq!(h.headers.len(), 2);
        assert_eq!(&s[h.headers[1].0.clone()], "X-A");
        assert_eq!(&s[h.headers[1].1.clone()], "1");
        assert_eq!(h.head_len, s.len() - 4);
        assert_eq!(h.framing, BodyFraming::None);
        assert!(h.keep_alive && !h.upgrade);
    }

    #[test]
    fn partial_needs_more() {
        assert_eq!(parse("GET / HTTP/1.1\r\nHost: x\r\n"), Ok(None));
        assert_eq!(parse("GE"), Ok(None));
        assert_eq!(parse("GET / HTTP/1.1\r\nConnection: clo"), Ok(None));
    }

    #[test]
    fn methods_as_llhttp_s_trie() {
        assert_eq!(code("FOO / HTTP/1.1\r\n\r\n"), "HPE_INVALID_METHOD");
        assert_eq!(code("XYZ"), "HPE_INVALID_METHOD");
        assert_eq!(parse("GETX / HTTP/1.1\r\n\r\n").unwrap_err().reason(), "Expected space after method");
        assert_eq!(parse("GET_X / HTTP/1.1\r\n\r\n").unwrap_err().at, 4);
        assert_eq!(method_error_offset(b"Oopsie"), 1);
        assert_eq!(method_error_offset(b"\r\nGEX"), 4);
        assert_eq!(method_error_offset(b"zzz"), 0);
        // RTSP methods go with RTSP/, SOURCE with ICE/, not with HTTP/.
        assert_eq!(parse("DESCRIBE / RTSP/1.0\r\n\r\n").unwrap().unwrap().method_name(), "DESCRIBE");
        assert_eq!(code("DESCRIBE / HTTP/1.1\r\n\r\n"), "HPE_INVALID_CONSTANT");
        assert_eq!(parse("SOURCE / ICE/1.0\r\n\r\n").unwrap().unwrap().method_name(), "SOURCE");
        assert_eq!(code("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), "HPE_PAUSED_H2_UPGRADE");
    }

    #[test]
    fn versions_and_http09() {
        let h = parse("GET /path\r\n\r\n").unwrap().unwrap();
        assert_eq!((h.version_major, h.version_minor, h.keep_alive), (0, 9, false));
        let h = parse("GET /path\r\nHost: a\r\n\r\n").unwrap().unwrap();
        assert_eq!(h.headers.len(), 1);
        assert_eq!(code("GET /path\n\n"), "HPE_INVALID_HEADER_TOKEN");
        let h = parse("GET / HTTP/2.0\r\n\r\n").unwrap().unwrap();
        assert_eq!((h.version_major, h.keep_alive), (2, false));
        assert_eq!(code("GET / HTTP/3.1\r\n\r\n"), "HPE_INVALID_VERSION");
        assert!(lenient("GET / HTTP/3.1\r\n\r\n").unwrap().is_some());
        assert_eq!(code("GET / HTTP/1.1\nHost: a\r\n\r\n"), "HPE_INVALID_VERSION");
        assert_eq!(code("GET / HTTP/1.1\r\r\n"), "HPE_STRICT");
        assert!(lenient("GET / HTTP/1.1\r\r\n").unwrap().is_some());
    }

    #[test]
    fn request_targets() {
        assert_eq!(code("GET 00/old HTTP/1.0\r\n\r\n"), "HPE_INVALID_URL");
        assert_eq!(code("PUT e HTTP/1.1\r\n\r\n"), "HPE_INVALID_URL");
        assert_eq!(code("GET /\x01 HTTP/1.1\r\n\r\n"), "HPE_INVALID_URL");
        assert_eq!(code("CONNECT \" HTTP/1.1\r\n\r\n"), "HPE_INVALID_URL");
        for ok in ["GET * HTTP/1.1", "GET http://u@h:1/p?q#f HTTP/1.1", "CONNECT h:443 HTTP/1.1", "GET /a?b?c#d#e HTTP/1.1"] {
            assert!(parse(&format!("{ok}\r\n\r\n")).unwrap().is_some(), "{ok}");
        }
        assert_eq!(code("GET http://a@b@c/ HTTP/1.1\r\n\r\n"), "HPE_INVALID_URL");
    }

    #[test]
    fn url_bytes_as_node_20_20() {
        // Tab and form feed: their own reason, one byte on; in every part
        // after the authority, and in an HTTP/0.9 line too.
        for (s, at) in [("GET /\t HTTP/1.1", 6), ("GET /a?\x0c HTTP/1.1", 8), ("GET /#\t HTTP/1.1", 7), ("GET /\t", 6)] {
            let e = parse(&format!("{s}\r\n\r\n")).unwrap_err();
            assert_eq!((e.code(), e.reason(), e.at), ("HPE_INVALID_URL", "Invalid characters in url", at), "{s:?}");
        }
        // Bytes with the high bit set: the part's reason, at the byte.
        let e = parse("GET /a\u{80}b HTTP/1.1\r\n\r\n").unwrap_err();
        assert_eq!((e.reason(), e.at), ("Invalid char in url path", 6));
        let e = lenient("GET /a?\u{ff} HTTP/1.1\r\n\r\n").unwrap_err();
        assert_eq!((e.reason(), e.at), ("Invalid char in url query", 7));
    }

    #[test]
    fn framing_and_keep_alive() {
        assert!(!parse("GET / HTTP/1.0\r\n\r\n").unwrap().unwrap().keep_alive);
        assert!(parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").unwrap().unwrap().keep_alive);
        assert!(!parse("GET / HTTP/1.1\r\nConnection: x, close\r\n\r\n").unwrap().unwrap().keep_alive);
        assert!(parse("GET / HTTP/1.1\r\nConnection: closed\r\n\r\n").unwrap().unwrap().keep_alive);
        // A tab after a token makes it another token (llhttp takes only spaces).
        assert!(parse("GET / HTTP/1.1\r\nConnection: close\t\r\n\r\n").unwrap().unwrap().keep_alive);
        assert!(parse("GET / HTTP/1.1\r\nConnection: close \t\r\n\r\n").unwrap().unwrap().keep_alive);
        assert!(!parse("GET / HTTP/1.1\r\nConnection:\tclose  \r\n\r\n").unwrap().unwrap().keep_alive);
        assert!(!parse("GET / HTTP/1.0\r\nConnection: keep-alive\t\r\n\r\n").unwrap().unwrap().keep_alive);
        let h = parse("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n").unwrap().unwrap();
        assert_eq!(h.framing, BodyFraming::Length(5));
        let h = parse("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n").unwrap().unwrap();
        assert_eq!(h.framing, BodyFraming::Chunked);
        assert_eq!(code("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"), "HPE_INVALID_CONTENT_LENGTH");
        assert_eq!(code("POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"), "HPE_INVALID_TRANSFER_ENCODING");
        assert_eq!(code("POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n"), "HPE_UNEXPECTED_CONTENT_LENGTH");
        assert_eq!(code("POST / HTTP/1.1\r\nContent-Length: 3x\r\n\r\n"), "HPE_INVALID_CONTENT_LENGTH");
        assert_eq!(code("POST / HTTP/1.1\r\nContent-Length: 3\t\r\n\r\n"), "HPE_INVALID_CONTENT_LENGTH");
        assert!(parse("POST / HTTP/1.1\r\nContent-Length:\t3 \r\n\r\n").unwrap().is_some());
        assert_eq!(code("POST / HTTP/1.1\r\nContent-Length:\r\n\r\n"), "HPE_INVALID_CONTENT_LENGTH");
        assert_eq!(code("POST / HTTP/1.1\r\nContent-Length: 18446744073709551616\r\n\r\n"), "HPE_INVALID_CONTENT_LENGTH");
        assert!(parse("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n").unwrap().unwrap().invalid_transfer_encoding);
        assert!(parse("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\t\r\n\r\n").unwrap().unwrap().invalid_transfer_encoding);
        assert_eq!(code("POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"), "HPE_INVALID_TRANSFER_ENCODING");
        assert_eq!(code("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n\r\n"), "HPE_INVALID_TRANSFER_ENCODING");
        // An empty Transfer-Encoding sets nothing: no framing, no clash with
        // a later Content-Length, no effect on an earlier chunked.
        let h = parse("POST / HTTP/1.1\r\nTransfer-Encoding:\r\nContent-Length: 3\r\n\r\n").unwrap().unwrap();
        assert_eq!((h.framing, h.headers.len()), (BodyFraming::Length(3), 2));
        let h = parse("POST / HTTP/1.1\r\nTransfer-Encoding:  \r\n\r\n").unwrap().unwrap();
        assert_eq!((h.framing, h.invalid_transfer_encoding), (BodyFraming::None, false));
        let h = parse("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding:\r\n\r\n").unwrap().unwrap();
        assert_eq!(h.framing, BodyFraming::Chunked);
        // But a Content-Length before it still refuses its name.
        assert_eq!(code("POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding:\r\n\r\n"), "HPE_INVALID_TRANSFER_ENCODING");
        // Lenient: a request whose codings do not end in chunked runs until close.
        assert_eq!(lenient("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n").unwrap().unwrap().framing, BodyFraming::UntilClose);
    }

    #[test]
    fn upgrade_and_connect() {
        assert!(parse("GET / HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n").unwrap().unwrap().upgrade);
        assert!(!parse("GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n").unwrap().unwrap().upgrade);
        assert!(parse("CONNECT a:443 HTTP/1.1\r\n\r\n").unwrap().unwrap().upgrade);
    }

    #[test]
    fn upgrade_framing() {
        const UP: &str = "Upgrade: x\r\nConnection: upgrade\r\n";
        // Without a body the message ends at its head, whatever its
        // Transfer-Encoding says (llhttp judges that only for a body).
        let h = parse(&format!("GET / HTTP/1.1\r\n{UP}Transfer-Encoding: gzip\r\n\r\n")).unwrap().unwrap();
        assert_eq!((h.framing, h.invalid_transfer_encoding), (BodyFraming::None, false));
        let h = lenient(&format!("GET / HTTP/1.1\r\n{UP}Transfer-Encoding: gzip\r\n\r\n")).unwrap().unwrap();
        assert_eq!(h.framing, BodyFraming::None);
        // With one, the body is read (when Node declines the upgrade).
        let h = parse(&format!("POST / HTTP/1.1\r\n{UP}Content-Length: 3\r\n\r\n")).unwrap().unwrap();
        assert_eq!(h.framing, BodyFraming::Length(3));
        let h = parse(&format!("POST / HTTP/1.1\r\n{UP}Transfer-Encoding: chunked\r\n\r\n")).unwrap().unwrap();
        assert_eq!(h.framing, BodyFraming::Chunked);
        // CONNECT never has one.
        let h = parse("CONNECT a:443 HTTP/1.1\r\nContent-Length: 3\r\n\r\n").unwrap().unwrap();
        assert_eq!(h.framing, BodyFraming::None);
    }

    #[test]
    fn header_lines() {
        assert_eq!(code("GET / HTTP/1.1\r\nBad Name: x\r\n\r\n"), "HPE_INVALID_HEADER_TOKEN");
        assert_eq!(code("GET / HTTP/1.1\r\nA: b\rC: d\r\n\r\n"), "HPE_LF_EXPECTED");
        assert_eq!(code("GET / HTTP/1.1\r\nA: x\nC: 1\r\n\r\n"), "HPE_CR_EXPECTED");
        assert_eq!(code("GET / HTTP/1.1\r\nX: v\x7fv\r\n\r\n"), "HPE_INVALID_HEADER_TOKEN");
        assert_eq!(code("GET / HTTP/1.1\r\n Host: a\r\n\r\n"), "HPE_UNEXPECTED_SPACE");
        assert_eq!(code("GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n"), "HPE_INVALID_HEADER_TOKEN");
        assert_eq!(code("GET / HTTP/1.1\r\nTransfer-Encoding : chunked\r\n\r\n"), "HPE_INVALID_HEADER_TOKEN");
        assert!(parse("\r\nGET / HTTP/1.1\r\n\r\n").unwrap().is_some());
    }

    #[test]
    fn lenient_header_lines() {
        // Control bytes and DEL in values, obs-fold, spaces before a special colon.
        let s = "GET / HTTP/1.1\r\nX: te\x08t\x7f\r\n\r\n";
        let h = lenient(s).unwrap().unwrap();
        assert_eq!(&s[h.headers[0].1.clone()], "te\x08t\x7f");
        let s = "GET / HTTP/1.1\r\nX: one\r\n  two \r\n\r\n";
        let h = lenient(s).unwrap().unwrap();
        assert_eq!(&h.rebuilt.as_ref().unwrap()[h.headers[0].1.clone()], b"one  two");
        let s = "POST / HTTP/1.1\r\nTransfer-Encoding : chunked\r\n\r\n";
        let h = lenient(s).unwrap().unwrap();
        assert_eq!((&s[h.headers[0].0.clone()], h.framing), ("Transfer-Encoding ", BodyFraming::Chunked));
        let h = lenient("POST / HTTP/1.1\r\nTransfer-Encoding:\r\n chunked\r\n\r\n").unwrap().unwrap();
        assert_eq!(h.framing, BodyFraming::Chunked);
        // A vertical tab is no blank: the coding is "\x0bchunked".
        let h = lenient("POST / HTTP/1.1\r\nTransfer-Encoding: \x0bchunked\r\n\r\n").unwrap().unwrap();
        assert_eq!(h.framing, BodyFraming::UntilClose);
        let h = lenient("GET / HTTP/1.1\nHost: a\n\n").unwrap().unwrap();
        assert_eq!(h.headers.len(), 1);
    }

    #[test]
    fn header_overflow() {
        let limits = HeadLimits { max_header_size: 32, lenient: false };
        let long = format!("GET / HTTP/1.1\r\nX: {}\r\n", "a".repeat(40));
        assert_eq!(parse_request_head(long.as_bytes(), limits).unwrap_err().code(), "HPE_HEADER_OVERFLOW");
    }

    #[test]
    fn header_size_counts_what_llhttp_hands_node() {
        use super::super::headers::UNCOUNTED_SLACK;
        let limits = HeadLimits { max_header_size: 32, lenient: false };
        let code = |s: &str| parse_request_head(s.as_bytes(), limits).unwrap_err().code();
        // Target 1 + name 1 + value 29 = 31 bytes counted: under 32, however
        // many blanks and line ends there are around them.
        let ok = format!("GET    / HTTP/1.1\r\nX:      {}\r\n\r\n", "v".repeat(29));
        assert!(parse_request_head(ok.as_bytes(), limits).unwrap().is_some());
        // 32 counted: Node's check is `>=`.
        assert_eq!(code(&format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "v".repeat(30))), "HPE_HEADER_OVERFLOW");
        // Trailing blanks of a value are part of its span.
        assert_eq!(code(&format!("GET / HTTP/1.1\r\nX: {}  \r\n\r\n", "v".repeat(28))), "HPE_HEADER_OVERFLOW");
        // An error inside a span stops llhttp before the span is counted...
        assert_eq!(code(&format!("GET / HTTP/1.1\r\n{}\r\n\r\n", "X".repeat(40))), "HPE_INVALID_HEADER_TOKEN");
        // ...but a span the input ends in is handed over as far as it goes.
        assert_eq!(code(&format!("GET / HTTP/1.1\r\n{}", "X".repeat(40))), "HPE_HEADER_OVERFLOW");
        assert_eq!(code(&format!("GET /{}", "a".repeat(40))), "HPE_HEADER_OVERFLOW");
        // An error after spans that reached the limit: the overflow came first.
        assert_eq!(code(&format!("GET / HTTP/1.1\r\nX: {}\r\nBad Name: y\r\n\r\n", "v".repeat(30))), "HPE_HEADER_OVERFLOW");
        // Blanks llhttp skips are not counted, up to rshttp's own bound.
        let blanks = format!("GET {}/ HTTP/1.1\r\n", " ".repeat(1000));
        assert_eq!(parse_request_head(blanks.as_bytes(), limits), Ok(None));
        let more = format!("GET {}", " ".repeat(32 + UNCOUNTED_SLACK + 1));
        assert_eq!(code(&more), "HPE_HEADER_OVERFLOW");
    }

    #[test]
    fn header_overflow_counts_what_node_counts() {
        // Node 20 with maxHeaderSize 100: target, names and values (with
        // trailing blanks) add up; the head fails when they reach 100.
        let limits = HeadLimits { max_header_size: 100, lenient: false };
        let fill = |n: usize, trail: &str| {
            format!("GET / HTTP/1.1\r\nHost: a\r\nX-Fill:    {}{trail}\r\n\r\n", "f".repeat(n))
        };
        // 1 + 4 + 1 + 6 + 87 = 99.
        assert!(parse_request_head(fill(87, "").as_bytes(), limits).unwrap().is_some());
        assert_eq!(parse_request_head(fill(88, "").as_bytes(), limits).unwrap_err().code(), "HPE_HEADER_OVERFLOW");
        // Leading blanks are free, trailing ones count.
        assert!(parse_request_head(fill(83, "    ").as_bytes(), limits).unwrap().is_some());
        assert!(parse_request_head(fill(84, "    ").as_bytes(), limits).is_err());
        // A head cut short counts as far as it goes.
        let partial = |n: usize| format!("GET /{}", "u".repeat(n));
        assert!(parse_request_head(partial(98).as_bytes(), limits).unwrap().is_none());
        assert!(parse_request_head(partial(99).as_bytes(), limits).is_err());
        // Blank lines before the message, the method, the version, the line
        // ends and a value's leading blanks are free: 4 + 3 + 2 = 9 here,
        // the open "X: y" after the head not included.
        let at = |max: usize| HeadLimits { max_header_size: max, lenient: false };
        let head = b"\r\nGET /abc HTTP/1.1\r\nA: b \r\nCc:\r\n\r\nX: y";
        assert!(parse_request_head(head, at(10)).unwrap().is_some());
        assert_eq!(parse_request_head(head, at(9)).unwrap_err().code(), "HPE_HEADER_OVERFLOW");
        // A target cut by an error is not counted: the error is reported.
        assert_eq!(parse_request_head(b"GET /abc\x7f", at(4)).unwrap_err().code(), "HPE_INVALID_URL");
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
    fn no_panic_on_any_prefix() {
        // Every prefix and every single-byte change of a few heads parses
        // without panicking, strict and lenient.
        let heads: [&[u8]; 3] = [
            b"POST /a?b#c HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\nConnection: close, upgrade\r\nX:\r\n y\r\n\r\n",
            b"CONNECT u@h:1 RTSP/1.0\r\nContent-Length: 5 \r\nUpgrade: x\r\n\r\n",
            b"GET http://h/ HTTP/1.1\r\n\r\n",
        ];
        for head in heads {
            for cut in 0..=head.len() {
                for lenient in [false, true] {
                    let limits = HeadLimits { lenient, ..HeadLimits::default() };
                    let _ = parse_request_head(&head[..cut], limits);
                    for b in [0u8, b'\r', b'\n', b' ', b'\t', b',', b':', 0x7f, 0xff] {
                        let mut m = head[..cut].to_vec();
                        if let Some(x) = m.last_mut() {
                            *x = b;
                        }
                        let _ = parse_request_head(&m, limits);
                        let _ = super::super::parse_response_head(&m, limits, Default::default());
                    }
                }
            }
        }
    }
}
