//! Connection timers without tokio's timer wheel: each thread keeps its
//! armed deadlines in order; the driver arms one uv timer for the earliest,
//! and each turn of the executor first wakes the timers that fell due.
use crate::exec::clock::now_ms;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

/// What a timer shares with its thread's set.
#[derive(Default)]
struct State {
    fired: Cell<bool>,
    waker: RefCell<Option<Waker>>,
}

/// Armed deadlines (ms on the shared clock, then arming order).
#[derive(Default)]
struct Timers {
    armed: BTreeMap<(u64, u64), Rc<State>>,
    next_seq: u64,
}

thread_local! {
    static TIMERS: RefCell<Timers> = RefCell::new(Timers::default());
}

/// The earliest deadline armed on this thread.
pub fn earliest() -> Option<u64> {
    TIMERS.with(|t| t.borrow().armed.keys().next().map(|k| k.0))
}

/// Fires every timer due at `now` (ms on the shared clock).
pub fn fire_due(now: u64) {
    let due: Vec<Rc<State>> = TIMERS.with(|t| {
        let mut t = t.borrow_mut();
        let mut due = Vec::new();
        while let Some(entry) = t.armed.first_entry() {
            if entry.key().0 > now {
                break;
            }
            due.push(entry.remove());
        }
        due
    });
    for s in due {
        s.fired.set(true);
        if let Some(w) = s.waker.borrow_mut().take() {
            w.wake();
        }
    }
}

/// One re-armable timer of this thread's set, polled by its task.
pub struct LocalDeadline {
    key: Option<(u64, u64)>,
    state: Rc<State>,
}

impl Default for LocalDeadline {
    fn default() -> Self {
        Self::new()
    }
}

impl LocalDeadline {
    /// A disarmed timer.
    pub fn new() -> Self {
        LocalDeadline { key: None, state: Rc::new(State::default()) }
    }

    /// The deadline armed, if any.
    pub fn at(&self) -> Option<u64> {
        self.key.map(|k| k.0)
    }

    /// Arms the timer for `at` (ms on the shared clock), replacing any other.
    pub fn arm(&mut self, at: u64) {
        self.disarm();
        TIMERS.with(|t| {
            let mut t = t.borrow_mut();
            let key = (at, t.next_seq);
            t.next_seq += 1;
            t.armed.insert(key, self.state.clone());
            self.key = Some(key);
        });
    }

    /// Disarms the timer.
    pub fn disarm(&mut self) {
        self.state.fired.set(false);
        if let Some(key) = self.key.take() {
            // The set may be gone already while the thread exits.
            let _ = TIMERS.try_with(|t| t.borrow_mut().armed.remove(&key));
        }
    }

    /// Ready once the armed deadline has passed; never while disarmed.
    pub fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if self.key.is_none() {
            return Poll::Pending;
        }
        if self.state.fired.get() {
            return Poll::Ready(());
        }
        let mut w = self.state.waker.borrow_mut();
        if !w.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
            *w = Some(cx.waker().clone());
        }
        Poll::Pending
    }

    /// Waits `ms` milliseconds.
    pub async fn sleep_ms(&mut self, ms: u64) {
        self.arm(now_ms() + ms);
        std::future::poll_fn(|cx| self.poll(cx)).await;
        self.disarm();
    }
}

impl Drop for LocalDeadline {
    fn drop(&mut self) {
        self.disarm();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::Wake;

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn fires_in_deadline_order_and_rearms() {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        let mut cx = Context::from_waker(&waker);
        let (mut a, mut b) = (LocalDeadline::new(), LocalDeadline::new());
        assert!(a.poll(&mut cx).is_pending(), "disarmed: never ready");
        a.arm(1_000_000);
        b.arm(1_000_010);
        assert_eq!(earliest(), Some(1_000_000));
        assert!(a.poll(&mut cx).is_pending() && b.poll(&mut cx).is_pending());
        fire_due(1_000_005);
        assert_eq!(count.0.load(Ordering::SeqCst), 1, "only the due timer wakes");
        assert!(a.poll(&mut cx).is_ready());
        assert!(b.poll(&mut cx).is_pending());
        assert_eq!(earliest(), Some(1_000_010));
        b.arm(1_000_020);
        assert_eq!(earliest(), Some(1_000_020), "re-arming moves the deadline");
        drop(b);
        assert_eq!(earliest(), None, "a dropped timer leaves the set");
    }
}
