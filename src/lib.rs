//! rshttp: Node's `http` module on a Rust core.
//!
//! Layers: `proto` (bytes only), `conn` (the role-neutral connection core:
//! one connection's state machine, server or client), `server` (listening,
//! accepting), `client` (connecting), `io` (the two I/O drivers under the
//! core: `inline` in the JS thread's libuv loop, `threads` on tokio), `exec`
//! (the clock both share), `events` (the packed event queue), `uv` (the
//! libuv calls), `binding` (the only napi code), `guard` (panic
//! containment).
#![deny(unsafe_op_in_unsafe_fn)]

#[macro_use]
extern crate napi_derive;

pub mod binding;
pub mod client;
pub mod conn;
pub mod events;
pub mod exec;
pub mod guard;
pub mod io;
pub mod proto;
pub mod server;
pub mod strings;
pub mod uv;
