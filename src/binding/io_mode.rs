//! Choosing the I/O driver, and the threaded mode's event sink.
//!
//! Each environment has a default driver for the servers and clients it
//! makes (inline unless `setIoThreads(n)` with n > 0, which JS calls from
//! `RSHTTP_IO_THREADS` at load or from `rshttp.setIoThreads`), and a server
//! may choose its own (`ListenOptions::io_threads`). The first use of the
//! threaded mode in an environment creates its one threadsafe function
//! (DESIGN.md, "The bridge"): I/O threads push events to the environment's
//! queue, the first push of a batch calls the function (one wake-up in
//! flight, `EventQueue::wake`), and the JS thread drains every pending
//! event in that one call, through the same entry as the inline driver's.
use crate::io::inline::driver;
use crate::guard::{contain, lock};
use crate::io::{threads, IoError, Mode};
use napi::bindgen_prelude::*;
use napi::sys;
use std::cell::Cell;
use std::ffi::c_void;
use std::sync::{Arc, Mutex};

thread_local! {
    /// This environment's default: the I/O threads (true) or inline.
    static DEFAULT_THREADS: Cell<bool> = const { Cell::new(false) };
    /// This environment's threadsafe function, once made.
    static SINK: Cell<Option<*const Sink>> = const { Cell::new(None) };
}

/// The environment's threadsafe function, shared with the I/O threads'
/// waker; `None` once the environment is torn down, so no call reaches a
/// released function.
struct Sink {
    tsfn: Mutex<Option<Tsfn>>,
}

/// A threadsafe function handle, which napi lets any thread call.
struct Tsfn(sys::napi_threadsafe_function);
// SAFETY: napi_call_threadsafe_function is made to be called from any
// thread; the handle is only used under `Sink::tsfn`'s lock.
unsafe impl Send for Tsfn {}

/// The driver a server with `io_threads` runs on (the environment's
/// default when absent; 0 is inline).
pub fn for_server(io_threads: Option<u32>) -> Mode {
    match io_threads {
        Some(0) => Mode::Inline,
        Some(_) => Mode::Threads,
        None => default_mode(),
    }
}

/// The environment's default driver.
pub fn default_mode() -> Mode {
    if DEFAULT_THREADS.with(Cell::get) { Mode::Threads } else { Mode::Inline }
}

/// Starts the I/O threads (with `workers` threads, if they are not running
/// yet) and this environment's sink; returns how many threads run.
/// Errors carry an `IoError` (`code:syscall:errno`) as message.
#[napi(js_name = "ioThreadsStart", catch_unwind)]
pub fn io_threads_start(env: Env, workers: u32) -> Result<u32> {
    let n = threads::start(workers as usize)
        .map_err(|e| Error::new(Status::GenericFailure, IoError::own("ERR_RSHTTP_IO_THREADS", &e, "start").to_string()))?;
    ensure_sink(&env)?;
    Ok(n as u32)
}

/// Sets the environment's default driver for servers and clients made from
/// now on: `workers` > 0 the I/O threads (started if needed), 0 inline.
/// Returns the number of I/O threads running (0 for inline).
#[napi(js_name = "setIoThreads", catch_unwind)]
pub fn set_io_threads(env: Env, workers: u32) -> Result<u32> {
    if workers == 0 {
        DEFAULT_THREADS.with(|d| d.set(false));
        return Ok(0);
    }
    let n = io_threads_start(env, workers)?;
    DEFAULT_THREADS.with(|d| d.set(true));
    Ok(n)
}

/// A test aid: holds every I/O thread (`on`), or releases them; see
/// `io::threads::hold`. False if the threads are not running or not all
/// could be held.
#[napi(js_name = "ioThreadsHold", catch_unwind)]
pub fn io_threads_hold(on: bool) -> bool {
    threads::hold(on)
}

