//! The event queue from tokio tasks to JS: events are packed as bytes into
//! one growing buffer; at most one wake-up of the JS thread is in flight, and
//! JS drains everything pending in one call (DESIGN.md, "The bridge").
//!
//! Layout of one event: `u8 kind`, `u32 id`, then the kind's fields. Numbers
//! are little-endian; `str`/`bytes` are a `u32` length and the bytes.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use tokio::sync::Notify;
use std::sync::{Arc, Mutex, OnceLock, Weak};

/// Event kinds, mirrored in `lib/native.js`.
pub mod kind {
    /// id=conn; u32 server, str remote address, u16 remote port, u8 family
    /// (4, 6, or 0 for a unix socket), str local address, u16 local port.
    pub const CONNECTION: u8 = 1;
    /// id=conn; u8 method index, u8 minor version, u8 flags (1 keep-alive,
    /// 2 upgrade, 4 has body), bytes url, u32 count, then count times
    /// (bytes name, bytes value).
    pub const REQUEST: u8 = 2;
    /// id=conn; bytes chunk of the current request body.
    pub const BODY: u8 = 3;
    /// id=conn; u32 count and (bytes name, bytes value) trailers.
    pub const BODY_END: u8 = 4;
    /// id=conn; str code, str reason, u32 bytes parsed, bytes raw packet.
    pub const CLIENT_ERROR: u8 = 5;
    /// id=conn; everything queued has been written.
    pub const DRAIN: u8 = 6;
    /// id=conn; str error code ("" for a clean close).
    pub const CLOSE: u8 = 7;
    /// id=conn; the idle timeout set by `setTimeout` elapsed.
    pub const TIMEOUT: u8 = 8;
    /// id=conn; bytes read in raw (upgraded) mode.
    pub const DATA: u8 = 9;
    /// id=conn; the peer ended its side.
    pub const END: u8 = 10;
    /// id=server; str error code of a failed accept.
    pub const SERVER_ERROR: u8 = 11;
    /// id=conn; u32 total injected bytes parsed so far (mod 2^32).
    pub const INJECTED: u8 = 12;
    /// id=conn; a client connection is established: str remote address,
    /// u16 remote port, u8 family (4, 6, 0 unix), str local address, u16 local port.
    pub const CONNECTED: u8 = 13;
    /// id=conn; connecting failed: str code, u32 errno, str address, u16 port.
    pub const CONNECT_FAILED: u8 = 14;
    /// id=conn; a response head: u16 status, u8 minor version, u8 flags
    /// (1 keep-alive, 2 upgrade, 4 has body, major version in the high nibble),
    /// bytes reason, u32 count, then
    /// count times (bytes name, bytes value).
    pub const RESPONSE: u8 = 15;
}

/// Appends fields to the packed buffer.
pub struct EventWriter<'a> {
    buf: &'a mut Vec<u8>,
}

impl EventWriter<'_> {
    pub fn u8(&mut self, v: u8) -> &mut Self {
        self.buf.push(v);
        self
    }
    pub fn u16(&mut self, v: u16) -> &mut Self {
        self.buf.extend_from_slice(&v.to_le_bytes());
        self
    }
    pub fn u32(&mut self, v: u32) -> &mut Self {
        self.buf.extend_from_slice(&v.to_le_bytes());
        self
    }
    pub fn bytes(&mut self, v: &[u8]) -> &mut Self {
        self.u32(v.len() as u32);
        self.buf.extend_from_slice(v);
        self
    }
    pub fn str(&mut self, v: &str) -> &mut Self {
        self.bytes(v.as_bytes())
    }
}

/// Wakes the JS thread; implemented by the binding with a threadsafe function.
pub type Waker = Box<dyn Fn() + Send + Sync>;

/// Pending bytes past which a producer wakes JS at once instead of at the
/// end of its thread's turn.
const WAKE_NOW_BYTES: usize = 32 * 1024;

/// Every live queue, for `flush_deferred_wakes`.
fn queues() -> &'static Mutex<Vec<Weak<EventQueue>>> {
    static QUEUES: OnceLock<Mutex<Vec<Weak<EventQueue>>>> = OnceLock::new();
    QUEUES.get_or_init(|| Mutex::new(Vec::new()))
}

