//! The connection core, role-neutral: one HTTP/1.1 connection, server or
//! client, over either I/O driver's socket. `Conn` is what the JS thread
//! and the connection's task share (the write queue, read pause, timeouts,
//! control flags) and the calls JS makes; the task is the run loop (`run`)
//! over the reader (`reader`: parsing, the read state and the events it
//! pushes), generic over the role (`role`); `write_queue` is the writing
//! side, `timers` the deadlines. No napi here: events leave through
//! `events::EventQueue`.
pub mod buffers;
pub mod config;
pub mod reader;
pub mod registry;
pub mod role;
pub mod run;
pub mod signal;
pub mod stream;
pub mod timers;
pub mod write_queue;

#[cfg(test)]
pub(crate) mod tests;

pub use config::ConnConfig;
pub use role::{Client, Role, RoleKind, Server};

use crate::events::EventQueue;
use crate::exec::clock::{self, now_ms};
use crate::guard::{lock, INTERNAL_ERROR};
use crate::io::inline::hold;
use crate::io::Mode;
use bytes::{Bytes, BytesMut};
use signal::Signal;
use std::collections::VecDeque;
use std::io;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use stream::Stream;
use write_queue::{write_through, WriteQueue, WriteState, WrittenUpTo};

pub(crate) const CTL_DESTROY: u8 = 1;
pub(crate) const CTL_UPGRADE_RAW: u8 = 2;
pub(crate) const CTL_UPGRADE_HTTP: u8 = 4;
pub(crate) const CTL_CHANGED: u8 = 8;
pub(crate) const CTL_EOF: u8 = 16;
pub(crate) const CTL_FAIL: u8 = 32;

/// Bits of `Conn::response_expect`: what the client's current request
/// implies for its response (see `ResponseExpect`), and lenient parsing.
/// JS takes them from the binding (`constants()`).
pub const EXPECT_HEAD: u8 = 1;
pub const EXPECT_CONNECT: u8 = 2;
pub const EXPECT_LENIENT: u8 = 4;
/// Every `EXPECT_*` bit by name, for JS.
pub const EXPECT_ALL: &[(&str, u8)] = &[("HEAD", EXPECT_HEAD), ("CONNECT", EXPECT_CONNECT), ("LENIENT", EXPECT_LENIENT)];

/// A connection as seen from its task and from the calls JS makes.
pub struct Conn {
    pub id: u32,
    pub stream: Stream,
    write: Mutex<WriteQueue>,
    signal: Signal,
    read_paused: AtomicBool,
    control: AtomicU8,
    /// Socket idle timeout in ms (0 = none), as `socket.setTimeout`.
    idle_timeout_ms: AtomicU64,
    last_write_ms: AtomicU64,
    /// Requests whose responses JS has finished.
    responses_done: AtomicU32,
    /// Bytes read from the socket (`socket.bytesRead`).
    bytes_read: AtomicU64,
    last_response_ms: AtomicU64,
    /// A request has started arriving and is not complete yet.
    in_message: AtomicBool,
    /// Bytes JS handed in to be parsed as if read from the socket, one
    /// entry per call: each is parsed as one read, as Node's parser is
    /// given each chunk a socket emits.
    injected: Mutex<VecDeque<Bytes>>,
    /// The role it plays: a server's connection reads requests, a client's
    /// responses.
    pub role: RoleKind,
    /// Deferred writes wait in the queue for `flush_deferred`.
    deferred: AtomicBool,
    /// Client only: `EXPECT_*` bits for the response being awaited.
    response_expect: AtomicU8,
    /// Client only: the request's `maxHeaderSize` (0 = the config's).
    response_max_header: AtomicU32,
    /// JS listens for the socket's own data: each chunk read in HTTP mode
    /// is also sent as it is (READ_COPY), after its parse events.
    unconsumed: AtomicBool,
    /// What decides whether the connection holds the loop (`update_hold`):
    /// JS unref'd it; reading is over (the peer's end, or closed); writes
    /// are pending (as the queue said when last looked at); it holds now.
    unrefed: AtomicBool,
    read_done: AtomicBool,
    writes_pending: AtomicBool,
    held: AtomicBool,
    /// The driver the connection runs on.
    pub mode: Mode,
    /// Threaded mode: the environment's queue, which counts the
    /// connections holding its event loop (the inline mode counts per
    /// thread, `io::inline::hold`).
    hold_queue: Option<Arc<EventQueue>>,
}

/// Why writing to a connection failed.
#[derive(Debug)]
pub enum WriteError {
    Closed,
}

