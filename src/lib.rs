//! rshttp: Node's `http` module on a Rust core.
//!
//! Layers: `proto` (bytes only), `events` (the packed event queue), `server`
//! (tokio connection tasks), `client` (connecting; the same tasks), `binding`
//! (the only napi code).
#[macro_use]
extern crate napi_derive;

pub mod binding;
pub mod client;
pub mod events;
pub mod proto;
pub mod server;
