//! HTTP/1.1 protocol: bytes in, parsed heads and body chunks out. No I/O,
//! no tokio, no napi; unit-tested with literal bytes.
pub mod body;
pub mod error;
pub mod request_head;
pub mod response_head;

pub use body::{BodyDecoder, BodyPiece};
pub use error::ParseError;
pub use request_head::{method_error_offset, parse_request_head, BodyFraming, HeadLimits, RequestHead};
pub use response_head::{parse_response_head, response_error_offset, ResponseExpect, ResponseHead};
