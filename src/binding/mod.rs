//! The napi binding: the only module with `#[napi]`. It owns the driver
//! that turns each JS environment's connection tasks from its event loop,
//! the event sink that hands JS each turn's events, and the calls JS makes
//! into connections and listeners.
mod client;
mod constants;
mod io_mode;
mod server;
mod sink;
mod fast;

use napi::bindgen_prelude::{Env, JsValue, Object, Result};

/// Adds the per-request calls that `fast` defines by hand to the exports.
#[napi_derive::napi(module_exports)]
pub fn export_fast_calls(exports: Object, env: Env) -> Result<()> {
    let calls: [(&std::ffi::CStr, fast::Callback); 7] = [
        (c"connWrite", server::conn_write),
        (c"connWriteDeferred", server::conn_write_deferred),
        (c"connWriteDeferredString", server::conn_write_deferred_string),
        (c"connWriteDeferredStrings", server::conn_write_deferred_strings),
        (c"connPause", server::conn_pause),
        (c"connRef", server::conn_ref),
        (c"clientExpect", client::client_expect),
    ];
    for (name, cb) in calls {
        // SAFETY: module registration runs on the JS thread with live exports.
        unsafe { fast::define(env.raw(), exports.value().value, name, cb)? };
    }
    Ok(())
}
