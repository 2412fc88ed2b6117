//! The few libuv calls the driver needs, resolved from the Node binary that
//! loads the addon (Node exports libuv's symbols to addons). Handles are
//! allocated with the size libuv reports, so no struct layout is copied
//! here beyond `data` being a handle's first field.
use std::ffi::{c_int, c_void};

/// An opaque `uv_loop_t`.
pub type Loop = c_void;
/// An opaque `uv_poll_t`, `uv_timer_t` or other handle.
pub type Handle = c_void;

/// `uv_handle_type` values (uv.h: UV_HANDLE_TYPE_MAP order).
const UV_POLL: c_int = 8;
const UV_TIMER: c_int = 13;
/// `uv_poll_event`: readable.
pub const READABLE: c_int = 1;

pub type PollCb = unsafe extern "C" fn(handle: *mut Handle, status: c_int, events: c_int);
pub type TimerCb = unsafe extern "C" fn(handle: *mut Handle);
pub type CloseCb = unsafe extern "C" fn(handle: *mut Handle);

extern "C" {
    fn uv_handle_size(kind: c_int) -> usize;
    pub fn uv_poll_init(lp: *mut Loop, handle: *mut Handle, fd: c_int) -> c_int;
    pub fn uv_poll_start(handle: *mut Handle, events: c_int, cb: PollCb) -> c_int;
    pub fn uv_timer_init(lp: *mut Loop, handle: *mut Handle) -> c_int;
    pub fn uv_timer_start(handle: *mut Handle, cb: TimerCb, timeout: u64, repeat: u64) -> c_int;
    pub fn uv_timer_stop(handle: *mut Handle) -> c_int;
    pub fn uv_update_time(lp: *mut Loop);
    pub fn uv_ref(handle: *mut Handle);
    pub fn uv_unref(handle: *mut Handle);
    pub fn uv_close(handle: *mut Handle, cb: CloseCb);
}

/// Allocates zeroed memory for a handle of `kind` (freed with `free_handle`).
fn alloc_handle(kind: c_int) -> *mut Handle {
    // SAFETY: uv_handle_size only reads a table.
    let size = unsafe { uv_handle_size(kind) };
    let words = size.div_ceil(8);
    Box::into_raw(vec![0u64; words].into_boxed_slice()) as *mut Handle
}

/// Memory for a `uv_poll_t`.
pub fn alloc_poll() -> *mut Handle {
    alloc_handle(UV_POLL)
}

/// Memory for a `uv_timer_t`.
pub fn alloc_timer() -> *mut Handle {
    alloc_handle(UV_TIMER)
}

/// Frees memory from `alloc_poll`/`alloc_timer` once libuv has closed it.
///
/// # Safety
/// `handle` came from `alloc_poll` (`is_poll`) or `alloc_timer` and libuv
/// no longer uses it.
pub unsafe fn free_handle(handle: *mut Handle, is_poll: bool) {
    let size = uv_handle_size(if is_poll { UV_POLL } else { UV_TIMER });
    let words = size.div_ceil(8);
    drop(Box::from_raw(std::ptr::slice_from_raw_parts_mut(handle as *mut u64, words)));
}

/// The `data` field (a handle's first).
///
/// # Safety
/// `handle` points to a live handle.
pub unsafe fn data(handle: *mut Handle) -> *mut c_void {
    *(handle as *mut *mut c_void)
}

/// Sets the `data` field.
///
/// # Safety
/// `handle` points to a live handle.
pub unsafe fn set_data(handle: *mut Handle, value: *mut c_void) {
    *(handle as *mut *mut c_void) = value;
}
