//! Body decoding: Content-Length bodies, bodies that run until the peer
//! closes, and chunked bodies with extensions and trailers as llhttp's
//! grammar reads them (strict, or with the leniencies `insecureHTTPParser`
//! enables), fed incrementally from whatever bytes have arrived.

use super::chars::{hex, QDTEXT, QUOTED_PAIR, TOKEN};
use super::error::{err, Code, ParseError};
use super::headers::{flag, parse_fields, track_header, Ctx, Fields};
use super::BodyFraming;
use std::ops::Range;

/// Longest run of chunk extensions accepted in one chunk header, as Node
/// bounds it (`HPE_CHUNK_EXTENSIONS_OVERFLOW`, answered with 413).
const MAX_CHUNK_EXTENSIONS: usize = 16 * 1024;

/// What one decoding step found, as ranges into the input it was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyPiece {
    /// Body bytes.
    Data(Range<usize>),
    /// The body is complete; trailer fields as (name, value) ranges into
    /// the input, or into `rebuilt` when lenient parsing joined folded lines.
    End { trailers: Vec<(Range<usize>, Range<usize>)>, rebuilt: Option<Vec<u8>> },
}

impl BodyPiece {
    /// The end of a body without trailers.
    pub fn end() -> Self {
        BodyPiece::End { trailers: Vec::new(), rebuilt: None }
    }
}

/// Where a chunked decoder is in llhttp's chunk grammar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chunked {
    /// Hex digits of the size (`digits` so far).
    Size { value: u64, digits: u8 },
    /// Blanks after the size (lenient only).
    SizeBlanks { value: u64 },
    /// After `;`: an extension name starts.
    ExtStart { value: u64, len: usize },
    ExtName { value: u64, len: usize },
    ExtValue { value: u64, len: usize },
    Quoted { value: u64, len: usize },
    QuotedPair { value: u64, len: usize },
    QuotedDone { value: u64, len: usize },
    /// After the CR (or lenient LF) that ends the chunk header.
    SizeLf { value: u64 },
    Data { remaining: u64 },
    /// After chunk data: CRLF expected.
    DataEnd,
    DataEndLf,
    Trailers,
}

/// Incremental decoder of one message body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyDecoder {
    Length(u64),
    /// Every byte until the peer closes; ended by `finish_at_eof`.
    UntilClose,
    Chunked(ChunkState),
    Done,
}

/// Opaque state of a chunked decoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkState {
    state: Chunked,
    lenient: bool,
    request: bool,
}

impl BodyDecoder {
    /// A strict decoder of a request body with the framing a head announced.
    pub fn new(framing: BodyFraming) -> Self {
        Self::with_options(framing, false, true)
    }

    /// A decoder for the framing a head announced; `lenient` for
    /// `insecureHTTPParser`, `request` for a request's body (trailers are
    /// read with the rules of the message they end).
    pub fn with_options(framing: BodyFraming, lenient: bool, request: bool) -> Self {
        match framing {
            BodyFraming::None => BodyDecoder::Done,
            BodyFraming::Length(n) => BodyDecoder::Length(n),
            BodyFraming::UntilClose => BodyDecoder::UntilClose,
            BodyFraming::Chunked => {
                BodyDecoder::Chunked(ChunkState { state: Chunked::Size { value: 0, digits: 0 }, lenient, request })
            }
        }
    }

    /// At the peer's end of stream: whether that completes the body (a
    /// read-until-close body), which then counts as done.
    pub fn finish_at_eof(&mut self) -> bool {
        if matches!(self, BodyDecoder::UntilClose) {
            *self = BodyDecoder::Done;
            true
        } else {
            false
        }
    }

    /// Whether the body has been fully decoded.
    pub fn is_done(&self) -> bool {
        matches!(self, BodyDecoder::Done)
    }

    /// Decodes from the front of `buf`. Returns how many bytes were consumed
    /// and the piece found, if any; `(n, None)` means more input is needed.
    pub fn decode(&mut self, buf: &[u8], max_trailer_size: usize) -> Result<(usize, Option<BodyPiece>), ParseError> {
        match self {
            BodyDecoder::Done => Ok((0, Some(BodyPiece::end()))),
            BodyDecoder::UntilClose => {
                if buf.is_empty() {
                    return Ok((0, None));
                }
                Ok((buf.len(), Some(BodyPiece::Data(0..buf.len()))))
            }
            BodyDecoder::Length(remaining) => {
                if *remaining == 0 {
                    *self = BodyDecoder::Done;
                    return Ok((0, Some(BodyPiece::end())));
                }
                if buf.is_empty() {
                    return Ok((0, None));
                }
                let n = (*remaining).min(buf.len() as u64) as usize;
                *remaining -= n as u64;
                Ok((n, Some(BodyPiece::Data(0..n))))
            }
            BodyDecoder::Chunked(st) => {
                let r = decode_chunked(st, buf, max_trailer_size);
                if let Ok((_, Some(BodyPiece::End { .. }))) = r {
                    *self = BodyDecoder::Done;
                }
                r
            }
        }
    }
}

