//! A wake-up for the one task that waits on it, again and again: a flag and
//! the waker it last registered. Cheaper than `tokio::sync::Notify` for a
//! connection task that checks it on every turn of its loop (no waiter list
//! to join and leave each time).
use std::sync::atomic::{AtomicBool, Ordering};
use crate::guard::lock;
use std::sync::Mutex;
use std::task::{Context, Poll, Waker};

/// A one-task wake-up with a stored permit, like `Notify::notify_one`.
#[derive(Default)]
pub struct Signal {
    set: AtomicBool,
    waker: Mutex<Option<Waker>>,
}

impl Signal {
    /// Leaves a permit and wakes the task if it waits.
    pub fn notify(&self) {
        self.set.store(true, Ordering::Release);
        if let Some(w) = lock(&self.waker).as_ref() {
            w.wake_by_ref();
        }
    }

    /// Ready (taking the permit) if notified since the last time it was;
    /// otherwise the task is woken by the next `notify`.
    pub fn poll(&self, cx: &mut Context<'_>) -> Poll<()> {
        if self.set.swap(false, Ordering::AcqRel) {
            return Poll::Ready(());
        }
        {
            let mut w = lock(&self.waker);
            if !w.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                *w = Some(cx.waker().clone());
            }
        }
        if self.set.swap(false, Ordering::AcqRel) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}
