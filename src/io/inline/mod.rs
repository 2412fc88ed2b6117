//! The inline I/O driver (the default): each JS environment's connection
//! tasks run on its own JS thread, turned from that thread's libuv loop by
//! the `driver`: sockets watched in the loop's own epoll set (`reactor`,
//! `socket`), the tasks' executor run in the check phase (`executor`), the
//! earliest timer deadline armed as one uv timer (`timer`), and the
//! connections that hold the loop open counted per thread (`hold`).
pub mod driver;
pub mod executor;
pub mod hold;
pub mod reactor;
pub mod socket;
pub mod timer;

pub use executor::{has_ready, set_kick, set_remote_kick, shutdown, spawn, spawn_contained, turn};
