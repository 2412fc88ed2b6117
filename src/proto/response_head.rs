//! Response heads: the status line and header block of one response, read
//! by llhttp's grammar as Node 20 configures it, and framed the way llhttp
//! and Node's client frame responses (HEAD and CONNECT answers, 1xx,
//! 204/304, bodies that run until the connection closes).

use super::error::{err, Code, ParseError};
use super::Step;
use super::headers::{flag, parse_fields, track_header, Ctx, Fields};
use super::request_head::version;
use super::{BodyFraming, HeadLimits};
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
    /// When lenient parsing joined folded lines: the head's bytes followed
    /// by the joined values, which `reason` and `headers` index instead.
    pub rebuilt: Option<Vec<u8>>,
}

impl ResponseHead {
    /// A 1xx response other than 101: a final response follows it.
    pub fn is_informational(&self) -> bool {
        (100..200).contains(&self.status) && self.status != 101
    }
}

/// Parses one response head from the start of `buf`. `Ok(None)` means more
/// bytes are needed; errors carry llhttp's codes and where it stopped.
pub fn parse_response_head(
    buf: &[u8],
    limits: HeadLimits,
    expect: ResponseExpect,
) -> Result<Option<ResponseHead>, ParseError> {
    let mut fields = Fields { list: Vec::with_capacity(16), limit: limits.max_header_size, ..Fields::default() };
    let r = parse(buf, limits.lenient, expect, &mut fields);
    track_header(r, &fields, buf.len(), limits.max_header_size)
}

/// The status line: (major, minor, status, reason, offset of the fields).
/// The reason is llhttp's status span, counted in `out`.
fn status_line(buf: &[u8], start: usize, lenient: bool, out: &mut Fields) -> Step<(u8, u8, u16, Range<usize>, usize)> {
    let expected = |at| Err(err(Code::InvalidConstant, "Expected HTTP/, RTSP/ or ICE/", at));
    let name: &[u8] = match buf[start] {
        b'H' => b"HTTP",
        b'R' => b"RTSP",
        b'I' => b"ICE",
        _ => return expected(start),
    };
    let mut i = start;
    for &c in name {
        if need!(buf, i) != c {
            return expected(i);
        }
        i += 1;
    }
    if need!(buf, i) != b'/' {
        return expected(i);
    }
    let (major, minor, mut i) = match version(buf, i + 1, lenient)? {
        Some(v) => v,
        None => return Ok(None),
    };
    if need!(buf, i) != b' ' {
        return Err(err(Code::InvalidVersion, "Expected space after version", i));
    }
    i += 1;
    let mut status: u16 = 0;
    for _ in 0..3 {
        let d = need!(buf, i);
        if !d.is_ascii_digit() {
            return Err(err(Code::InvalidStatus, "Invalid status code", i));
        }
        status = status * 10 + (d - b'0') as u16;
        i += 1;
    }
    let reason_start;
    match need!(buf, i) {
        b' ' => {
            reason_start = i + 1;
            i += 1;
            out.open(i);
            while !matches!(need!(buf, i), b'\r' | b'\n') {
                i += 1;
            }
            out.close(reason_start, i, i + (buf[i] == b'\r') as usize);
        }
        b'\r' => reason_start = i,
        b'\n' if lenient => return Ok(Some((major, minor, status, i..i, i + 1))),
        _ => return Err(err(Code::InvalidStatus, "Invalid response status", i)),
    }
    let reason = reason_start..i;
    match buf[i] {
        // llhttp 9 takes CR CR as well as CR LF after the status line.
        b'\r' => match need!(buf, i + 1) {
            b'\n' | b'\r' => Ok(Some((major, minor, status, reason, i + 2))),
            _ if lenient => Ok(Some((major, minor, status, reason, i + 1))),
            _ => Err(err(Code::Strict, "Expected LF after CR", i + 1)),
        },
        _ if lenient => Ok(Some((major, minor, status, reason, i + 1))),
        _ => Err(err(Code::CrExpected, "Missing expected CR after response line", i)),
    }
}

