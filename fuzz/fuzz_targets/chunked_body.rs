//! The chunked body decoder (sizes, extensions, trailers), strict and
//! lenient: no panic, and the same data, trailers and error whether the
//! body arrives whole, one byte at a time, or split at a chosen point,
//! with unconsumed bytes kept and offered again as the connection does.
#![no_main]

#[path = "../../src/proto/mod.rs"]
#[allow(dead_code, unused_imports)]
mod proto;

use libfuzzer_sys::fuzz_target;
use proto::{BodyDecoder, BodyFraming, BodyPiece};

/// What decoding `pieces` in turn yields: the body bytes, the trailer
/// bytes, and how it ended (`Ok(true)` complete, `Ok(false)` needs more,
/// `Err(code)`).
fn run(lenient: bool, pieces: &[&[u8]]) -> (Vec<u8>, Vec<Vec<u8>>, Result<bool, &'static str>) {
    let mut dec = BodyDecoder::with_options(BodyFraming::Chunked, lenient, true);
    let mut pending: Vec<u8> = Vec::new();
    let mut data = Vec::new();
    let mut trailers = Vec::new();
    for piece in pieces {
        pending.extend_from_slice(piece);
        loop {
            match dec.decode(&pending, 16 * 1024) {
                Err(e) => return (data, trailers, Err(e.code())),
                Ok((n, piece)) => {
                    assert!(n <= pending.len(), "consumed past the buffer");
                    let mut done = false;
                    let mut progress = n > 0;
                    match piece {
                        Some(BodyPiece::Data(r)) => {
                            data.extend_from_slice(&pending[r.clone()]);
                            progress |= !r.is_empty();
                        }
                        Some(BodyPiece::End { trailers: t, rebuilt }) => {
                            let src = rebuilt.as_deref().unwrap_or(&pending[..]);
                            for (name, value) in t {
                                trailers.push([&src[name], &b":"[..], &src[value]].concat());
                            }
                            done = true;
                        }
                        None => {}
                    }
                    pending.drain(..n);
                    if done {
                        return (data, trailers, Ok(true));
                    }
                    if !progress {
                        break;
                    }
                }
            }
        }
    }
    (data, trailers, Ok(false))
}

fuzz_target!(|input: &[u8]| {
    let Some((&flags, body)) = input.split_first() else { return };
    let lenient = flags & 1 != 0;
    let whole = run(lenient, &[body]);
    let bytes: Vec<&[u8]> = body.chunks(1).collect();
    assert_eq!(run(lenient, &bytes), whole, "byte by byte");
    let at = (flags as usize >> 1) % (body.len() + 1);
    let (a, b) = body.split_at(at);
    assert_eq!(run(lenient, &[a, b]), whole, "split at {at}");
});
