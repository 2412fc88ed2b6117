//! A connection's re-armable deadline on tokio's timer wheel (the threaded
//! driver's counterpart of `io::inline::timer`'s per-thread set).
use crate::exec::clock::{instant_at, now_ms};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::time::Sleep;

/// One re-armable timer, polled by its task.
#[derive(Default)]
pub struct Timer {
    at: Option<u64>,
    sleep: Option<Pin<Box<Sleep>>>,
}

impl Timer {
    /// The deadline armed (ms on the shared clock), if any.
    pub fn at(&self) -> Option<u64> {
        self.at
    }

    /// Arms the timer for `at` (ms on the shared clock), replacing any other.
    pub fn arm(&mut self, at: u64) {
        self.at = Some(at);
        let when = tokio::time::Instant::from_std(instant_at(at));
        match &mut self.sleep {
            Some(s) => s.as_mut().reset(when),
            None => self.sleep = Some(Box::pin(tokio::time::sleep_until(when))),
        }
    }

    /// Disarms the timer.
    pub fn disarm(&mut self) {
        self.at = None;
    }

    /// Ready once the armed deadline has passed; never while disarmed.
    pub fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        match (self.at, &mut self.sleep) {
            (Some(_), Some(s)) => s.as_mut().poll(cx),
            _ => Poll::Pending,
        }
    }

    /// Waits `ms` milliseconds.
    pub async fn sleep_ms(&mut self, ms: u64) {
        self.arm(now_ms() + ms);
        std::future::poll_fn(|cx| self.poll(cx)).await;
        self.disarm();
    }
}
