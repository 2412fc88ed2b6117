//! Spawning that counts tasks woken and not yet polled, per thread, so the
//! driver can tell whether a turn of the runtime left work behind (a task
//! woken by the last I/O poll of a turn would otherwise wait for an
//! unrelated wake-up).
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicIsize, AtomicU8, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use tokio::runtime::Handle;
use tokio::task::JoinHandle;

thread_local! {
    static WOKEN: Arc<AtomicIsize> = Arc::new(AtomicIsize::new(0));
}

/// Tasks spawned from this thread that were woken (or spawned) and have not
/// been polled since.
pub fn woken() -> isize {
    WOKEN.with(|w| w.load(Ordering::Acquire))
}

const QUEUED: u8 = 1;
const DONE: u8 = 2;

/// The waker a tracked task registers: marks the task queued (counting it
/// once) and wakes it through tokio's own waker.
struct Flag {
    state: AtomicU8,
    counter: Arc<AtomicIsize>,
    inner: Waker,
}

impl Flag {
    /// Clears the queued mark, uncounting it if it was set.
    fn clear(&self) {
        if self.state.fetch_and(!QUEUED, Ordering::AcqRel) & QUEUED != 0 {
            self.counter.fetch_sub(1, Ordering::AcqRel);
        }
    }

    /// The task is gone: later wakes count nothing.
    fn retire(&self) {
        if self.state.fetch_or(DONE, Ordering::AcqRel) & QUEUED != 0 {
            self.counter.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        let mut s = self.state.load(Ordering::Acquire);
        while s & (QUEUED | DONE) == 0 {
            match self.state.compare_exchange_weak(s, s | QUEUED, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => {
                    self.counter.fetch_add(1, Ordering::AcqRel);
                    break;
                }
                Err(now) => s = now,
            }
        }
        self.inner.wake_by_ref();
    }
}

/// A spawned future and the counting waker it is polled with.
struct Tracked<F> {
    fut: Pin<Box<F>>,
    counter: Arc<AtomicIsize>,
    /// Counted at spawn and not yet polled.
    first: bool,
    flag: Option<(Arc<Flag>, Waker)>,
}

impl<F: Future<Output = ()>> Future for Tracked<F> {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        if std::mem::take(&mut this.first) {
            this.counter.fetch_sub(1, Ordering::AcqRel);
        }
        let stale = this.flag.as_ref().map_or(true, |(f, _)| !f.inner.will_wake(cx.waker()));
        if stale {
            if let Some((old, _)) = this.flag.take() {
                old.retire();
            }
            let flag = Arc::new(Flag { state: AtomicU8::new(0), counter: this.counter.clone(), inner: cx.waker().clone() });
            let waker = Waker::from(flag.clone());
            this.flag = Some((flag, waker));
        }
        let (flag, waker) = this.flag.as_ref().expect("flag set above");
        flag.clear();
        this.fut.as_mut().poll(&mut Context::from_waker(waker))
    }
}

impl<F> Drop for Tracked<F> {
    fn drop(&mut self) {
        if self.first {
            self.counter.fetch_sub(1, Ordering::AcqRel);
        }
        if let Some((flag, _)) = self.flag.take() {
            flag.retire();
        }
    }
}

/// Spawns `fut` on `rt`, counted as woken until its first poll.
pub fn spawn_on<F>(rt: &Handle, fut: F) -> JoinHandle<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    let counter = WOKEN.with(|w| w.clone());
    counter.fetch_add(1, Ordering::AcqRel);
    rt.spawn(Tracked { fut: Box::pin(fut), counter, first: true, flag: None })
}

/// Spawns `fut` on the runtime the caller runs in.
pub fn spawn<F>(fut: F) -> JoinHandle<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    spawn_on(&Handle::current(), fut)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_spawned_and_woken_tasks_until_polled() {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let notify = Arc::new(tokio::sync::Notify::new());
        let n = notify.clone();
        spawn_on(rt.handle(), async move {
            n.notified().await;
        });
        assert_eq!(woken(), 1, "a spawned task counts until first polled");
        rt.block_on(crate::exec::turn(4));
        assert_eq!(woken(), 0);
        notify.notify_one();
        assert_eq!(woken(), 1, "a wake from outside counts");
        rt.block_on(crate::exec::turn(4));
        assert_eq!(woken(), 0, "the task ran to its end");
    }
}
