//! One server connection: the state the JS thread shares with the
//! connection's task (write queue, read pause, timeouts, control flags) and
//! the task itself, which reads and parses requests, flushes what direct
//! writes left queued, and enforces the server's timeouts.

use crate::exec::clock::{self, now_ms};
pub mod config;
pub mod registry;
pub mod signal;
pub mod stream;

pub use config::ConnConfig;
use stream::{Read, Stream};
use crate::events::{kind, EventQueue, EventWriter};
use crate::io::inline::hold;
use crate::io::Deadline;
use crate::guard::{lock, INTERNAL_ERROR};
use crate::io::Mode;
use crate::proto::{
    method_error_offset, parse_request_head, parse_response_head, BodyDecoder, BodyPiece, Code, HeadLimits, ParseError,
    ResponseExpect,
};
use bytes::{Buf, Bytes, BytesMut};
use std::collections::VecDeque;
use std::io::{self, IoSlice};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use signal::Signal;
use std::future::Future;
use std::task::Poll;

const CTL_DESTROY: u8 = 1;
const CTL_UPGRADE_RAW: u8 = 2;
const CTL_UPGRADE_HTTP: u8 = 4;
const CTL_CHANGED: u8 = 8;
const CTL_EOF: u8 = 16;
const CTL_FAIL: u8 = 32;

/// Bits of `Conn::response_expect`: what the client's current request
/// implies for its response (see `ResponseExpect`), and lenient parsing.
/// JS takes them from the binding (`constants()`).
pub const EXPECT_HEAD: u8 = 1;
pub const EXPECT_CONNECT: u8 = 2;
pub const EXPECT_LENIENT: u8 = 4;
/// Every `EXPECT_*` bit by name, for JS.
pub const EXPECT_ALL: &[(&str, u8)] = &[("HEAD", EXPECT_HEAD), ("CONNECT", EXPECT_CONNECT), ("LENIENT", EXPECT_LENIENT)];

/// Request heads, body or raw bytes a connection may have waiting in the
/// event queue before JS takes them; past this it stops reading until JS
/// has taken them, so a paused request holds, and a flood of pipelined
/// requests reaches JS about 64 KB at a time (the chunk Node's socket reads
/// before its server pauses it), not as all the kernel buffered.
const MAX_UNTAKEN_BYTES: usize = 64 * 1024;

/// Capacity of a read buffer.
const READ_BUFFER_SIZE: usize = 16 * 1024;

/// How much Node reads from a socket at once (libuv's suggested size) and
/// hands its parser as one chunk. Where reads split the stream is visible:
/// a declined upgrade drops the rest of its read, the nextTick queue runs
/// between reads, a parse error's bytesParsed and rawPacket are the read's,
/// an open span counts against maxHeaderSize at a read's end.
const NODE_READ_SIZE: usize = 64 * 1024;

/// One read as Node makes it: up to `NODE_READ_SIZE` bytes, as many as the
/// socket has, appended to `buf` (which grows only while there is more to
/// read, so a connection does not hold 64 KiB for a few bytes). `Ok(0)` is
/// the peer's end; an end or error after some bytes is seen on the next
/// read (readiness stays set), except an end reported with a reset
/// (`Read::Last`, see `Stream::read_once`), which ends this read.
fn read_as_node(stream: &Stream, buf: &mut BytesMut) -> io::Result<Read> {
    let mut total = 0;
    loop {
        if buf.capacity() - buf.len() < 4096 {
            if buf.is_empty() {
                *buf = buffers::take();
            } else {
                buf.reserve(READ_BUFFER_SIZE);
            }
        }
        let room = (buf.capacity() - buf.len()).min(NODE_READ_SIZE - total);
        match stream.read_once(buf, room) {
            Ok(Read::Some(0)) => return Ok(Read::Some(total)),
            Ok(Read::Some(n)) => {
                total += n;
                if n < room || total >= NODE_READ_SIZE {
                    return Ok(Read::Some(total));
                }
            }
            Ok(Read::Last(n)) => return Ok(Read::Last(total + n)),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) if total > 0 => return Ok(Read::Some(total)),
            Err(e) => return Err(e),
        }
    }
}

/// Buffers shared by the connections of one thread: a connection takes one
/// to read into and gives it back once everything in it was parsed (events
/// copy what they carry), and likewise one to stage its responses in until
/// they are written; so idle connections hold no buffer.
mod buffers {
    use super::READ_BUFFER_SIZE;
    use bytes::BytesMut;
    use std::cell::RefCell;

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
}

/// Bytes the JS side wrote that the kernel did not take yet.
#[derive(Default)]
struct WriteQueue {
    bufs: VecDeque<Bytes>,
    /// Small deferred writes encoded in place, after everything in `bufs`.
    /// A pooled buffer (`buffers`), taken for the first and given back
    /// once all is written, so responses allocate none.
    staged: BytesMut,
    /// Bytes in `bufs` and `staged`.
    len: usize,
    /// JS asked to be told when the queue empties.
    want_drain: bool,
    /// Half-close and close once the queue is flushed.
    ending: bool,
    /// The half-close is done.
    shut: bool,
    closed: bool,
}

