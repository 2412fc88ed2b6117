//! The packed events of `events::EventQueue` decoded back into values, as
//! `lib/native.js` reads them (layout at the top of src/events.rs), with a
//! one-line rendering for the tests' expectations.
use crate::events::{flag, kind};
use crate::proto::METHODS;
use crate::strings::SLOTS;
use std::fmt;

/// Bytes, shown as an escaped string.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct B(pub Vec<u8>);

impl fmt::Debug for B {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{}\"", self.0.escape_ascii())
    }
}

/// A list of (name, value) fields.
pub type Fields = Vec<(String, String)>;

/// The fields of a REQUEST or RESPONSE head that both have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub version: (u8, u8),
    pub keep_alive: bool,
    pub upgrade: bool,
    pub has_body: bool,
    pub headers: Fields,
}

/// One event, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ev {
    Request { method: &'static str, url: String, head: Head },
    Response { status: u16, reason: String, head: Head },
    Body(B),
    BodyEnd { trailers: Fields },
    ClientError { code: String, reason: String, bytes_parsed: u32, raw: B },
    Drain,
    Close { code: String, bytes_read: u64 },
    Timeout,
    Data(B),
    End { finished: bool },
    Injected(u32),
    ReadCopy(B),
}

fn fields(f: &Fields) -> String {
    let list: Vec<String> = f.iter().map(|(n, v)| format!("{n}: {v}")).collect();
    format!("[{}]", list.join(", "))
}

fn head(h: &Head) -> String {
    let mut flags = Vec::new();
    if h.keep_alive {
        flags.push("ka");
    }
    if h.upgrade {
        flags.push("upgrade");
    }
    if h.has_body {
        flags.push("body");
    }
    let flags = if flags.is_empty() { "-".to_string() } else { flags.join(",") };
    format!("{}.{} {} {}", h.version.0, h.version.1, flags, fields(&h.headers))
}

/// One line per event: what the tests' expectations are written as.
impl fmt::Display for Ev {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ev::Request { method, url, head: h } => write!(f, "REQUEST {method} {url} {}", head(h)),
            Ev::Response { status, reason, head: h } => write!(f, "RESPONSE {status} {reason:?} {}", head(h)),
            Ev::Body(b) => write!(f, "BODY {b:?}"),
            Ev::BodyEnd { trailers } => write!(f, "BODY_END {}", fields(trailers)),
            Ev::ClientError { code, bytes_parsed, raw, .. } => {
                write!(f, "CLIENT_ERROR {code} parsed={bytes_parsed} raw={raw:?}")
            }
            Ev::Drain => write!(f, "DRAIN"),
            Ev::Close { code, .. } => write!(f, "CLOSE {code:?}"),
            Ev::Timeout => write!(f, "TIMEOUT"),
            Ev::Data(b) => write!(f, "DATA {b:?}"),
            Ev::End { finished } => write!(f, "END{}", if *finished { " finished" } else { "" }),
            Ev::Injected(n) => write!(f, "INJECTED {n}"),
            Ev::ReadCopy(b) => write!(f, "READ_COPY {b:?}"),
        }
    }
}

/// The rendered lines of `evs`.
pub fn lines(evs: &[Ev]) -> Vec<String> {
    evs.iter().map(Ev::to_string).collect()
}

/// Reads one connection's batches: keeps the interning table JS would keep
/// (`strings.rs`), which lives as long as the queue.
pub struct Decoder {
    strings: Vec<Vec<u8>>,
}

impl Default for Decoder {
    fn default() -> Self {
        Decoder { strings: vec![Vec::new(); SLOTS] }
    }
}

