//! The tokio runtime all connections run on, shared by every environment.
use std::sync::OnceLock;
use tokio::runtime::{Builder, Runtime};

/// The process-wide runtime: one worker thread beside the JS thread, which
/// suits the 2-core machines this is tuned for.
pub fn runtime() -> &'static Runtime {
    static RT: OnceLock<Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        let workers = std::env::var("RSHTTP_THREADS").ok().and_then(|v| v.parse().ok()).unwrap_or(1);
        Builder::new_multi_thread()
            .worker_threads(workers)
            .thread_name("rshttp")
            .on_thread_park(crate::events::flush_deferred_wakes)
            .on_thread_start(batch_scheduling)
            .enable_io()
            .enable_time()
            .build()
            .expect("rshttp: cannot start the tokio runtime")
    })
}

/// Puts the calling thread under SCHED_BATCH: when a connection wakes it, it
/// does not preempt the JS thread, but runs when that thread waits or on
/// another core, so it handles every ready connection in one turn instead of
/// ping-ponging with JS a few requests at a time. `RSHTTP_SCHED=normal` keeps
/// the default policy.
fn batch_scheduling() {
    if std::env::var("RSHTTP_SCHED").as_deref() == Ok("normal") {
        return;
    }
    #[cfg(target_os = "linux")]
    {
        let param = libc::sched_param { sched_priority: 0 };
        // SAFETY: plain syscall on the current thread with a valid parameter.
        unsafe {
            libc::sched_setscheduler(0, libc::SCHED_BATCH, &param);
        }
    }
}
