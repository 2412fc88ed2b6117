//! An in-memory socket for the connection tests (`Stream::Mock`): each
//! chunk a test feeds is what one read of the socket returns (never merged
//! with the next), then the peer's end or an error if the test asked; a
//! write takes as many bytes as the room the test granted (unlimited by
//! default), so partial writes, a full socket and its becoming writable
//! again can be played. Half-closes, shutdowns and an abortive close are
//! recorded for the tests to look at.
use crate::guard::lock;
use crate::io::Read;
use bytes::BytesMut;
use std::collections::VecDeque;
use std::io::{self, IoSlice};
use std::sync::Mutex;
use std::task::{Context, Poll, Waker};

#[derive(Default)]
pub struct MockSocket {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// What the coming reads return, one chunk per read.
    incoming: VecDeque<Vec<u8>>,
    /// After `incoming`: the peer's end, or an error.
    eof: bool,
    read_error: Option<io::ErrorKind>,
    reader: Option<Waker>,
    /// Everything written, in order.
    written: Vec<u8>,
    /// Bytes the socket takes before it is full (None: no limit).
    room: Option<usize>,
    write_error: Option<io::ErrorKind>,
    writer: Option<Waker>,
    shut_write: bool,
    shut_both: bool,
    linger_zero: bool,
}

fn wake(w: Option<Waker>) {
    if let Some(w) = w {
        w.wake();
    }
}

impl MockSocket {
    // --- the test's side: the peer and the kernel ---

    /// The peer sends `data`: the next read returns it.
    pub fn feed(&self, data: &[u8]) {
        let w = {
            let mut i = lock(&self.inner);
            i.incoming.push_back(data.to_vec());
            i.reader.take()
        };
        wake(w);
    }

    /// The peer ends its side (after what was fed).
    pub fn feed_eof(&self) {
        let w = {
            let mut i = lock(&self.inner);
            i.eof = true;
            i.reader.take()
        };
        wake(w);
    }

    /// Reads fail with `kind` (after what was fed), as a reset would.
    pub fn fail_reads(&self, kind: io::ErrorKind) {
        let w = {
            let mut i = lock(&self.inner);
            i.read_error = Some(kind);
            i.reader.take()
        };
        wake(w);
    }

    /// Writes fail with `kind` from now on.
    pub fn fail_writes(&self, kind: io::ErrorKind) {
        let w = {
            let mut i = lock(&self.inner);
            i.write_error = Some(kind);
            i.writer.take()
        };
        wake(w);
    }

    /// The socket takes at most `n` more bytes (None: any number).
    pub fn set_room(&self, n: Option<usize>) {
        let w = {
            let mut i = lock(&self.inner);
            i.room = n;
            if n == Some(0) {
                None
            } else {
                i.writer.take()
            }
        };
        wake(w);
    }

    /// The peer read `n` bytes: the socket takes `n` more.
    pub fn grant(&self, n: usize) {
        let room = lock(&self.inner).room.map(|r| r + n);
        self.set_room(room);
    }

    /// Everything written so far (and forgets it).
    pub fn take_written(&self) -> Vec<u8> {
        std::mem::take(&mut lock(&self.inner).written)
    }

    /// Bytes fed and not read yet.
    pub fn unread(&self) -> usize {
        lock(&self.inner).incoming.iter().map(Vec::len).sum()
    }

    /// Whether the write side was half-closed (FIN), shut down both ways,
    /// or set to close with an RST.
    pub fn shut_write(&self) -> bool {
        lock(&self.inner).shut_write
    }
    pub fn shut_both(&self) -> bool {
        lock(&self.inner).shut_both
    }
    pub fn linger_zero(&self) -> bool {
        lock(&self.inner).linger_zero
    }

    // --- the connection's side, through `Stream` ---

    pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut i = lock(&self.inner);
        if !i.incoming.is_empty() || i.eof || i.read_error.is_some() {
            return Poll::Ready(Ok(()));
        }
        i.reader = Some(cx.waker().clone());
        Poll::Pending
    }

    pub fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut i = lock(&self.inner);
        if i.room != Some(0) || i.write_error.is_some() {
            return Poll::Ready(Ok(()));
        }
        i.writer = Some(cx.waker().clone());
        Poll::Pending
    }

    /// One read: the front chunk (at most `max` bytes of it), then the
    /// end or the error once every chunk was read.
    pub fn read_once(&self, buf: &mut BytesMut, max: usize) -> io::Result<Read> {
        let mut i = lock(&self.inner);
        if let Some(front) = i.incoming.front_mut() {
            let n = front.len().min(max);
            buf.extend_from_slice(&front[..n]);
            front.drain(..n);
            if front.is_empty() {
                i.incoming.pop_front();
            }
            return Ok(Read::Some(n));
        }
        if let Some(kind) = i.read_error {
            return Err(kind.into());
        }
        if i.eof {
            return Ok(Read::Some(0));
        }
        Err(io::ErrorKind::WouldBlock.into())
    }

    pub fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        let mut i = lock(&self.inner);
        if let Some(kind) = i.write_error {
            return Err(kind.into());
        }
        if i.shut_write || i.shut_both {
            return Err(io::ErrorKind::BrokenPipe.into());
        }
        let total: usize = bufs.iter().map(|b| b.len()).sum();
        let n = total.min(i.room.unwrap_or(usize::MAX));
        if n == 0 && total > 0 {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let mut left = n;
        for b in bufs {
            let k = b.len().min(left);
            i.written.extend_from_slice(&b[..k]);
            left -= k;
        }
        if let Some(r) = i.room.as_mut() {
            *r -= n;
        }
        Ok(n)
    }

    pub fn shutdown(&self, both: bool) {
        let mut i = lock(&self.inner);
        if both {
            i.shut_both = true;
        } else {
            i.shut_write = true;
        }
    }

    pub fn set_linger_zero(&self) {
        lock(&self.inner).linger_zero = true;
    }
}
