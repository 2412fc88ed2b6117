//! Server connections: listening and the accept loop, which hands each
//! accepted socket to the connection core (`crate::conn`) as a server-role
//! connection. No napi here: events leave through `events::EventQueue`.
pub mod listener;

pub use listener::{Listener, ListenTarget};