fn strict(reason: &'static str, at: usize) -> ParseError {
    err(Code::Strict, reason, at)
}

/// Counts one more extension byte against Node's bound.
fn ext_byte(len: usize, at: usize) -> Result<usize, ParseError> {
    if len >= MAX_CHUNK_EXTENSIONS {
        return Err(ParseError::CHUNK_EXTENSIONS_OVERFLOW.at(at));
    }
    Ok(len + 1)
}

fn decode_chunked(
    st: &mut ChunkState,
    buf: &[u8],
    max_trailer_size: usize,
) -> Result<(usize, Option<BodyPiece>), ParseError> {
    use Chunked::*;
    let lenient = st.lenient;
    let mut i = 0;
    while i < buf.len() {
        let b = buf[i];
        // Each arm either consumes `b` (i += 1 below) or `continue`s without.
        match st.state {
            Size { value, digits } => {
                if let Some(d) = hex(b) {
                    let v = value
                        .checked_mul(16)
                        .and_then(|v| v.checked_add(d))
                        .ok_or(err(Code::InvalidChunkSize, "Chunk size overflow", i))?;
                    st.state = Size { value: v, digits: digits.saturating_add(1) };
                } else if digits == 0 {
                    return Err(err(Code::InvalidChunkSize, "Invalid character in chunk size", i));
                } else {
                    st.state = SizeBlanks { value };
                    continue;
                }
            }
            SizeBlanks { value } => match b {
                b' ' | b'\t' if lenient => {}
                b'\r' => st.state = SizeLf { value },
                b'\n' if lenient => st.state = SizeLf { value },
                b'\n' => return Err(err(Code::CrExpected, "Missing expected CR after chunk size", i)),
                b';' => st.state = ExtStart { value, len: 0 },
                _ => return Err(err(Code::InvalidChunkSize, "Invalid character in chunk size", i)),
            },
            ExtStart { value, len } => match b {
                b' ' | b'\r' => return Err(strict("Invalid character in chunk extensions", i)),
                _ => {
                    st.state = ExtName { value, len };
                    continue;
                }
            },
            ExtName { value, len } | ExtValue { value, len } | QuotedDone { value, len }
                if matches!(b, b';' | b'\r' | b'\n') =>
            {
                let _ = len;
                match b {
                    b';' => st.state = ExtStart { value, len },
                    b'\r' => st.state = SizeLf { value },
                    _ if lenient => {
                        // The LF that llhttp lets stand for CRLF here.
                        st.state = SizeLf { value };
                        continue;
                    }
                    _ => {
                        let what = if matches!(st.state, ExtName { .. }) { "name" } else { "value" };
                        let reason = if what == "name" {
                            "Missing expected CR after chunk extension name"
                        } else {
                            "Missing expected CR after chunk extension value"
                        };
                        return Err(err(Code::CrExpected, reason, i));
                    }
                }
            }
            ExtName { value, len } => {
                if b == b'=' {
                    st.state = ExtValue { value, len };
                } else if TOKEN[b as usize] {
                    st.state = ExtName { value, len: ext_byte(len, i)? };
                } else {
                    return Err(strict("Invalid character in chunk extensions name", i + 1));
                }
            }
            ExtValue { value, len } => {
                if b == b'"' {
                    st.state = Quoted { value, len: ext_byte(len, i)? };
                } else if TOKEN[b as usize] {
                    st.state = ExtValue { value, len: ext_byte(len, i)? };
                } else {
                    return Err(strict("Invalid character in chunk extensions value", i + 1));
                }
            }
            Quoted { value, len } => {
                let len = ext_byte(len, i)?;
                st.state = match b {
                    b'"' => QuotedDone { value, len },
                    b'\\' => QuotedPair { value, len },
                    _ if QDTEXT[b as usize] => Quoted { value, len },
                    _ => return Err(strict("Invalid character in chunk extensions quoted value", i + 1)),
                };
            }
            QuotedPair { value, len } => {
                if !QUOTED_PAIR[b as usize] {
                    return Err(strict("Invalid quoted-pair in chunk extensions quoted value", i + 1));
                }
                st.state = Quoted { value, len: ext_byte(len, i)? };
            }
            QuotedDone { .. } => return Err(strict("Invalid character in chunk extensions quote value", i)),
            SizeLf { value } => {
                if b != b'\n' {
                    if !lenient {
                        return Err(strict("Expected LF after chunk size", i));
                    }
                    st.state = if value == 0 { Trailers } else { Data { remaining: value } };
                    continue;
                }
                st.state = if value == 0 { Trailers } else { Data { remaining: value } };
            }
            Data { remaining } => {
                let n = remaining.min((buf.len() - i) as u64) as usize;
                let left = remaining - n as u64;
                st.state = if left == 0 { DataEnd } else { Data { remaining: left } };
                return Ok((i + n, Some(BodyPiece::Data(i..i + n))));
            }
            DataEnd => match b {
                b'\r' => st.state = DataEndLf,
                b'\n' if lenient => st.state = Size { value: 0, digits: 0 },
                b'\n' => return Err(err(Code::CrExpected, "Missing expected CR after chunk data", i)),
                _ if lenient => {
                    st.state = Size { value: 0, digits: 0 };
                    continue;
                }
                _ => return Err(strict("Expected LF after chunk data", i)),
            },
            DataEndLf => {
                if b != b'\n' {
                    if !lenient {
                        return Err(strict("Expected LF after chunk data", i));
                    }
                    st.state = Size { value: 0, digits: 0 };
                    continue;
                }
                st.state = Size { value: 0, digits: 0 };
            }
            Trailers => {
                let rest = &buf[i..];
                let ctx = Ctx { lenient, request: st.request };
                let mut fields = Fields {
                    flags: flag::TRANSFER_ENCODING | flag::CHUNKED,
                    limit: max_trailer_size,
                    ..Fields::default()
                };
                // Node counts trailers against maxHeaderSize from the last
                // chunk's size line on (its on_chunk_header resets the count).
                let r = parse_fields(rest, 0, ctx, false, &mut fields);
                return match track_header(r, &fields, rest.len(), max_trailer_size) {
                    Ok(Some(n)) => {
                        let rebuilt = fields.rebuild(rest, n);
                        let trailers = if rebuilt.is_some() {
                            fields.list
                        } else {
                            fields.list.into_iter().map(|(a, b)| (a.start + i..a.end + i, b.start + i..b.end + i)).collect()
                        };
                        Ok((i + n, Some(BodyPiece::End { trailers, rebuilt })))
                    }
                    Ok(None) => Ok((i, None)),
                    Err(e) => Err(e.at(e.at + i)),
                };
            }
        }
        i += 1;
    }
    Ok((i, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `input` in pieces of `step` bytes, as a connection would.
    fn run(framing: BodyFraming, input: &[u8], step: usize) -> Result<(Vec<u8>, Vec<(String, String)>), ParseError> {
        let mut d = BodyDecoder::new(framing);
        let mut pending: Vec<u8> = Vec::new();
        let mut body = Vec::new();
        let mut fed = 0;
        loop {
            let (n, piece) = d.decode(&pending, 1024)?;
            match piece {
                Some(BodyPiece::Data(r)) => body.extend_from_slice(&pending[r]),
                Some(BodyPiece::End { trailers, rebuilt }) => {
                    let src = rebuilt.unwrap_or_else(|| pending.clone());
                    let t = trailers
                        .into_iter()
                        .map(|(a, b)| {
                            (String::from_utf8(src[a].to_vec()).unwrap(), String::from_utf8(src[b].to_vec()).unwrap())
                        })
                        .collect();
                    return Ok((body, t));
                }
                None => {
                    pending.drain(..n);
                    if fed >= input.len() {
                        panic!("input ended before the body");
                    }
                    let end = (fed + step).min(input.len());
                    pending.extend_from_slice(&input[fed..end]);
                    fed = end;
                    continue;
                }
            }
            pending.drain(..n);
        }
    }

    #[test]
    fn length_body() {
        for step in [1, 3, 100] {
            let (b, t) = run(BodyFraming::Length(5), b"hello", step).unwrap();
            assert_eq!(b, b"hello");
            assert!(t.is_empty());
        }
    }

    #[test]
    fn chunked_body_with_trailers() {
        let input = b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: abc\r\nX-B: 2\r\n\r\n";
        for step in [1, 2, 7, 1000] {
            let (b, t) = run(BodyFraming::Chunked, input, step).unwrap();
            assert_eq!(b, b"hello world");
            assert_eq!(t, vec![("X-Sum".into(), "abc".into()), ("X-B".into(), "2".into())]);
        }
    }

    #[test]
    fn chunked_without_trailers() {
        let (b, t) = run(BodyFraming::Chunked, b"A\r\n0123456789\r\n0\r\n\r\n", 4).unwrap();
        assert_eq!(b, b"0123456789");
        assert!(t.is_empty());
    }

    fn code(input: &[u8], lenient: bool) -> &'static str {
        let mut d = BodyDecoder::with_options(BodyFraming::Chunked, lenient, true);
        let mut at = 0;
        loop {
            match d.decode(&input[at..], 1024) {
                Err(e) => return e.code(),
                Ok((_, Some(BodyPiece::End { .. }))) => return "ok",
                Ok((n, Some(_))) => at += n,
                Ok((n, None)) if n == 0 && at + n >= input.len() => return "more",
                Ok((n, None)) => at += n,
            }
        }
    }

    #[test]
    fn chunked_errors() {
        assert_eq!(run(BodyFraming::Chunked, b"zz\r\n", 10).unwrap_err().code(), "HPE_INVALID_CHUNK_SIZE");
        assert_eq!(run(BodyFraming::Chunked, b"3\r\nabcX\r\n", 10).unwrap_err().code(), "HPE_STRICT");
        assert_eq!(run(BodyFraming::Chunked, b"3\rX", 10).unwrap_err().code(), "HPE_STRICT");
        assert_eq!(run(BodyFraming::Chunked, b"11111111111111111\r\n", 100).unwrap_err().code(), "HPE_INVALID_CHUNK_SIZE");
        // 16 hex digits fit in 64 bits; the size may take all of them.
        assert_eq!(code(b"ffffffffffffffff\r\n", false), "more");
    }

    #[test]
    fn trailer_size_counts_names_and_values() {
        let decode = |input: &[u8]| BodyDecoder::with_options(BodyFraming::Chunked, false, true).decode(input, 16);
        // "X" 1 + 14 = 15 counted: under 16; the size line is not counted.
        let ok = format!("0;e=1\r\nX: {}\r\n\r\n", "t".repeat(14));
        assert!(matches!(decode(ok.as_bytes()), Ok((_, Some(BodyPiece::End { .. })))));
        let over = format!("0\r\nX: {}\r\n\r\n", "t".repeat(15));
        assert_eq!(decode(over.as_bytes()).unwrap_err().code(), "HPE_HEADER_OVERFLOW");
        let open = format!("0\r\nX: {}", "t".repeat(15));
        assert_eq!(decode(open.as_bytes()).unwrap_err().code(), "HPE_HEADER_OVERFLOW");
        // A trailer block cut short counts as far as it goes: 3 + 2.
        let cut = |max: usize| BodyDecoder::with_options(BodyFraming::Chunked, false, true).decode(b"0\r\nT: tt\r\nUu", max);
        assert!(matches!(cut(6), Ok((_, None))));
        assert_eq!(cut(5).unwrap_err().code(), "HPE_HEADER_OVERFLOW");
    }

    #[test]
    fn chunk_grammar_is_llhttp_s() {
        // Blanks after the size: llhttp strict rejects them, lenient skips them.
        assert_eq!(code(b"5 \r\nhello\r\n0\r\n\r\n", false), "HPE_INVALID_CHUNK_SIZE");
        assert_eq!(code(b"5 \r\nhello\r\n0\r\n\r\n", true), "ok");
        // Extensions are tokens, `=`, tokens or quoted strings.
        assert_eq!(code(b"3;HTTP/2.0x=y\r\nabc\r\n0\r\n\r\n", false), "HPE_STRICT");
        assert_eq!(code(b"3;a=b;c=\"d\\\"e\";f\r\nabc\r\n0\r\n\r\n", false), "ok");
        assert_eq!(code(b"3; a=b\r\nabc\r\n0\r\n\r\n", false), "HPE_STRICT");
        // Line ends: a bare LF is HPE_CR_EXPECTED unless lenient.
        assert_eq!(code(b"3\nabc\r\n0\r\n\r\n", false), "HPE_CR_EXPECTED");
        assert_eq!(code(b"3\nabc\n0\n\n\n", true), "ok");
        assert_eq!(code(b"3\r\nabc0\r\n\r\n", true), "ok");
        // Trailers are fields with the message's rules: no Content-Length.
        assert_eq!(code(b"0\r\nContent-Length: 5\r\n\r\n", false), "HPE_INVALID_CONTENT_LENGTH");
        assert_eq!(code(b"0\r\nContent-Length: 5\r\n\r\n", true), "ok");
        assert_eq!(code(b"0\r\nX: a\r\n\r\n", false), "ok");
        // An extension run over Node's bound.
        let mut big = b"1;".to_vec();
        big.extend(std::iter::repeat(b'x').take(20000));
        assert_eq!(code(&big, false), "HPE_CHUNK_EXTENSIONS_OVERFLOW");
    }
}
