//! Server connections: the accept loop, one task per connection,
//! and the table through which the binding reaches a connection by id.
//! No napi here: events leave through `events::EventQueue`.
pub mod config;
pub mod conn;
pub mod listener;
pub mod registry;
pub mod signal;
pub mod stream;

pub use config::ServerConfig;
pub use conn::Conn;
pub use listener::{Listener, ListenTarget};
