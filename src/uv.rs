//! The few libuv calls rshttp needs, resolved from the Node binary that
//! loads the addon (Node exports libuv's symbols to addons). Handles are
//! allocated with the size libuv reports, so no struct layout is copied
//! here beyond `data` being a handle's first field.
use std::ffi::{c_int, c_void};

/// An opaque `uv_loop_t`.
pub type Loop = c_void;
/// An opaque `uv_poll_t`, `uv_timer_t` or other handle.
pub type Handle = c_void;

/// `uv_handle_type` values (uv.h: UV_HANDLE_TYPE_MAP order).
#[derive(Clone, Copy)]
#[repr(i32)]
pub enum Kind {
    Async = 1,
    Check = 2,
    Idle = 6,
    Poll = 8,
    Timer = 13,
}

/// `uv_poll_event`: readable.
pub const READABLE: c_int = 1;
/// `uv_poll_event`: writable.
pub const WRITABLE: c_int = 2;
/// `uv_poll_event`: the peer closed its end (EPOLLRDHUP).
pub const DISCONNECT: c_int = 4;

pub type PollCb = unsafe extern "C" fn(handle: *mut Handle, status: c_int, events: c_int);
/// The callback of a timer, check, idle or async handle.
pub type HandleCb = unsafe extern "C" fn(handle: *mut Handle);
pub type CloseCb = unsafe extern "C" fn(handle: *mut Handle);

// On Windows there is no import library for node.exe's exports: raw-dylib
// links the calls to node.exe by name (as node-gyp's node.lib would).
#[cfg_attr(windows, link(name = "node.exe", kind = "raw-dylib"))]
extern "C" {
    fn uv_handle_size(kind: c_int) -> usize;
    #[cfg(unix)]
    fn uv_poll_init(lp: *mut Loop, handle: *mut Handle, fd: c_int) -> c_int;
    #[cfg(windows)]
    fn uv_poll_init_socket(lp: *mut Loop, handle: *mut Handle, socket: u64) -> c_int;
    pub fn uv_poll_start(handle: *mut Handle, events: c_int, cb: PollCb) -> c_int;
    pub fn uv_poll_stop(handle: *mut Handle) -> c_int;
    pub fn uv_timer_init(lp: *mut Loop, handle: *mut Handle) -> c_int;
    pub fn uv_timer_start(handle: *mut Handle, cb: HandleCb, timeout: u64, repeat: u64) -> c_int;
    pub fn uv_timer_stop(handle: *mut Handle) -> c_int;
    pub fn uv_check_init(lp: *mut Loop, handle: *mut Handle) -> c_int;
    pub fn uv_check_start(handle: *mut Handle, cb: HandleCb) -> c_int;
    pub fn uv_check_stop(handle: *mut Handle) -> c_int;
    pub fn uv_idle_init(lp: *mut Loop, handle: *mut Handle) -> c_int;
    pub fn uv_idle_start(handle: *mut Handle, cb: HandleCb) -> c_int;
    pub fn uv_idle_stop(handle: *mut Handle) -> c_int;
    pub fn uv_async_init(lp: *mut Loop, handle: *mut Handle, cb: HandleCb) -> c_int;
    pub fn uv_async_send(handle: *mut Handle) -> c_int;
    pub fn uv_update_time(lp: *mut Loop);
    pub fn uv_ref(handle: *mut Handle);
    pub fn uv_unref(handle: *mut Handle);
    pub fn uv_close(handle: *mut Handle, cb: CloseCb);
    fn uv_handle_get_type(handle: *const Handle) -> c_int;
}

/// `uv_poll_init` for a socket: by descriptor on unix, by SOCKET on Windows.
///
/// # Safety
/// `lp` is this thread's live loop and `handle` a fresh poll handle.
pub unsafe fn poll_init(lp: *mut Loop, handle: *mut Handle, sock: crate::io::inline::reactor::OsSocket) -> c_int {
    // SAFETY: the caller's contract is libuv's.
    #[cfg(unix)]
    return unsafe { uv_poll_init(lp, handle, sock) };
    #[cfg(windows)]
    return unsafe { uv_poll_init_socket(lp, handle, sock) };
}

fn words(kind: c_int) -> usize {
    // SAFETY: uv_handle_size only reads a table.
    unsafe { uv_handle_size(kind) }.div_ceil(8)
}

/// Allocates zeroed memory for a handle of `kind` (freed with `free_handle`
/// once libuv has closed it).
pub fn alloc(kind: Kind) -> *mut Handle {
    Box::into_raw(vec![0u64; words(kind as c_int)].into_boxed_slice()) as *mut Handle
}

/// Frees memory from `alloc` once libuv has closed the handle.
///
/// # Safety
/// `handle` came from `alloc`, was initialised, and libuv no longer uses it.
pub unsafe fn free_handle(handle: *mut Handle) {
    // SAFETY: an initialised handle from `alloc`, whose size its type gives.
    unsafe {
        let n = words(uv_handle_get_type(handle));
        drop(Box::from_raw(std::ptr::slice_from_raw_parts_mut(handle as *mut u64, n)));
    }
}

/// Frees memory from `alloc` for a handle that was never initialised.
///
/// # Safety
/// `handle` came from `alloc(kind)` and libuv never saw it.
pub unsafe fn free_unused(handle: *mut Handle, kind: Kind) {
    // SAFETY: `alloc(kind)` made a boxed slice of exactly this many words.
    drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(handle as *mut u64, words(kind as c_int))) });
}

/// A close callback that only frees the handle's memory.
///
/// # Safety
/// Called by libuv with a handle from `alloc`.
pub unsafe extern "C" fn free_on_close(handle: *mut Handle) {
    // SAFETY: libuv has closed it; it came from `alloc`.
    unsafe { free_handle(handle) };
}

/// The `data` field (a handle's first).
///
/// # Safety
/// `handle` points to a live handle.
pub unsafe fn data(handle: *mut Handle) -> *mut c_void {
    // SAFETY: `data` is the first field of every uv handle.
    unsafe { *(handle as *mut *mut c_void) }
}

/// Sets the `data` field.
///
/// # Safety
/// `handle` points to a live handle.
pub unsafe fn set_data(handle: *mut Handle, value: *mut c_void) {
    // SAFETY: as in `data`.
    unsafe { *(handle as *mut *mut c_void) = value };
}
