//! The libuv functions the inline driver's socket code refers to. In the
//! addon Node provides them; a test binary has no libuv, and once a test
//! reaches the connection task the linker wants them. No test makes a
//! watched socket, so none is ever called: each aborts if it were.
#![allow(clippy::missing_safety_doc)]
use crate::uv::{CloseCb, Handle, PollCb};
use std::ffi::c_int;

fn not_in_tests(name: &str) -> ! {
    eprintln!("{name}: libuv is not linked into cargo test");
    std::process::abort()
}

#[no_mangle]
pub extern "C" fn uv_close(_handle: *mut Handle, _cb: CloseCb) {
    not_in_tests("uv_close")
}

#[no_mangle]
pub extern "C" fn uv_poll_start(_handle: *mut Handle, _events: c_int, _cb: PollCb) -> c_int {
    not_in_tests("uv_poll_start")
}

#[no_mangle]
pub extern "C" fn uv_poll_stop(_handle: *mut Handle) -> c_int {
    not_in_tests("uv_poll_stop")
}

#[no_mangle]
pub extern "C" fn uv_handle_get_type(_handle: *const Handle) -> c_int {
    not_in_tests("uv_handle_get_type")
}

#[no_mangle]
pub extern "C" fn uv_handle_size(_kind: c_int) -> usize {
    not_in_tests("uv_handle_size")
}
