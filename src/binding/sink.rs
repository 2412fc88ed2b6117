//! One event sink per JS environment: after each turn of the environment's
//! runtime (see `driver`), the JS entry function is called through
//! `napi_make_callback`, as Node calls I/O callbacks, and takes the batch
//! with `takeBatch()`; the ticks and microtasks it queues run as soon as it
//! returns. (The call passes no arguments: a libuv callback has no V8
//! context entered to build a Buffer in, and `napi_make_callback` enters the
//! callee's own.)
use crate::io::inline::driver;
use crate::events::EventQueue;
use napi::bindgen_prelude::*;
use napi::sys;
use std::sync::Arc;

/// The calling JS thread's event queue.
pub fn queue() -> Result<Arc<EventQueue>> {
    driver::current()
        .map(|d| d.queue().clone())
        .ok_or_else(|| Error::from_reason("rshttp: event sink not initialised"))
}

/// Exceptions one delivery raises as uncaught at most.
const MAX_RAISES: usize = 16;

/// The entry and fatal-error functions and the async context they are
/// called in; raw napi handles used only on their environment's JS thread.
struct Handler {
    env: sys::napi_env,
    entry: sys::napi_ref,
    fatal: sys::napi_ref,
    context: sys::napi_async_context,
}

impl Handler {
    /// Calls `func` with `args` inside a callback scope (whose end runs the
    /// nextTick queue and microtasks, as after Node's own I/O callbacks);
    /// returns what it returned, or the exception it left pending.
    ///
    /// # Safety
    /// On the JS thread of `self.env`, inside an open handle scope.
    unsafe fn make_callback(&self, func: sys::napi_ref, args: &[sys::napi_value]) -> std::result::Result<sys::napi_value, sys::napi_value> {
        let env = self.env;
        // SAFETY: napi calls on the environment's thread (the caller's
        // contract), with references this handler holds.
        unsafe {
            let mut f = std::ptr::null_mut();
            sys::napi_get_reference_value(env, func, &mut f);
            // MakeCallback needs an object receiver.
            let mut recv = std::ptr::null_mut();
            sys::napi_get_global(env, &mut recv);
            let mut result = std::ptr::null_mut();
            let status = sys::napi_make_callback(env, self.context, recv, f, args.len(), args.as_ptr(), &mut result);
            if status != sys::Status::napi_pending_exception {
                return Ok(result);
            }
            let mut exc = std::ptr::null_mut();
            sys::napi_get_and_clear_last_exception(env, &mut exc);
            Err(exc)
        }
    }

    /// Calls the entry function, which delivers the pending batch (each
    /// connection's events after what the previous one's handlers queued;
    /// see lib/native.js `runTicks`). An exception escaping it (thrown by a
    /// tick it queued) goes to `process.on('uncaughtException')` as Node's
    /// own callbacks' do: the fatal function raises it from inside a JS
    /// call, where the context `napi_fatal_exception` needs is entered.
    fn deliver(&self) {
        // SAFETY: called by the driver on this environment's JS thread.
        unsafe {
            let mut scope = std::ptr::null_mut();
            sys::napi_open_handle_scope(self.env, &mut scope);
            let mut pending = self.make_callback(self.entry, &[]).err();
            // Each raise may throw again (from the ticks the handler queued);
            // bounded, because while a worker is being terminated every call
            // ends with the termination pending.
            for _ in 0..MAX_RAISES {
                let Some(exc) = pending.take() else { break };
                pending = self.make_callback(self.fatal, &[exc]).err();
            }
            sys::napi_close_handle_scope(self.env, scope);
        }
    }
}

/// Environment teardown: the driver and its connections go with it.
///
/// # Safety
/// Called by Node on the environment's thread as it exits.
unsafe extern "C" fn on_env_cleanup(_arg: *mut std::ffi::c_void) {
    crate::guard::contain("tearing the driver down", driver::stop);
}

