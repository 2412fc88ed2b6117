//! Connections by id, so the JS thread can write to a socket directly.
use super::Conn;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicU32, Ordering};
use crate::guard::lock;
use std::sync::{Arc, Mutex, OnceLock};

/// Hashes a u32 id with one multiplication (ids are sequential, not chosen
/// by peers, so SipHash's protection buys nothing on this per-write lookup).
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8 | b as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.0 = (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

type Table = HashMap<u32, Arc<Conn>, BuildHasherDefault<IdHasher>>;

fn table() -> &'static Mutex<Table> {
    static TABLE: OnceLock<Mutex<Table>> = OnceLock::new();
    TABLE.get_or_init(|| Mutex::new(Table::default()))
}

/// A fresh id for a connection or server (never 0).
pub fn next_id() -> u32 {
    static NEXT: AtomicU32 = AtomicU32::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Adds a connection.
pub fn insert(conn: Arc<Conn>) {
    lock(table()).insert(conn.id, conn);
}

/// Removes a connection.
pub fn remove(id: u32) {
    lock(table()).remove(&id);
}

/// How many connections are open (every thread's).
pub fn len() -> usize {
    lock(table()).len()
}

/// Destroys every open connection `pred` picks (an environment going away
/// stops its threaded connections).
pub fn destroy_where(pred: impl Fn(&Conn) -> bool) {
    let picked: Vec<Arc<Conn>> = lock(table()).values().filter(|c| pred(c)).cloned().collect();
    for c in picked {
        c.destroy();
    }
}

/// Runs `f` on every open connection (every thread's).
pub fn for_each(f: impl Fn(&Conn)) {
    let all: Vec<Arc<Conn>> = lock(table()).values().cloned().collect();
    for c in all {
        f(&c);
    }
}

/// The connection with `id`, while it is open.
pub fn get(id: u32) -> Option<Arc<Conn>> {
    lock(table()).get(&id).cloned()
}
