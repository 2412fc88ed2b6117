//! Running connection tasks on the JS thread, turned by the binding's driver
//! from the JS event loop: the tasks' executor (`executor`: spawning, one
//! turn, whether work is left), socket readiness from the loop's own epoll
//! (`reactor`), the earliest timer deadline the driver must wake up for
//! (`deadline`), and the connections holding the loop open (`hold`); and
//! the shared millisecond clock both I/O modes stamp and time with (`clock`).
pub mod clock;
pub mod deadline;
pub mod executor;
pub mod hold;
pub mod reactor;

pub use deadline::Deadline;
pub use executor::{has_ready, set_kick, set_remote_kick, shutdown, spawn, spawn_contained, turn};
