//! Feeding a case's bytes whole, in two reads split at every byte, and one
//! byte per read, over a socket and injected: the events must not depend
//! on where reads split the stream, except in what Node itself makes
//! per read:
//!
//! - body and raw bytes arrive in pieces: BODY and DATA events are compared
//!   concatenated;
//! - a parse error's `bytesParsed` and `rawPacket` are the read's (Node
//!   reports llhttp's position in the chunk it was given, and the chunk):
//!   each error's rawPacket must be exactly the read it came in, and its
//!   read's offset in the stream plus bytesParsed must be the same for
//!   every split (llhttp stops at the same byte however the input is cut);
//! - the server raises its error again for every later read (see
//!   `Role::ERROR_REPEATS`), so a split after the error adds errors: each
//!   must carry its read as rawPacket and 0 bytes parsed, and they are
//!   dropped before comparing;
//! - an error raised at the peer's end (HPE_INVALID_EOF_STATE) belongs to
//!   no read: its code is compared, not its position or bytes;
//! - INJECTED (the injected transport's count) is dropped.
use super::events::{Ev, B};
use super::{Harness, Transport};
use crate::conn::{Conn, ConnConfig, RoleKind};

/// One case: a role, its settings, the bytes the peer sends, whether it
/// ends after them, and what "JS" does on each event.
pub struct Case {
    pub role: RoleKind,
    pub cfg: ConnConfig,
    pub input: Vec<u8>,
    pub eof: bool,
    /// Client: `Conn::expect_response` bits, set before anything is read.
    pub expect: u8,
    /// Called on each event as JS would handle it; returns true if it
    /// called the connection (the harness then runs it again).
    pub react: fn(&Ev, &Conn) -> bool,
}

fn no_reaction(_: &Ev, _: &Conn) -> bool {
    false
}

impl Case {
    pub fn server(input: &[u8]) -> Case {
        Case {
            role: RoleKind::Server,
            cfg: ConnConfig::default(),
            input: input.to_vec(),
            eof: false,
            expect: 0,
            react: no_reaction,
        }
    }
    pub fn client(input: &[u8]) -> Case {
        Case { role: RoleKind::Client, ..Case::server(input) }
    }
    pub fn eof(self) -> Case {
        Case { eof: true, ..self }
    }
    pub fn expect(self, bits: u8) -> Case {
        Case { expect: bits, ..self }
    }
    pub fn lenient(mut self) -> Case {
        self.cfg.limits.lenient = true;
        self
    }
    pub fn react(self, react: fn(&Ev, &Conn) -> bool) -> Case {
        Case { react, ..self }
    }
}

/// An event and where it came from: the read (index into the chunks, or
/// `None` for the peer's end) and that read's offset in the stream.
pub struct Tagged {
    pub ev: Ev,
    pub read: Option<usize>,
    pub offset: usize,
}

/// Runs `case` with its input cut into `chunks`; every event, tagged.
pub fn run(case: &Case, transport: Transport, chunks: &[&[u8]]) -> Vec<Tagged> {
    let mut h = Harness::new(case.role, transport, case.cfg.clone());
    h.conn.expect_response(case.expect, 0);
    let mut out = Vec::new();
    let mut offset = 0;
    let mut collect = |h: &mut Harness, first: Vec<Ev>, read: Option<usize>, offset: usize| {
        let mut new = first;
        while !new.is_empty() {
            let mut acted = false;
            for ev in new {
                acted |= (case.react)(&ev, &h.conn);
                out.push(Tagged { ev, read, offset });
            }
            new = if acted { h.events() } else { Vec::new() };
        }
    };
    for (i, chunk) in chunks.iter().enumerate() {
        let evs = h.feed(chunk);
        collect(&mut h, evs, Some(i), offset);
        offset += chunk.len();
    }
    if case.eof {
        let evs = h.eof();
        collect(&mut h, evs, None, offset);
    }
    out
}

/// The events with what may depend on the split taken out (see the module
/// doc), after checking what must hold of it.
pub fn normalize(tagged: Vec<Tagged>, chunks: &[&[u8]]) -> Vec<Ev> {
    let mut out: Vec<Ev> = Vec::new();
    let mut errored = false;
    for Tagged { ev, read, offset } in tagged {
        match ev {
            Ev::Injected(_) => {}
            Ev::Body(B(b)) => match out.last_mut() {
                Some(Ev::Body(B(prev))) => prev.extend_from_slice(&b),
                _ => out.push(Ev::Body(B(b))),
            },
            Ev::Data(B(b)) => match out.last_mut() {
                Some(Ev::Data(B(prev))) => prev.extend_from_slice(&b),
                _ => out.push(Ev::Data(B(b))),
            },
            Ev::ClientError { code, reason, bytes_parsed, raw } => {
                let Some(read) = read else {
                    // At the peer's end: no read, no position.
                    out.push(Ev::ClientError { code, reason, bytes_parsed: 0, raw: B::default() });
                    continue;
                };
                assert_eq!(raw.0, chunks[read], "{code}: rawPacket is the read it came in");
                if errored {
                    assert_eq!(bytes_parsed, 0, "{code} raised again for a later read");
                    continue;
                }
                errored = true;
                let at = offset as u32 + bytes_parsed;
                out.push(Ev::ClientError { code, reason, bytes_parsed: at, raw: B::default() });
            }
            ev => out.push(ev),
        }
    }
    out
}

/// The ways `input` is cut: whole, in two at every byte, one byte per read.
pub fn cuts(input: &[u8]) -> Vec<Vec<&[u8]>> {
    let mut all = vec![vec![input]];
    for i in 1..input.len() {
        all.push(vec![&input[..i], &input[i..]]);
    }
    if input.len() > 2 {
        all.push(input.chunks(1).collect());
    }
    all
}

/// Runs `case` cut every way over both transports; every run must give
/// the events the whole input gives over a socket. Returns those events
/// (as they came, not normalized) for the test to check literally.
pub fn check(case: &Case) -> Vec<Ev> {
    let whole: &[&[u8]] = &[&case.input];
    let base_tagged = run(case, Transport::Socket, whole);
    let base: Vec<Ev> = base_tagged.iter().map(|t| t.ev.clone()).collect();
    let want = normalize(base_tagged, whole);
    let mut runs = 0;
    for transport in [Transport::Socket, Transport::Injected] {
        for chunks in cuts(&case.input) {
            let got = normalize(run(case, transport, &chunks), &chunks);
            runs += 1;
            if got != want {
                let sizes: Vec<usize> = chunks.iter().map(|c| c.len()).collect();
                panic!(
                    "{transport:?}, reads of {sizes:?} bytes:\n got: {:#?}\nwant: {:#?}",
                    super::events::lines(&got),
                    super::events::lines(&want)
                );
            }
        }
    }
    eprintln!("split runs: {runs}");
    base.into_iter().filter(|e| !matches!(e, Ev::Injected(_))).collect()
}
