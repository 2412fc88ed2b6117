//! The napi binding: the only module with `#[napi]`. It owns the driver
//! that turns each JS environment's connection tasks from its event loop,
//! the event sink that hands JS each turn's events, and the calls JS makes
//! into connections and listeners.
mod client;
mod constants;
mod io_mode;
mod server;
mod sink;
