//! What both I/O drivers share for time: the millisecond clock that
//! connections stamp and time with (`clock`).
pub mod clock;
