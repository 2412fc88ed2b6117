//! Each JS environment's connection tasks, driven from its own JS thread's
//! libuv loop: sockets are watched in the loop's own epoll set (see
//! `io::inline::reactor`), and a turn of the tasks runs in the loop's check phase,
//! right after the poll phase that found them ready, so a request is read,
//! parsed and handed to JS in one wake-up of one thread. A uv timer fires for
//! the earliest connection deadline; an idle handle keeps the loop from
//! blocking while a turn waits to run; an async handle holds the loop open
//! while JS asks it to (listening servers, connects, input being parsed) or
//! a connection holds it by libuv's rule (`io::inline::hold`), and carries wakes
//! from other threads.
use crate::events::EventQueue;
use crate::guard::contain;
use super::{self as exec, hold, reactor, timer as deadline};
use crate::exec::clock::{self, now_ms};
use crate::uv;
use std::cell::Cell;
use std::ffi::{c_int, c_void};
use std::io;
use std::sync::Arc;

/// Called with nothing pending in JS: hands the queued events to JS.
pub type Deliver = Box<dyn Fn()>;

/// One environment's libuv handles and event queue.
pub struct Driver {
    queue: Arc<EventQueue>,
    loop_: *mut uv::Loop,
    timer: *mut uv::Handle,
    check: *mut uv::Handle,
    idle: *mut uv::Handle,
    keep: *mut uv::Handle,
    /// The deadline (ms on the shared clock) the timer is armed for.
    timer_at: Cell<Option<u64>>,
    /// A turn is due at the next check phase: (check started, idle started).
    scheduled: Cell<(bool, bool)>,
    driving: Cell<bool>,
    /// What holds the loop through `keep`: JS (`set_ref`), connections
    /// (`io::inline::hold`).
    held_by_js: Cell<bool>,
    held_by_conns: Cell<bool>,
    /// Connections on the I/O threads hold it (`EventQueue::holds`).
    held_by_threads: Cell<bool>,
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

/// A handle pointer that may be sent to other threads for `uv_async_send`.
struct AsyncHandle(*mut uv::Handle);
// SAFETY: uv_async_send is the one libuv call that is thread-safe.
unsafe impl Send for AsyncHandle {}
unsafe impl Sync for AsyncHandle {}

impl Driver {
    /// The environment's event queue.
    pub fn queue(&self) -> &Arc<EventQueue> {
        &self.queue
    }

    /// Holds the JS event loop open (`true`) or lets it exit (`false`), on
    /// JS's behalf; connections hold it too while `io::inline::hold` says so.
    pub fn set_ref(&self, on: bool) {
        self.held_by_js.set(on);
        self.apply_ref();
    }

    fn set_conns_hold(&self, on: bool) {
        self.held_by_conns.set(on);
        self.apply_ref();
    }

    fn apply_ref(&self) {
        // SAFETY: a live handle of this thread's loop.
        unsafe {
            if self.held_by_js.get() || self.held_by_conns.get() || self.held_by_threads.get() {
                uv::uv_ref(self.keep)
            } else {
                uv::uv_unref(self.keep)
            }
        }
    }

    /// The I/O threads' wake-up (their threadsafe function's call, in the
    /// loop's poll phase, in the order the loop saw it among Node's own
    /// sockets): applies their connections' hold on the loop and hands JS
    /// what they queued (unless a turn is delivering now; it hands over
    /// everything queued).
    pub fn deliver_from_threads(&self) {
        self.queue.woken();
        crate::inject_panic!("threads_wake");
        self.apply_threads_hold();
        if self.driving.get() || self.queue.is_empty() {
            return;
        }
        let _frozen = clock::freeze();
        self.hand_over();
    }

    /// Hands JS what is queued, then tells the queue it is handled, ticks
    /// included: connections waiting for that read on (`EventQueue::delivered`).
    fn hand_over(&self) {
        (self.deliver)();
        self.queue.delivered();
    }