/// Makes this environment's threadsafe function if it has none, and has
/// its event queue wake it.
fn ensure_sink(env: &Env) -> Result<()> {
    if SINK.with(Cell::get).is_some() {
        return Ok(());
    }
    let queue = super::sink::queue()?;
    let raw = env.raw();
    let mut tsfn = std::ptr::null_mut();
    // SAFETY: napi calls on the environment's JS thread.
    let status = unsafe {
        let mut name = std::ptr::null_mut();
        sys::napi_create_string_utf8(raw, c"rshttp:io-threads".as_ptr(), 17, &mut name);
        let status = sys::napi_create_threadsafe_function(
            raw,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            name,
            0,
            1,
            std::ptr::null_mut(),
            None,
            std::ptr::null_mut(),
            Some(on_wake),
            &mut tsfn,
        );
        if status == sys::Status::napi_ok {
            // The function never holds the loop itself: connections and
            // servers hold it by their own rule (`Driver::set_ref`).
            sys::napi_unref_threadsafe_function(raw, tsfn);
        }
        status
    };
    if status != sys::Status::napi_ok {
        return Err(Error::from_reason("rshttp: cannot create the I/O threads' event sink"));
    }
    let sink = Arc::new(Sink { tsfn: Mutex::new(Some(Tsfn(tsfn))) });
    let waker_sink = sink.clone();
    let wake_queue = Arc::downgrade(&queue);
    queue.set_waker(Some(Arc::new(move || {
        let called = match lock(&waker_sink.tsfn).as_ref() {
            // SAFETY: a live threadsafe function (cleared before release).
            Some(f) => unsafe {
                sys::napi_call_threadsafe_function(f.0, std::ptr::null_mut(), sys::ThreadsafeFunctionCallMode::nonblocking)
                    == sys::Status::napi_ok
            },
            None => false,
        };
        if !called {
            // No wake-up is in flight after all: the next push tries again.
            if let Some(q) = wake_queue.upgrade() {
                q.woken();
            }
        }
    })));
    let ptr = Arc::into_raw(sink);
    SINK.with(|s| s.set(Some(ptr)));
    // Registered after the function, so it runs before napi's own teardown
    // of it (cleanup hooks run in reverse order).
    // SAFETY: a napi call on the environment's thread.
    unsafe { sys::napi_add_env_cleanup_hook(raw, Some(on_env_cleanup), ptr as *mut c_void) };
    Ok(())
}

/// The threadsafe function's call on the JS thread: hand JS what the I/O
/// threads queued, and apply their connections' hold on the loop.
///
/// # Safety
/// Called by napi on the environment's JS thread (`env` null while the
/// function is being torn down).
unsafe extern "C" fn on_wake(env: sys::napi_env, _js: sys::napi_value, _ctx: *mut c_void, _data: *mut c_void) {
    if env.is_null() {
        return;
    }
    if let Some(d) = driver::current() {
        if contain("the I/O threads' wake-up", || d.deliver_from_threads()).is_none() {
            driver::recover(d);
        }
    }
}

/// Environment teardown: no call reaches the threadsafe function from now
/// on; it is released, and the environment's threaded servers and
/// connections stop (their tasks end on the I/O threads).
///
/// # Safety
/// Called by Node on the environment's thread, with the pointer
/// `ensure_sink` registered.
unsafe extern "C" fn on_env_cleanup(arg: *mut c_void) {
    contain("tearing the I/O threads' sink down", || {
        // SAFETY: the Arc `ensure_sink` leaked for this hook.
        let sink = unsafe { Arc::from_raw(arg as *const Sink) };
        SINK.with(|s| s.set(None));
        DEFAULT_THREADS.with(|d| d.set(false));
        if let Ok(q) = super::sink::queue() {
            q.set_waker(None);
        }
        if let Some(f) = lock(&sink.tsfn).take() {
            // SAFETY: the function is live; nothing calls it any more.
            unsafe { sys::napi_release_threadsafe_function(f.0, sys::ThreadsafeFunctionReleaseMode::abort) };
        }
        super::server::close_all_listeners();
        if let Ok(q) = super::sink::queue() {
            crate::conn::registry::destroy_where(|c| c.mode == Mode::Threads && c.reports_to(&q));
        }
    });
}
