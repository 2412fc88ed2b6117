//! The calls JS makes once or more per request (a response's write, a
//! client socket's ref and unref, a client request's expectation), defined
//! with `napi_create_function` instead of `#[napi]`.
//!
//! napi-rs 3 opens a "native borrow scope" around every generated function
//! that takes arguments: an `Arc<Mutex<..>>` allocated per call, thread-local
//! lists pushed and popped, a barrier, a deferred guard. Callgrind puts that
//! at about 1,000 instructions a call, as much as the write itself costs
//! without its string copy. These functions take no borrows that outlive the
//! call, so they read their arguments with plain napi calls. As the generated
//! functions do, a wrong argument throws a TypeError and a panic is contained
//! (DESIGN.md, bridge rule 9): it throws an Error, and the next call works.
use crate::guard::contain;
use napi::sys;
use std::ffi::{c_char, CStr, CString};
use std::ptr;

/// The most arguments any of these calls takes.
const MAX_ARGS: usize = 5;

/// One call's arguments (missing ones read as `undefined`, as napi fills them).
pub(super) struct Args {
    env: sys::napi_env,
    argv: [sys::napi_value; MAX_ARGS],
}

/// A wrong argument: its position and what was expected there.
pub(super) struct BadArg(usize, &'static str);

impl Args {
    /// The arguments of the call `info`.
    ///
    /// # Safety
    /// Inside a napi callback on the JS thread of `env`, with its `info`.
    unsafe fn read(env: sys::napi_env, info: sys::napi_callback_info) -> Option<Self> {
        let mut argv = [ptr::null_mut(); MAX_ARGS];
        let mut argc = MAX_ARGS;
        // SAFETY: the caller's contract; napi writes at most `argc` values
        // and fills the ones not passed with `undefined`.
        let status = unsafe { sys::napi_get_cb_info(env, info, &mut argc, argv.as_mut_ptr(), ptr::null_mut(), ptr::null_mut()) };
        (status == sys::Status::napi_ok).then_some(Args { env, argv })
    }

    /// The environment of the call.
    pub(super) fn env(&self) -> sys::napi_env {
        self.env
    }

    /// Argument `i` as it is.
    pub(super) fn value(&self, i: usize) -> sys::napi_value {
        self.argv[i]
    }

    /// Argument `i`, a number, as u32 (as napi-rs's `u32`).
    pub(super) fn u32(&self, i: usize) -> Result<u32, BadArg> {
        let mut out = 0u32;
        // SAFETY: `Args` lives inside its callback, with live handles.
        let status = unsafe { sys::napi_get_value_uint32(self.env, self.argv[i], &mut out) };
        if status == sys::Status::napi_ok { Ok(out) } else { Err(BadArg(i, "a number")) }
    }

    /// Argument `i`, a boolean.
    pub(super) fn bool(&self, i: usize) -> Result<bool, BadArg> {
        self.opt_bool(i)?.ok_or(BadArg(i, "a boolean"))
    }

    /// Argument `i`, a boolean, or None if it is `undefined` or `null`.
    pub(super) fn opt_bool(&self, i: usize) -> Result<Option<bool>, BadArg> {
        let mut out = false;
        // SAFETY: as in `u32`.
        if unsafe { sys::napi_get_value_bool(self.env, self.argv[i], &mut out) } == sys::Status::napi_ok {
            return Ok(Some(out));
        }
        if self.is_nullish(i) { Ok(None) } else { Err(BadArg(i, "a boolean")) }
    }

    /// Argument `i`, a Buffer (or another Uint8Array), as its bytes.
    pub(super) fn bytes(&self, i: usize) -> Result<&[u8], BadArg> {
        self.opt_bytes(i)?.ok_or(BadArg(i, "a Buffer"))
    }

    /// Argument `i` as `bytes`, or None if it is `undefined` or `null`.
    pub(super) fn opt_bytes(&self, i: usize) -> Result<Option<&[u8]>, BadArg> {
        let mut data: *mut std::ffi::c_void = ptr::null_mut();
        let mut len = 0usize;
        // SAFETY: as in `u32`.
        if unsafe { sys::napi_get_buffer_info(self.env, self.argv[i], &mut data, &mut len) } == sys::Status::napi_ok {
            if len == 0 || data.is_null() {
                return Ok(Some(&[]));
            }
            // SAFETY: napi gave the view's memory, which JS cannot free or
            // move while this call (which holds the handle) runs.
            return Ok(Some(unsafe { std::slice::from_raw_parts(data as *const u8, len) }));
        }
        if self.is_nullish(i) { Ok(None) } else { Err(BadArg(i, "a Buffer")) }
    }

    /// Whether argument `i` is `undefined` or `null`.
    fn is_nullish(&self, i: usize) -> bool {
        let mut t = sys::ValueType::napi_object;
        // SAFETY: as in `u32`.
        let status = unsafe { sys::napi_typeof(self.env, self.argv[i], &mut t) };
        status == sys::Status::napi_ok && (t == sys::ValueType::napi_undefined || t == sys::ValueType::napi_null)
    }
}

/// What a call returns to JS.
pub(super) trait ToJs {
    /// The JS value (null for `undefined`).
    ///
    /// # Safety
    /// On the JS thread of `env`, inside the callback.
    unsafe fn to_js(self, env: sys::napi_env) -> sys::napi_value;
}

impl ToJs for () {
    unsafe fn to_js(self, _env: sys::napi_env) -> sys::napi_value {
        ptr::null_mut()
    }
}

impl ToJs for i64 {
    unsafe fn to_js(self, env: sys::napi_env) -> sys::napi_value {
        let mut out = ptr::null_mut();
        // SAFETY: the caller's contract.
        unsafe { sys::napi_create_int64(env, self, &mut out) };
        out
    }
}

/// Runs the body of the call `name`: reads its arguments, contains a panic,
/// and throws for a wrong argument or a panic.
///
/// # Safety
/// Inside a napi callback on the JS thread of `env`, with its `info`.
pub(super) unsafe fn call<R: ToJs>(
    env: sys::napi_env,
    info: sys::napi_callback_info,
    name: &str,
    f: impl FnOnce(&Args) -> Result<R, BadArg>,
) -> sys::napi_value {
    // SAFETY: the caller's contract.
    let Some(args) = (unsafe { Args::read(env, info) }) else { return ptr::null_mut() };
    let done = contain(name, || {
        crate::inject_panic!("napi_fast");
        f(&args)
    });
    match done {
        // SAFETY: the caller's contract.
        Some(Ok(r)) => unsafe { r.to_js(env) },
        Some(Err(BadArg(i, what))) => {
            throw(env, true, &format!("{name}: argument {i} must be {what}"));
            ptr::null_mut()
        }
        None => {
            throw(env, false, &format!("rshttp: internal error in {name} (a panic, contained)"));
            ptr::null_mut()
        }
    }
}

/// Throws a TypeError (or an Error) with `message`, code ERR_INVALID_ARG_TYPE
/// (or ERR_INTERNAL_ASSERTION), unless an exception is already pending.
fn throw(env: sys::napi_env, type_error: bool, message: &str) {
    let msg = CString::new(message.replace('\0', " ")).unwrap_or_default();
    let code: &CStr = if type_error { c"ERR_INVALID_ARG_TYPE" } else { c"ERR_INTERNAL_ASSERTION" };
    let mut pending = false;
    // SAFETY: called from `call`, inside the callback on the JS thread.
    unsafe {
        sys::napi_is_exception_pending(env, &mut pending);
        if pending {
            return;
        }
        if type_error {
            sys::napi_throw_type_error(env, code.as_ptr(), msg.as_ptr());
        } else {
            sys::napi_throw_error(env, code.as_ptr(), msg.as_ptr());
        }
    }
}

/// A callback as napi calls it.
pub(super) type Callback = unsafe extern "C" fn(sys::napi_env, sys::napi_callback_info) -> sys::napi_value;

/// Defines `exports[name] = cb` as a JS function.
///
/// # Safety
/// On the JS thread of `env` (module registration), `exports` live.
pub(super) unsafe fn define(env: sys::napi_env, exports: sys::napi_value, name: &CStr, cb: Callback) -> napi::Result<()> {
    let mut f = ptr::null_mut();
    // SAFETY: the caller's contract; `name` is NUL-terminated.
    let status = unsafe {
        sys::napi_create_function(env, name.as_ptr() as *const c_char, name.to_bytes().len() as isize, Some(cb), ptr::null_mut(), &mut f)
    };
    if status != sys::Status::napi_ok {
        return Err(napi::Error::from_reason(format!("napi_create_function({name:?}) failed")));
    }
    // SAFETY: as above.
    let status = unsafe { sys::napi_set_named_property(env, exports, name.as_ptr(), f) };
    if status != sys::Status::napi_ok {
        return Err(napi::Error::from_reason(format!("exporting {name:?} failed")));
    }
    Ok(())
}
