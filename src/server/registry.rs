//! Connections by id, so the JS thread can write to a socket directly.
use super::conn::Conn;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

fn table() -> &'static Mutex<HashMap<u32, Arc<Conn>>> {
    static TABLE: OnceLock<Mutex<HashMap<u32, Arc<Conn>>>> = OnceLock::new();
    TABLE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// A fresh id for a connection or server (never 0).
pub fn next_id() -> u32 {
    static NEXT: AtomicU32 = AtomicU32::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Adds a connection.
pub fn insert(conn: Arc<Conn>) {
    table().lock().unwrap().insert(conn.id, conn);
}

/// Removes a connection.
pub fn remove(id: u32) {
    table().lock().unwrap().remove(&id);
}

/// The connection with `id`, while it is open.
pub fn get(id: u32) -> Option<Arc<Conn>> {
    table().lock().unwrap().get(&id).cloned()
}
