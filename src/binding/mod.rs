//! The napi binding: the only module with `#[napi]`. It owns the tokio
//! runtime, each JS environment's event sink (one threadsafe function), and
//! the calls JS makes into connections and listeners.
mod runtime;
mod client;
mod server;
mod sink;
