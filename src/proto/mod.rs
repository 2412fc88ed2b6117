//! HTTP/1 protocol: bytes in, parsed heads and body chunks out, by llhttp's
//! grammar as Node 20 configures it. No I/O, no tokio, no napi; unit-tested
//! with literal bytes.
/// A parser's step: `Ok(None)` when the input ends before what it parses.
type Step<T> = Result<Option<T>, ParseError>;

/// The byte at `$i` of `$buf`, or `return Ok(None)` (more input needed)
/// from the enclosing parser.
macro_rules! need {
    ($buf:expr, $i:expr) => {
        match $buf.get($i) {
            Some(&b) => b,
            None => return Ok(None),
        }
    };
}

pub mod body;
#[cfg(test)]
mod bench;
mod chars;
pub mod error;
mod headers;
pub mod request_head;
pub mod response_head;

pub use body::{BodyDecoder, BodyPiece};
pub use error::{Code, ParseError};
pub use request_head::{method_error_offset, parse_request_head, BodyFraming, HeadLimits, RequestHead, METHODS};
pub use response_head::{parse_response_head, ResponseExpect, ResponseHead};
