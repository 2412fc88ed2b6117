//! Panic containment (DESIGN.md, bridge rule 9): no panic crosses FFI or
//! aborts Node. Every libuv callback and napi entry point runs its body
//! through `contain`, every task poll is contained by the executor, and a
//! panic fails only the connection it belongs to. Locks shared with other
//! code are taken with `lock`, which does not let one contained panic turn
//! every later use of the lock into another.
//!
//! Test builds (cargo feature `panic-inject`) also panic on purpose at the
//! points named by `inject_panic!`, chosen at run time by the environment
//! variable `RSHTTP_PANIC_AT=<point>[:<n>]` (the n-th time the point is
//! reached, the first by default); `__test__/panic.test.js` drives it.
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// The error code a connection failed by a contained panic reports (Node's
/// own code for an internal bug).
pub const INTERNAL_ERROR: &str = "ERR_INTERNAL_ASSERTION";

/// The marker of an I/O error that stands for a contained panic (see
/// `internal_io_error`).
#[derive(Debug)]
struct Internal;

impl std::fmt::Display for Internal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("rshttp: internal error")
    }
}

impl std::error::Error for Internal {}

/// The error a socket reports once a contained panic failed it; the
/// connection closes with `INTERNAL_ERROR` (see `is_internal`).
pub fn internal_io_error() -> std::io::Error {
    std::io::Error::other(Internal)
}

/// Whether `e` came from `internal_io_error`.
pub fn is_internal(e: &std::io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<Internal>())
}

/// Runs `f`; a panic in it is caught (the panic hook has printed it) and
/// reported as None, with a line naming `what` was contained.
pub fn contain<R>(what: &str, f: impl FnOnce() -> R) -> Option<R> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => Some(r),
        Err(_) => {
            eprintln!("rshttp: internal error in {what} (a panic, contained; please report it)");
            None
        }
    }
}

/// Locks `m`, using it as it is if a contained panic poisoned it: every
/// structure locked this way is whole between statements.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Panics on purpose at `point` in `panic-inject` builds when
/// `RSHTTP_PANIC_AT` names it (see the module docs); nothing otherwise.
#[macro_export]
macro_rules! inject_panic {
    ($point:expr) => {
        #[cfg(feature = "panic-inject")]
        $crate::guard::inject::at($point);
    };
}

/// The `panic-inject` switch.
#[cfg(feature = "panic-inject")]
pub mod inject {
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::OnceLock;

    /// The point and the hit that panics, from `RSHTTP_PANIC_AT`.
    fn target() -> &'static Option<(String, u32)> {
        static TARGET: OnceLock<Option<(String, u32)>> = OnceLock::new();
        TARGET.get_or_init(|| {
            let spec = std::env::var("RSHTTP_PANIC_AT").ok()?;
            let (name, nth) = match spec.split_once(':') {
                Some((name, n)) => (name.to_string(), n.parse().unwrap_or(1)),
                None => (spec, 1),
            };
            Some((name, nth))
        })
    }

    /// Counts a hit of `point`; panics on the chosen one.
    pub fn at(point: &str) {
        static HITS: AtomicU32 = AtomicU32::new(0);
        if let Some((name, nth)) = target() {
            if name == point && HITS.fetch_add(1, Ordering::Relaxed) + 1 == *nth {
                panic!("rshttp: injected panic at {point}");
            }
        }
    }

    /// Whether `point` is the one chosen (for points that fail rather than
    /// panic, such as a libuv set-up call).
    pub fn chosen(point: &str) -> bool {
        matches!(target(), Some((name, _)) if name == point)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contain_catches_and_lock_survives_poison() {
        let m = Mutex::new(1);
        assert_eq!(contain("test", || 2), Some(2));
        let r: Option<()> = contain("test", || {
            let _g = m.lock().unwrap();
            panic!("boom");
        });
        assert!(r.is_none());
        assert!(m.is_poisoned());
        *lock(&m) += 1;
        assert_eq!(*lock(&m), 2);
    }
}
