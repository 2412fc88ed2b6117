//! Response heads: the status line and header block of one HTTP/1.x
//! response, parsed by httparse and framed the way llhttp frames responses
//! for Node's client (HEAD and CONNECT answers, 1xx, 204/304, bodies that
//! run until the connection closes).

use super::request_head::{check_line_endings, content_length_value, has_token, map_httparse_error, range_of};
use super::{BodyFraming, HeadLimits, ParseError};
use std::ops::Range;

/// What the request that a response answers implies for its framing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResponseExpect {
    /// The request was HEAD: the response has no body whatever it says.
    pub head: bool,
    /// The request was CONNECT: any final response switches protocols.
    pub connect: bool,
}

/// A parsed response head, as byte ranges into the buffer it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseHead {
    pub status: u16,
    pub reason: Range<usize>,
    pub version_major: u8,
    pub version_minor: u8,
    /// (name, value) ranges, in order received.
    pub headers: Vec<(Range<usize>, Range<usize>)>,
    /// Bytes the head occupied, including the blank line.
    pub head_len: usize,
    pub framing: BodyFraming,
    /// Whether the connection can carry another request afterwards.
    pub keep_alive: bool,
    /// The connection switches protocols after this head: a 101 with an
    /// `Upgrade` header and an `upgrade` token in `Connection` (llhttp's
    /// rule; any other 101 is an ordinary response without a body), or any
    /// final answer to CONNECT.
    pub upgrade: bool,
    /// When lenient parsing unfolded header lines: the head as parsed, which
    /// `reason` and `headers` index instead of the input.
    pub rebuilt: Option<Vec<u8>>,
}

impl ResponseHead {
    /// A 1xx response other than 101: a final response follows it.
    pub fn is_informational(&self) -> bool {
        (100..200).contains(&self.status) && self.status != 101
    }
}

/// Parses one response head from the start of `buf`. `Ok(None)` means more
/// bytes are needed; errors carry llhttp's codes. HTTP versions other than
/// 1.x are accepted as llhttp accepts them; in lenient mode folded header
/// lines are unfolded and control bytes in values taken.
pub fn parse_response_head(
    buf: &[u8],
    limits: HeadLimits,
    expect: ResponseExpect,
) -> Result<Option<ResponseHead>, ParseError> {
    // httparse knows HTTP/1.x only: parse a copy that says 1.1.
    let version = match buf.get(5..8) {
        Some([maj, b'.', min]) if maj.is_ascii_digit() && min.is_ascii_digit() => Some((maj - b'0', min - b'0')),
        _ => None,
    };
    let odd_version = matches!(version, Some((maj, _)) if maj != 1);
    if limits.lenient || odd_version {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4) {
            let head = &buf[..end];
            let folded = limits.lenient && head.windows(3).any(|w| w[0] == b'\r' && w[1] == b'\n' && (w[2] == b' ' || w[2] == b'\t'));
            let control = limits.lenient && head.iter().any(|&b| b < 0x20 && b != b'\r' && b != b'\n' && b != b'\t');
            if folded || control || odd_version {
                // `norm` is parsed; `out` (same offsets, control bytes kept) is delivered.
                let mut norm = Vec::with_capacity(end);
                let mut out = Vec::with_capacity(end);
                let mut i = 0;
                while i < end {
                    let b = head[i];
                    if folded && b == b'\r' && head.get(i + 1) == Some(&b'\n') && matches!(head.get(i + 2), Some(b' ') | Some(b'\t')) {
                        i += 2;
                        continue;
                    }
                    norm.push(if control && b < 0x20 && b != b'\r' && b != b'\n' && b != b'\t' { b' ' } else { b });
                    out.push(b);
                    i += 1;
                }
                if odd_version {
                    norm[5..8].copy_from_slice(b"1.1");
                }
                let mut h = parse_plain(&norm, limits, expect)?.ok_or(ParseError::InvalidConstant)?;
                if let Some((maj, min)) = version {
                    h.version_major = maj;
                    h.version_minor = min;
                    if maj != 1 {
                        h.keep_alive = false;
                    }
                }
                h.head_len = end;
                h.rebuilt = Some(out);
                return Ok(Some(h));
            }
        }
    }
    parse_plain(buf, limits, expect)
}