impl Conn {
    /// A connection over `stream`.
    pub fn new(id: u32, stream: Stream, cfg: &ConnConfig) -> Self {
        Conn {
            id,
            stream,
            write: Mutex::new(WriteQueue::default()),
            signal: Signal::default(),
            read_paused: AtomicBool::new(false),
            control: AtomicU8::new(0),
            idle_timeout_ms: AtomicU64::new(cfg.idle_timeout_ms),
            last_write_ms: AtomicU64::new(0),
            responses_done: AtomicU32::new(0),
            bytes_read: AtomicU64::new(0),
            last_response_ms: AtomicU64::new(0),
            in_message: AtomicBool::new(true),
            injected: Mutex::new(VecDeque::new()),
            role: RoleKind::Server,
            deferred: AtomicBool::new(false),
            response_expect: AtomicU8::new(0),
            response_max_header: AtomicU32::new(0),
            unconsumed: AtomicBool::new(false),
            unrefed: AtomicBool::new(false),
            read_done: AtomicBool::new(false),
            writes_pending: AtomicBool::new(false),
            held: AtomicBool::new(false),
            mode: Mode::Inline,
            hold_queue: None,
        }
    }

    /// Whether a threaded connection reports to `queue` (its environment's).
    pub fn reports_to(&self, queue: &Arc<EventQueue>) -> bool {
        self.hold_queue.as_ref().is_some_and(|q| Arc::ptr_eq(q, queue))
    }

    /// The connection on `mode`'s driver; on the I/O threads it holds
    /// `queue`'s loop (see `hold_queue`).
    pub fn on(self, mode: Mode, queue: &Arc<EventQueue>) -> Self {
        match mode {
            Mode::Inline => self,
            Mode::Threads => Conn { mode, hold_queue: Some(queue.clone()), ..self },
        }
    }

    /// Takes or gives back this connection's hold on its thread's event
    /// loop (`io::inline::hold`), by libuv's rule for a TCP handle: it holds while
    /// it reads (not paused by JS, the peer has not ended, not unref'd) or
    /// has writes or a half-close pending (whatever its ref, as libuv's
    /// write requests do). A virtual connection never holds: the stream JS
    /// feeds it from holds the loop by itself.
    fn update_hold(&self) {
        if matches!(self.stream, Stream::Virtual) {
            return;
        }
        let reading = !self.unrefed.load(Ordering::Acquire)
            && !self.read_done.load(Ordering::Acquire)
            && !self.read_paused.load(Ordering::Acquire);
        let want = reading || self.writes_pending.load(Ordering::Acquire);
        if self.held.swap(want, Ordering::AcqRel) != want {
            match &self.hold_queue {
                Some(q) => q.hold(want),
                None if want => hold::acquire(),
                None => hold::release(),
            }
        }
    }

    /// Records whether the queue `q` has writes pending (see `update_hold`).
    fn note_writes(&self, q: &WriteQueue) {
        let pending = q.pending();
        if self.writes_pending.swap(pending, Ordering::AcqRel) != pending {
            self.update_hold();
        }
    }

    /// `socket.ref()` (true) and `socket.unref()` (false): whether reading
    /// holds the loop.
    pub fn set_ref(&self, on: bool) {
        self.unrefed.store(!on, Ordering::Release);
        self.update_hold();
    }

    /// Reading is over: the peer ended, or the connection closed.
    fn end_reading(&self) {
        self.read_done.store(true, Ordering::Release);
        self.update_hold();
    }

    /// A client connection over `stream`: it reads responses.
    pub fn new_client(id: u32, stream: Stream, cfg: &ConnConfig) -> Self {
        Conn { role: RoleKind::Client, ..Conn::new(id, stream, cfg) }
    }

    /// Client: how to read the next response (`EXPECT_*` bits and the
    /// request's header size limit, 0 for the default).
    pub fn expect_response(&self, bits: u8, max_header_size: u32) {
        self.response_expect.store(bits, Ordering::Release);
        self.response_max_header.store(max_header_size, Ordering::Release);
    }

    /// Client: the `EXPECT_*` bits and header size limit (0 for the
    /// config's) of the response awaited.
    pub fn response_expectation(&self) -> (u8, usize) {
        (self.response_expect.load(Ordering::Acquire), self.response_max_header.load(Ordering::Acquire) as usize)
    }

    fn signal(&self, ctl: u8) {
        self.control.fetch_or(ctl, Ordering::AcqRel);
        self.signal.notify();
    }

