//! What holds the JS thread's event loop open on behalf of its connections.
//! A connection holds it by libuv's rule for a TCP handle (see
//! `Conn::update_hold`); this counts the connections that do, per thread,
//! and tells the driver (`set_hook`) when the count leaves or returns to
//! zero, so one handle of the driver's carries every connection's hold.
use std::cell::{Cell, RefCell};

/// What the driver is told: `true` when the first hold is taken, `false`
/// when the last goes.
type Hook = Box<dyn Fn(bool)>;

thread_local! {
    static COUNT: Cell<usize> = const { Cell::new(0) };
    static HOOK: RefCell<Option<Hook>> = const { RefCell::new(None) };
    /// What re-reads the threaded connections' holds (`EventQueue::holds`).
    static THREADS_HOOK: RefCell<Option<Box<dyn Fn()>>> = const { RefCell::new(None) };
}

/// Sets what is told, on the JS thread, that the environment's threaded
/// connections started or stopped holding the loop.
pub fn set_threads_hook(hook: Option<Box<dyn Fn()>>) {
    let _ = THREADS_HOOK.try_with(|h| *h.borrow_mut() = hook);
}

/// The environment's threaded connections started or stopped holding the
/// loop (called on its JS thread).
pub fn threads_changed() {
    let _ = THREADS_HOOK.try_with(|h| {
        if let Some(f) = h.borrow().as_ref() {
            f();
        }
    });
}

/// Sets what is told when the thread's connections start or stop holding
/// the loop (None at teardown, which also forgets the count).
pub fn set_hook(hook: Option<Hook>) {
    if hook.is_none() {
        let _ = COUNT.try_with(|c| c.set(0));
    }
    let _ = HOOK.try_with(|h| *h.borrow_mut() = hook);
}

fn tell(on: bool) {
    let _ = HOOK.try_with(|h| {
        if let Some(f) = h.borrow().as_ref() {
            f(on);
        }
    });
}

/// One more connection holds the loop.
pub fn acquire() {
    let before = COUNT.try_with(|c| c.replace(c.get() + 1)).unwrap_or(1);
    if before == 0 {
        tell(true);
    }
}

/// One connection fewer holds the loop.
pub fn release() {
    let after = COUNT.try_with(|c| {
        let n = c.get().saturating_sub(1);
        c.set(n);
        n
    });
    if after == Ok(0) {
        tell(false);
    }
}

/// How many connections of this thread hold the loop.
pub fn count() -> usize {
    COUNT.try_with(Cell::get).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    #[test]
    fn the_hook_hears_the_first_and_the_last() {
        let heard = Rc::new(RefCell::new(Vec::new()));
        let h = heard.clone();
        set_hook(Some(Box::new(move |on| h.borrow_mut().push(on))));
        acquire();
        acquire();
        release();
        assert_eq!(*heard.borrow(), [true], "only the first hold is told");
        release();
        assert_eq!(*heard.borrow(), [true, false], "and the last release");
        assert_eq!(count(), 0);
        set_hook(None);
    }
}
