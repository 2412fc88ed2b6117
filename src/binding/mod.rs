//! The napi binding: the only module with `#[napi]`. It owns each JS
//! environment's tokio runtime and the driver that turns it from the JS
//! event loop, the event sink that hands JS each turn's events, and the
//! calls JS makes into connections and listeners.
mod driver;
mod client;
mod server;
mod sink;
mod uv;