    /// Holds the loop while the environment's threaded connections do.
    fn apply_threads_hold(&self) {
        let held = self.queue.holds() > 0;
        if self.held_by_threads.replace(held) != held {
            self.apply_ref();
        }
    }

    /// Runs one turn of the tasks and hands what it produced to JS, then
    /// arms the timer for what is left. `deadlines`: due deadlines fire too
    /// (a turn the loop's check phase runs, after its poll read what came
    /// in; not a turn run early for tasks JS woke).
    fn drive(&self, deadlines: bool) {
        if self.driving.replace(true) {
            return;
        }
        // Reset however the turn ends (a contained panic included), or no
        // turn would ever run again.
        struct Driving<'a>(&'a Cell<bool>);
        impl Drop for Driving<'_> {
            fn drop(&mut self) {
                self.0.set(false);
            }
        }
        let driving = Driving(&self.driving);
        self.unschedule();
        crate::inject_panic!("drive");
        {
            // Stamps taken while this turn's events are read and handled
            // share one clock read, as libuv's loop time does.
            let _frozen = clock::freeze();
            exec::turn(deadlines);
            if !self.queue.is_empty() {
                self.hand_over();
            }
        }
        drop(driving);
        self.arm_timer();
    }

    /// Runs a turn in the loop's next check phase. `blocking_ok`: the loop
    /// is in its poll phase (a socket's callback), so the check phase comes
    /// before it could block; otherwise an idle handle keeps the next poll
    /// from blocking.
    fn schedule(&self, blocking_ok: bool) {
        let (check, idle) = self.scheduled.get();
        // SAFETY: live handles of this thread's loop.
        unsafe {
            if !check {
                uv::uv_check_start(self.check, on_check);
            }
            if !idle && !blocking_ok {
                uv::uv_idle_start(self.idle, on_idle);
            }
        }
        self.scheduled.set((true, idle || !blocking_ok));
    }

    fn unschedule(&self) {
        let (check, idle) = self.scheduled.replace((false, false));
        // SAFETY: live handles of this thread's loop.
        unsafe {
            if check {
                uv::uv_check_stop(self.check);
            }
            if idle {
                uv::uv_idle_stop(self.idle);
            }
        }
    }

    /// A task was woken outside a turn: run one soon (after the current
    /// one if JS is being handed events now). A socket's callback has the
    /// turn run in this iteration's check phase, with every socket the poll
    /// found ready; JS (closing, pausing, resuming a connection) has it run
    /// at once in the next iteration, before its poll, as Node's own calls
    /// take effect before the loop polls again.
    fn kick(&self) {
        if self.driving.get() {
            return;
        }
        if reactor::in_io_callback() {
            self.schedule(true);
        } else {
            self.arm_timer();
        }
    }

    /// Arms the timer: at once if tasks wait for a turn that is not
    /// scheduled, else for the earliest connection deadline. A timer armed
    /// earlier than needed is left alone (it fires, finds nothing due, and
    /// is armed again), so a keep-alive deadline moving later on every
    /// request costs nothing.
    fn arm_timer(&self) {
        let soon = exec::has_ready() && !self.scheduled.get().0;
        let want = if soon { Some(0) } else { deadline::earliest() };
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

/// The driver a handle of its own points to.
///
/// # Safety
/// `handle` is one of a live driver's handles (`start` set its data).
unsafe fn driver_of(handle: *mut uv::Handle) -> &'static Driver {
    // SAFETY: the handle's data is its driver, live until its handles close.
    unsafe { &*(uv::data(handle) as *const Driver) }
}

/// After a contained panic in one of the driver's callbacks: whatever the
/// interrupted turn left runs from the timer (itself contained).
pub fn recover(d: &Driver) {
    contain("re-arming the driver", || {
        d.timer_at.set(None);
        if d.queue.is_empty() {
            d.arm_timer();
        } else {
            // Events the interrupted turn did not hand over go at the next
            // check phase (nothing else may wake the loop for them).
            d.schedule(false);
        }
    });
}

