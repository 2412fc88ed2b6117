//! Tests of the connection state machine over virtual streams, in the
//! manner of hyper's `src/proto/h1` tests: a `Conn` of either role runs its
//! real task (`run::run`) on the inline executor of the test thread (no
//! libuv: turns are run by hand until no task is woken), over an in-memory
//! socket (`mock`, which also takes writes) or a virtual stream fed by
//! `Conn::inject`; the events it pushes are taken from its `EventQueue` as
//! JS would take them and decoded (`events`).
//!
//! - `split`: every framing case fed whole, in two reads split at every
//!   byte, and one byte per read, over both transports, must give the same
//!   events.
//! - `server`, `client`: what each role makes of each case, literally.
//! - `writing`: direct writes, the write queue, drain, end, destroy, reset.
//! - `flow`: pausing, backpressure, 64 KiB reads, copies for 'data'
//!   listeners, the loop's hold, read errors, timers.
pub(crate) mod events;
pub(crate) mod mock;
mod split;
mod uv_stubs;

mod client;
mod flow;
mod server;
mod writing;

use super::stream::Stream;
use super::{spawn, Conn, ConnConfig, RoleKind};
use crate::events::EventQueue;
use crate::io::inline::{has_ready, turn};
use events::{Decoder, Ev};
use mock::MockSocket;
use std::sync::Arc;

/// How bytes reach the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// Read from a socket (`Stream::Mock`): one read per chunk fed.
    Socket,
    /// Injected (`Stream::Virtual` and `Conn::inject`): one parse per chunk.
    Injected,
}

/// A connection whose task runs on this thread's inline executor.
pub struct Harness {
    pub conn: Arc<Conn>,
    pub queue: Arc<EventQueue>,
    pub transport: Transport,
    decoder: Decoder,
    closed: bool,
}

/// Turns the executor may run before a test calls the connection stuck in
/// a loop of wake-ups.
const MAX_TURNS: usize = 1000;

impl Harness {
    pub fn new(role: RoleKind, transport: Transport, cfg: ConnConfig) -> Harness {
        let stream = match transport {
            Transport::Socket => Stream::Mock(MockSocket::default()),
            Transport::Injected => Stream::Virtual,
        };
        let id = super::registry::next_id();
        let conn = match role {
            RoleKind::Server => Conn::new(id, stream, &cfg),
            RoleKind::Client => Conn::new_client(id, stream, &cfg),
        };
        let conn = Arc::new(conn);
        let queue = EventQueue::new();
        spawn(conn.clone(), queue.clone(), Arc::new(cfg));
        let mut h = Harness { conn, queue, transport, decoder: Decoder::default(), closed: false };
        let first = h.events();
        assert!(first.is_empty(), "a new connection pushes nothing: {first:?}");
        h
    }

    /// A server connection over a socket, with the default settings.
    pub fn server() -> Harness {
        Harness::new(RoleKind::Server, Transport::Socket, ConnConfig::default())
    }

    /// A client connection over a socket, with the default settings.
    pub fn client() -> Harness {
        Harness::new(RoleKind::Client, Transport::Socket, ConnConfig::default())
    }

    /// The in-memory socket (a `Transport::Socket` harness).
    pub fn mock(&self) -> &MockSocket {
        match &self.conn.stream {
            Stream::Mock(m) => m,
            _ => panic!("not a socket harness"),
        }
    }

    /// Runs turns of the executor (timers that fell due included) until
    /// no task is woken.
    pub fn settle(&self) {
        for _ in 0..MAX_TURNS {
            turn(true);
            if !has_ready() {
                return;
            }
        }
        panic!("the connection's task keeps waking itself");
    }

    /// Settles and takes the events pushed, as JS takes a batch, without
    /// saying it was handled (JS is still running its handlers).
    pub fn take_unhandled(&mut self) -> Vec<Ev> {
        self.settle();
        let batch = self.queue.take();
        let evs = self.decoder.decode(&batch, self.conn.id);
        if evs.iter().any(|e| matches!(e, Ev::Close { .. })) {
            self.closed = true;
        }
        evs
    }

    /// JS has handled what it took (its ticks ran).
    pub fn handled(&self) {
        self.queue.delivered();
    }

    /// Settles, takes the events pushed and marks them handled.
    pub fn events(&mut self) -> Vec<Ev> {
        let evs = self.take_unhandled();
        self.handled();
        evs
    }

    /// The peer sends `data` (one read of the socket, or one injection)
    /// and the connection handles it: the events it pushed.
    pub fn feed(&mut self, data: &[u8]) -> Vec<Ev> {
        match self.transport {
            Transport::Socket => self.mock().feed(data),
            Transport::Injected => self.conn.inject(data),
        }
        self.events()
    }

    /// The peer ends its side.
    pub fn eof(&mut self) -> Vec<Ev> {
        match self.transport {
            Transport::Socket => self.mock().feed_eof(),
            Transport::Injected => self.conn.inject_eof(),
        }
        self.events()
    }

    /// Whether the connection reported CLOSE.
    pub fn is_closed(&self) -> bool {
        self.closed
    }
}

impl Drop for Harness {
    /// Ends the task, as an environment going away would, so the thread's
    /// executor is left with nothing.
    fn drop(&mut self) {
        if !self.closed && !std::thread::panicking() {
            self.conn.destroy();
            let evs = self.events();
            assert!(matches!(evs.last(), Some(Ev::Close { .. })), "destroy closes: {evs:?}");
        }
    }
}

/// Expectations: `lines(&evs)` equals the literal lines.
#[macro_export]
macro_rules! assert_events {
    ($evs:expr, [$($line:expr),* $(,)?]) => {{
        let got = $crate::conn::tests::events::lines(&$evs);
        let want: Vec<String> = vec![$(String::from($line)),*];
        assert_eq!(got, want, "\n got: {:#?}\nwant: {:#?}", got, want);
    }};
}
