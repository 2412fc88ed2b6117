//! rshttp: Node's `http` module on a Rust core.
//!
//! Layers: `proto` (bytes only), `events` (the packed event queue), `server`
//! (connection tasks), `client` (connecting; the same tasks), `exec` (the
//! tasks' executor, socket readiness, deadlines), `uv` (the libuv calls),
//! `binding` (the only napi code), `guard` (panic containment).
#![deny(unsafe_op_in_unsafe_fn)]

#[macro_use]
extern crate napi_derive;

pub mod binding;
pub mod client;
pub mod events;
pub mod exec;
pub mod guard;
pub mod io;
pub mod proto;
pub mod server;
pub mod strings;
pub mod uv;
