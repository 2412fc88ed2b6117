//! rshttp: Node's `http` module on a Rust core.
#[macro_use]
extern crate napi_derive;

#[napi]
pub fn hello() -> u32 { 1 }
