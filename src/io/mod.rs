//! The I/O drivers under the one connection core. A connection, listener
//! or connect runs on one of them, chosen per server (and for clients per
//! environment) by `Mode`:
//!
//! - **inline** (default; `inline`): sockets in the JS thread's own libuv
//!   loop, tasks turned in its check phase, one wake-up per request;
//! - **threads** (`threads`): `tokio::net` sockets on a tokio multi-thread
//!   runtime; events reach JS through the environment's one threadsafe
//!   function (the binding's), batched, one wake-up in flight.
//!
//! Beside them, what a connection uses whichever driver runs it: its timer
//! (`Deadline`), what one read returned (`Read`), and how an I/O error
//! is reported (`IoError`).
pub mod deadline;
pub mod error;
pub mod inline;
pub mod threads;

pub use deadline::Deadline;
pub use error::IoError;

use std::future::Future;

/// Spawns `fut` on `mode`'s driver (the calling JS thread's executor, or
/// the I/O threads); a panic in a poll of it drops it and runs `on_panic`.
pub fn spawn<F: Future<Output = ()> + Send + 'static>(mode: Mode, fut: F, on_panic: impl FnOnce() + Send + 'static) {
    match mode {
        Mode::Inline => inline::spawn_contained(fut, Some(Box::new(on_panic))),
        Mode::Threads => threads::spawn_contained(fut, Some(Box::new(on_panic))),
    }
}

/// Which driver runs a connection or listener.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Mode {
    #[default]
    Inline,
    Threads,
}

/// What one read of a socket returned.
pub enum Read {
    /// `n` bytes (0: end of stream).
    Some(usize),
    /// `n` bytes, then the end of stream (see `inline::socket::Watched::read_once`).
    Last(usize),
}
