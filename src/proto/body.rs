//! Request body decoding: Content-Length bodies and chunked bodies with
//! trailers, fed incrementally from whatever bytes have arrived.

use super::{BodyFraming, ParseError};
use std::ops::Range;

/// Longest chunk-extension run accepted, as llhttp bounds it.
const MAX_CHUNK_EXTENSIONS: usize = 16 * 1024;

/// What one decoding step found, as ranges into the input it was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyPiece {
    /// Body bytes.
    Data(Range<usize>),
    /// The body is complete; trailer fields as (name, value) ranges.
    End { trailers: Vec<(Range<usize>, Range<usize>)> },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chunked {
    Size { value: u64, digits: u8 },
    Extension { value: u64, len: usize },
    SizeLf { value: u64 },
    Data { remaining: u64 },
    DataCr,
    DataLf,
    Trailers,
}

/// Incremental decoder of one request body.
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
pub struct ChunkState(Chunked);

impl BodyDecoder {
    /// A decoder for the framing a head announced.
    pub fn new(framing: BodyFraming) -> Self {
        match framing {
            BodyFraming::None => BodyDecoder::Done,
            BodyFraming::Length(n) => BodyDecoder::Length(n),
            BodyFraming::UntilClose => BodyDecoder::UntilClose,
            BodyFraming::Chunked => BodyDecoder::Chunked(ChunkState(Chunked::Size { value: 0, digits: 0 })),
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
            BodyDecoder::Done => Ok((0, Some(BodyPiece::End { trailers: Vec::new() }))),
            BodyDecoder::UntilClose => {
                if buf.is_empty() {
                    return Ok((0, None));
                }
                Ok((buf.len(), Some(BodyPiece::Data(0..buf.len()))))
            }
            BodyDecoder::Length(remaining) => {
                if *remaining == 0 {
                    *self = BodyDecoder::Done;
                    return Ok((0, Some(BodyPiece::End { trailers: Vec::new() })));
                }
                if buf.is_empty() {
                    return Ok((0, None));
                }
                let n = (*remaining).min(buf.len() as u64) as usize;
                *remaining -= n as u64;
                Ok((n, Some(BodyPiece::Data(0..n))))
            }
            BodyDecoder::Chunked(ChunkState(state)) => {
                let r = decode_chunked(state, buf, max_trailer_size);
                if let Ok((_, Some(BodyPiece::End { .. }))) = r {
                    *self = BodyDecoder::Done;
                }
                r
            }
        }
    }
}

fn hex_value(b: u8) -> Option<u64> {
    match b {
        b'0'..=b'9' => Some((b - b'0') as u64),
        b'a'..=b'f' => Some((b - b'a' + 10) as u64),
        b'A'..=b'F' => Some((b - b'A' + 10) as u64),
        _ => None,
    }
}

fn decode_chunked(
    state: &mut Chunked,
    buf: &[u8],
    max_trailer_size: usize,
) -> Result<(usize, Option<BodyPiece>), ParseError> {
    let mut i = 0;
    while i < buf.len() {
        let b = buf[i];
        match *state {
            Chunked::Size { value, digits } => {
                if let Some(v) = hex_value(b) {
                    if digits >= 16 {
                        return Err(ParseError::InvalidChunkSize);
                    }
                    *state = Chunked::Size { value: value * 16 + v, digits: digits + 1 };
                } else if digits == 0 {
                    return Err(ParseError::InvalidChunkSize);
                } else if b == b';' || b == b' ' || b == b'\t' {
                    *state = Chunked::Extension { value, len: 0 };
                } else if b == b'\r' {
                    *state = Chunked::SizeLf { value };
                } else {
                    return Err(ParseError::InvalidChunkSize);
                }
                i += 1;
            }
            Chunked::Extension { value, len } => {
                if b == b'\r' {
                    *state = Chunked::SizeLf { value };
                } else if len >= MAX_CHUNK_EXTENSIONS {
                    return Err(ParseError::ChunkExtensionsOverflow);
                } else if b == b'\n' {
                    return Err(ParseError::CrExpected);
                } else {
                    *state = Chunked::Extension { value, len: len + 1 };
                }
                i += 1;
            }
            Chunked::SizeLf { value } => {
                if b != b'\n' {
                    return Err(ParseError::LfExpected);
                }
                *state = if value == 0 { Chunked::Trailers } else { Chunked::Data { remaining: value } };
                i += 1;
            }
            Chunked::Data { remaining } => {
                let n = remaining.min((buf.len() - i) as u64) as usize;
                let left = remaining - n as u64;
                *state = if left == 0 { Chunked::DataCr } else { Chunked::Data { remaining: left } };
                return Ok((i + n, Some(BodyPiece::Data(i..i + n))));
            }
            Chunked::DataCr => {
                if b != b'\r' {
                    return Err(ParseError::CrExpected);
                }
                *state = Chunked::DataLf;
                i += 1;
            }
            Chunked::DataLf => {
                if b != b'\n' {
                    return Err(ParseError::LfExpected);
                }
                *state = Chunked::Size { value: 0, digits: 0 };
                i += 1;
            }
            Chunked::Trailers => {
                let rest = &buf[i..];
                if rest.len() >= 2 && &rest[..2] == b"\r\n" {
                    return Ok((i + 2, Some(BodyPiece::End { trailers: Vec::new() })));
                }
                if rest.len() < 2 {
                    return Ok((i, None));
                }
                let mut headers = [httparse::EMPTY_HEADER; 64];
                match httparse::parse_headers(rest, &mut headers) {
                    Ok(httparse::Status::Complete((n, hs))) => {
                        let base = rest.as_ptr() as usize - buf.as_ptr() as usize;
                        let trailers = hs
                            .iter()
                            .map(|h| {
                                let ns = h.name.as_ptr() as usize - rest.as_ptr() as usize + base;
                                let vs = h.value.as_ptr() as usize - rest.as_ptr() as usize + base;
                                (ns..ns + h.name.len(), vs..vs + h.value.len())
                            })
                            .collect();
                        return Ok((i + n, Some(BodyPiece::End { trailers })));
                    }
                    Ok(httparse::Status::Partial) => {
                        if rest.len() > max_trailer_size {
                            return Err(ParseError::HeaderOverflow);
                        }
                        return Ok((i, None));
                    }
                    Err(httparse::Error::TooManyHeaders) => return Err(ParseError::HeaderOverflow),
                    Err(_) => return Err(ParseError::InvalidHeaderToken),
                }
            }
        }
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
                Some(BodyPiece::End { trailers }) => {
                    let t = trailers
                        .into_iter()
                        .map(|(a, b)| {
                            (String::from_utf8(pending[a].to_vec()).unwrap(), String::from_utf8(pending[b].to_vec()).unwrap())
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

    #[test]
    fn chunked_errors() {
        assert_eq!(run(BodyFraming::Chunked, b"zz\r\n", 10), Err(ParseError::InvalidChunkSize));
        assert_eq!(run(BodyFraming::Chunked, b"3\r\nabcX\r\n", 10), Err(ParseError::CrExpected));
        assert_eq!(run(BodyFraming::Chunked, b"3\rX", 10), Err(ParseError::LfExpected));
        assert_eq!(run(BodyFraming::Chunked, b"11111111111111111\r\n", 100), Err(ParseError::InvalidChunkSize));
    }
}
