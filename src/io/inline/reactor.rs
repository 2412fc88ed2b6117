//! Socket readiness from the JS thread's own libuv loop: each socket is
//! watched by a `uv_poll` handle in the loop's epoll set, so a request wakes
//! the thread once, in the same `epoll_wait` that serves Node's own
//! sockets, with no second epoll descriptor to wait on and read.
//!
//! libuv's epoll is level-triggered. Readable interest stays on while a task
//! waits to read; an event nobody waits for drops that interest (re-added
//! when a task polls again), so a paused reader does not spin the loop.
//! Writable interest is on only while a write waits for room. Readiness is
//! cached like tokio's: set by events, cleared when a syscall says
//! `EAGAIN` (or a read comes back short).
//!
//! Everything here runs on the thread whose loop `set_loop` recorded.
use crate::guard::{contain, internal_io_error};
use crate::uv;
use std::cell::{Cell, RefCell};
use std::ffi::{c_int, c_void};
use std::io;
use std::task::{Context, Poll, Waker};

/// A socket as the OS names it: a descriptor on unix, a SOCKET on Windows
/// (where libuv polls it with `uv_poll_init_socket`).
#[cfg(unix)]
pub type OsSocket = std::os::fd::RawFd;
#[cfg(windows)]
pub type OsSocket = std::os::windows::io::RawSocket;

/// The OS socket of `sock`.
pub fn os_socket(sock: &socket2::Socket) -> OsSocket {
    #[cfg(unix)]
    return std::os::fd::AsRawFd::as_raw_fd(sock);
    #[cfg(windows)]
    return std::os::windows::io::AsRawSocket::as_raw_socket(sock);
}

/// Readiness bits.
pub const READ: u8 = 1;
pub const WRITE: u8 = 2;
/// The loop reported the socket's error (POLLERR, which a reset raises with
/// POLLHUP) since the bit was last taken (see `Registration::take_error`).
const ERROR: u8 = 4;

/// What a reader watches: data, and the peer's close (EPOLLRDHUP).
const READ_EVENTS: c_int = uv::READABLE | uv::DISCONNECT;

thread_local! {
    static LOOP: Cell<*mut uv::Loop> = const { Cell::new(std::ptr::null_mut()) };
    /// True while a poll callback wakes tasks (see `in_io_callback`).
    static IN_IO: Cell<bool> = const { Cell::new(false) };
    /// Runs a turn at once (the driver's), for a socket the peer closed.
    static ON_HANGUP: RefCell<Option<Box<dyn Fn()>>> = const { RefCell::new(None) };
    /// Every open registration of this thread, to close at teardown.
    static LIVE: RefCell<Vec<*const Io>> = const { RefCell::new(Vec::new()) };
}

/// Records the calling thread's libuv loop (null at teardown).
pub fn set_loop(lp: *mut uv::Loop) {
    LOOP.with(|l| l.set(lp));
}

/// Sets what runs when a socket's peer closed it or it failed: a turn at
/// once, so the close is handled in the order the loop saw it among Node's
/// own sockets (a request's data is batched to the check phase instead).
pub fn set_on_hangup(f: Option<Box<dyn Fn()>>) {
    ON_HANGUP.with(|h| *h.borrow_mut() = f);
}

/// Whether the caller runs inside a socket's poll callback: the loop is in
/// its poll phase, and its check phase follows before it blocks again.
pub fn in_io_callback() -> bool {
    IN_IO.with(|f| f.get())
}

/// Closes every registration of this thread (its environment is going
/// away, and libuv's loop must not be left with open handles). Sockets
/// dropped afterwards only close their descriptors.
pub fn close_all() {
    let live = LIVE.with(|l| std::mem::take(&mut *l.borrow_mut()));
    for io in live {
        // SAFETY: listed registrations are live until their drop unlists them.
        unsafe { (*io).close() };
    }
}

/// One socket's watch: the poll handle, cached readiness, and the tasks
/// waiting to read and to write.
struct Io {
    handle: Cell<*mut uv::Handle>,
    ready: Cell<u8>,
    /// The events the handle is started with (0: stopped).
    interest: Cell<c_int>,
    reader: Cell<Option<Waker>>,
    writer: Cell<Option<Waker>>,
    /// Where `LIVE` lists this registration (usize::MAX once closed).
    index: Cell<usize>,
    /// The owning thread's `LIVE`, to tell a drop on another thread.
    owner: *const c_void,
    /// A contained panic in this socket's callback failed it: every wait
    /// on it ends with `guard::internal_io_error`.
    failed: Cell<bool>,
}

