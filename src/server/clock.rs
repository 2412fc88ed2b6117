//! A process-wide monotonic millisecond clock that both the JS thread and
//! tokio tasks can stamp into atomics.
use std::sync::OnceLock;
use std::time::{Duration, Instant};

fn origin() -> Instant {
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    *ORIGIN.get_or_init(Instant::now)
}

/// Milliseconds since the clock's origin.
pub fn now_ms() -> u64 {
    origin().elapsed().as_millis() as u64
}

/// The instant `ms` milliseconds after the origin.
pub fn instant_at(ms: u64) -> Instant {
    origin() + Duration::from_millis(ms)
}