/// The check phase: the turn the poll phase's sockets asked for.
///
/// # Safety
/// Called by libuv with the driver's check handle (as the other callbacks
/// below are with the driver's own handles).
unsafe extern "C" fn on_check(handle: *mut uv::Handle) {
    // SAFETY: libuv calls it with the driver's check handle.
    let d = unsafe { driver_of(handle) };
    let ran = contain("the driver's turn", || {
        crate::inject_panic!("on_check");
        d.drive(true)
    });
    if ran.is_none() {
        recover(d);
    }
}

/// Keeps the loop's next poll from blocking while a turn waits.
///
/// # Safety
/// As `on_check` (it touches nothing).
unsafe extern "C" fn on_idle(_handle: *mut uv::Handle) {}

/// A wake from another thread.
///
/// # Safety
/// As `on_check`, with the driver's async handle.
unsafe extern "C" fn on_async(handle: *mut uv::Handle) {
    // SAFETY: libuv calls it with the driver's async handle.
    let d = unsafe { driver_of(handle) };
    if contain("the driver's wake-up", || d.kick()).is_none() {
        recover(d);
    }
}

/// Tasks JS woke run now. A due deadline gets a turn after the loop's next
/// (non-blocking) poll, so input that arrived in time is read before the
/// deadline fires; one not yet due (it moved later since the timer was
/// armed) has the timer armed again.
///
/// # Safety
/// As `on_check`, with the driver's timer handle.
unsafe extern "C" fn on_timer(handle: *mut uv::Handle) {
    // SAFETY: libuv calls it with the driver's timer handle.
    let d = unsafe { driver_of(handle) };
    let ran = contain("the driver's timer", || {
        d.timer_at.set(None);
        crate::inject_panic!("on_timer");
        if exec::has_ready() {
            d.drive(false);
        }
        if deadline::earliest().is_some_and(|at| at <= now_ms()) {
            d.schedule(false);
        } else {
            d.arm_timer();
        }
    });
    if ran.is_none() {
        recover(d);
    }
}

/// Frees the driver once the last of its handles is closed.
///
/// # Safety
/// Called by libuv once one of the driver's handles is closed.
unsafe extern "C" fn on_close(handle: *mut uv::Handle) {
    contain("closing the driver", || {
        crate::inject_panic!("on_close");
        // SAFETY: libuv has closed one of the driver's handles (freed
        // here); the driver is freed with the last.
        unsafe {
            let d = uv::data(handle) as *mut Driver;
            uv::free_handle(handle);
            let left = (*d).open_handles.get() - 1;
            (*d).open_handles.set(left);
            if left == 0 {
                drop(Box::from_raw(d));
            }
        }
    });
}

/// Whether a test build was asked to fail the driver's set-up half-way.
fn setup_fails() -> bool {
    #[cfg(feature = "panic-inject")]
    return crate::guard::inject::chosen("driver_setup");
    #[cfg(not(feature = "panic-inject"))]
    false
}

