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
            .enable_io()
            .enable_time()
            .build()
            .expect("rshttp: cannot start the tokio runtime")
    })
}
