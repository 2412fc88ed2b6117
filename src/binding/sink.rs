//! One event sink per JS environment: a threadsafe function that drains the
//! environment's `EventQueue` into a Buffer and hands it to JS. The handler
//! is called through `napi_make_callback`, as Node calls I/O callbacks, so
//! the ticks and microtasks it queues run as soon as it returns (a plain
//! threadsafe-function call leaves them for whatever runs next).
use crate::events::EventQueue;
use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use std::cell::RefCell;
use std::sync::{Arc, OnceLock};

type Tsfn = ThreadsafeFunction<(), (), (), Status, false, true>;

struct Sink {
    queue: Arc<EventQueue>,
    tsfn: Arc<Tsfn>,
}

thread_local! {
    static SINK: RefCell<Option<Sink>> = const { RefCell::new(None) };
}

/// The queue of the calling JS thread's environment.
pub fn queue() -> Result<Arc<EventQueue>> {
    SINK.with(|s| {
        s.borrow()
            .as_ref()
            .map(|s| s.queue.clone())
            .ok_or_else(|| Error::from_reason("rshttp: event sink not initialised"))
    })
}

/// The handler and the async context it is called in; raw napi handles used
/// only on their environment's JS thread.
struct Handler {
    func: napi::sys::napi_ref,
    context: napi::sys::napi_async_context,
}

impl Handler {
    /// Calls the handler with `batch` inside a callback scope; an exception
    /// it throws goes to `process.on('uncaughtException')` as Node's own
    /// callbacks' do.
    fn call(&self, env: napi::sys::napi_env, batch: Vec<u8>) -> Result<()> {
        use napi::sys;
        // SAFETY: on the JS thread of `env`, with handles created in it.
        unsafe {
            let arg = Buffer::to_napi_value(env, Buffer::from(batch))?;
            let mut func = std::ptr::null_mut();
            sys::napi_get_reference_value(env, self.func, &mut func);
            // MakeCallback needs an object receiver.
            let mut recv = std::ptr::null_mut();
            sys::napi_get_global(env, &mut recv);
            let mut result = std::ptr::null_mut();
            let status = sys::napi_make_callback(env, self.context, recv, func, 1, &arg, &mut result);
            if status == sys::Status::napi_pending_exception {
                let mut exc = std::ptr::null_mut();
                sys::napi_get_and_clear_last_exception(env, &mut exc);
                sys::napi_fatal_exception(env, exc);
            }
        }
        Ok(())
    }
}

/// Registers `callback(batch: Buffer)` as this environment's event sink;
/// `noop` is the function the threadsafe function itself calls.
#[napi(js_name = "initSink")]
pub fn init_sink(env: Env, callback: Function<Buffer, ()>, noop: Function<(), ()>) -> Result<()> {
    let handler = {
        use napi::sys;
        let raw_env = env.raw();
        let mut func = std::ptr::null_mut();
        let mut context = std::ptr::null_mut();
        // SAFETY: plain napi calls on the calling JS thread.
        unsafe {
            sys::napi_create_reference(raw_env, callback.raw(), 1, &mut func);
            let mut resource = std::ptr::null_mut();
            sys::napi_create_object(raw_env, &mut resource);
            let mut name = std::ptr::null_mut();
            sys::napi_create_string_utf8(raw_env, c"rshttp".as_ptr(), 6, &mut name);
            sys::napi_async_init(raw_env, resource, name, &mut context);
        }
        Handler { func, context }
    };
    let slot: Arc<OnceLock<Arc<Tsfn>>> = Arc::new(OnceLock::new());
    let waker_slot = slot.clone();
    let immediate = std::env::var_os("RSHTTP_WAKE_IMMEDIATE").is_some();
    let queue = EventQueue::new(
        Box::new(move || {
            if let Some(t) = waker_slot.get() {
                t.call((), ThreadsafeFunctionCallMode::NonBlocking);
            }
        }),
        immediate,
    );
    let drain = queue.clone();
    let tsfn: Arc<Tsfn> = Arc::new(noop
        .build_threadsafe_function::<()>()
        .callee_handled::<false>()
        .weak::<true>()
        .build_callback(move |ctx| handler.call(ctx.env.raw(), drain.take()))?);
    let _ = slot.set(tsfn.clone());
    SINK.with(|s| *s.borrow_mut() = Some(Sink { queue, tsfn }));
    Ok(())
}

/// Holds the event loop open (`true`) or lets it exit (`false`).
#[napi(js_name = "refSink")]
pub fn ref_sink(env: Env, on: bool) -> Result<()> {
    SINK.with(|s| {
        if let Some(sink) = s.borrow().as_ref() {
            let raw = sink.tsfn.raw();
            // SAFETY: called on the environment's own JS thread, with a live tsfn.
            let status = unsafe {
                if on {
                    napi::sys::napi_ref_threadsafe_function(env.raw(), raw)
                } else {
                    napi::sys::napi_unref_threadsafe_function(env.raw(), raw)
                }
            };
            if status != napi::sys::Status::napi_ok {
                return Err(Error::from_reason("rshttp: cannot change the event sink's ref"));
            }
        }
        Ok(())
    })
}