/// Sets up the calling JS thread's driver on `loop_`; the loop is not held
/// open until `set_ref(true)`.
///
/// # Safety
/// `loop_` is the calling thread's live libuv loop.
pub unsafe fn start(loop_: *mut uv::Loop, deliver: Deliver) -> io::Result<()> {
    if current().is_some() {
        return Ok(());
    }
    let d = Box::into_raw(Box::new(Driver {
        queue: EventQueue::new(),
        loop_,
        timer: uv::alloc(uv::Kind::Timer),
        check: uv::alloc(uv::Kind::Check),
        idle: uv::alloc(uv::Kind::Idle),
        keep: uv::alloc(uv::Kind::Async),
        timer_at: Cell::new(None),
        scheduled: Cell::new((false, false)),
        driving: Cell::new(false),
        held_by_js: Cell::new(false),
        held_by_conns: Cell::new(false),
        held_by_threads: Cell::new(false),
        open_handles: Cell::new(4),
        deliver,
    }));
    // SAFETY: just made; freed only by the handles' close callbacks.
    let dr = unsafe { &*d };
    // SAFETY: libuv calls on the caller's live loop (its contract), with
    // handles made above.
    unsafe { init_handles(loop_, d) }?;
    reactor::set_loop(loop_);
    CURRENT.with(|c| c.set(d));
    exec::set_kick(Box::new(|| {
        if let Some(d) = current() {
            d.kick();
        }
    }));
    hold::set_hook(Some(Box::new(|on| {
        if let Some(d) = current() {
            d.set_conns_hold(on);
        }
    })));
    hold::set_threads_hook(Some(Box::new(|| {
        if let Some(d) = current() {
            d.apply_threads_hold();
        }
    })));
    reactor::set_on_hangup(Some(Box::new(|| {
        if let Some(d) = current() {
            d.drive(true);
        }
    })));
    let keep = AsyncHandle(dr.keep);
    exec::set_remote_kick(Some(Box::new(move || {
        let keep = &keep;
        // SAFETY: cleared (in `stop`) before the handle is closed.
        unsafe { uv::uv_async_send(keep.0) };
    })));
    Ok(())
}

/// Initialises the driver's four handles on `loop_`. If one fails, frees
/// what was made (memory libuv never saw at once; initialised handles are
/// closed, and the last close frees the driver) and says so.
///
/// # Safety
/// `loop_` is the calling thread's live loop; `d` a fresh driver from
/// `start` whose handles libuv has not seen.
unsafe fn init_handles(loop_: *mut uv::Loop, d: *mut Driver) -> io::Result<()> {
    // SAFETY: the caller's contract.
    unsafe {
        let dr = &*d;
        let handles = [(dr.timer, uv::Kind::Timer), (dr.check, uv::Kind::Check), (dr.idle, uv::Kind::Idle), (dr.keep, uv::Kind::Async)];
        let mut made = 0;
        for (i, &(h, _)) in handles.iter().enumerate() {
            let rc: c_int = match i {
                0 => uv::uv_timer_init(loop_, h),
                1 => uv::uv_check_init(loop_, h),
                // A test build can have this one fail, half-way through.
                2 if setup_fails() => -12,
                2 => uv::uv_idle_init(loop_, h),
                _ => uv::uv_async_init(loop_, h, on_async),
            };
            if rc != 0 {
                break;
            }
            uv::set_data(h, d as *mut c_void);
            uv::uv_unref(h);
            made += 1;
        }
        if made == handles.len() {
            return Ok(());
        }
        for &(h, kind) in &handles[made..] {
            uv::free_unused(h, kind);
        }
        if made == 0 {
            drop(Box::from_raw(d));
        } else {
            dr.open_handles.set(made as u8);
            for &(h, _) in &handles[..made] {
                uv::uv_close(h, on_close);
            }
        }
        Err(io::Error::other("rshttp: cannot set up libuv handles"))
    }
}

/// Tears the calling thread's driver down as its environment exits: drops
/// every connection task, closes every socket watch and the driver's
/// handles (libuv's loop must not be left with open handles).
pub fn stop() {
    let p = CURRENT.with(|c| c.replace(std::ptr::null()));
    if p.is_null() {
        return;
    }
    exec::set_remote_kick(None);
    reactor::set_on_hangup(None);
    hold::set_hook(None);
    hold::set_threads_hook(None);
    exec::shutdown();
    reactor::close_all();
    reactor::set_loop(std::ptr::null_mut());
    // SAFETY: the driver is live until its handles' close callbacks free it.
    unsafe {
        let d = &*p;
        for h in [d.timer, d.check, d.idle, d.keep] {
            uv::uv_close(h, on_close);
        }
    }
}
