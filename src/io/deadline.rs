//! A connection's re-armable timer on whichever driver runs it: the
//! inline driver's per-thread set (`inline::timer`) or tokio's timer wheel
//! (`threads::timer`). Both count in ms on the shared clock (`exec::clock`).
use super::inline::timer::LocalDeadline;
use crate::exec::clock::now_ms;
use std::task::{Context, Poll};

/// A connection's timer on its driver: this thread's set (inline mode), or
/// tokio's timer wheel (threaded mode).
pub enum Deadline {
    Local(LocalDeadline),
    Threads(super::threads::Timer),
}

// SAFETY: a `Local` deadline is made, polled and dropped on its loop's
// thread (inline tasks never leave the thread that spawned them); only
// `Threads` deadlines, which are Send, move between threads.
unsafe impl Send for Deadline {}

impl Deadline {
    /// A disarmed timer on the inline driver.
    pub fn new() -> Self {
        Deadline::Local(LocalDeadline::new())
    }

    /// A disarmed timer on `mode`'s driver.
    pub fn for_mode(mode: super::Mode) -> Self {
        match mode {
            super::Mode::Inline => Self::new(),
            super::Mode::Threads => Deadline::Threads(Default::default()),
        }
    }

    /// The deadline armed, if any.
    pub fn at(&self) -> Option<u64> {
        match self {
            Deadline::Local(d) => d.at(),
            Deadline::Threads(d) => d.at(),
        }
    }

    /// Arms the timer for `at` (ms on the shared clock), replacing any other.
    pub fn arm(&mut self, at: u64) {
        match self {
            Deadline::Local(d) => d.arm(at),
            Deadline::Threads(d) => d.arm(at),
        }
    }

    /// Disarms the timer.
    pub fn disarm(&mut self) {
        match self {
            Deadline::Local(d) => d.disarm(),
            Deadline::Threads(d) => d.disarm(),
        }
    }

    /// Ready once the armed deadline has passed; never while disarmed.
    pub fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        match self {
            Deadline::Local(d) => d.poll(cx),
            Deadline::Threads(d) => d.poll(cx),
        }
    }

    /// Waits `ms` milliseconds.
    pub async fn sleep_ms(&mut self, ms: u64) {
        self.arm(now_ms() + ms);
        std::future::poll_fn(|cx| self.poll(cx)).await;
        self.disarm();
    }
}

impl Default for Deadline {
    fn default() -> Self {
        Self::new()
    }
}
