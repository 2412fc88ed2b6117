//! rshttp: Node's `http` module on a Rust core.
//!
//! Layers: `proto` (bytes only), `events` (the packed event queue), `server`
//! (tokio connection tasks), `client` (connecting; the same tasks), `exec`
//! (what the driver of a JS thread's runtime needs from tasks), `binding`
//! (the only napi code).
#[macro_use]
extern crate napi_derive;

pub mod binding;
pub mod client;
pub mod events;
pub mod exec;
pub mod proto;
pub mod server;
pub mod strings;
