//! Interning of the short strings events carry (header names and values,
//! URLs, reason phrases): the same few recur on every request, and a JS
//! string built once and reused costs JS nothing, where decoding the bytes
//! again costs a native call and an allocation per field.
//!
//! The JS side keeps a table of `SLOTS` strings. The first time bytes are
//! seen they are sent with the slot they go to (JS decodes and stores them);
//! later they are sent as the slot alone. Both sides change the table only
//! as events are written and read, in the same order, so they agree.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Table size; mirrored in `lib/native.js`.
pub const SLOTS: usize = 1024;

/// Longest string interned; longer ones are sent as plain bytes.
pub const MAX_LEN: usize = 96;

/// An FNV-1a hasher: the keys are short, and SipHash's setup costs more
/// than the hashing itself.
#[derive(Default)]
pub struct FnvHasher(u64);

impl Hasher for FnvHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 { 0xcbf2_9ce4_8422_2325 } else { self.0 };
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// The writer's half of the table: which bytes are in which slot.
#[derive(Default)]
pub struct Interner {
    slots: HashMap<Box<[u8]>, u16, BuildHasherDefault<FnvHasher>>,
    /// What each slot holds, to forget it when the slot is reused.
    held: Vec<Box<[u8]>>,
    /// The next slot to fill (round robin once the table is full).
    next: usize,
}

/// How to send one string.
#[derive(Debug, PartialEq, Eq)]
pub enum Interned {
    /// Already in this slot on the JS side.
    Known(u16),
    /// Decode it and keep it in this slot.
    Store(u16),
    /// Too long: plain bytes, not kept.
    Plain,
}

impl Interner {
    /// Where `bytes` stand in the table, adding them if they are new.
    pub fn intern(&mut self, bytes: &[u8]) -> Interned {
        if bytes.len() > MAX_LEN {
            return Interned::Plain;
        }
        if let Some(&slot) = self.slots.get(bytes) {
            return Interned::Known(slot);
        }
        let slot = self.next;
        self.next = (self.next + 1) % SLOTS;
        let key: Box<[u8]> = bytes.into();
        if slot < self.held.len() {
            let old = std::mem::replace(&mut self.held[slot], key.clone());
            self.slots.remove(&old);
        } else {
            self.held.push(key.clone());
        }
        self.slots.insert(key, slot as u16);
        Interned::Store(slot as u16)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_then_refers_and_reuses_slots_in_turn() {
        let mut t = Interner::default();
        assert_eq!(t.intern(b"Host"), Interned::Store(0));
        assert_eq!(t.intern(b"localhost"), Interned::Store(1));
        assert_eq!(t.intern(b"Host"), Interned::Known(0));
        assert_eq!(t.intern(&[b'x'; MAX_LEN + 1]), Interned::Plain);
        for i in 2..SLOTS {
            assert_eq!(t.intern(format!("v{i}").as_bytes()), Interned::Store(i as u16));
        }
        // The table is full: slot 0 is reused, and "Host" is forgotten.
        assert_eq!(t.intern(b"new"), Interned::Store(0));
        assert_eq!(t.intern(b"localhost"), Interned::Known(1));
        assert_eq!(t.intern(b"Host"), Interned::Store(1));
        assert_eq!(t.intern(b"localhost"), Interned::Store(2));
    }
}
