//! One event sink per JS environment: a threadsafe function that drains the
//! environment's `EventQueue` into a Buffer and hands it to JS.
use crate::events::EventQueue;
use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use std::cell::RefCell;
use std::sync::{Arc, OnceLock};

type Tsfn = ThreadsafeFunction<(), (), Buffer, Status, false, true>;

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

/// Registers `callback(batch: Buffer)` as this environment's event sink.
#[napi(js_name = "initSink")]
pub fn init_sink(callback: Function<Buffer, ()>) -> Result<()> {
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
    let tsfn: Arc<Tsfn> = Arc::new(callback
        .build_threadsafe_function::<()>()
        .callee_handled::<false>()
        .weak::<true>()
        .build_callback(move |_ctx| Ok(Buffer::from(drain.take())))?);
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
