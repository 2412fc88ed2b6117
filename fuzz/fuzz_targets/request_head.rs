//! Request heads: no panic on any input, strict or lenient, and a head is
//! the same whether its bytes arrive whole or in part (common.rs).
#![no_main]

#[path = "../../src/proto/mod.rs"]
#[allow(dead_code, unused_imports)]
mod proto;
mod common;

use libfuzzer_sys::fuzz_target;
use proto::{parse_request_head, HeadLimits};

fuzz_target!(|input: &[u8]| {
    let Some((&flags, data)) = input.split_first() else { return };
    let limits = HeadLimits { max_header_size: if flags & 2 != 0 { 64 } else { 16 * 1024 }, lenient: flags & 1 != 0 };
    common::check_prefixes(data, |b| parse_request_head(b, limits));
});
