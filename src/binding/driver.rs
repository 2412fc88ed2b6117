//! Each JS environment's tokio runtime, driven from its own JS thread: a
//! current-thread runtime whose epoll descriptor is watched by a libuv poll
//! handle, so a request is read, parsed and handed to JS in one wake-up of
//! one thread (no hop from a worker thread to the JS thread), and a uv timer
//! fires for the earliest connection deadline.
use super::uv;
use crate::events::EventQueue;
use crate::exec::{self, deadline};
use crate::server::clock::{self, now_ms};
use std::cell::Cell;
use std::collections::HashSet;
use std::ffi::{c_int, c_void};
use std::io;
use std::os::fd::RawFd;
use std::sync::{Arc, Mutex};
use tokio::runtime::{Builder, Runtime};

/// Called with nothing pending in JS: hands the queued events to JS.
pub type Deliver = Box<dyn Fn()>;

/// One environment's runtime and the libuv handles that drive it.
pub struct Driver {
    runtime: Cell<Option<Runtime>>,
    handle: tokio::runtime::Handle,
    queue: Arc<EventQueue>,
    loop_: *mut uv::Loop,
    poll: *mut uv::Handle,
    timer: *mut uv::Handle,
    /// The deadline (ms on the shared clock) the timer is armed for.
    timer_at: Cell<Option<u64>>,
    driving: Cell<bool>,
    /// Handles still to be closed before the driver can be freed.
    open_handles: Cell<u8>,
    deliver: Deliver,
}

thread_local! {
    static CURRENT: Cell<*const Driver> = const { Cell::new(std::ptr::null()) };
}

/// The calling JS thread's driver, if its environment set one up.
pub fn current() -> Option<&'static Driver> {
    let p = CURRENT.with(|c| c.get());
    // SAFETY: set by `start` to a driver that lives until `stop` clears it.
    unsafe { p.as_ref() }
}

impl Driver {
    /// The runtime's handle, for spawning and entering.
    pub fn handle(&self) -> &tokio::runtime::Handle {
        &self.handle
    }

    /// The environment's event queue.
    pub fn queue(&self) -> &Arc<EventQueue> {
        &self.queue
    }

    /// Holds the JS event loop open (`true`) or lets it exit (`false`).
    pub fn set_ref(&self, on: bool) {
        // SAFETY: a live handle of this thread's loop.
        unsafe {
            if on {
                uv::uv_ref(self.poll)
            } else {
                uv::uv_unref(self.poll)
            }
        }
    }

    /// Runs one turn of the runtime and hands what it produced to JS, then
    /// arms the timer for what is left.
    fn drive(&self) {
        if self.driving.replace(true) {
            return;
        }
        if let Some(rt) = self.runtime.take() {
            // Stamps taken while this turn's events are read and handled
            // share one clock read, as libuv's loop time does.
            let _frozen = clock::freeze();
            rt.block_on(exec::turn());
            self.runtime.set(Some(rt));
            if !self.queue.is_empty() {
                (self.deliver)();
            }
        }
        self.driving.set(false);
        self.arm_timer();
    }

    /// A task was woken outside a turn: run one soon (at the end of the
    /// current one if JS is being handed events now).
    fn kick(&self) {
        if !self.driving.get() {
            self.arm_timer();
        }
    }

    /// Arms the timer: at once if tasks wait for a turn, else for
    /// the earliest connection deadline. A timer armed earlier than needed
    /// is left alone (it fires, finds nothing due, and is armed again), so
    /// a keep-alive deadline moving later on every request costs nothing.
    fn arm_timer(&self) {
        let want = if exec::has_ready() { Some(0) } else { deadline::earliest() };
        match (want, self.timer_at.get()) {
            (Some(at), Some(armed)) if armed <= at && at != 0 => return,
            (None, None) => return,
            _ => {}
        }
        self.timer_at.set(want);
        // SAFETY: live handles of this thread's loop.
        unsafe {
            match want {
                None => {
                    uv::uv_timer_stop(self.timer);
                }
                Some(at) => {
                    uv::uv_update_time(self.loop_);
                    // One more millisecond: libuv's loop time lags.
                    let delay = if at == 0 { 0 } else { at.saturating_sub(now_ms()) + 1 };
                    uv::uv_timer_start(self.timer, on_timer, delay, 0);
                }
            }
        }
    }
}

unsafe extern "C" fn on_poll(handle: *mut uv::Handle, _status: c_int, _events: c_int) {
    let d = &*(uv::data(handle) as *const Driver);
    d.drive();
}

unsafe extern "C" fn on_timer(handle: *mut uv::Handle) {
    let d = &*(uv::data(handle) as *const Driver);
    d.timer_at.set(None);
    d.drive();
}

