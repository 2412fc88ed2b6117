//! The constants JS and Rust share, exported once so JS never copies them:
//! event kinds and the flag bits of message events (`events`), the method
//! names request events index (`proto::METHODS`), and the bits of
//! `clientExpect` (`Conn::EXPECT_*`). `lib/native.js` reads them at load.
use crate::events::{flag, kind};
use crate::proto::METHODS;
use crate::conn::EXPECT_ALL;
use std::collections::HashMap;

/// What `constants()` returns (built once per environment, at load).
#[napi(object)]
pub struct SharedConstants {
    /// Event kind numbers by name (`CONNECTION`, `REQUEST`, ...).
    pub events: HashMap<String, u32>,
    /// Method names, by the index REQUEST events carry.
    pub methods: Vec<String>,
    /// Bits of REQUEST and RESPONSE events' flags byte.
    pub message_flags: HashMap<String, u32>,
    /// Bits of `clientExpect`'s first argument.
    pub expect: HashMap<String, u32>,
}

fn named(list: &[(&str, u8)]) -> HashMap<String, u32> {
    list.iter().map(|&(name, v)| (name.to_string(), v as u32)).collect()
}

/// The shared constants (see the module docs).
#[napi(js_name = "constants", catch_unwind)]
pub fn constants() -> SharedConstants {
    SharedConstants {
        events: named(kind::ALL),
        methods: METHODS.iter().map(|m| m.to_string()).collect(),
        message_flags: named(flag::ALL),
        expect: named(EXPECT_ALL),
    }
}