impl WriteQueue {
    fn is_empty(&self) -> bool {
        self.bufs.is_empty() && self.staged.is_empty()
    }

    /// Bytes or a half-close wait for the socket (libuv's pending write
    /// and shutdown requests, which hold the loop).
    fn pending(&self) -> bool {
        !self.closed && (!self.is_empty() || (self.ending && !self.shut))
    }

    /// Moves the staged bytes to the end of `bufs`, so what is pushed next
    /// goes after them.
    fn seal(&mut self) {
        if !self.staged.is_empty() {
            let staged = std::mem::take(&mut self.staged).freeze();
            self.bufs.push_back(staged);
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
}

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
    /// A client connection: it parses responses, not requests.
    client: bool,
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
            client: false,
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
        Conn { client: true, ..Conn::new(id, stream, cfg) }
    }

    /// Client: how to read the next response (`EXPECT_*` bits and the
    /// request's header size limit, 0 for the default).
    pub fn expect_response(&self, bits: u8, max_header_size: u32) {
        self.response_expect.store(bits, Ordering::Release);
        self.response_max_header.store(max_header_size, Ordering::Release);
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
        if q.closed || q.ending {
            return Err(WriteError::Closed);
        }
        Ok(q)
    }

    /// Writes `chunks` in order: straight to the socket while nothing is
    /// queued, the rest queued for the task. Returns the bytes left queued.
    pub fn write(&self, chunks: &[&[u8]]) -> Result<usize, WriteError> {
        let mut q = self.open_queue()?;
        self.stamp_write();
        let mut first = 0;
        let mut offset = 0;
        if q.is_empty() {
            let total: usize = chunks.iter().map(|c| c.len()).sum();
            let mut written = 0;
            while written < total {
                let slices: Vec<IoSlice> = chunks[first..]
                    .iter()
                    .enumerate()
                    .map(|(i, c)| IoSlice::new(if i == 0 { &c[offset..] } else { c }))
                    .take(64)
                    .collect();
                match self.stream.try_write_vectored(&slices) {
                    Ok(0) => break,
                    Ok(mut n) => {
                        written += n;
                        while n > 0 {
                            let left = chunks[first].len() - offset;
                            if n >= left {
                                n -= left;
                                first += 1;
                                offset = 0;
                            } else {
                                offset += n;
                                n = 0;
                            }
                        }
                        while first < chunks.len() && chunks[first].len() == offset {
                            first += 1;
                            offset = 0;
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(_) => break,
                }
            }
            if written == total {
                return Ok(0);
            }
        }
        q.seal();
        for (i, c) in chunks[first..].iter().enumerate() {
            let part = if i == 0 { &c[offset..] } else { c };
            if !part.is_empty() {
                q.len += part.len();
                q.bufs.push_back(Bytes::copy_from_slice(part));
            }
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
        for c in chunks.iter().filter(|c| !c.is_empty()) {
            q.len += c.len();
            q.bufs.push_back(Bytes::copy_from_slice(c));
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
        q.ending = true;
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
            q.closed = true;
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
            let mut q = lock(&self.write);
            q.closed = true;
            q.bufs.clear();
            q.len = 0;
            buffers::give(std::mem::take(&mut q.staged));
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

    /// Writes queued bytes; true once the queue is empty.
    fn flush(&self) -> io::Result<bool> {
        let mut q = lock(&self.write);
        if q.bufs.is_empty() {
            // The usual case: one response (or a few pipelined ones) staged.
            while !q.staged.is_empty() {
                match self.stream.try_write_vectored(&[IoSlice::new(&q.staged)]) {
                    Ok(n) => q.staged_written(n),
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                }
            }
            return Ok(true);
        }
        q.seal();
        while !q.bufs.is_empty() {
            let mut slices = [IoSlice::new(&[]); 64];
            let count = q.bufs.len().min(slices.len());
            for (slot, b) in slices.iter_mut().zip(q.bufs.iter()) {
                *slot = IoSlice::new(b);
            }
            let mut n = match self.stream.try_write_vectored(&slices[..count]) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            q.len -= n;
            while n > 0 {
                let front = q.bufs.front_mut().unwrap();
                if n >= front.len() {
                    n -= front.len();
                    q.bufs.pop_front();
                } else {
                    front.advance(n);
                    n = 0;
                }
            }
        }
        Ok(true)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting for (the rest of) a request head.
    Head,
    /// Reading the body of the current request.
    Body,
    /// An upgrade head was delivered; JS decides raw or HTTP.
    AwaitUpgrade,
    /// Bytes go to JS as they are.
    Raw,
    /// After a non-persistent request: further bytes are ignored.
    Discard,
    /// After a parse error: further bytes are not parsed; on a server
    /// connection each read raises the error again (see `Reader::error`).
    Errored,
}

/// The reading side of a connection task.
struct Reader<'a> {
    conn: &'a Conn,
    queue: &'a EventQueue,
    cfg: &'a ConnConfig,
    buf: BytesMut,
    phase: Phase,
    decoder: BodyDecoder,
    keep_alive: bool,
    /// When the current message's first byte arrived (ms clock).
    message_start: Option<u64>,
    /// The current message's headersTimeout/requestTimeout has fired. As in
    /// Node (whose connections list forgets an expired parser until its
    /// next message begins) it fires once per message, and parsing goes on:
    /// a 'clientError' listener may keep the connection.
    request_timer_fired: bool,
    /// The current message's first byte has been read (llhttp's
    /// on_message_begin, which restarts Node's clock for the message).
    message_begun: bool,
    requests: u32,
    last_read_ms: u64,
    /// Request-head, body or raw bytes pushed that JS may not have handled
    /// yet: since it last had handled all this connection pushed.
    untaken_bytes: usize,
    /// The queue's generation before the last of them was pushed.
    untaken_gen: u64,
    /// The parse error that stopped a server connection: llhttp keeps its
    /// error state, so Node's server raises it again (a 'clientError' whose
    /// rawPacket is the new chunk) for every later chunk the socket reads.
    error: Option<ParseError>,
    /// Server: llhttp's `parser->upgrade`, set from each request head as it
    /// completes and kept until the next one does. While it is set, Node's
    /// parser reports no error (node_http_parser.cc reports one only
    /// `if (!parser_.upgrade && err != HPE_OK)`): after a declined upgrade a
    /// bad next request, or the peer ending inside one, silently stops the
    /// parsing instead of drawing a 400.
    upgrade: bool,
    /// What this turn of `process` consumed from the front of `buf` (split
    /// off, not copied): with `buf` it is everything the turn began with, so
    /// a server's parse error can report the whole read as Node does.
    taken: BytesMut,
    /// Where the read being parsed begins in `taken` followed by `buf`
    /// (after what was left unparsed from earlier reads).
    chunk_at: usize,
}

fn write_fields(w: &mut EventWriter, buf: &[u8], fields: &[(std::ops::Range<usize>, std::ops::Range<usize>)]) {
    w.u32(fields.len() as u32);
    for (n, v) in fields {
        w.text(&buf[n.clone()]).text(&buf[v.clone()]);
    }
}

impl Reader<'_> {
    /// Counts request-head, body or raw bytes handed to the queue that JS
    /// has not handled yet. `gen`: the queue's generation read before the
    /// event was pushed (the event goes with batch `gen + 1`: on the I/O
    /// threads no batch is taken while a read's events are pushed, see
    /// `one_batch`). Read after the push, it could name a batch taken since,
    /// which already held the event, and the connection would wait for one
    /// that never comes.
    fn count_untaken(&mut self, gen: u64, n: usize) {
        if self.queue.handled_since(self.untaken_gen) {
            self.untaken_bytes = 0;
        }
        self.untaken_gen = gen;
        self.untaken_bytes += n;
    }

    /// Whether too many bytes wait for JS to handle them. Handled, not only
    /// taken: on the I/O threads the connection would otherwise read on
    /// while JS runs the handlers that pause it, as Node's socket never
    /// does (it reads again only after the handlers of its last read ran).
    fn queue_full(&self) -> bool {
        self.untaken_bytes >= MAX_UNTAKEN_BYTES && !self.queue.handled_since(self.untaken_gen)
    }

    /// An error that is not the parser's (a request timeout, a panic while
    /// parsing): nothing parsed to report, the unparsed bytes as rawPacket.
    fn client_error(&mut self, code: &str, reason: &str) {
        let raw = &self.buf[..];
        self.queue.push(kind::CLIENT_ERROR, self.conn.id, |w| {
            w.str(code).str(reason).u32(0).bytes(raw);
        });
        // Later chunks are raised on their own (see `error`).
        self.buf.clear();
        self.phase = Phase::Errored;
    }

    /// Consumes `n` parsed bytes from the front of `buf` (kept in `taken`
    /// until the turn ends).
    fn consume(&mut self, n: usize) {
        let piece = self.buf.split_to(n);
        if self.taken.is_empty() {
            self.taken = piece;
        } else {
            // Contiguous with what was taken before: no copy.
            self.taken.unsplit(piece);
        }
    }

    /// A parse error as Node's parser reports it, server or client:
    /// `rawPacket` is the whole read being parsed and `bytesParsed` where in
    /// it llhttp stopped (`pos`, an offset into `buf`).
    fn read_parse_error(&mut self, e: ParseError, pos: usize) {
        let taken = self.taken.len();
        let start = self.chunk_at;
        let parsed = (taken + pos).saturating_sub(start) as u32;
        let mut raw = Vec::with_capacity((taken + self.buf.len()).saturating_sub(start));
        if start < taken {
            raw.extend_from_slice(&self.taken[start..]);
            raw.extend_from_slice(&self.buf);
        } else {
            raw.extend_from_slice(&self.buf[(start - taken).min(self.buf.len())..]);
        }
        self.queue.push(kind::CLIENT_ERROR, self.conn.id, |w| {
            w.str(e.code()).str(e.reason()).u32(parsed).bytes(&raw);
        });
        if !self.conn.client {
            self.error = Some(e);
        }
        // Later chunks are raised on their own (see `error`).
        self.buf.clear();
        self.phase = Phase::Errored;
    }

    fn parse_error(&mut self, e: ParseError) {
        if self.upgrade && !self.conn.client {
            // Swallowed (see `upgrade`); llhttp stays in its error state, so
            // nothing more is parsed on this connection.
            self.buf.clear();
            self.phase = Phase::Errored;
            self.error = None;
            return;
        }
        let pos = match e.code {
            Code::InvalidMethod if self.phase == Phase::Head && !self.conn.client => method_error_offset(&self.buf),
            _ => e.at,
        };
        self.read_parse_error(e, pos);
    }

    /// After a head: read its body, or finish the message if it has none.
    fn start_body(&mut self) {
        if self.decoder.is_done() {
            self.message_done();
        } else {
            self.phase = Phase::Body;
        }
    }

    fn message_done(&mut self) {
        self.message_start = None;
        self.request_timer_fired = false;
        self.message_begun = false;
        self.conn.in_message.store(false, Ordering::Release);
        // llhttp's `cleanup`: without keep-alive the parser goes to `closed`,
        // unless lenient (`insecureHTTPParser` sets LENIENT_KEEP_ALIVE), which
        // restarts it: the bytes after are parsed as the next message.
        self.phase = if self.keep_alive || self.lenient() { Phase::Head } else { Phase::Discard };
        if self.conn.client {
            return;
        }
        if self.upgrade {
            // A declined upgrade: llhttp pauses with HPE_PAUSED_UPGRADE at the
            // message's end and Node resumes it without handing it the rest of
            // that read, so what followed in the same read is never parsed.
            self.buf.clear();
        }
    }

    /// Parses and delivers everything the buffer holds. A bug that panics
    /// while parsing fails this connection like a parse error (the peer gets
    /// its 400, the request its error) instead of leaving it hanging.
    /// `chunk_len`: how many bytes at the end of `buf` the read (or
    /// injected chunk) that brought them added.
    fn process(&mut self, chunk_len: usize) {
        self.chunk_at = self.buf.len().saturating_sub(chunk_len);
        if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.process_bytes())).is_err() {
            self.buf.clear();
            self.client_error("HPE_INTERNAL", "Internal parser error");
        }
        // The read buffer is the connection's alone again.
        self.taken = BytesMut::new();
    }

    fn process_bytes(&mut self) {
        crate::inject_panic!("parse");
        loop {
            match self.phase {
                Phase::Head => {
                    // Blank lines between requests are skipped (as llhttp
                    // does) and do not start a message or its timers.
                    let blank = self.buf.iter().take_while(|&&b| b == b'\r' || b == b'\n').count();
                    if blank > 0 {
                        self.consume(blank);
                    }
                    if self.buf.is_empty() {
                        return;
                    }
                    if !self.message_begun {
                        // The clock restarts here even for the first
                        // message, whose clock ran since the connection
                        // opened, as Node's parser does at message begin.
                        self.message_begun = true;
                        self.message_start = Some(now_ms());
                        self.request_timer_fired = false;
                        self.conn.in_message.store(true, Ordering::Release);
                    }
                    if self.conn.client {
                        match self.process_response_head() {
                            Ok(true) => continue,
                            Ok(false) => return,
                            Err(e) => return self.parse_error(e),
                        }
                    }
                    let head = match parse_request_head(&self.buf, self.cfg.limits) {
                        Ok(None) => return,
                        Ok(Some(h)) => h,
                        Err(e) => return self.parse_error(e),
                    };
                    self.decoder = BodyDecoder::with_options(head.framing, self.cfg.limits.lenient, true);
                    self.keep_alive = head.keep_alive;
                    self.upgrade = head.upgrade;
                    self.requests += 1;
                    let flags = message_flags(head.keep_alive, head.upgrade, !self.decoder.is_done())
                        | (head.version_major.min(15) << 4);
                    let buf = head.rebuilt.as_deref().unwrap_or(&self.buf[..]);
                    let gen = self.queue.generation();
                    self.queue.push(kind::REQUEST, self.conn.id, |w| {
                        w.u8(head.method).u8(head.version_minor).u8(flags).text(&buf[head.path.clone()]);
                        write_fields(w, buf, &head.headers);
                    });
                    self.consume(head.head_len);
                    self.count_untaken(gen, head.head_len);
                    if head.invalid_transfer_encoding {
                        self.phase = Phase::Body;
                        return self.parse_error(ParseError::INVALID_TRANSFER_ENCODING);
                    }
                    if head.upgrade {
                        self.phase = Phase::AwaitUpgrade;
                        return;
                    }
                    self.start_body();
                }
                Phase::Body => {
                    let max = self.cfg.limits.max_header_size;
                    match self.decoder.decode(&self.buf, max) {
                        Ok((n, Some(BodyPiece::Data(r)))) => {
                            let chunk = &self.buf[r];
                            let gen = self.queue.generation();
                            self.queue.push(kind::BODY, self.conn.id, |w| {
                                w.bytes(chunk);
                            });
                            self.count_untaken(gen, chunk.len());
                            self.consume(n);
                        }
                        Ok((n, Some(BodyPiece::End { trailers, rebuilt }))) => {
                            let buf = rebuilt.as_deref().unwrap_or(&self.buf[..]);
                            self.queue.push(kind::BODY_END, self.conn.id, |w| write_fields(w, buf, &trailers));
                            self.consume(n);
                            self.message_done();
                        }
                        Ok((n, None)) => {
                            self.consume(n);
                            return;
                        }
                        Err(e) => return self.parse_error(e),
                    }
                }
                Phase::Raw => {
                    if !self.buf.is_empty() {
                        let data = &self.buf[..];
                        let gen = self.queue.generation();
                        self.queue.push(kind::DATA, self.conn.id, |w| {
                            w.bytes(data);
                        });
                        self.count_untaken(gen, data.len());
                        self.buf.clear();
                    }
                    return;
                }
                Phase::Errored => {
                    if let Some(e) = self.error.filter(|_| !self.buf.is_empty()) {
                        let raw = &self.buf[..];
                        self.queue.push(kind::CLIENT_ERROR, self.conn.id, |w| {
                            w.str(e.code()).str(e.reason()).u32(0).bytes(raw);
                        });
                    }
                    self.buf.clear();
                    return;
                }
                Phase::Discard => {
                    // llhttp's `closed` state: blank lines are skipped; any
                    // other byte is an error unless the parser is lenient
                    // (which also ignores the data).
                    let blank = self.buf.iter().take_while(|&&b| b == b'\r' || b == b'\n').count();
                    if blank < self.buf.len() && !self.lenient() {
                        self.consume(blank);
                        // llhttp stops past the byte it refuses.
                        return self.parse_error(ParseError::CLOSED_CONNECTION.at(1));
                    }
                    self.buf.clear();
                    return;
                }
                Phase::AwaitUpgrade => return,
            }
        }
    }

    /// Whether the current message is parsed leniently (`insecureHTTPParser`).
    fn lenient(&self) -> bool {
        self.cfg.limits.lenient
            || (self.conn.client && self.conn.response_expect.load(Ordering::Acquire) & EXPECT_LENIENT != 0)
    }

    /// Client: parses and delivers one response head. Ok(false) when more
    /// bytes are needed or the connection switches protocols.
    fn process_response_head(&mut self) -> Result<bool, ParseError> {
        let bits = self.conn.response_expect.load(Ordering::Acquire);
        let max = self.conn.response_max_header.load(Ordering::Acquire) as usize;
        let limits = HeadLimits {
            max_header_size: if max > 0 { max } else { self.cfg.limits.max_header_size },
            lenient: bits & EXPECT_LENIENT != 0 || self.cfg.limits.lenient,
        };
        let expect = ResponseExpect { head: bits & EXPECT_HEAD != 0, connect: bits & EXPECT_CONNECT != 0 };
        let head = match parse_response_head(&self.buf, limits, expect)? {
            None => return Ok(false),
            Some(h) => h,
        };
        self.decoder = BodyDecoder::with_options(head.framing, limits.lenient, false);
        // llhttp's should_keep_alive, 1xx included: after an informational
        // response with `Connection: close` more bytes are an error.
        self.keep_alive = head.keep_alive;
        let flags = message_flags(head.keep_alive, head.upgrade, !self.decoder.is_done()) | (head.version_major.min(15) << 4);
        let buf = head.rebuilt.as_deref().unwrap_or(&self.buf[..]);
        self.queue.push(kind::RESPONSE, self.conn.id, |w| {
            w.u16(head.status).u8(head.version_minor).u8(flags).text(&buf[head.reason.clone()]);
            write_fields(w, buf, &head.headers);
        });
        self.consume(head.head_len);
        if head.upgrade {
            self.phase = Phase::AwaitUpgrade;
            return Ok(false);
        }
        if head.status == 101 {
            // A 101 that does not switch (no Upgrade/Connection: upgrade
            // pair) is an ordinary response, but llhttp still stops at its
            // head, and Node's client drops the rest of what it had read.
            self.buf.clear();
        }
        self.start_body();
        Ok(true)
    }

    /// At the peer's end of stream: completes a body that runs until close.
    /// A client hears BODY_END now; a server's request ends with the END
    /// event instead (true returned), as Node's server completes it in its
    /// socket 'end' handler (`parser.finish()`), just before it ends the
    /// socket.
    fn finish_at_eof(&mut self) -> bool {
        if self.phase == Phase::Body && self.decoder.finish_at_eof() {
            if self.conn.client {
                self.queue.push(kind::BODY_END, self.conn.id, |w| {
                    w.u32(0);
                });
            }
            self.message_done();
            return !self.conn.client;
        }
        false
    }

    /// The peer ended its side: reading stops, and JS hears END. A client
    /// completes a body that runs until close; a server whose peer ended
    /// inside a request (part of a head, or a body short of its length or
    /// last chunk) fails it as llhttp_finish does, so Node's 400 follows.
    fn at_eof(&mut self) {
        self.conn.end_reading();
        // A body that runs until close (a response's, or a lenient
        // request's with a Transfer-Encoding other than chunked) ends here.
        let finished = self.finish_at_eof();
        if !self.conn.client && self.inside_message() {
            self.parse_error(ParseError::INVALID_EOF_STATE);
        }
        self.queue.push(kind::END, self.conn.id, |w| {
            w.u8(finished as u8);
        });
    }

    /// Whether bytes of an unfinished request have been read.
    fn inside_message(&self) -> bool {
        match self.phase {
            Phase::Head => self.buf.iter().any(|&b| b != b'\r' && b != b'\n'),
            Phase::Body => !self.decoder.is_done(),
            _ => false,
        }
    }

    fn wants_read(&self) -> bool {
        // After a parse error bytes are still read (and dropped) so that the
        // peer's close is seen, as Node's socket keeps reading.
        self.phase != Phase::AwaitUpgrade && !self.conn.read_paused.load(Ordering::Acquire)
    }

    /// The next moment a timer is due, and what it is.
    fn deadline(&self, idle_fired_at: u64) -> Option<(u64, Timer)> {
        let mut best: Option<(u64, Timer)> = None;
        let mut consider = |at: u64, t: Timer| {
            if best.map_or(true, |(b, _)| at < b) {
                best = Some((at, t));
            }
        };
        if let Some(start) = self.message_start.filter(|_| !self.request_timer_fired) {
            let head_pending = self.phase == Phase::Head;
            if head_pending && self.cfg.timeouts.headers_ms() > 0 {
                consider(start + self.cfg.timeouts.headers_ms(), Timer::Request);
            }
            if matches!(self.phase, Phase::Head | Phase::Body) && self.cfg.timeouts.request_ms() > 0 {
                consider(start + self.cfg.timeouts.request_ms(), Timer::Request);
            }
        }
        let last_activity = self.last_read_ms.max(self.conn.last_write_ms.load(Ordering::Relaxed));
        let idle_between_requests = self.phase == Phase::Head
            && self.message_start.is_none()
            && self.conn.responses_done.load(Ordering::Acquire) >= self.requests;
        if idle_between_requests && self.cfg.timeouts.keep_alive_ms() > 0 && self.requests > 0 {
            let since = last_activity.max(self.conn.last_response_ms.load(Ordering::Relaxed));
            if since >= idle_fired_at {
                consider(since + self.cfg.timeouts.keep_alive_ms(), Timer::Idle);
            }
        } else {
            let idle = self.conn.idle_timeout_ms.load(Ordering::Relaxed);
            if idle > 0 && last_activity >= idle_fired_at {
                consider(last_activity + idle, Timer::Idle);
            }
        }
        if self.requests > self.conn.responses_done.load(Ordering::Acquire) && self.cfg.timeouts.keep_alive_ms() > 0 {
            // A response is pending: look again later for the keep-alive timer.
            consider(now_ms() + self.cfg.timeouts.keep_alive_ms(), Timer::Recheck);
        }
        best
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Timer {
    Request,
    Idle,
    Recheck,
}

fn error_code(e: &io::Error) -> &'static str {
    if crate::guard::is_internal(e) {
        return INTERNAL_ERROR;
    }
    match e.kind() {
        io::ErrorKind::ConnectionReset => "ECONNRESET",
        io::ErrorKind::BrokenPipe => "EPIPE",
        io::ErrorKind::ConnectionAborted => "ECONNABORTED",
        io::ErrorKind::TimedOut => "ETIMEDOUT",
        _ => "EIO",
    }
}

/// The flags byte of REQUEST and RESPONSE events (`events::flag`).
fn message_flags(keep_alive: bool, upgrade: bool, has_body: bool) -> u8 {
    use crate::events::flag;
    (if keep_alive { flag::KEEP_ALIVE } else { 0 })
        | (if upgrade { flag::UPGRADE } else { 0 })
        | (if has_body { flag::HAS_BODY } else { 0 })
}

/// On the I/O threads, what one read (or one injection) makes the parser
/// push reaches JS in one batch (`EventQueue::group`), as Node handles a
/// read's events in one callback. Inline, batches are taken on this thread
/// between turns anyway.
fn one_batch<'q>(conn: &Conn, queue: &'q EventQueue) -> Option<std::sync::RwLockReadGuard<'q, ()>> {
    (conn.mode == Mode::Threads).then(|| queue.group())
}

/// What woke a connection task's wait.
enum Woke {
    /// JS signalled it, or handled the batch it waited for.
    Signal,
    Writable(io::Result<()>),
    Readable(io::Result<()>),
    Timer,
}

/// Runs a connection until it closes, then reports CLOSE and forgets it.
pub async fn run(conn: Arc<Conn>, queue: Arc<EventQueue>, cfg: Arc<ConnConfig>) {
    let mut r = Reader {
        conn: &conn,
        queue: &queue,
        cfg: &cfg,
        buf: BytesMut::new(),
        phase: Phase::Head,
        decoder: BodyDecoder::new(crate::proto::BodyFraming::None),
        keep_alive: true,
        // As in Node, the first request's clock starts when the connection opens.
        message_start: Some(now_ms()),
        request_timer_fired: false,
        message_begun: false,
        requests: 0,
        last_read_ms: now_ms(),
        untaken_bytes: 0,
        untaken_gen: 0,
        error: None,
        upgrade: false,
        taken: BytesMut::new(),
        chunk_at: 0,
    };
    conn.update_hold();
    let mut eof = false;
    // Threaded mode: the peer's end, read right after data whose events JS
    // has not handled yet, waits for them to be handled (`data_gen` is the
    // queue's generation while that data's events were pushed): in Node the
    // end comes in a later read callback, after what the data's handlers
    // scheduled (a response).
    let mut eof_pending = false;
    let mut data_gen: Option<u64> = None;
    let mut write_shut = false;
    let mut idle_fired_at = 0u64;
    let mut injected_total = 0u32;
    // One timer per connection, moved only when a deadline comes earlier than
    // the one armed; a later deadline is found when the armed one fires.
    let mut deadline = Deadline::for_mode(conn.mode);
    let close_code: &str = loop {
        let ctl = conn.control.swap(0, Ordering::AcqRel);
        if ctl & CTL_FAIL != 0 {
            break INTERNAL_ERROR;
        }
        if ctl & CTL_DESTROY != 0 {
            break "";
        }
        crate::inject_panic!(if conn.client { "client_task" } else { "server_task" });
        if ctl & CTL_UPGRADE_RAW != 0 && r.phase == Phase::AwaitUpgrade {
            // The first DATA event after the switch is the upgrade head, even if empty.
            r.phase = Phase::Raw;
            let head = &r.buf[..];
            queue.push(kind::DATA, conn.id, |w| {
                w.bytes(head);
            });
            r.buf.clear();
        }
        let injected = std::mem::take(&mut *lock(&conn.injected));
        if !injected.is_empty() {
            r.last_read_ms = now_ms();
            let _one_batch = one_batch(&conn, &queue);
            for chunk in &injected {
                r.buf.extend_from_slice(chunk);
                r.process(chunk.len());
                injected_total = injected_total.wrapping_add(chunk.len() as u32);
            }
            queue.push(kind::INJECTED, conn.id, |w| {
                w.u32(injected_total);
            });
        }
        if ctl & CTL_EOF != 0 && !eof {
            eof = true;
            r.at_eof();
        }
        if eof_pending && data_gen.is_none_or(|g| queue.handled_since(g)) {
            eof_pending = false;
            r.at_eof();
        }
        if ctl & CTL_UPGRADE_HTTP != 0 && r.phase == Phase::AwaitUpgrade {
            let _one_batch = one_batch(&conn, &queue);
            r.start_body();
            r.process(0);
        }
        let (want_write, ending, want_drain) = {
            let q = lock(&conn.write);
            conn.note_writes(&q);
            (!q.is_empty(), q.ending, q.want_drain)
        };
        if !want_write && want_drain {
            lock(&conn.write).want_drain = false;
            queue.push(kind::DRAIN, conn.id, |_| {});
        }
        if ending && !want_write && !write_shut {
            // Half-close; reading goes on until the peer ends too (or JS
            // destroys the connection), as net.Socket#end does.
            conn.stream.shutdown_write();
            write_shut = true;
            let mut q = lock(&conn.write);
            q.shut = true;
            conn.note_writes(&q);
        }
        if write_shut && ((eof && !eof_pending) || matches!(conn.stream, Stream::Virtual)) {
            break "";
        }
        // Created before the check: a Notified sees notify_waiters calls made
        // after its creation even before it is first polled.
        let handled = queue.handled_notified();
        tokio::pin!(handled);
        let blocked = r.queue_full();
        let want_read = !eof && !blocked && r.wants_read();
        if let Some((at, _)) = r.deadline(idle_fired_at) {
            if deadline.at().map_or(true, |a| at < a) {
                deadline.arm(at);
            }
        }
        // One hand-written poll instead of select!: the signal and the
        // socket keep their single registered waker from turn to turn (no
        // waiter list joined and left, no readiness future built per turn).
        let woke = std::future::poll_fn(|cx| {
            if conn.signal.poll(cx).is_ready() {
                return Poll::Ready(Woke::Signal);
            }
            if (blocked || eof_pending) && handled.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Woke::Signal);
            }
            if want_write {
                if let Poll::Ready(res) = conn.stream.poll_write_ready(cx) {
                    return Poll::Ready(Woke::Writable(res));
                }
            }
            if want_read {
                if let Poll::Ready(res) = conn.stream.poll_read_ready(cx) {
                    return Poll::Ready(Woke::Readable(res));
                }
            }
            if deadline.poll(cx).is_ready() {
                return Poll::Ready(Woke::Timer);
            }
            Poll::Pending
        })
        .await;
        match woke {
            Woke::Signal => {}
            Woke::Writable(res) => {
                if let Err(e) = res { break error_code(&e); }
                if let Err(e) = conn.flush() { break error_code(&e); }
            }
            Woke::Readable(res) => {
                if let Err(e) = res { break error_code(&e); }
                let res = read_as_node(&conn.stream, &mut r.buf);
                if r.buf.is_empty() {
                    // Nothing partial is pending: the buffer goes back to the
                    // thread's pool, so an idle connection holds none.
                    buffers::give(std::mem::take(&mut r.buf));
                }
                let (res, then_eof) = match res {
                    Ok(Read::Some(n)) => (Ok(n), false),
                    Ok(Read::Last(n)) => (Ok(n), true),
                    Err(e) => (Err(e), false),
                };
                // See `eof_pending`.
                let defer_eof = conn.mode == Mode::Threads && data_gen.is_some_and(|g| !queue.handled_since(g));
                match res {
                    Ok(0) if defer_eof => {
                        eof = true;
                        eof_pending = true;
                    }
                    Ok(0) => {
                        eof = true;
                        r.at_eof();
                    }
                    Ok(n) => {
                        conn.bytes_read.fetch_add(n as u64, Ordering::Relaxed);
                        r.last_read_ms = now_ms();
                        let copy = (r.phase != Phase::Raw && conn.unconsumed.load(Ordering::Acquire))
                            .then(|| Bytes::copy_from_slice(&r.buf[r.buf.len() - n..]));
                        let group = one_batch(&conn, &queue);
                        r.process(n);
                        if let Some(chunk) = copy {
                            queue.push(kind::READ_COPY, conn.id, |w| {
                                w.bytes(&chunk);
                            });
                        }
                        if group.is_some() && !queue.is_empty() {
                            // Events wait for JS (this read's, or others'
                            // that JS will take with them). Read inside the
                            // group, where no batch is taken, the generation
                            // is the one before the batch that takes them.
                            data_gen = Some(queue.generation());
                        }
                        drop(group);
                        if r.buf.is_empty() {
                            buffers::give(std::mem::take(&mut r.buf));
                        }
                        if then_eof {
                            eof = true;
                            r.at_eof();
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => break error_code(&e),
                }
            }
            Woke::Timer => {
                deadline.disarm();
                if let Some((_, timer)) = r.deadline(idle_fired_at).filter(|(at, _)| now_ms() >= *at) {
                    match timer {
                        Timer::Request => {
                            // Not a parse error: the parser's state and the
                            // bytes it holds stay (see `request_timer_fired`).
                            r.request_timer_fired = true;
                            queue.push(kind::CLIENT_ERROR, conn.id, |w| {
                                w.str("ERR_HTTP_REQUEST_TIMEOUT").str("Request timeout").u32(0).bytes(&[]);
                            });
                        }
                        Timer::Idle => {
                            idle_fired_at = now_ms() + 1;
                            queue.push(kind::TIMEOUT, conn.id, |_| {});
                        }
                        Timer::Recheck => {}
                    }
                }
            }
        }
    };
    closed(&conn, &queue, close_code);
}

/// The end of a connection: writes stop, it lets the loop go, it is
/// forgotten, and JS hears CLOSE with `code` ("" for a clean close).
fn closed(conn: &Conn, queue: &EventQueue, code: &str) {
    {
        let mut q = lock(&conn.write);
        q.closed = true;
        conn.note_writes(&q);
    }
    conn.end_reading();
    registry::remove(conn.id);
    let read = conn.bytes_read();
    queue.push(kind::CLOSE, conn.id, |w| {
        w.str(code).u32(read as u32).u32((read >> 32) as u32);
    });
}

/// Spawns the task of `conn` on the calling thread's executor. Should a
/// poll of it panic, the connection closes with `guard::INTERNAL_ERROR`
/// (its socket with it) and the other connections go on.
pub fn spawn(conn: Arc<Conn>, queue: Arc<EventQueue>, cfg: Arc<ConnConfig>) {
    let (c, q) = (conn.clone(), queue.clone());
    crate::io::spawn(conn.mode, run(conn, queue, cfg), move || closed(&c, &q, INTERNAL_ERROR));
}