struct Cursor<'a> {
    b: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn take(&mut self, n: usize) -> &[u8] {
        let s = &self.b[self.pos..self.pos + n];
        self.pos += n;
        s
    }
    fn u8(&mut self) -> u8 {
        self.take(1)[0]
    }
    fn u16(&mut self) -> u16 {
        u16::from_le_bytes(self.take(2).try_into().unwrap())
    }
    fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.take(4).try_into().unwrap())
    }
    fn bytes(&mut self) -> Vec<u8> {
        let n = self.u32() as usize;
        self.take(n).to_vec()
    }
    fn string(&mut self) -> String {
        String::from_utf8(self.bytes()).expect("a str field is UTF-8")
    }
}

/// Latin1 bytes as a string (as JS's `latin1Slice`).
fn latin1(b: &[u8]) -> String {
    b.iter().map(|&c| c as char).collect()
}

impl Decoder {
    fn text(&mut self, c: &mut Cursor<'_>) -> String {
        match c.u8() {
            0 => latin1(&c.bytes()),
            1 => {
                let slot = c.u16() as usize;
                let v = c.bytes();
                self.strings[slot] = v.clone();
                latin1(&v)
            }
            2 => latin1(&self.strings[c.u16() as usize]),
            how => panic!("text: unknown form {how}"),
        }
    }

    fn fields(&mut self, c: &mut Cursor<'_>) -> Fields {
        let n = c.u32();
        (0..n).map(|_| (self.text(c), self.text(c))).collect()
    }

    fn head(&mut self, c: &mut Cursor<'_>) -> (u8, u8) {
        let minor = c.u8();
        (minor, c.u8())
    }

    /// Decodes a batch of events about connection `id`; checks each event's
    /// length field against what its fields took.
    pub fn decode(&mut self, batch: &[u8], id: u32) -> Vec<Ev> {
        let mut c = Cursor { b: batch, pos: 0 };
        let mut out = Vec::new();
        while c.pos < batch.len() {
            let k = c.u8();
            assert_eq!(c.u32(), id, "event about another connection");
            let len = c.u32() as usize;
            let start = c.pos;
            assert!(start + len <= batch.len(), "event longer than its batch");
            let head_of = |minor: u8, flags: u8, headers: Fields| Head {
                version: (flags >> 4, minor),
                keep_alive: flags & flag::KEEP_ALIVE != 0,
                upgrade: flags & flag::UPGRADE != 0,
                has_body: flags & flag::HAS_BODY != 0,
                headers,
            };
            let ev = match k {
                kind::REQUEST => {
                    let method = METHODS[c.u8() as usize];
                    let (minor, flags) = self.head(&mut c);
                    let url = self.text(&mut c);
                    let headers = self.fields(&mut c);
                    Ev::Request { method, url, head: head_of(minor, flags, headers) }
                }
                kind::RESPONSE => {
                    let status = c.u16();
                    let (minor, flags) = self.head(&mut c);
                    let reason = self.text(&mut c);
                    let headers = self.fields(&mut c);
                    Ev::Response { status, reason, head: head_of(minor, flags, headers) }
                }
                kind::BODY => Ev::Body(B(c.bytes())),
                kind::BODY_END => Ev::BodyEnd { trailers: self.fields(&mut c) },
                kind::CLIENT_ERROR => Ev::ClientError {
                    code: c.string(),
                    reason: c.string(),
                    bytes_parsed: c.u32(),
                    raw: B(c.bytes()),
                },
                kind::DRAIN => Ev::Drain,
                kind::CLOSE => {
                    let code = c.string();
                    let lo = c.u32() as u64;
                    Ev::Close { code, bytes_read: lo | (c.u32() as u64) << 32 }
                }
                kind::TIMEOUT => Ev::Timeout,
                kind::DATA => Ev::Data(B(c.bytes())),
                kind::END => Ev::End { finished: c.u8() == 1 },
                kind::INJECTED => Ev::Injected(c.u32()),
                kind::READ_COPY => Ev::ReadCopy(B(c.bytes())),
                other => panic!("unexpected event kind {other}"),
            };
            assert_eq!(c.pos - start, len, "length field of {ev}");
            out.push(ev);
        }
        out
    }
}
