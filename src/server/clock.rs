//! A process-wide monotonic millisecond clock that both the JS thread and
//! connection tasks can stamp into atomics.
//!
//! Like libuv's loop time, the clock can be frozen for the length of one
//! turn of a thread's loop (`freeze`): every stamp taken while the turn's
//! events are read and handed to JS then costs a thread-local load instead
//! of a clock read (several per request before).
use std::cell::Cell;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

fn origin() -> Instant {
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    *ORIGIN.get_or_init(Instant::now)
}

thread_local! {
    /// The time this thread's current turn began, or `u64::MAX` outside one.
    static FROZEN_MS: Cell<u64> = const { Cell::new(u64::MAX) };
}

/// Milliseconds since the clock's origin (the turn's start while frozen).
pub fn now_ms() -> u64 {
    let frozen = FROZEN_MS.with(Cell::get);
    if frozen != u64::MAX {
        return frozen;
    }
    origin().elapsed().as_millis() as u64
}

/// Freezes this thread's clock at the present until the guard drops.
pub fn freeze() -> Frozen {
    let now = origin().elapsed().as_millis() as u64;
    Frozen(FROZEN_MS.with(|f| f.replace(now)))
}

/// Keeps the clock frozen; dropping it restores what was before.
pub struct Frozen(u64);

impl Drop for Frozen {
    fn drop(&mut self) {
        FROZEN_MS.with(|f| f.set(self.0));
    }
}

/// The instant `ms` milliseconds after the origin.
pub fn instant_at(ms: u64) -> Instant {
    origin() + Duration::from_millis(ms)
}