fn parse_plain(buf: &[u8], limits: HeadLimits, expect: ResponseExpect) -> Result<Option<ResponseHead>, ParseError> {
    let prefix = &buf[..buf.len().min(5)];
    if !b"HTTP/".starts_with(prefix) {
        return Err(ParseError::ExpectedHttp);
    }
    let mut small = [httparse::EMPTY_HEADER; 64];
    let mut big;
    let mut headers: &mut [httparse::Header] = &mut small;
    let mut res = httparse::Response::new(headers);
    let mut status = res.parse(buf);
    if let Err(httparse::Error::TooManyHeaders) = status {
        big = vec![httparse::EMPTY_HEADER; buf.len() / 3 + 1];
        headers = &mut big;
        res = httparse::Response::new(headers);
        status = res.parse(buf);
    }
    let head_len = match status {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => {
            if buf.len() > limits.max_header_size {
                return Err(ParseError::HeaderOverflow);
            }
            return Ok(None);
        }
        Err(httparse::Error::Status) => return Err(ParseError::InvalidStatus),
        Err(e) => {
            if !limits.lenient {
                let end = buf.windows(4).position(|w| w == b"\r\n\r\n").map_or(buf.len(), |p| p + 4);
                let scan = if buf[..end].last() == Some(&b'\r') { &buf[..end - 1] } else { &buf[..end] };
                check_line_endings(scan)?;
            }
            return Err(map_httparse_error(e));
        }
    };
    if head_len > limits.max_header_size {
        return Err(ParseError::HeaderOverflow);
    }
    if !limits.lenient {
        check_line_endings(&buf[..head_len])?;
    }
    let status = res.code.unwrap_or(0);
    let version_minor = res.version.unwrap_or(1);
    let reason = match res.reason {
        // httparse answers a missing reason with a static "", not a slice of `buf`.
        Some(r) if !r.is_empty() => range_of(buf, r.as_bytes()),
        _ => 0..0,
    };

    let mut content_length: Option<u64> = None;
    let mut te_seen = false;
    let mut te_chunked_last = false;
    let mut conn_close = false;
    let mut conn_keep_alive = false;
    let mut conn_upgrade = false;
    let mut upgrade_header = false;
    let mut ranges = Vec::with_capacity(res.headers.len());
    for h in res.headers.iter() {
        let name = h.name.as_bytes();
        let value = h.value;
        ranges.push((range_of(buf, name), range_of(buf, value)));
        if name.eq_ignore_ascii_case(b"content-length") {
            if te_seen && !limits.lenient {
                return Err(ParseError::UnexpectedContentLength);
            }
            if content_length.is_some() {
                return Err(ParseError::DuplicateContentLength);
            }
            content_length = Some(content_length_value(value)?);
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            if content_length.is_some() && !limits.lenient {
                return Err(ParseError::TransferEncodingWithContentLength);
            }
            te_seen = true;
            for token in value.split(|&b| b == b',') {
                te_chunked_last = token.trim_ascii().eq_ignore_ascii_case(b"chunked");
            }
        } else if name.eq_ignore_ascii_case(b"connection") {
            conn_close |= has_token(value, "close");
            conn_keep_alive |= has_token(value, "keep-alive");
            conn_upgrade |= has_token(value, "upgrade");
        } else if name.eq_ignore_ascii_case(b"upgrade") {
            upgrade_header = true;
        }
    }
    let informational = (100..200).contains(&status) && status != 101;
    let upgrade = (status == 101 && upgrade_header && conn_upgrade) || (expect.connect && !informational);
    // llhttp ends every 101's message at its head, switching or not.
    let no_body = upgrade || informational || status == 101 || status == 204 || status == 304 || expect.head;
    let framing = if no_body {
        BodyFraming::None
    } else if te_seen {
        if te_chunked_last { BodyFraming::Chunked } else { BodyFraming::UntilClose }
    } else {
        match content_length {
            Some(0) => BodyFraming::None,
            Some(n) => BodyFraming::Length(n),
            None => BodyFraming::UntilClose,
        }
    };
    let persistent_by_headers = if version_minor >= 1 { !conn_close } else { conn_keep_alive && !conn_close };
    let keep_alive = persistent_by_headers && framing != BodyFraming::UntilClose;
    Ok(Some(ResponseHead {
        status,
        reason,
        version_major: 1,
        version_minor,
        headers: ranges,
        head_len,
        framing,
        keep_alive,
        upgrade,
        rebuilt: None,
    }))
}

