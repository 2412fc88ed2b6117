//! Client connections: connecting (addresses JS resolved, or a unix
//! path), then the same connection task as the server's, parsing responses.
//! No napi here: events leave through `events::EventQueue`.
pub mod connect;

pub use connect::{cancel, expect_pending, open, open_virtual, ConnectTarget};
