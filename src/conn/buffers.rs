//! Buffers shared by the connections of one thread: a connection takes one
//! to read into and gives it back once everything in it was parsed (events
//! copy what they carry), and likewise one to stage its responses in until
//! they are written; so idle connections hold no buffer.
//!
//! Each thread keeps its own pool; what a full pool cannot keep goes to one
//! shared pool, where a thread whose own pool is empty looks next. With I/O
//! threads a response is staged on the JS thread and written (and its
//! buffer given back) on an I/O thread, so without the shared pool the JS
//! thread would allocate every staging buffer afresh and the I/O threads
//! free them: glibc then trims and regrows its heap, a page fault or so
//! per request on the JS thread.
use crate::guard::lock;
use bytes::BytesMut;
use std::cell::RefCell;
use std::sync::Mutex;

/// Capacity of a read buffer.
pub const READ_BUFFER_SIZE: usize = 16 * 1024;

/// Buffers a thread's own pool keeps.
const MAX_POOLED: usize = 64;

/// Buffers the shared pool keeps.
const MAX_SHARED: usize = 64;

thread_local! {
    static POOL: RefCell<Vec<BytesMut>> = const { RefCell::new(Vec::new()) };
}

/// Buffers that threads' full pools passed on, for threads whose pools ran dry.
static SHARED: Mutex<Vec<BytesMut>> = Mutex::new(Vec::new());

/// An empty buffer with room for a read.
pub fn take() -> BytesMut {
    let mut buf = POOL
        .with(|p| p.borrow_mut().pop())
        .or_else(|| lock(&SHARED).pop())
        .unwrap_or_default();
    buf.clear();
    buf.reserve(READ_BUFFER_SIZE);
    buf
}

/// Returns an empty buffer to the pool.
pub fn give(buf: BytesMut) {
    if buf.capacity() == 0 {
        return;
    }
    let Some(buf) = POOL.with(|p| {
        let mut p = p.borrow_mut();
        if p.len() < MAX_POOLED {
            p.push(buf);
            None
        } else {
            Some(buf)
        }
    }) else {
        return;
    };
    let mut shared = lock(&SHARED);
    if shared.len() < MAX_SHARED {
        shared.push(buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a thread with a full pool gives back reaches a thread whose own
    /// pool is empty (the JS thread staging, an I/O thread writing).
    #[test]
    fn a_full_pools_overflow_reaches_another_thread() {
        const MARK: usize = 100_000;
        std::thread::spawn(|| {
            for _ in 0..MAX_POOLED + 10 {
                give(BytesMut::with_capacity(MARK));
            }
        })
        .join()
        .unwrap();
        let got = std::thread::spawn(|| (0..20).map(|_| take()).any(|b| b.capacity() >= MARK)).join().unwrap();
        assert!(got, "no overflowed buffer was taken from the shared pool");
    }
}
