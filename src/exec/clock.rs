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

/// Milliseconds since the clock's origin, read now: a frozen clock is moved
/// to the present first, as Node updates libuv's loop time before it arms a
/// timer. For the calls from JS that start a deadline (a timeout set late
/// in a turn counts from when it was set, not from the turn's start), so
/// the per-request stamps keep their one clock read per turn.
pub fn refresh() -> u64 {
    let now = origin().elapsed().as_millis() as u64;
    FROZEN_MS.with(|f| {
        if f.get() != u64::MAX {
            f.set(now);
        }
    });
    now
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_moves_a_frozen_clock_to_the_present() {
        let frozen = freeze();
        let start = now_ms();
        std::thread::sleep(Duration::from_millis(30));
        assert_eq!(now_ms(), start, "frozen for the turn");
        let now = refresh();
        assert!(now >= start + 30, "refresh reads the clock");
        assert_eq!(now_ms(), now, "and the rest of the turn stamps from there");
        drop(frozen);
        assert!(refresh() >= now, "unfrozen: a plain read");
        assert_eq!(FROZEN_MS.with(Cell::get), u64::MAX, "refresh does not freeze an unfrozen clock");
    }
}