impl Io {
    /// Closes the handle (libuv removes the descriptor from epoll at once).
    ///
    /// # Safety
    /// On the thread whose loop the handle belongs to, with that loop live.
    unsafe fn close(&self) {
        let h = self.handle.replace(std::ptr::null_mut());
        self.index.set(usize::MAX);
        if !h.is_null() {
            // SAFETY: a live poll handle of this thread's loop; freed once closed.
            unsafe {
                uv::set_data(h, std::ptr::null_mut());
                uv::uv_close(h, uv::free_on_close);
            }
        }
    }

    /// Fails the socket after a contained panic: both waiting tasks wake
    /// and see the error; the loop stops watching it.
    fn fail(&self) {
        self.failed.set(true);
        self.ready.set(READ | WRITE);
        for slot in [&self.reader, &self.writer] {
            if let Some(w) = slot.take() {
                w.wake();
            }
        }
        self.watch(0);
    }

    /// Starts or stops the handle for `events`.
    fn watch(&self, events: c_int) {
        let h = self.handle.get();
        if h.is_null() || events == self.interest.get() {
            return;
        }
        self.interest.set(events);
        // SAFETY: a live poll handle of this thread's loop.
        unsafe {
            if events == 0 {
                uv::uv_poll_stop(h);
            } else {
                uv::uv_poll_start(h, events, on_io);
            }
        }
    }
}

/// This thread's `LIVE`, as a token (null once thread-locals are being
/// destroyed, at process exit).
fn live_token() -> *const c_void {
    LIVE.try_with(|l| l as *const _ as *const c_void).unwrap_or(std::ptr::null())
}

/// libuv's poll callback: wakes the tasks waiting on the socket. A panic
/// fails this socket alone (its connection closes with an internal error).
///
/// # Safety
/// Called by libuv, on the loop's thread, with a poll handle `Registration`
/// made.
unsafe extern "C" fn on_io(handle: *mut uv::Handle, status: c_int, events: c_int) {
    // SAFETY: the handle's data is its live registration, or null once
    // that is dropped (see `Io::close`).
    let Some(io) = (unsafe { (uv::data(handle) as *const Io).as_ref() }) else { return };
    let hangup = contain("a socket's poll callback", || {
        crate::inject_panic!("on_io");
        io_ready(io, status, events)
    });
    let hangup = hangup.unwrap_or_else(|| {
        IN_IO.with(|f| f.set(false));
        contain("failing a socket", || io.fail());
        true
    });
    // `io` may be freed by the turn: not used past this point.
    if hangup {
        contain("a socket's hang-up turn", || {
            ON_HANGUP.with(|h| {
                if let Some(f) = h.borrow().as_ref() {
                    f();
                }
            })
        });
    }
}

/// Records what the loop found ready on `io` and wakes its waiting tasks;
/// true when the peer hung up or the socket failed.
fn io_ready(io: &Io, status: c_int, events: c_int) -> bool {
    let mut ev = 0;
    if status < 0 {
        // POLLERR: libuv has stopped the handle; the next syscall reports
        // the socket's error.
        io.interest.set(0);
        ev = READ | WRITE | ERROR;
    } else {
        if events & (uv::READABLE | uv::DISCONNECT) != 0 {
            ev |= READ;
        }
        if events & uv::WRITABLE != 0 {
            ev |= WRITE;
        }
    }
    io.ready.set(io.ready.get() | ev);
    let hangup = status < 0 || events & uv::DISCONNECT != 0;
    let mut keep = io.interest.get();
    IN_IO.with(|f| f.set(true));
    if ev & READ != 0 {
        match io.reader.take() {
            Some(w) => w.wake(),
            // Level-triggered: unwatched until a task waits to read again.
            None => keep &= !READ_EVENTS,
        }
    }
    if ev & WRITE != 0 {
        if let Some(w) = io.writer.take() {
            w.wake();
        }
        keep &= !uv::WRITABLE;
    }
    IN_IO.with(|f| f.set(false));
    if status >= 0 {
        io.watch(keep);
    }
    hangup
}