/// Wakes JS for every queue that received events since its last wake-up.
/// The runtime calls this when a worker thread runs out of work, so that
/// everything one turn of the event loop produced crosses in one batch.
pub fn flush_deferred_wakes() {
    let mut list = queues().lock().unwrap();
    list.retain(|w| match w.upgrade() {
        Some(q) => {
            q.flush_wake();
            true
        }
        None => false,
    });
}

/// One JS environment's queue of pending events.
pub struct EventQueue {
    buf: Mutex<Vec<u8>>,
    /// Events were pushed and JS has not been woken for them yet.
    dirty: AtomicBool,
    scheduled: AtomicBool,
    waker: Waker,
    /// Counts batches taken by JS, so producers can bound what waits untaken.
    generation: AtomicU64,
    /// Wakes producers that wait for JS to take what they pushed.
    taken: Notify,
    /// Wake JS on every push rather than at the end of the producer's turn.
    immediate: bool,
}

impl EventQueue {
    /// A queue that calls `waker` when events become pending: at once if
    /// `immediate`, else from `flush_deferred_wakes` or past a size bound.
    pub fn new(waker: Waker, immediate: bool) -> Arc<Self> {
        let q = Arc::new(EventQueue {
            buf: Mutex::new(Vec::with_capacity(64 * 1024)),
            dirty: AtomicBool::new(false),
            scheduled: AtomicBool::new(false),
            waker,
            generation: AtomicU64::new(0),
            taken: Notify::new(),
            immediate,
        });
        if !immediate {
            queues().lock().unwrap().push(Arc::downgrade(&q));
        }
        q
    }

    fn flush_wake(&self) {
        if self.dirty.swap(false, Ordering::AcqRel) && !self.scheduled.swap(true, Ordering::AcqRel) {
            (self.waker)();
        }
    }

    /// Appends one event of `kind` about `id`, its fields written by `fill`.
    pub fn push(&self, kind: u8, id: u32, fill: impl FnOnce(&mut EventWriter)) {
        let len = {
            let mut buf = self.buf.lock().unwrap();
            let mut w = EventWriter { buf: &mut buf };
            w.u8(kind).u32(id);
            fill(&mut w);
            buf.len()
        };
        self.dirty.store(true, Ordering::Release);
        if self.immediate || len >= WAKE_NOW_BYTES {
            self.flush_wake();
        }
    }

    /// Takes every pending event; called on the JS thread by the wake-up.
    pub fn take(&self) -> Vec<u8> {
        self.scheduled.store(false, Ordering::Release);
        let batch = {
            let mut buf = self.buf.lock().unwrap();
            let cap = buf.capacity().clamp(4096, 1 << 20);
            std::mem::replace(&mut *buf, Vec::with_capacity(cap))
        };
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.taken.notify_waiters();
        batch
    }

    /// How many batches JS has taken so far.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Resolves after the next batch is taken (create it before checking).
    pub fn taken(&self) -> tokio::sync::futures::Notified<'_> {
        self.taken.notified()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn one_wake_per_batch() {
        let wakes = Arc::new(AtomicUsize::new(0));
        let w = wakes.clone();
        let q = EventQueue::new(
            Box::new(move || {
                w.fetch_add(1, Ordering::SeqCst);
            }),
            true,
        );
        q.push(kind::DRAIN, 7, |_| {});
        q.push(kind::BODY, 7, |w| {
            w.bytes(b"ab");
        });
        assert_eq!(wakes.load(Ordering::SeqCst), 1);
        let batch = q.take();
        assert_eq!(batch, vec![6, 7, 0, 0, 0, 3, 7, 0, 0, 0, 2, 0, 0, 0, b'a', b'b']);
        q.push(kind::END, 1, |_| {});
        assert_eq!(wakes.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn deferred_wake_waits_for_flush() {
        let wakes = Arc::new(AtomicUsize::new(0));
        let w = wakes.clone();
        let q = EventQueue::new(
            Box::new(move || {
                w.fetch_add(1, Ordering::SeqCst);
            }),
            false,
        );
        q.push(kind::DRAIN, 1, |_| {});
        q.push(kind::DRAIN, 2, |_| {});
        assert_eq!(wakes.load(Ordering::SeqCst), 0);
        flush_deferred_wakes();
        assert_eq!(wakes.load(Ordering::SeqCst), 1);
        flush_deferred_wakes();
        assert_eq!(wakes.load(Ordering::SeqCst), 1, "nothing new, no wake");
        assert_eq!(q.take().len(), 10);
    }
}