fn is_token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Where in `buf` llhttp reports a response head error: `err.bytesParsed`
/// of Node's parse errors. None when the error is not located here.
pub fn response_error_offset(buf: &[u8], e: ParseError) -> Option<usize> {
    match e {
        ParseError::ExpectedHttp => return Some(0),
        ParseError::InvalidStatus => return Some(9.min(buf.len())),
        _ => {}
    }
    let line_end = |from: usize| buf[from..].windows(2).position(|w| w == b"\r\n").map(|p| from + p);
    let mut pos = line_end(0)? + 2;
    let (mut cl_seen, mut te_seen) = (false, false);
    while let Some(end) = line_end(pos) {
        if end == pos {
            break;
        }
        let line = &buf[pos..end];
        let colon = line.iter().position(|&b| b == b':').unwrap_or(line.len());
        let name = &line[..colon];
        if e == ParseError::InvalidHeaderToken {
            if let Some(i) = name.iter().position(|&b| !is_token_char(b)) {
                return Some(pos + i);
            }
        }
        if colon < line.len() {
            let vstart = colon + 1 + line[colon + 1..].iter().take_while(|&&b| b == b' ' || b == b'\t').count();
            if name.eq_ignore_ascii_case(b"content-length") {
                match e {
                    ParseError::InvalidContentLength => {
                        if let Some(i) = line[vstart..].iter().position(|b| !b.is_ascii_digit()) {
                            return Some(pos + vstart + i);
                        }
                    }
                    ParseError::DuplicateContentLength if cl_seen => return Some(pos + vstart),
                    ParseError::UnexpectedContentLength if te_seen => return Some(pos + colon + 1),
                    _ => {}
                }
                cl_seen = true;
            } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
                if e == ParseError::TransferEncodingWithContentLength && cl_seen {
                    return Some(pos + colon + 1);
                }
                te_seen = true;
            }
        }
        pos = end + 2;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str, expect: ResponseExpect) -> Result<Option<ResponseHead>, ParseError> {
        parse_response_head(s.as_bytes(), HeadLimits::default(), expect)
    }

    #[test]
    fn framing_follows_llhttp() {
        let none = ResponseExpect::default();
        let h = parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", none).unwrap().unwrap();
        assert_eq!((h.status, h.framing, h.keep_alive), (200, BodyFraming::Length(5), true));
        let h = parse("HTTP/1.1 200 OK\r\n\r\n", none).unwrap().unwrap();
        assert_eq!((h.framing, h.keep_alive), (BodyFraming::UntilClose, false));
        let h = parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", ResponseExpect { head: true, connect: false }).unwrap().unwrap();
        assert_eq!(h.framing, BodyFraming::None);
        let h = parse("HTTP/1.1 204 No Content\r\n\r\n", none).unwrap().unwrap();
        assert_eq!((h.framing, h.keep_alive), (BodyFraming::None, true));
        let h = parse("HTTP/1.1 103 Early Hints\r\nLink: x\r\n\r\n", none).unwrap().unwrap();
        assert!(h.is_informational());
        let h = parse("HTTP/1.1 101 Switching Protocols\r\nUpgrade: ws\r\nConnection: keep-alive, Upgrade\r\n\r\n", none).unwrap().unwrap();
        assert!(h.upgrade && h.framing == BodyFraming::None);
        // Without both headers a 101 only announces: an ordinary response,
        // with no body whatever its framing headers say.
        for head in ["Upgrade: ws\r\n", "Connection: upgrade\r\n", "", "Content-Length: 5\r\n", "Transfer-Encoding: chunked\r\n"] {
            let h = parse(&format!("HTTP/1.1 101 Switching Protocols\r\n{head}\r\nhello"), none).unwrap().unwrap();
            assert!(!h.upgrade, "{head:?}");
            assert_eq!((h.framing, h.keep_alive), (BodyFraming::None, true), "{head:?}");
        }
        let h = parse("HTTP/1.1 200 Connection established\r\n\r\n", ResponseExpect { head: false, connect: true }).unwrap().unwrap();
        assert!(h.upgrade && h.framing == BodyFraming::None);
        let h = parse("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n", none).unwrap().unwrap();
        assert!(!h.keep_alive);
        let h = parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", none).unwrap().unwrap();
        assert_eq!(h.framing, BodyFraming::Chunked);
        let h = parse("HTTP/1.1 200\r\n\r\n", none).unwrap().unwrap();
        assert_eq!(h.reason.len(), 0);
        let h = parse("HTTP/1.1 200 \r\n\r\n", none).unwrap().unwrap();
        assert_eq!(h.reason.len(), 0);
    }

    #[test]
    fn lenient_unfolds_and_odd_versions_parse() {
        let lenient = HeadLimits { lenient: true, ..HeadLimits::default() };
        let src = b"HTTP/1.1 200 OK\r\nContent-Type: a;\r\n b\r\n\r\n";
        let h = parse_response_head(src, lenient, ResponseExpect::default()).unwrap().unwrap();
        let norm = h.rebuilt.as_ref().unwrap();
        assert_eq!(&norm[h.headers[0].1.clone()], b"a; b");
        assert_eq!(h.head_len, src.len());
        let h = parse("HTTP/0.9 200 OK\r\n\r\n", ResponseExpect::default()).unwrap().unwrap();
        assert_eq!((h.version_major, h.version_minor, h.keep_alive), (0, 9, false));
    }

    #[test]
    fn error_offsets_are_llhttp_s() {
        let at = |s: &str, e| response_error_offset(s.as_bytes(), e);
        assert_eq!(at("HTTP/1.1 abc OK\r\n\r\n", ParseError::InvalidStatus), Some(9));
        assert_eq!(at("HTTP/1.1 200 OK\r\nBad Header\r\n\r\n", ParseError::InvalidHeaderToken), Some(20));
        assert_eq!(at("HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n", ParseError::InvalidContentLength), Some(33));
        let dup = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n";
        assert_eq!(at(dup, ParseError::DuplicateContentLength), Some(52));
        let both = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n";
        assert_eq!(at(both, ParseError::TransferEncodingWithContentLength), Some(54));
    }

    #[test]
    fn errors_carry_llhttp_codes() {
        let none = ResponseExpect::default();
        assert_eq!(parse("bad http", none), Err(ParseError::ExpectedHttp));
        assert_eq!(parse("HTTP/1.1 2x0 OK\r\n\r\n", none), Err(ParseError::InvalidStatus));
        assert_eq!(
            parse("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", none),
            Err(ParseError::TransferEncodingWithContentLength)
        );
        assert_eq!(
            parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n", none),
            Err(ParseError::UnexpectedContentLength)
        );
        assert_eq!(parse("HTT", none), Ok(None));
        let big = format!("HTTP/1.1 200 OK\r\nX: {}\r\n\r\n", "a".repeat(20000));
        assert_eq!(parse(&big, none), Err(ParseError::HeaderOverflow));
    }
}
