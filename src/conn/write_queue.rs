//! The writing side of a connection: what JS wrote that the kernel did not
//! take yet, where the half-close stands, and the two ways bytes leave:
//! straight from the JS thread while nothing is queued (`write_through`),
//! and the queue flushed (`flush`) by JS after a batch or by the task once
//! the socket is writable.
use super::buffers;
use super::stream::Stream;
use bytes::{Buf, Bytes, BytesMut};
use std::collections::VecDeque;
use std::io::{self, IoSlice};

/// Where the connection's writing stands. It only moves forward, but to
/// `Closed`, which can come from any state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WriteState {
    /// JS may write.
    #[default]
    Open,
    /// JS ended: what is queued goes out, then the half-close.
    Ending,
    /// The half-close is done.
    Shut,
    /// Nothing more is written (closed, reset or failed).
    Closed,
}

/// Bytes the JS side wrote that the kernel did not take yet.
#[derive(Default)]
pub struct WriteQueue {
    pub bufs: VecDeque<Bytes>,
    /// Small deferred writes encoded in place, after everything in `bufs`.
    /// A pooled buffer (`buffers`), taken for the first and given back
    /// once all is written, so responses allocate none.
    pub staged: BytesMut,
    /// Bytes in `bufs` and `staged`.
    pub len: usize,
    /// JS asked to be told when the queue empties.
    pub want_drain: bool,
    pub state: WriteState,
    /// The first hard write error, kept for the task to report: a write
    /// from the JS thread that met the peer's reset took the socket's
    /// error, so the next write would only say EPIPE (Node reports that
    /// first error).
    failed: Option<io::Error>,
}

/// A copy of `e` (its OS error number, else its kind).
fn copy_error(e: &io::Error) -> io::Error {
    match e.raw_os_error() {
        Some(n) => io::Error::from_raw_os_error(n),
        None => e.kind().into(),
    }
}

impl WriteQueue {
    /// Nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.bufs.is_empty() && self.staged.is_empty()
    }

    /// JS may still write.
    pub fn is_open(&self) -> bool {
        self.state == WriteState::Open
    }

    /// Bytes or a half-close wait for the socket (libuv's pending write
    /// and shutdown requests, which hold the loop).
    pub fn pending(&self) -> bool {
        match self.state {
            WriteState::Open | WriteState::Shut => !self.is_empty(),
            WriteState::Ending => true,
            WriteState::Closed => false,
        }
    }

    /// Stops all writing; with `drop_queued`, what is queued goes too.
    pub fn close(&mut self, drop_queued: bool) {
        self.state = WriteState::Closed;
        if drop_queued {
            self.bufs.clear();
            self.len = 0;
            buffers::give(std::mem::take(&mut self.staged));
        }
    }

    /// Moves the staged bytes to the end of `bufs`, so what is pushed next
    /// goes after them.
    pub fn seal(&mut self) {
        if !self.staged.is_empty() {
            let staged = std::mem::take(&mut self.staged).freeze();
            self.bufs.push_back(staged);
        }
    }

    /// Queues a copy of `part` after everything queued.
    pub fn push_copy(&mut self, part: &[u8]) {
        if !part.is_empty() {
            self.len += part.len();
            self.bufs.push_back(Bytes::copy_from_slice(part));
        }
    }

    /// Notes that `n` bytes of the staged buffer were written.
    fn staged_written(&mut self, n: usize) {
        self.len -= n;
        if n < self.staged.len() {
            self.staged.advance(n);
        } else {
            buffers::give(std::mem::take(&mut self.staged));
        }
    }

    /// Notes that `n` bytes from the front of `bufs` were written.
    fn bufs_written(&mut self, mut n: usize) {
        self.len -= n;
        while n > 0 {
            let front = self.bufs.front_mut().expect("written bytes were queued");
            if n >= front.len() {
                n -= front.len();
                self.bufs.pop_front();
            } else {
                front.advance(n);
                n = 0;
            }
        }
    }

    /// Notes a hard error a write met (the first one stays).
    pub fn note_failure(&mut self, e: &io::Error) {
        if self.failed.is_none() {
            self.failed = Some(copy_error(e));
        }
    }

    /// Writes what is queued as far as `stream` takes it; true once the
    /// queue is empty. After a hard error, that first error again.
    pub fn flush(&mut self, stream: &Stream) -> io::Result<bool> {
        if let Some(e) = &self.failed {
            return Err(copy_error(e));
        }
        let res = self.flush_queue(stream);
        if let Err(e) = &res {
            self.note_failure(e);
        }
        res
    }

    fn flush_queue(&mut self, stream: &Stream) -> io::Result<bool> {
        if self.bufs.is_empty() {
            // The usual case: one response (or a few pipelined ones) staged.
            while !self.staged.is_empty() {
                match stream.try_write_vectored(&[IoSlice::new(&self.staged)]) {
                    Ok(n) => self.staged_written(n),
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                }
            }
            return Ok(true);
        }
        self.seal();
        while !self.bufs.is_empty() {
            let mut slices = [IoSlice::new(&[]); 64];
            let count = self.bufs.len().min(slices.len());
            for (slot, b) in slices.iter_mut().zip(self.bufs.iter()) {
                *slot = IoSlice::new(b);
            }
            match stream.try_write_vectored(&slices[..count]) {
                Ok(n) => self.bufs_written(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
        Ok(true)
    }
}

/// Where a write of several chunks stopped: the first chunk not wholly
/// written and how much of it was, and the hard error that stopped it.
#[derive(Debug, Default)]
pub struct WrittenUpTo {
    pub chunk: usize,
    pub offset: usize,
    pub failed: Option<io::Error>,
}

/// Writes `chunks` in order straight to `stream`, as far as it takes them
/// now (an error stops it like a full socket: the task reports it, see
/// `WriteQueue::note_failure`). Returns where it stopped.
pub fn write_through(stream: &Stream, chunks: &[&[u8]]) -> WrittenUpTo {
    let mut at = WrittenUpTo::default();
    let skip_empty = |at: &mut WrittenUpTo| {
        while at.chunk < chunks.len() && chunks[at.chunk].len() == at.offset {
            at.chunk += 1;
            at.offset = 0;
        }
    };
    skip_empty(&mut at);
    while at.chunk < chunks.len() {
        let slices: Vec<IoSlice> = chunks[at.chunk..]
            .iter()
            .enumerate()
            .map(|(i, c)| IoSlice::new(if i == 0 { &c[at.offset..] } else { c }))
            .take(64)
            .collect();
        match stream.try_write_vectored(&slices) {
            Ok(0) => break,
            Ok(mut n) => {
                while n > 0 {
                    let left = chunks[at.chunk].len() - at.offset;
                    if n >= left {
                        n -= left;
                        at.chunk += 1;
                        at.offset = 0;
                    } else {
                        at.offset += n;
                        n = 0;
                    }
                }
                skip_empty(&mut at);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                if e.kind() != io::ErrorKind::WouldBlock {
                    at.failed = Some(e);
                }
                break;
            }
        }
    }
    at
}
