//! The event queue from connection tasks to JS: events are packed as bytes into
//! one growing buffer, and JS drains everything pending in one call
//! (DESIGN.md, "The bridge").
//!
//! Layout of one event: `u8 kind`, `u32 id`, `u32 length` of what follows,
//! then the kind's fields (the length lets JS step over an event it cannot
//! read, or one whose handler threw, and stay aligned). Numbers
//! are little-endian; `str`/`bytes` are a `u32` length and the bytes; `text`
//! is an interned string (`strings.rs`): `u8 0` and bytes, `u8 1`, `u16 slot`
//! and bytes to keep in the slot, or `u8 2` and the `u16 slot` it is in.

use crate::strings::{Interned, Interner};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use tokio::sync::Notify;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard};

/// Event kinds. JS takes them from the binding (`constants()`), so this is
/// their one source.
pub mod kind {
    /// id=conn; u32 server, str remote address, u16 remote port, u8 family
    /// (4, 6, or 0 for a unix socket), str local address, u16 local port.
    pub const CONNECTION: u8 = 1;
    /// id=conn; u8 method index, u8 minor version, u8 flags (1 keep-alive,
    /// 2 upgrade, 4 has body), text url, u32 count, then count times
    /// (text name, text value).
    pub const REQUEST: u8 = 2;
    /// id=conn; bytes chunk of the current request body.
    pub const BODY: u8 = 3;
    /// id=conn; u32 count and (text name, text value) trailers.
    pub const BODY_END: u8 = 4;
    /// id=conn; str code, str reason, u32 bytes parsed, bytes raw packet.
    pub const CLIENT_ERROR: u8 = 5;
    /// id=conn; everything queued has been written.
    pub const DRAIN: u8 = 6;
    /// id=conn; str error code ("" for a clean close), u32 low and u32 high
    /// halves of the bytes read from the socket.
    pub const CLOSE: u8 = 7;
    /// id=conn; the idle timeout set by `setTimeout` elapsed.
    pub const TIMEOUT: u8 = 8;
    /// id=conn; bytes read in raw (upgraded) mode.
    pub const DATA: u8 = 9;
    /// id=conn; the peer ended its side: u8 1 when that completed the
    /// request being read (a server's body that runs until close; JS ends
    /// it as Node's socket 'end' handler does), else 0.
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
    /// text reason, u32 count, then
    /// count times (text name, text value).
    pub const RESPONSE: u8 = 15;
    /// id=conn; bytes a copy of a chunk read in HTTP mode, after the events
    /// parsing it queued, once JS asked for copies (`Conn::unconsume`).
    pub const READ_COPY: u8 = 16;

    /// Every kind by name, for JS.
    pub const ALL: &[(&str, u8)] = &[
        ("CONNECTION", CONNECTION),
        ("REQUEST", REQUEST),
        ("BODY", BODY),
        ("BODY_END", BODY_END),
        ("CLIENT_ERROR", CLIENT_ERROR),
        ("DRAIN", DRAIN),
        ("CLOSE", CLOSE),
        ("TIMEOUT", TIMEOUT),
        ("DATA", DATA),
        ("END", END),
        ("SERVER_ERROR", SERVER_ERROR),
        ("INJECTED", INJECTED),
        ("CONNECTED", CONNECTED),
        ("CONNECT_FAILED", CONNECT_FAILED),
        ("RESPONSE", RESPONSE),
        ("READ_COPY", READ_COPY),
    ];
}

/// Bits of the flags byte of REQUEST and RESPONSE events.
pub mod flag {
    pub const KEEP_ALIVE: u8 = 1;
    pub const UPGRADE: u8 = 2;
    /// A body follows (BODY events, then BODY_END).
    pub const HAS_BODY: u8 = 4;

    /// Every bit by name, for JS.
    pub const ALL: &[(&str, u8)] = &[("KEEP_ALIVE", KEEP_ALIVE), ("UPGRADE", UPGRADE), ("HAS_BODY", HAS_BODY)];
}

/// Bytes before an event's fields: kind, id and length.
pub const EVENT_HEADER: usize = 9;

/// Appends fields to the packed buffer.
pub struct EventWriter<'a> {
    buf: &'a mut Vec<u8>,
    strings: &'a mut Interner,
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
    /// A string JS reads as latin1, interned (see the module doc).
    pub fn text(&mut self, v: &[u8]) -> &mut Self {
        match self.strings.intern(v) {
            Interned::Known(slot) => self.u8(2).u16(slot),
            Interned::Store(slot) => self.u8(1).u16(slot).bytes(v),
            Interned::Plain => self.u8(0).bytes(v),
        }
    }
}

/// What is pending: the packed events, and the interning table they were
/// written against.
struct Packed {
    buf: Vec<u8>,
    strings: Interner,
}

