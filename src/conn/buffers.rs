//! Buffers shared by the connections of one thread: a connection takes one
//! to read into and gives it back once everything in it was parsed (events
//! copy what they carry), and likewise one to stage its responses in until
//! they are written; so idle connections hold no buffer.
use bytes::BytesMut;
use std::cell::RefCell;

/// Capacity of a read buffer.
pub const READ_BUFFER_SIZE: usize = 16 * 1024;

const MAX_POOLED: usize = 64;

thread_local! {
    static POOL: RefCell<Vec<BytesMut>> = const { RefCell::new(Vec::new()) };
}

/// An empty buffer with room for a read.
pub fn take() -> BytesMut {
    let mut buf = POOL.with(|p| p.borrow_mut().pop()).unwrap_or_default();
    buf.clear();
    buf.reserve(READ_BUFFER_SIZE);
    buf
}

/// Returns an empty buffer to the pool.
pub fn give(buf: BytesMut) {
    if buf.capacity() == 0 {
        return;
    }
    POOL.with(|p| {
        let mut p = p.borrow_mut();
        if p.len() < MAX_POOLED {
            p.push(buf);
        }
    });
}