    /// Notes a write for the idle timeout. With a timeout armed the clock is
    /// read afresh (a write late in a turn restarts it from the write, as
    /// Node's timer refresh does); otherwise the turn's frozen time will do.
    fn stamp_write(&self) {
        let now = if self.idle_timeout_ms.load(Ordering::Relaxed) != 0 { clock::refresh() } else { now_ms() };
        self.last_write_ms.store(now, Ordering::Relaxed);
    }

    /// The write queue, locked, unless the connection is closed or ending.
    fn open_queue(&self) -> Result<MutexGuard<'_, WriteQueue>, WriteError> {
        let q = lock(&self.write);
        if !q.is_open() {
            return Err(WriteError::Closed);
        }
        Ok(q)
    }

    /// Writes `chunks` in order: straight to the socket while nothing is
    /// queued, the rest queued for the task. Returns the bytes left queued.
    pub fn write(&self, chunks: &[&[u8]]) -> Result<usize, WriteError> {
        let mut q = self.open_queue()?;
        self.stamp_write();
        let mut at = WrittenUpTo::default();
        if q.is_empty() {
            at = write_through(&self.stream, chunks);
            if at.chunk == chunks.len() {
                return Ok(0);
            }
            if let Some(e) = &at.failed {
                q.note_failure(e);
            }
        }
        q.seal();
        for (i, c) in chunks[at.chunk..].iter().enumerate() {
            q.push_copy(if i == 0 { &c[at.offset..] } else { c });
        }
        let len = q.len;
        self.note_writes(&q);
        drop(q);
        self.signal.notify();
        Ok(len)
    }

    /// Queues `chunks` to be written by `flush_deferred` (JS writes while it
    /// handles a batch of events, so one connection's responses to
    /// pipelined requests leave in one syscall). Returns the bytes queued
    /// and whether the connection was not waiting for a flush yet.
    pub fn write_deferred(&self, chunks: &[&[u8]]) -> Result<(usize, bool), WriteError> {
        let mut q = self.open_queue()?;
        self.stamp_write();
        q.seal();
        for c in chunks {
            q.push_copy(c);
        }
        let len = q.len;
        drop(q);
        Ok((len, !self.deferred.swap(true, Ordering::AcqRel)))
    }

    /// `write_deferred` for bytes `fill` encodes in place: it gets a buffer
    /// with at least `reserve` bytes spare and returns how many it appended
    /// (or None, appending nothing, to fail). Returns those bytes, the
    /// bytes queued and whether the connection was not waiting for a flush.
    pub fn write_deferred_with(
        &self,
        reserve: usize,
        fill: impl FnOnce(&mut BytesMut) -> Option<usize>,
    ) -> Result<(usize, usize, bool), WriteError> {
        let mut q = self.open_queue()?;
        if q.staged.capacity() == 0 {
            q.staged = buffers::take();
        }
        q.staged.reserve(reserve);
        let n = fill(&mut q.staged);
        if q.staged.is_empty() {
            // Nothing staged (an empty string, or a failure): the buffer
            // goes back rather than stay with the connection.
            buffers::give(std::mem::take(&mut q.staged));
        }
        let n = n.ok_or(WriteError::Closed)?;
        if n == 0 {
            return Ok((0, q.len, false));
        }
        self.stamp_write();
        q.len += n;
        let len = q.len;
        drop(q);
        Ok((n, len, !self.deferred.swap(true, Ordering::AcqRel)))
    }

    /// Writes what `write_deferred` queued, as far as the socket takes it;
    /// the task writes the rest (and reports errors and drains).
    pub fn flush_deferred(&self) {
        self.deferred.store(false, Ordering::Release);
        let ok = self.flush().unwrap_or(false);
        let q = lock(&self.write);
        self.note_writes(&q);
        if !ok || q.want_drain || !q.is_empty() {
            drop(q);
            self.signal.notify();
        }
    }

    /// Its deferred writes are to be flushed on another thread (the I/O
    /// threads' `flush_deferred`): they count as pending now, so they hold
    /// the loop meanwhile as libuv's write requests would.
    pub fn hand_over_flush(&self) {
        let q = lock(&self.write);
        self.note_writes(&q);
    }

    /// Bytes queued and not yet written.
    pub fn queued(&self) -> usize {
        lock(&self.write).len
    }

    /// Asks for a DRAIN event once the queue is empty; false if already empty.
    pub fn want_drain(&self) -> bool {
        let mut q = lock(&self.write);
        if q.len == 0 {
            return false;
        }
        q.want_drain = true;
        true
    }

    /// Flushes what is queued, half-closes, then closes the connection.
    pub fn end(&self) {
        let mut q = lock(&self.write);
        if q.is_open() {
            q.state = WriteState::Ending;
        }
        self.note_writes(&q);
        drop(q);
        self.signal(CTL_CHANGED);
    }

    /// Parses `data` as if it had been read from the socket: bytes pushed
    /// into a socket by JS, or everything a virtual connection receives.
    pub fn inject(&self, data: &[u8]) {
        lock(&self.injected).push_back(Bytes::copy_from_slice(data));
        self.signal(CTL_CHANGED);
    }

    /// Ends what `inject` delivers, as the peer's end of stream would.
    pub fn inject_eof(&self) {
        self.signal(CTL_EOF);
    }

    /// Closes the connection now, dropping anything queued.
    /// Its server's timeouts changed: the task recomputes its deadlines.
    pub fn timeouts_changed(&self) {
        self.signal(CTL_CHANGED);
    }

    /// Fails the connection after a contained panic in a call JS made on
    /// it: it closes with `guard::INTERNAL_ERROR` as its error.
    pub fn fail(&self) {
        {
            // No write goes out after the failure.
            let mut q = lock(&self.write);
            q.close(false);
            self.note_writes(&q);
        }
        self.signal(CTL_FAIL);
    }

    pub fn destroy(&self) {
        // What JS wrote before destroying goes out, as a write the kernel had
        // taken would (deferred writes may still be queued).
        let _ = self.flush();
        self.stream.shutdown_both();
        self.signal(CTL_DESTROY);
    }

    /// Closes the connection now with an RST (`socket.resetAndDestroy()`):
    /// queued bytes are dropped, no FIN is sent; the descriptor closes when
    /// the task ends.
    pub fn reset(&self) {
        {
            lock(&self.write).close(true);
        }
        self.stream.set_linger_zero();
        self.signal(CTL_DESTROY);
    }

    /// Stops or resumes reading from the socket.
    pub fn pause_read(&self, paused: bool) {
        if self.read_paused.swap(paused, Ordering::AcqRel) != paused {
            // At once: a resumed socket must hold the loop before the loop
            // next looks, which may be before this connection's task runs.
            self.update_hold();
            self.signal(CTL_CHANGED);
        }
    }

    /// Sets the idle timeout (0 disables it).
    pub fn set_timeout(&self, ms: u64) {
        self.idle_timeout_ms.store(ms, Ordering::Relaxed);
        // The timeout counts from now, however long JS has run this turn.
        self.last_write_ms.store(clock::refresh(), Ordering::Relaxed);
        self.signal(CTL_CHANGED);
    }

    /// Bytes read from the socket so far (injected bytes are not counted).
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read.load(Ordering::Relaxed)
    }

    /// Whether a request is partly received (`closeIdleConnections` spares it).
    pub fn in_message(&self) -> bool {
        self.in_message.load(Ordering::Acquire)
    }

    /// Counts a response as finished, for the keep-alive timer.
    pub fn response_done(&self) {
        self.last_response_ms.store(now_ms(), Ordering::Relaxed);
        self.responses_done.fetch_add(1, Ordering::AcqRel);
    }

    /// From now on every chunk read in HTTP mode also reaches JS as it is
    /// (READ_COPY, after the events parsing it queued): the socket's 'data'
    /// listeners see the bytes as well as the parser, as in Node once a
    /// server socket is "unconsumed".
    pub fn unconsume(&self) {
        self.unconsumed.store(true, Ordering::Release);
    }

    /// After an upgrade request: hand the socket to JS raw, or go on with HTTP.
    pub fn upgrade_decision(&self, raw: bool) {
        self.signal(if raw { CTL_UPGRADE_RAW } else { CTL_UPGRADE_HTTP });
    }

    /// Writes queued bytes; true once the queue is empty. A closed
    /// connection (ended, reset or failed) writes nothing more.
    fn flush(&self) -> io::Result<bool> {
        let mut q = lock(&self.write);
        if q.state == WriteState::Closed {
            return Ok(true);
        }
        q.flush(&self.stream)
    }
}

/// Spawns the task of `conn` (in its role) on its driver. Should a poll of
/// it panic, the connection closes with `guard::INTERNAL_ERROR` (its socket
/// with it) and the other connections go on.
pub fn spawn(conn: Arc<Conn>, queue: Arc<EventQueue>, cfg: Arc<ConnConfig>) {
    let (c, q) = (conn.clone(), queue.clone());
    let on_panic = move || run::closed(&c, &q, INTERNAL_ERROR);
    match conn.role {
        RoleKind::Server => crate::io::spawn(conn.mode, run::run::<Server>(conn, queue, cfg), on_panic),
        RoleKind::Client => crate::io::spawn(conn.mode, run::run::<Client>(conn, queue, cfg), on_panic),
    }
}
