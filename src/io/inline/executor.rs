//! The executor of one JS thread's connection tasks: one turn runs the
//! tasks that woke (sockets the loop found ready, JS's calls), fires due
//! timers (`deadline`), runs the tasks those woke, and ends. The driver runs
//! turns from the JS thread's libuv loop. Tasks stay on the thread that
//! spawned them. A task whose poll panics is dropped and its `on_panic`
//! called (the panic is contained to the task: DESIGN.md, bridge rule 9).
use crate::guard::{contain, lock};
use crate::exec::clock::now_ms;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Wake, Waker};

/// Task polls one turn may make before it hands over to JS; what is left
/// runs in the next turn.
const MAX_POLLS_PER_TURN: usize = 4096;

type Task = Pin<Box<dyn Future<Output = ()>>>;

/// What wakers reach from any thread: the queue of woken tasks.
struct Shared {
    ready: Mutex<VecDeque<(u32, u32)>>,
    /// What a wake from another thread calls to get a turn run.
    remote: Mutex<Option<Box<dyn Fn() + Send + Sync>>>,
}

/// What a task's owner does when a poll of the task panicked.
pub type OnPanic = Box<dyn FnOnce()>;

/// One task slot: its future (out while it is polled) and generation.
struct Slot {
    task: Option<Task>,
    generation: u32,
    waker: Option<(Arc<TaskWaker>, Waker)>,
    on_panic: Option<OnPanic>,
}

struct Executor {
    shared: Arc<Shared>,
    slots: RefCell<Vec<Slot>>,
    free: RefCell<Vec<u32>>,
    in_turn: Cell<bool>,
    /// Called when a task is woken on this thread outside a turn.
    kick: RefCell<Option<Box<dyn Fn()>>>,
}

thread_local! {
    static EXEC: Executor = Executor {
        shared: Arc::new(Shared { ready: Mutex::new(VecDeque::new()), remote: Mutex::new(None) }),
        slots: RefCell::new(Vec::new()),
        free: RefCell::new(Vec::new()),
        in_turn: Cell::new(false),
        kick: RefCell::new(None),
    };
}

/// A task's waker: queues the task once until it is polled again.
struct TaskWaker {
    shared: Arc<Shared>,
    slot: u32,
    generation: u32,
    queued: AtomicBool,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        if self.queued.swap(true, Ordering::AcqRel) {
            return;
        }
        lock(&self.shared.ready).push_back((self.slot, self.generation));
        let here = EXEC
            .try_with(|e| Arc::ptr_eq(&e.shared, &self.shared).then(|| e.in_turn.get()))
            .ok()
            .flatten();
        match here {
            // The turn polls it before it ends.
            Some(true) => {}
            Some(false) => EXEC.with(|e| {
                if let Some(kick) = e.kick.borrow().as_ref() {
                    kick();
                }
            }),
            None => {
                if let Some(kick) = lock(&self.shared.remote).as_ref() {
                    kick();
                }
            }
        }
    }
}

/// Spawns `fut` on the calling thread's executor; it runs in the next turn.
/// A panic while polling it drops it.
pub fn spawn<F: Future<Output = ()> + 'static>(fut: F) {
    spawn_contained(fut, None);
}

/// Spawns `fut` like `spawn`; if a poll of it panics, it is dropped and
/// `on_panic` runs (to fail what the task served, and tell JS).
pub fn spawn_contained<F: Future<Output = ()> + 'static>(fut: F, on_panic: Option<OnPanic>) {
    EXEC.with(|e| {
        let task: Task = Box::pin(fut);
        let flag = {
            let mut slots = e.slots.borrow_mut();
            let slot = match e.free.borrow_mut().pop() {
                Some(i) => {
                    let s = &mut slots[i as usize];
                    s.generation = s.generation.wrapping_add(1);
                    i
                }
                None => {
                    slots.push(Slot { task: None, generation: 0, waker: None, on_panic: None });
                    (slots.len() - 1) as u32
                }
            };
            let s = &mut slots[slot as usize];
            let flag = Arc::new(TaskWaker { shared: e.shared.clone(), slot, generation: s.generation, queued: AtomicBool::new(false) });
            s.task = Some(task);
            s.waker = Some((flag.clone(), Waker::from(flag.clone())));
            s.on_panic = on_panic;
            flag
        };
        // Queued like any woken task (the slots are not borrowed while the
        // wake kicks the driver).
        flag.wake_by_ref();
    });
}