fn parse(buf: &[u8], lenient: bool, expect: ResponseExpect, fields: &mut Fields) -> Result<Option<ResponseHead>, ParseError> {
    let start = buf.iter().position(|&b| b != b'\r' && b != b'\n').unwrap_or(buf.len());
    if start == buf.len() {
        return Ok(None);
    }
    let (version_major, version_minor, status, reason, fields_at) = match status_line(buf, start, lenient, fields)? {
        Some(l) => l,
        None => return Ok(None),
    };
    let ctx = Ctx { lenient, request: false };
    let head_len = match parse_fields(buf, fields_at, ctx, true, fields)? {
        Some(end) => end,
        None => return Ok(None),
    };
    let f = fields.flags;
    let informational = (100..200).contains(&status) && status != 101;
    let upgrade = (status == 101 && f & flag::UPGRADE != 0 && f & flag::CONN_UPGRADE != 0)
        || (expect.connect && !informational);
    // llhttp ends every 101's message at its head, switching or not; Node's
    // client skips the body of HEAD answers and of informational responses.
    let no_body = upgrade || informational || status == 101 || status == 204 || status == 304 || expect.head;
    let framing = if no_body {
        BodyFraming::None
    } else if f & flag::CHUNKED != 0 {
        BodyFraming::Chunked
    } else if f & flag::TRANSFER_ENCODING != 0 {
        BodyFraming::UntilClose
    } else if f & flag::CONTENT_LENGTH != 0 {
        match fields.content_length {
            0 => BodyFraming::None,
            n => BodyFraming::Length(n),
        }
    } else {
        BodyFraming::UntilClose
    };
    let persistent = if version_major > 0 && version_minor > 0 {
        f & flag::CONN_CLOSE == 0
    } else {
        f & flag::CONN_KEEP_ALIVE != 0
    };
    let keep_alive = persistent && framing != BodyFraming::UntilClose;
    let rebuilt = fields.rebuild(buf, head_len);
    Ok(Some(ResponseHead {
        status,
        reason,
        version_major,
        version_minor,
        headers: std::mem::take(&mut fields.list),
        head_len,
        framing,
        keep_alive,
        upgrade,
        rebuilt,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str, expect: ResponseExpect) -> Result<Option<ResponseHead>, ParseError> {
        parse_response_head(s.as_bytes(), HeadLimits::default(), expect)
    }

    fn code(s: &str) -> &'static str {
        parse(s, ResponseExpect::default()).unwrap_err().code()
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
        // A response may end with another coding: then it runs until close.
        let h = parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", none).unwrap().unwrap();
        assert_eq!(h.framing, BodyFraming::UntilClose);
        let h = parse("HTTP/1.1 200\r\n\r\n", none).unwrap().unwrap();
        assert_eq!(h.reason.len(), 0);
        let h = parse("HTTP/1.1 200 \r\n\r\n", none).unwrap().unwrap();
        assert_eq!(h.reason.len(), 0);
        // HTTP/2.0 and 0.9 parse; only x.y with both non-zero keeps alive.
        let h = parse("HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n", none).unwrap().unwrap();
        assert_eq!((h.version_major, h.version_minor, h.keep_alive), (2, 0, false));
        let h = parse("RTSP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", none).unwrap().unwrap();
        assert_eq!(h.status, 200);
    }

    #[test]
    fn lenient_joins_folded_lines() {
        let lenient = HeadLimits { lenient: true, ..HeadLimits::default() };
        let src = b"HTTP/1.1 200 OK\r\nContent-Type: a;\r\n b\r\n\r\n";
        let h = parse_response_head(src, lenient, ResponseExpect::default()).unwrap().unwrap();
        let norm = h.rebuilt.as_ref().unwrap();
        assert_eq!(&norm[h.headers[0].1.clone()], b"a; b");
        assert_eq!(h.head_len, src.len());
        assert_eq!(code("HTTP/1.1 200 OK\r\nContent-Type: a;\r\n b\r\n\r\n"), "HPE_INVALID_HEADER_TOKEN");
    }

    #[test]
    fn errors_carry_llhttp_codes() {
        let none = ResponseExpect::default();
        assert_eq!(code("bad http"), "HPE_INVALID_CONSTANT");
        assert_eq!(code("HTTP/1.1 2x0 OK\r\n\r\n"), "HPE_INVALID_STATUS");
        assert_eq!(code("HTTP/3.1 200 OK\r\n\r\n"), "HPE_INVALID_VERSION");
        let e = parse("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", none).unwrap_err();
        assert_eq!((e.code(), e.reason()), ("HPE_INVALID_TRANSFER_ENCODING", "Transfer-Encoding can't be present with Content-Length"));
        let e = parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n", none).unwrap_err();
        assert_eq!(e.code(), "HPE_INVALID_CONTENT_LENGTH");
        assert_eq!(parse("HTT", none), Ok(None));
        let big = format!("HTTP/1.1 200 OK\r\nX: {}\r\n\r\n", "a".repeat(20000));
        assert_eq!(parse(&big, none).unwrap_err().code(), "HPE_HEADER_OVERFLOW");
        // Line ends: CR CR after the status line is taken (llhttp 9), a lone
        // CR elsewhere is HPE_STRICT, a lone LF after a value HPE_CR_EXPECTED.
        assert_eq!(code("HTTP/1.1 404 \r\r\n"), "HPE_INVALID_HEADER_TOKEN");
        assert_eq!(code("HTTP/1.1 404 \rX"), "HPE_STRICT");
        assert_eq!(code("HTTP/1.1 200 OK\r\nA: b\n\r\n"), "HPE_CR_EXPECTED");
        assert_eq!(code("HTTP/1.1 200 OK\r\n A: b\r\n\r\n"), "HPE_UNEXPECTED_SPACE");
    }

    #[test]
    fn header_size_counts_the_status_text_and_fields() {
        let limits = HeadLimits { max_header_size: 16, lenient: false };
        let none = ResponseExpect::default();
        // "OK" 2 + "X" 1 + value 12 = 15: under 16.
        let ok = format!("HTTP/1.1 200 OK\r\nX: {}\r\n\r\n", "v".repeat(12));
        assert!(parse_response_head(ok.as_bytes(), limits, none).unwrap().is_some());
        let over = format!("HTTP/1.1 200 OK\r\nX: {}\r\n\r\n", "v".repeat(13));
        assert_eq!(parse_response_head(over.as_bytes(), limits, none).unwrap_err().code(), "HPE_HEADER_OVERFLOW");
        let long_reason = format!("HTTP/1.1 200 {}", "r".repeat(16));
        assert_eq!(parse_response_head(long_reason.as_bytes(), limits, none).unwrap_err().code(), "HPE_HEADER_OVERFLOW");
        // The version, the status code and separators are free: 2 + 2.
        let at = |max: usize| HeadLimits { max_header_size: max, lenient: false };
        let head = b"HTTP/1.1 200 OK\r\nA: b\r\n\r\n";
        assert!(parse_response_head(head, at(5), none).unwrap().is_some());
        assert_eq!(parse_response_head(head, at(4), none).unwrap_err().code(), "HPE_HEADER_OVERFLOW");
    }

    #[test]
    fn error_offsets_are_llhttp_s() {
        let at = |s: &str| parse(s, ResponseExpect::default()).unwrap_err().at;
        assert_eq!(at("HTTP/1.1 abc OK\r\n\r\n"), 9);
        assert_eq!(at("HTTP/1.1 200 OK\r\nBad Header\r\n\r\n"), 20);
        assert_eq!(at("HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n"), 33);
        assert_eq!(at("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n"), 52);
        assert_eq!(at("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"), 54);
    }
}
