//! A connection's timer: a tokio sleep whose deadline is also kept in its
//! thread's set of armed deadlines, so the driver can have the JS event loop
//! wake up for the earliest one.
use crate::server::clock::instant_at;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::pin::Pin;
use tokio::time::Sleep;

thread_local! {
    /// Armed deadlines (ms on the shared clock) and how many timers hold each.
    static ARMED: RefCell<BTreeMap<u64, u32>> = const { RefCell::new(BTreeMap::new()) };
}

/// The earliest deadline armed on this thread.
pub fn earliest() -> Option<u64> {
    ARMED.with(|a| a.borrow().keys().next().copied())
}

fn add(at: u64) {
    ARMED.with(|a| *a.borrow_mut().entry(at).or_insert(0) += 1);
}

fn remove(at: u64) {
    // The set may be gone already while the thread exits.
    let _ = ARMED.try_with(|a| {
        let mut a = a.borrow_mut();
        if let Some(n) = a.get_mut(&at) {
            *n -= 1;
            if *n == 0 {
                a.remove(&at);
            }
        }
    });
}

/// One re-armable timer.
pub struct Deadline {
    sleep: Pin<Box<Sleep>>,
    at: Option<u64>,
}

impl Default for Deadline {
    fn default() -> Self {
        Self::new()
    }
}

impl Deadline {
    /// A disarmed timer (needs a runtime context).
    pub fn new() -> Self {
        Deadline { sleep: Box::pin(tokio::time::sleep_until(instant_at(0).into())), at: None }
    }

    /// The deadline armed, if any.
    pub fn at(&self) -> Option<u64> {
        self.at
    }

    /// Arms the timer for `at` (ms on the shared clock), replacing any other.
    pub fn arm(&mut self, at: u64) {
        self.disarm();
        add(at);
        self.sleep.as_mut().reset(instant_at(at).into());
        self.at = Some(at);
    }

    /// Disarms the timer.
    pub fn disarm(&mut self) {
        if let Some(at) = self.at.take() {
            remove(at);
        }
    }

    /// The sleep to await; call `disarm` once it completes.
    pub fn sleep(&mut self) -> Pin<&mut Sleep> {
        self.sleep.as_mut()
    }
}

impl Drop for Deadline {
    fn drop(&mut self) {
        self.disarm();
    }
}