/// Whether tasks are woken and wait for a turn.
pub fn has_ready() -> bool {
    EXEC.with(|e| !lock(&e.shared.ready).is_empty())
}

/// Sets what a wake outside a turn on this thread calls (the driver arms
/// its timer to run a turn soon).
pub fn set_kick(kick: Box<dyn Fn()>) {
    EXEC.with(|e| *e.kick.borrow_mut() = Some(kick));
}

/// Sets what a wake from another thread calls (it must be thread-safe).
pub fn set_remote_kick(kick: Option<Box<dyn Fn() + Send + Sync>>) {
    EXEC.with(|e| *lock(&e.shared.remote) = kick);
}

/// Drops every task (the environment is going away).
pub fn shutdown() {
    let _ = EXEC.try_with(|e| {
        let tasks: Vec<Task> = e
            .slots
            .borrow_mut()
            .iter_mut()
            .filter_map(|s| {
                s.on_panic = None;
                s.task.take()
            })
            .collect();
        lock(&e.shared.ready).clear();
        *e.kick.borrow_mut() = None;
        drop(tasks);
    });
}

/// Polls woken tasks until none is left or `budget` polls were made;
/// returns the polls left.
fn run_ready(e: &Executor, mut budget: usize) -> usize {
    while budget > 0 {
        let Some((slot, generation)) = lock(&e.shared.ready).pop_front() else { break };
        let (task, waker) = {
            let mut slots = e.slots.borrow_mut();
            let Some(s) = slots.get_mut(slot as usize) else { continue };
            if s.generation != generation {
                continue;
            }
            let Some(task) = s.task.take() else { continue };
            let (flag, waker) = s.waker.as_ref().expect("a live task has a waker");
            flag.queued.store(false, Ordering::Release);
            (task, waker.clone())
        };
        budget -= 1;
        let mut task = task;
        let polled = contain("a connection task", || task.as_mut().poll(&mut Context::from_waker(&waker)).is_ready());
        let mut slots = e.slots.borrow_mut();
        let s = &mut slots[slot as usize];
        match polled {
            Some(false) => s.task = Some(task),
            done => {
                s.waker = None;
                let on_panic = s.on_panic.take();
                e.free.borrow_mut().push(slot);
                drop(slots);
                if done.is_none() {
                    // What the task held is dropped first (a panic in a
                    // destructor is contained too), then its owner is told.
                    contain("dropping a failed task", || drop(task));
                    if let Some(f) = on_panic {
                        contain("failing a task's connection", f);
                    }
                }
            }
        }
    }
    budget
}

/// One turn: runs woken tasks, fires due timers (with `deadlines`), runs
/// the tasks they woke. Sockets found ready before the turn woke their
/// tasks already, so a task sees input that arrived before its deadline
/// passed (a request on a keep-alive connection while the loop was
/// blocked) before the timer.
pub fn turn(deadlines: bool) {
    struct InTurn;
    impl Drop for InTurn {
        fn drop(&mut self) {
            let _ = EXEC.try_with(|e| e.in_turn.set(false));
        }
    }
    EXEC.with(|e| e.in_turn.set(true));
    let _in_turn = InTurn;
    let budget = EXEC.with(|e| run_ready(e, MAX_POLLS_PER_TURN));
    if deadlines {
        super::timer::fire_due(now_ms());
        EXEC.with(|e| run_ready(e, budget));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_spawned_and_woken_tasks_in_a_turn() {
        let notify = Arc::new(tokio::sync::Notify::new());
        let done = Arc::new(AtomicBool::new(false));
        let (n, d) = (notify.clone(), done.clone());
        spawn(async move {
            n.notified().await;
            d.store(true, Ordering::SeqCst);
        });
        assert!(has_ready(), "a spawned task waits for a turn");
        turn(true);
        assert!(!has_ready());
        let kicks = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let k = kicks.clone();
        set_kick(Box::new(move || {
            k.fetch_add(1, Ordering::SeqCst);
        }));
        notify.notify_one();
        assert!(has_ready(), "a wake outside a turn queues the task");
        assert_eq!(kicks.load(Ordering::SeqCst), 1, "and kicks the driver");
        turn(true);
        assert!(done.load(Ordering::SeqCst), "the task ran to its end");
        shutdown();
    }
}