/// A descriptor watched by this thread's loop. Dropping it closes the
/// watch; the descriptor itself belongs to the owner (drop this first).
pub struct Registration {
    io: Box<Io>,
}

// SAFETY: a registration is created, polled, written through and dropped on
// its loop's thread (connections are used only by the JS thread that opened
// them); a drop elsewhere leaves the handle alone (see `Drop`).
unsafe impl Send for Registration {}
unsafe impl Sync for Registration {}

impl Registration {
    /// Watches `sock` (made non-blocking) on the calling thread's loop.
    pub fn new(sock: OsSocket) -> io::Result<Registration> {
        let lp = LOOP.with(|l| l.get());
        if lp.is_null() {
            return Err(io::Error::other("rshttp: no event loop on this thread"));
        }
        let h = uv::alloc(uv::Kind::Poll);
        // SAFETY: a fresh handle for this thread's live loop.
        let rc = unsafe { uv::poll_init(lp, h, sock) };
        if rc != 0 {
            // SAFETY: never initialised, so libuv does not know it.
            unsafe { uv::free_unused(h, uv::Kind::Poll) };
            return Err(io::Error::from_raw_os_error(-rc));
        }
        let io = Box::new(Io {
            handle: Cell::new(h),
            ready: Cell::new(WRITE),
            interest: Cell::new(0),
            reader: Cell::new(None),
            writer: Cell::new(None),
            index: Cell::new(0),
            owner: live_token(),
            failed: Cell::new(false),
        });
        // SAFETY: `io` is boxed and outlives the handle's use of it (drop
        // clears `data` before closing).
        unsafe {
            uv::set_data(h, &*io as *const Io as *mut c_void);
            // Connections do not hold the loop open by themselves; the
            // driver's reference does (see `Driver::set_ref`).
            uv::uv_unref(h);
        }
        LIVE.with(|l| {
            let mut l = l.borrow_mut();
            io.index.set(l.len());
            l.push(&*io as *const Io);
        });
        Ok(Registration { io })
    }

    /// Whether `bit` (READ or WRITE) is cached as ready.
    pub fn is_ready(&self, bit: u8) -> bool {
        self.io.ready.get() & bit != 0
    }

    /// Whether the loop reported the socket's error (POLLERR) since the last
    /// call; forgets it.
    pub fn take_error(&self) -> bool {
        let ready = self.io.ready.get();
        self.io.ready.set(ready & !ERROR);
        ready & ERROR != 0
    }

    /// Forgets `bit`'s readiness after the socket said `EAGAIN`.
    pub fn clear_ready(&self, bit: u8) {
        self.io.ready.set(self.io.ready.get() & !bit);
    }

    /// Ready once `bit` is; otherwise the task's waker is kept (one per
    /// direction) and the loop watches for it.
    pub fn poll_ready(&self, cx: &mut Context<'_>, bit: u8) -> Poll<io::Result<()>> {
        let io = &*self.io;
        if io.ready.get() & bit != 0 && !io.failed.get() {
            return Poll::Ready(Ok(()));
        }
        if io.failed.get() {
            return Poll::Ready(Err(internal_io_error()));
        }
        if io.handle.get().is_null() {
            return Poll::Ready(Err(io::Error::other("rshttp: event loop closed")));
        }
        let (slot, event) = if bit == READ { (&io.reader, READ_EVENTS) } else { (&io.writer, uv::WRITABLE) };
        let old = slot.take();
        slot.set(Some(match old {
            Some(w) if w.will_wake(cx.waker()) => w,
            _ => cx.waker().clone(),
        }));
        io.watch(io.interest.get() | event);
        Poll::Pending
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        let io = &*self.io;
        if io.owner != live_token() || io.owner.is_null() {
            // Another thread: its loop is not ours to touch. Connections
            // are dropped on the thread that opened them; were one not,
            // its handle would be leaked rather than touched (teardown
            // has closed it already when the thread's environment ends).
            io.handle.set(std::ptr::null_mut());
            return;
        }
        let i = io.index.get();
        if i != usize::MAX {
            let _ = LIVE.try_with(|l| {
                let mut l = l.borrow_mut();
                l.swap_remove(i);
                if let Some(moved) = l.get(i) {
                    // SAFETY: listed registrations are live.
                    unsafe { (**moved).index.set(i) };
                }
            });
        }
        // SAFETY: on the owning thread, with the handle live or null.
        unsafe { io.close() };
    }
}
