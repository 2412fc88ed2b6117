//! Running connection tasks on the JS thread, inside its own tokio runtime,
//! which the binding's driver turns from the JS event loop: the tasks'
//! executor (`executor`: spawning, one turn, whether work is left) and the
//! earliest timer deadline the driver must wake up for (`deadline`).
pub mod deadline;
pub mod executor;

pub use deadline::Deadline;
pub use executor::{has_ready, set_kick, shutdown, spawn, turn};