/// Sets up this environment's driver: `entry()` is called after each turn
/// that queued events and takes them with `takeBatch()`; `fatal(err)` raises
/// an exception that escaped `entry` with `raiseUncaught(err)`.
#[napi(js_name = "initSink", catch_unwind)]
pub fn init_sink(env: Env, entry: Function<(), ()>, fatal: Function<Unknown, ()>) -> Result<()> {
    let raw_env = env.raw();
    let handler = {
        let mut entry_ref = std::ptr::null_mut();
        let mut fatal_ref = std::ptr::null_mut();
        let mut context = std::ptr::null_mut();
        // SAFETY: plain napi calls on the calling JS thread.
        unsafe {
            sys::napi_create_reference(raw_env, entry.raw(), 1, &mut entry_ref);
            sys::napi_create_reference(raw_env, fatal.raw(), 1, &mut fatal_ref);
            let mut resource = std::ptr::null_mut();
            sys::napi_create_object(raw_env, &mut resource);
            let mut name = std::ptr::null_mut();
            sys::napi_create_string_utf8(raw_env, c"rshttp".as_ptr(), 6, &mut name);
            sys::napi_async_init(raw_env, resource, name, &mut context);
        }
        Handler { env: raw_env, entry: entry_ref, fatal: fatal_ref, context }
    };
    let mut uv_loop = std::ptr::null_mut();
    // SAFETY: napi calls on the calling JS thread; the loop is that thread's.
    unsafe {
        sys::napi_get_uv_event_loop(raw_env, &mut uv_loop);
        driver::start(uv_loop as *mut _, Box::new(move || handler.deliver()))
            .map_err(|e| Error::from_reason(e.to_string()))?;
        sys::napi_add_env_cleanup_hook(raw_env, Some(on_env_cleanup), std::ptr::null_mut());
    }
    Ok(())
}

thread_local! {
    /// The Buffer JS reads small batches from (pointer, length), allocated
    /// once per environment.
    static BATCH_BUFFER: std::cell::Cell<(*mut u8, usize)> = const { std::cell::Cell::new((std::ptr::null_mut(), 0)) };
}

/// Registers `buffer` as the place `takeBatch` copies batches that fit.
#[napi(js_name = "setBatchBuffer", catch_unwind)]
pub fn set_batch_buffer(env: Env, buffer: Unknown) {
    let mut data = std::ptr::null_mut();
    let mut len = 0usize;
    // SAFETY: napi calls on the JS thread; the reference keeps the memory
    // alive for the environment's life.
    unsafe {
        let mut keep = std::ptr::null_mut();
        sys::napi_create_reference(env.raw(), buffer.raw(), 1, &mut keep);
        sys::napi_get_buffer_info(env.raw(), buffer.raw(), &mut data, &mut len);
    }
    BATCH_BUFFER.with(|b| b.set((data as *mut u8, len)));
}

/// Copies every event queued since the last call into the batch buffer and
/// returns its length; a batch longer than the buffer stays queued for
/// `takeLargeBatch`.
#[napi(js_name = "takeBatch", catch_unwind)]
pub fn take_batch() -> Result<u32> {
    let (data, cap) = BATCH_BUFFER.with(|b| b.get());
    let len = queue()?.drain_if_within(cap, |batch| {
        // SAFETY: `data` holds `cap` bytes, and batch.len() <= cap.
        unsafe { std::ptr::copy_nonoverlapping(batch.as_ptr(), data, batch.len()) };
    });
    Ok(len as u32)
}

/// The pending batch as its own Buffer (after `takeBatch` said it is large).
#[napi(js_name = "takeLargeBatch", catch_unwind)]
pub fn take_large_batch() -> Result<Buffer> {
    Ok(Buffer::from(queue()?.take()))
}

/// Raises `err` as an uncaught exception ('uncaughtException', or exit).
#[napi(js_name = "raiseUncaught", catch_unwind)]
pub fn raise_uncaught(env: Env, err: Unknown) {
    // SAFETY: inside a JS call on the environment's thread.
    unsafe {
        sys::napi_fatal_exception(env.raw(), err.raw());
    }
}

/// Holds the event loop open (`true`) or lets it exit (`false`).
#[napi(js_name = "refSink", catch_unwind)]
pub fn ref_sink(on: bool) {
    if let Some(d) = driver::current() {
        d.set_ref(on);
    }
}