unsafe extern "C" fn on_close(handle: *mut uv::Handle) {
    let d = uv::data(handle) as *mut Driver;
    let is_poll = std::ptr::eq((*d).poll, handle);
    uv::free_handle(handle, is_poll);
    let left = (*d).open_handles.get() - 1;
    (*d).open_handles.set(left);
    if left == 0 {
        drop(Box::from_raw(d));
    }
}

/// Every epoll descriptor the process has open.
fn epoll_fds() -> HashSet<RawFd> {
    let mut out = HashSet::new();
    if let Ok(dir) = std::fs::read_dir("/proc/self/fd") {
        for entry in dir.flatten() {
            let Ok(fd) = entry.file_name().to_string_lossy().parse::<RawFd>() else { continue };
            if let Ok(target) = std::fs::read_link(entry.path()) {
                if target.as_os_str() == "anon_inode:[eventpoll]" {
                    out.insert(fd);
                }
            }
        }
    }
    out
}

/// Whether `fds` are all one epoll instance (tokio duplicates its
/// descriptor for its registry): their fdinfo (watched descriptors) match.
fn same_epoll(fds: &[RawFd]) -> bool {
    let info = |fd: RawFd| std::fs::read_to_string(format!("/proc/self/fdinfo/{fd}")).ok();
    let first = info(fds[0]);
    first.is_some() && fds[1..].iter().all(|&fd| info(fd) == first)
}

/// Builds a current-thread runtime and finds the epoll descriptor its I/O
/// driver waits on (tokio does not expose it): the one that appeared, with
/// its duplicate, while it was built. Builds are serialised; a build that
/// raced with another epoll descriptor's creation is retried.
fn build_runtime() -> io::Result<(Runtime, RawFd)> {
    static BUILDING: Mutex<()> = Mutex::new(());
    let _one_at_a_time = BUILDING.lock().unwrap_or_else(|e| e.into_inner());
    for _ in 0..5 {
        let before = epoll_fds();
        let rt = Builder::new_current_thread().enable_io().build()?;
        let fresh: Vec<RawFd> = epoll_fds().difference(&before).copied().collect();
        if (1..=2).contains(&fresh.len()) && same_epoll(&fresh) {
            return Ok((rt, fresh[0]));
        }
    }
    Err(io::Error::other("rshttp: cannot find the tokio runtime's epoll descriptor"))
}

/// Sets up the calling JS thread's driver on `loop_`; the poll handle starts
/// unreferenced (see `set_ref`).
///
/// # Safety
/// `loop_` is the calling thread's live libuv loop.
pub unsafe fn start(loop_: *mut uv::Loop, deliver: Deliver) -> io::Result<()> {
    if current().is_some() {
        return Ok(());
    }
    let (rt, fd) = build_runtime()?;
    let d = Box::into_raw(Box::new(Driver {
        handle: rt.handle().clone(),
        runtime: Cell::new(Some(rt)),
        queue: EventQueue::new(),
        loop_,
        poll: uv::alloc_poll(),
        timer: uv::alloc_timer(),
        timer_at: Cell::new(None),
        driving: Cell::new(false),
        open_handles: Cell::new(2),
        deliver,
    }));
    let dr = &*d;
    if uv::uv_poll_init(loop_, dr.poll, fd) != 0 || uv::uv_timer_init(loop_, dr.timer) != 0 {
        return Err(io::Error::other("rshttp: cannot set up libuv handles"));
    }
    uv::set_data(dr.poll, d as *mut c_void);
    uv::set_data(dr.timer, d as *mut c_void);
    uv::uv_poll_start(dr.poll, uv::READABLE, on_poll);
    uv::uv_unref(dr.poll);
    uv::uv_unref(dr.timer);
    CURRENT.with(|c| c.set(d));
    exec::set_kick(Box::new(|| {
        if let Some(d) = current() {
            d.kick();
        }
    }));
    Ok(())
}

/// Tears the calling thread's driver down as its environment exits: closes
/// the handles (the poll first, so libuv stops watching the descriptor) and
/// drops the runtime with every connection task.
pub fn stop() {
    let p = CURRENT.with(|c| c.replace(std::ptr::null()));
    if p.is_null() {
        return;
    }
    // SAFETY: the driver is live until its handles' close callbacks free it.
    unsafe {
        let d = &*p;
        uv::uv_close(d.poll, on_close);
        uv::uv_close(d.timer, on_close);
        if let Some(rt) = d.runtime.take() {
            // Connection tasks drop their sockets inside the runtime's context.
            {
                let _enter = rt.enter();
                exec::shutdown();
            }
            rt.shutdown_background();
        }
    }
}
