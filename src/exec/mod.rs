//! Running connection tasks on the JS thread's own tokio runtime, which the
//! binding's driver turns from the JS event loop. The core tells the driver
//! the two things it cannot see from outside: whether a turn left woken tasks
//! unrun (`tracked`), and when the earliest timer falls due (`deadline`).
pub mod deadline;
pub mod tracked;

pub use deadline::Deadline;
pub use tracked::{spawn, spawn_on};

/// One turn of the calling thread's runtime, run inside `block_on`: ready
/// tasks run, I/O is polled without blocking, and this repeats while the
/// poll woke tasks, at most `max_rounds` times.
pub async fn turn(max_rounds: u32) {
    for _ in 0..max_rounds {
        // Yielding inside block_on runs every queued task, then polls I/O
        // and timers with a zero timeout before this future is polled again.
        tokio::task::yield_now().await;
        if tracked::woken() <= 0 {
            break;
        }
    }
}