/// One JS environment's queue of pending events. Its tasks run on that
/// environment's JS thread, inside the driver's turn, which hands JS what the
/// turn queued once it ends.
pub struct EventQueue {
    packed: Mutex<Packed>,
    /// Counts batches taken by JS, so producers can bound what waits untaken.
    generation: AtomicU64,
    /// Held (shared) by an I/O thread while it pushes the events of one
    /// read (`group`), and (exclusively) by JS while it takes a batch.
    groups: RwLock<()>,
    /// The generation JS has handled: the batches it had taken when its
    /// last delivery ended (see `delivered`).
    handled: AtomicU64,
    /// Wakes producers that wait for JS to handle what they pushed.
    on_handled: Notify,
    /// The threaded I/O mode's wake-up of the JS thread (the environment's
    /// threadsafe function), once the environment uses that mode; at most
    /// one is in flight (`scheduled`), and JS drains everything then.
    waker: Mutex<Option<Waker>>,
    has_waker: AtomicBool,
    scheduled: AtomicBool,
    /// Threaded connections holding the JS event loop open (libuv's rule
    /// for a TCP handle, `Conn::update_hold`); the JS thread applies it.
    holds: AtomicUsize,
    /// The JS thread the queue belongs to.
    owner: std::thread::ThreadId,
}

/// What wakes the JS thread from an I/O thread.
pub type Waker = Arc<dyn Fn() + Send + Sync>;

impl EventQueue {
    /// An empty queue.
    pub fn new() -> Arc<Self> {
        Arc::new(EventQueue {
            packed: Mutex::new(Packed { buf: Vec::with_capacity(64 * 1024), strings: Interner::default() }),
            generation: AtomicU64::new(0),
            groups: RwLock::new(()),
            handled: AtomicU64::new(0),
            on_handled: Notify::new(),
            waker: Mutex::new(None),
            has_waker: AtomicBool::new(false),
            scheduled: AtomicBool::new(false),
            holds: AtomicUsize::new(0),
            owner: std::thread::current().id(),
        })
    }

