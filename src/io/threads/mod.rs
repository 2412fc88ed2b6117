//! The threaded I/O driver: one tokio multi-thread runtime per process,
//! shared by every JS environment that uses the mode, with as many worker
//! threads as the first user asked for (`start`). Accepting, reading,
//! parsing, body framing, timers and queued writes run on its workers;
//! the JS thread only handles events (and writes what the kernel takes at
//! once, see `Conn::write`).
pub mod socket;
pub mod timer;

use crate::guard::{contain, lock};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};
use std::task::{Context, Poll};
use tokio::runtime::{Handle, Runtime};

pub use socket::Socket;
pub use timer::Timer;

static RUNTIME: OnceLock<Runtime> = OnceLock::new();

/// Starts the runtime with `workers` threads if it is not running yet;
/// returns how many it has (the first call decides).
pub fn start(workers: usize) -> std::io::Result<usize> {
    if let Some(rt) = RUNTIME.get() {
        return Ok(rt.metrics().num_workers());
    }
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder.worker_threads(workers.max(1)).thread_name("rshttp-io").enable_io().enable_time();
    // The I/O threads feed the JS thread: on a core they share with it,
    // one woken by a socket should not preempt JS mid-batch (each such
    // switch costs both, and splits the batch JS would have taken at once).
    // SCHED_BATCH drops only the wake-up preemption; on a core of their
    // own they run as before. Failure (a seccomp filter) changes nothing.
    #[cfg(target_os = "linux")]
    builder.on_thread_start(|| {
        let param = libc::sched_param { sched_priority: 0 };
        // SAFETY: a plain syscall about the calling thread, with a valid param.
        unsafe { libc::sched_setscheduler(0, libc::SCHED_BATCH, &param) };
    });
    // Tasks woken by one poll of the reactor run in the order their sockets
    // became ready (first in, first out), as Node's loop handles its own:
    // with the LIFO slot the last woken would run first, and a peer's
    // close read before data on another socket would reach JS after it.
    #[cfg(tokio_unstable)]
    builder.disable_lifo_slot();
    let rt = builder.build()?;
    // Another thread may have won the race; its runtime stands.
    let _ = RUNTIME.set(rt);
    Ok(RUNTIME.get().map_or(0, |rt| rt.metrics().num_workers()))
}

/// The runtime's handle, once started.
pub fn handle() -> Option<&'static Handle> {
    RUNTIME.get().map(Runtime::handle)
}

/// `hold`'s state: whether the threads are held, and how many are.
static HOLD: Mutex<(bool, usize)> = Mutex::new((false, 0));
static HOLD_CHANGED: Condvar = Condvar::new();
/// How long `hold` keeps the threads at most, should nothing release them.
const HOLD_MAX: Duration = Duration::from_secs(2);

/// A test aid: `hold(true)` occupies every I/O thread (none polls sockets
/// or runs tasks) and returns once all are held (true) or after a second
/// (false); `hold(false)` releases them, as does `HOLD_MAX`. What the
/// sockets receive meanwhile is then found in one wake-up, as the JS
/// thread's loop finds it after a turn of JS (the fault tests: data and a
/// reset sent in one turn).
pub fn hold(on: bool) -> bool {
    let Some(rt) = RUNTIME.get() else { return false };
    let mut st = lock(&HOLD);
    if !on {
        st.0 = false;
        HOLD_CHANGED.notify_all();
        return true;
    }
    let workers = rt.metrics().num_workers();
    if !st.0 {
        st.0 = true;
        for _ in 0..workers {
            rt.spawn(async {
                let until = Instant::now() + HOLD_MAX;
                let mut st = lock(&HOLD);
                st.1 += 1;
                HOLD_CHANGED.notify_all();
                while st.0 && Instant::now() < until {
                    st = HOLD_CHANGED.wait_timeout(st, until - Instant::now()).map_or_else(|e| e.into_inner().0, |r| r.0);
                }
                st.1 -= 1;
                HOLD_CHANGED.notify_all();
            });
        }
    }
    let until = Instant::now() + Duration::from_secs(1);
    while st.1 < workers && Instant::now() < until {
        st = HOLD_CHANGED.wait_timeout(st, until - Instant::now()).map_or_else(|e| e.into_inner().0, |r| r.0);
    }
    st.1 >= workers
}

/// What a task's owner does if a poll of it panics.
pub type OnPanic = Box<dyn FnOnce() + Send>;

/// Spawns `fut` on the runtime (which must be started). A panic in a poll
/// drops the task and runs `on_panic` (DESIGN.md, bridge rule 9).
pub fn spawn_contained<F: Future<Output = ()> + Send + 'static>(fut: F, on_panic: Option<OnPanic>) {
    let handle = handle().expect("rshttp: the I/O threads are not started");
    handle.spawn(Contained { fut: Box::pin(fut), on_panic });
}

/// A future whose polls are contained: a panic ends it and calls `on_panic`.
struct Contained<F> {
    fut: Pin<Box<F>>,
    on_panic: Option<OnPanic>,
}

impl<F: Future<Output = ()>> Future for Contained<F> {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        match contain("an I/O thread's task", || this.fut.as_mut().poll(cx)) {
            Some(p) => p,
            None => {
                if let Some(f) = this.on_panic.take() {
                    contain("failing a task's connection", f);
                }
                Poll::Ready(())
            }
        }
    }
}
