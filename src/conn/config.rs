//! Per-server settings the connection tasks need: fixed at `listen()`, but
//! for the timeouts, which JS may change while the server listens (Node
//! reads `server.headersTimeout` and the others afresh).
use crate::proto::HeadLimits;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// A server's timeouts in ms, 0 = none, shared with its connections.
#[derive(Debug, Default)]
pub struct Timeouts {
    headers: AtomicU64,
    request: AtomicU64,
    keep_alive: AtomicU64,
}

impl Timeouts {
    /// Timeouts of `headers_ms`, `request_ms` and `keep_alive_ms`.
    pub fn new(headers_ms: u64, request_ms: u64, keep_alive_ms: u64) -> Timeouts {
        let t = Timeouts::default();
        t.set(headers_ms, request_ms, keep_alive_ms);
        t
    }
    /// `headersTimeout`: time from the first byte of a head to its end.
    pub fn headers_ms(&self) -> u64 {
        self.headers.load(Ordering::Relaxed)
    }
    /// `requestTimeout`: time from the first byte to the end of the body.
    pub fn request_ms(&self) -> u64 {
        self.request.load(Ordering::Relaxed)
    }
    /// Idle time allowed between requests (`keepAliveTimeout` and Node's
    /// buffer on top, as JS computes it).
    pub fn keep_alive_ms(&self) -> u64 {
        self.keep_alive.load(Ordering::Relaxed)
    }
    /// Sets all three.
    pub fn set(&self, headers_ms: u64, request_ms: u64, keep_alive_ms: u64) {
        self.headers.store(headers_ms, Ordering::Relaxed);
        self.request.store(request_ms, Ordering::Relaxed);
        self.keep_alive.store(keep_alive_ms, Ordering::Relaxed);
    }
}

/// Settings shared by every connection of one server.
#[derive(Debug, Clone)]
pub struct ConnConfig {
    /// The I/O driver its listener and connections run on.
    pub mode: crate::io::Mode,
    pub limits: HeadLimits,
    pub timeouts: Arc<Timeouts>,
    /// Initial socket idle timeout (`server.timeout`), 0 = none.
    pub idle_timeout_ms: u64,
    pub no_delay: bool,
    pub keep_alive: bool,
    pub keep_alive_initial_delay_ms: u64,
}

impl Default for ConnConfig {
    fn default() -> Self {
        ConnConfig {
            mode: crate::io::Mode::Inline,
            limits: HeadLimits::default(),
            timeouts: Arc::new(Timeouts::new(60_000, 300_000, 5_000)),
            idle_timeout_ms: 0,
            no_delay: true,
            keep_alive: false,
            keep_alive_initial_delay_ms: 0,
        }
    }
}