    /// The pending events. A panic never leaves the lock poisoned (see
    /// `push`), and a poisoned one is used as it is: the buffer is always
    /// whole events.
    fn packed(&self) -> MutexGuard<'_, Packed> {
        self.packed.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Keeps the events pushed until the guard drops in one batch: JS does
    /// not take a batch meanwhile (it waits for the guard, at most the time
    /// an I/O thread takes to parse one read). Node handles one read's
    /// events in one callback, with no ticks between them; on the I/O
    /// threads JS would otherwise take the first events of a read, run the
    /// ticks they queued (a response), and only then see the rest (a parse
    /// error). Groups of different threads do not exclude each other.
    pub fn group(&self) -> RwLockReadGuard<'_, ()> {
        self.groups.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits for the groups being pushed to end (see `group`).
    fn no_group(&self) -> std::sync::RwLockWriteGuard<'_, ()> {
        self.groups.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Appends one event of `kind` about `id`, its fields written by `fill`.
    /// If `fill` panics, the partial event is dropped (and the interning
    /// table forgotten, since JS never saw what it stored), the lock is
    /// released unpoisoned, and the panic goes on to the caller's guard.
    pub fn push(&self, kind: u8, id: u32, fill: impl FnOnce(&mut EventWriter)) {
        let mut p = self.packed();
        let Packed { buf, strings } = &mut *p;
        let start = buf.len();
        let filled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut w = EventWriter { buf: &mut *buf, strings: &mut *strings };
            w.u8(kind).u32(id).u32(0);
            crate::inject_panic!("event_push");
            fill(&mut w);
        }));
        match filled {
            Ok(()) => {
                let len = (buf.len() - start - EVENT_HEADER) as u32;
                buf[start + 5..start + EVENT_HEADER].copy_from_slice(&len.to_le_bytes());
                drop(p);
                self.wake();
            }
            Err(panic) => {
                buf.truncate(start);
                *strings = Interner::default();
                drop(p);
                std::panic::resume_unwind(panic);
            }
        }
    }

    /// Sets (or, at teardown, clears) what wakes the JS thread when an
    /// event is pushed from an I/O thread.
    pub fn set_waker(&self, waker: Option<Waker>) {
        self.has_waker.store(waker.is_some(), Ordering::Release);
        *self.waker.lock().unwrap_or_else(PoisonError::into_inner) = waker;
    }

    /// Wakes the JS thread (threaded mode) unless a wake-up is in flight.
    pub fn wake(&self) {
        if !self.has_waker.load(Ordering::Acquire) || self.scheduled.swap(true, Ordering::AcqRel) {
            return;
        }
        let waker = self.waker.lock().unwrap_or_else(PoisonError::into_inner).clone();
        match waker {
            Some(w) => w(),
            None => self.scheduled.store(false, Ordering::Release),
        }
    }

    /// Called on the JS thread as a wake-up is handled, before the queue is
    /// drained: what is pushed from now on wakes it again.
    pub fn woken(&self) {
        self.scheduled.store(false, Ordering::Release);
    }

    /// A threaded connection starts (`true`) or stops holding the event
    /// loop; the first and the last wake the JS thread to apply it.
    pub fn hold(&self, on: bool) {
        let before = if on { self.holds.fetch_add(1, Ordering::AcqRel) } else { self.holds.fetch_sub(1, Ordering::AcqRel) };
        if (on && before == 0) || (!on && before == 1) {
            if std::thread::current().id() == self.owner {
                // A call from JS (a resume): applied now, before the loop
                // could find nothing holding it and exit.
                crate::io::inline::hold::threads_changed();
            } else {
                self.wake();
            }
        }
    }

    /// Threaded connections holding the loop now.
    pub fn holds(&self) -> usize {
        self.holds.load(Ordering::Acquire)
    }

    /// True when no event waits.
    pub fn is_empty(&self) -> bool {
        self.packed().buf.is_empty()
    }

    /// When the pending events fit in `cap` bytes, hands them to `f` and
    /// clears the queue (keeping its memory); returns their length either
    /// way. Called on the JS thread.
    pub fn drain_if_within(&self, cap: usize, f: impl FnOnce(&[u8])) -> usize {
        let _whole = self.no_group();
        let len = {
            let buf = &mut self.packed().buf;
            let len = buf.len();
            if len > cap {
                return len;
            }
            f(buf);
            buf.clear();
            len
        };
        self.taken_once();
        len
    }

    fn taken_once(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// Called on the JS thread when a delivery is over: JS has handled the
    /// batches it took, and the ticks and microtasks they queued have run.
    /// Producers waiting for that go on.
    pub fn delivered(&self) {
        self.handled.store(self.generation(), Ordering::Release);
        self.on_handled.notify_waiters();
    }

    /// Takes every pending event; called on the JS thread.
    pub fn take(&self) -> Vec<u8> {
        let _whole = self.no_group();
        let batch = {
            let buf = &mut self.packed().buf;
            let cap = buf.capacity().clamp(4096, 1 << 20);
            std::mem::replace(buf, Vec::with_capacity(cap))
        };
        self.taken_once();
        batch
    }

    /// How many batches JS has taken so far. An event pushed while it is
    /// `g` is taken with batch `g + 1`.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Whether JS has handled the events pushed while the generation was
    /// `gen` (read before the push).
    pub fn handled_since(&self, gen: u64) -> bool {
        self.handled.load(Ordering::Acquire) > gen
    }

    /// Resolves after the next delivery ends (create it before checking).
    pub fn handled_notified(&self) -> tokio::sync::futures::Notified<'_> {
        self.on_handled.notified()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_listed_once_and_numbered_from_one() {
        let mut codes: Vec<u8> = kind::ALL.iter().map(|&(_, k)| k).collect();
        codes.sort();
        assert_eq!(codes, (1..=kind::ALL.len() as u8).collect::<Vec<_>>());
    }

    #[test]
    fn packs_events_and_counts_batches() {
        let q = EventQueue::new();
        assert!(q.is_empty());
        q.push(kind::DRAIN, 7, |_| {});
        q.push(kind::BODY, 7, |w| {
            w.bytes(b"ab");
        });
        assert!(!q.is_empty());
        let batch = q.take();
        assert_eq!(batch, vec![6, 7, 0, 0, 0, 0, 0, 0, 0, 3, 7, 0, 0, 0, 6, 0, 0, 0, 2, 0, 0, 0, b'a', b'b']);
        assert_eq!(q.generation(), 1);
        assert!(!q.handled_since(0));
        q.delivered();
        assert!(q.handled_since(0) && !q.handled_since(1));
        assert!(q.is_empty());
        q.push(kind::END, 9, |_| {});
        assert_eq!(q.drain_if_within(8, |_| panic!("does not fit")), 9);
        let mut got = Vec::new();
        assert_eq!(q.drain_if_within(9, |b| got.extend_from_slice(b)), 9);
        assert_eq!(got, vec![10, 9, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(q.generation(), 2);
        assert!(q.is_empty());
    }

    #[test]
    fn a_panic_while_filling_drops_that_event_and_leaves_the_queue_usable() {
        let q = EventQueue::new();
        q.push(kind::REQUEST, 1, |w| {
            w.text(b"Host");
        });
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            q.push(kind::BODY, 2, |w| {
                w.text(b"localhost").bytes(b"half");
                panic!("a bug while writing an event");
            });
        }));
        assert!(caught.is_err());
        // Not poisoned, and nothing of the half-written event is left.
        q.push(kind::BODY, 3, |w| {
            w.text(b"Host");
        });
        let batch = q.take();
        // The first event (its interned name stored in slot 0), then the
        // third: the table was forgotten, so "Host" is stored again rather
        // than referred to a slot JS may never have been told about.
        let first = [2, 1, 0, 0, 0, 11, 0, 0, 0, 1, 0, 0, 4, 0, 0, 0, b'H', b'o', b's', b't'];
        assert_eq!(&batch[..first.len()], &first);
        let third = &batch[first.len()..];
        assert_eq!(&third[..EVENT_HEADER], &[3, 3, 0, 0, 0, 11, 0, 0, 0]);
        assert_eq!(third[EVENT_HEADER], 1, "stored, not known");
        assert_eq!(third.len(), EVENT_HEADER + 11);
    }
}
