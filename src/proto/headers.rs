//! Header fields (of a request head, a response head or a chunked body's
//! trailers) as llhttp reads them: its field-name and field-value grammar,
//! the special handling of Content-Length, Transfer-Encoding, Connection and
//! Upgrade, and the leniencies `insecureHTTPParser` enables. Values are
//! reported as Node reports them: leading blanks dropped, trailing blanks
//! trimmed, folded lines (lenient only) joined.

use super::chars::{HEADER_VALUE, TOKEN};
use super::error::{err, Code, ParseError};
use super::Step;
use std::ops::Range;

/// Message flags, as llhttp's `F_*`.
pub(crate) mod flag {
    pub const CONN_KEEP_ALIVE: u16 = 1;
    pub const CONN_CLOSE: u16 = 2;
    pub const CONN_UPGRADE: u16 = 4;
    pub const CHUNKED: u16 = 8;
    pub const UPGRADE: u16 = 16;
    pub const CONTENT_LENGTH: u16 = 32;
    pub const TRANSFER_ENCODING: u16 = 512;
}

/// What the parser is told about the message it reads fields for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ctx {
    /// `insecureHTTPParser`: every llhttp leniency Node enables with it.
    pub lenient: bool,
    /// A request (Transfer-Encoding rules are stricter there).
    pub request: bool,
}

/// The fields found, with llhttp's flags and Content-Length.
#[derive(Debug, Default)]
pub(crate) struct Fields {
    /// (name, value) ranges into the input, or, for values joined from
    /// folded lines, into `joined` offset by `JOINED_BASE`.
    pub list: Vec<(Range<usize>, Range<usize>)>,
    pub flags: u16,
    pub content_length: u64,
    /// Values joined from folded lines (lenient only).
    pub joined: Vec<u8>,
    /// Bytes of the spans llhttp has handed Node's parser whole: the target
    /// or status text, field names, value pieces as received (trailing
    /// blanks included). Node counts them against maxHeaderSize
    /// (`TrackHeader`); see `track_header`.
    pub span_bytes: usize,
    /// Where the span being read starts, while one is open: at the end of a
    /// read llhttp hands Node what it has of it.
    pub open_span: Option<usize>,
    /// maxHeaderSize for `span_bytes` (0: no limit).
    pub limit: usize,
    /// Where llhttp stopped when a span's end took `span_bytes` to `limit`.
    pub overflow_at: Option<usize>,
}

/// Value ranges at or above this index point into `Fields::joined`.
pub(crate) const JOINED_BASE: usize = usize::MAX / 2;

/// Bytes an unfinished head may hold beyond `max` before rshttp refuses it
/// with HPE_HEADER_OVERFLOW even though Node would not: llhttp skips blanks
/// after the method, after the target and before values without counting
/// them (see `track_header`) and keeps nothing, but rshttp buffers the head
/// until it is complete, so without this bound a peer could make it hold
/// any amount of blanks. A deliberate departure (DESIGN.md, "Parsing"):
/// only a head with more than this many uncounted blanks sees it.
pub(crate) const UNCOUNTED_SLACK: usize = 64 * 1024;

/// Node's header size check applied to a parse outcome `r` of `input_len`
/// bytes with `max` = maxHeaderSize. Node's parser adds up the spans
/// llhttp hands it (`TrackHeader`) and fails with HPE_HEADER_OVERFLOW once
/// they reach `max`; llhttp hands a span over when it ends, and what it has
/// of an open one at the end of each read. So: a complete head whose spans
/// reach `max`; an error after spans that reached it (an error inside a
/// span stops llhttp before that span is counted); input that ends with
/// that much counted, its open span included. Blanks, the method, the
/// protocol and line ends are not counted (but see `UNCOUNTED_SLACK`).
///
/// `f.limit` must be `max`. The error says where llhttp stopped: after the
/// span that tripped the limit (`Fields::close`), or at the end of the input.
pub(crate) fn track_header<T>(r: Step<T>, f: &Fields, input_len: usize, max: usize) -> Step<T> {
    debug_assert_eq!(f.limit, max);
    if let Some(at) = f.overflow_at {
        return Err(ParseError::HEADER_OVERFLOW.at(at));
    }
    if let Ok(None) = r {
        let open = f.open_span.map_or(0, |s| input_len.saturating_sub(s));
        if f.span_bytes + open >= max || input_len > max.saturating_add(UNCOUNTED_SLACK) {
            return Err(ParseError::HEADER_OVERFLOW.at(input_len));
        }
    }
    r
}

impl Fields {
    /// A span starts at `at`.
    pub fn open(&mut self, at: usize) {
        self.open_span = Some(at);
    }

    /// The open span ends: it is `start..end`, and llhttp stops at `stop`
    /// if this is where the count reaches the limit (Node's callback fails
    /// there).
    pub fn close(&mut self, start: usize, end: usize, stop: usize) {
        self.span_bytes += end - start;
        self.open_span = None;
        if self.limit != 0 && self.span_bytes >= self.limit && self.overflow_at.is_none() {
            self.overflow_at = Some(stop);
        }
    }

    /// `input[..end]` followed by the joined values, with the ranges of
    /// joined values moved to index it: None when nothing was folded.
    pub fn rebuild(&mut self, input: &[u8], end: usize) -> Option<Vec<u8>> {
        if self.joined.is_empty() && !self.list.iter().any(|(_, v)| v.start >= JOINED_BASE) {
            return None;
        }
        let mut out = Vec::with_capacity(end + self.joined.len());
        out.extend_from_slice(&input[..end.min(input.len())]);
        out.extend_from_slice(&self.joined);
        for (_, v) in self.list.iter_mut() {
            if v.start >= JOINED_BASE {
                *v = v.start - JOINED_BASE + end..v.end - JOINED_BASE + end;
            }
        }
        Some(out)
    }
}

/// llhttp's `header_state`: which special field a value belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    General,
    Connection,
    ContentLength,
    TransferEncoding,
    Upgrade,
    ConnKeepAlive,
    ConnClose,
    ConnUpgrade,
    TeChunked,
}

fn special(name: &[u8]) -> State {
    let is = |s: &[u8]| name.eq_ignore_ascii_case(s);
    match name.len() {
        7 if is(b"upgrade") => State::Upgrade,
        10 if is(b"connection") => State::Connection,
        14 if is(b"content-length") => State::ContentLength,
        16 if is(b"proxy-connection") => State::Connection,
        17 if is(b"transfer-encoding") => State::TransferEncoding,
        _ => State::General,
    }
}

/// Parses fields from `buf[i..]` up to and including the blank line that
/// ends them. `first` says whether llhttp's check for a space right after
/// the start line applies. Returns the offset just past the blank line.
pub(crate) fn parse_fields(buf: &[u8], mut i: usize, ctx: Ctx, first: bool, out: &mut Fields) -> Step<usize> {
    if first && need!(buf, i) == b' ' {
        if !ctx.lenient {
            return Err(err(Code::UnexpectedSpace, "Unexpected space after start line", i));
        }
        i += 1;
    }
    loop {
        match need!(buf, i) {
            b'\r' => {
                return match need!(buf, i + 1) {
                    b'\n' => Ok(Some(i + 2)),
                    _ if ctx.lenient => Ok(Some(i + 1)),
                    _ => Err(err(Code::Strict, "Expected LF after headers", i + 1)),
                };
            }
            b'\n' => {
                return if ctx.lenient {
                    Ok(Some(i + 1))
                } else {
                    Err(err(Code::InvalidHeaderToken, "Invalid header field char", i + 1))
                };
            }
            b':' => return Err(err(Code::InvalidHeaderToken, "Invalid header token", i)),
            _ => {}
        }
        i = match field(buf, i, ctx, out)? {
            Some(next) => next,
            None => return Ok(None),
        };
    }
}

/// One field line from its first byte; returns where the next line starts.
fn field(buf: &[u8], start: usize, ctx: Ctx, out: &mut Fields) -> Step<usize> {
    let mut i = start;
    out.open(start);
    while i < buf.len() && TOKEN[buf[i] as usize] {
        i += 1;
    }
    let mut state = special(&buf[start..i]);
    let mut c = need!(buf, i);
    if c == b' ' && state != State::General {
        if !ctx.lenient {
            return Err(err(Code::InvalidHeaderToken, "Invalid header field char", i + 1));
        }
        // Spaces before the colon of a special field: kept in the name.
        while need!(buf, i) == b' ' {
            i += 1;
        }
        if buf[i] != b':' {
            state = State::General;
            while i < buf.len() && TOKEN[buf[i] as usize] {
                i += 1;
            }
        }
        c = need!(buf, i);
    }
    if c != b':' {
        return Err(err(Code::InvalidHeaderToken, "Invalid header token", i));
    }
    let name = start..i;
    // llhttp stops one past the colon when the name's callback fails.
    out.close(start, i, i + 1);
    i += 1;
    match state {
        State::TransferEncoding if out.flags & flag::CONTENT_LENGTH != 0 && !ctx.lenient => {
            return Err(err(
                Code::InvalidTransferEncoding,
                "Transfer-Encoding can't be present with Content-Length",
                i,
            ));
        }
        State::ContentLength if out.flags & flag::TRANSFER_ENCODING != 0 && !ctx.lenient => {
            return Err(err(
                Code::InvalidContentLength,
                "Content-Length can't be present with Transfer-Encoding",
                i,
            ));
        }
        _ => {}
    }
    // Leading blanks, and (lenient) line folds before any value byte.
    loop {
        match need!(buf, i) {
            b' ' | b'\t' => i += 1,
            b'\r' => {
                match need!(buf, i + 1) {
                    b'\n' => i += 2,
                    _ if ctx.lenient => i += 1,
                    _ => return Err(err(Code::Strict, "Expected LF after CR", i + 1)),
                }
                if !blank_line_folds(buf, i, ctx)? {
                    return empty_value(i, name, state, out);
                }
            }
            b'\n' => {
                if !ctx.lenient {
                    return Err(err(Code::InvalidHeaderToken, "Invalid header value char", i + 1));
                }
                i += 1;
                if !blank_line_folds(buf, i, ctx)? {
                    return empty_value(i, name, state, out);
                }
            }
            _ => break,
        }
    }
    // The value, in one or (lenient, folded) more pieces.
    let mut pieces: Option<Vec<u8>> = None;
    loop {
        let vstart = i;
        out.open(vstart);
        let end = match value(buf, i, &mut state, ctx, out)? {
            Some(e) => e,
            None => return Ok(None),
        };
        // One past a CR that ends the value, at an LF, when its callback fails.
        out.close(vstart, end, end + (buf[end] == b'\r') as usize);
        // `end` is at CR or LF.
        let next = if buf[end] == b'\r' {
            match need!(buf, end + 1) {
                b'\n' => end + 2,
                _ => return Err(err(Code::LfExpected, "Missing expected LF after header value", end + 1)),
            }
        } else if ctx.lenient {
            end + 1
        } else {
            return Err(err(Code::CrExpected, "Missing expected CR after header value", end));
        };
        match need!(buf, next) {
            b' ' | b'\t' => {
                if !ctx.lenient {
                    return Err(err(Code::InvalidHeaderToken, "Unexpected whitespace after header value", next));
                }
                let p = pieces.get_or_insert_with(Vec::new);
                p.extend_from_slice(&buf[vstart..end]);
                if state == State::TeChunked {
                    state = State::General;
                }
                i = next;
            }
            _ => {
                set_header_flags(state, out);
                let v = match pieces {
                    None => vstart..trim_end(buf, vstart, end),
                    Some(mut p) => {
                        p.extend_from_slice(&buf[vstart..end]);
                        let len = p.iter().rposition(|&b| b != b' ' && b != b'\t').map_or(0, |k| k + 1);
                        let at = JOINED_BASE + out.joined.len();
                        out.joined.extend_from_slice(&p[..len]);
                        at..at + len
                    }
                };
                out.list.push((name, v));
                return Ok(Some(next));
            }
        }
    }
}

/// After the line end of a field whose value has not started: whether the
/// next line continues it (lenient folding) rather than ending it.
fn blank_line_folds(buf: &[u8], i: usize, ctx: Ctx) -> Result<bool, ParseError> {
    match buf.get(i) {
        None => Ok(true), // decided when more arrives; the caller then waits
        Some(b' ') | Some(b'\t') if ctx.lenient => Ok(true),
        Some(b' ') | Some(b'\t') => Err(err(Code::InvalidHeaderToken, "Invalid header value char", i + 1)),
        Some(_) => Ok(false),
    }
}

/// A field whose value is empty. llhttp 9.3 refuses that only for
/// Content-Length; an empty Transfer-Encoding sets no flag (its codings are
/// read, and F_TRANSFER_ENCODING set, only from a value's first byte), so it
/// neither frames the body nor clashes with a later Content-Length.
fn empty_value(i: usize, name: Range<usize>, state: State, out: &mut Fields) -> Step<usize> {
    match state {
        State::ContentLength => Err(err(Code::InvalidContentLength, "Empty Content-Length", i)),
        _ => {
            out.list.push((name, i..i));
            Ok(Some(i))
        }
    }
}

fn trim_end(buf: &[u8], start: usize, mut end: usize) -> usize {
    while end > start && (buf[end - 1] == b' ' || buf[end - 1] == b'\t') {
        end -= 1;
    }
    end
}

fn set_header_flags(state: State, out: &mut Fields) {
    out.flags |= match state {
        State::ConnKeepAlive => flag::CONN_KEEP_ALIVE,
        State::ConnClose => flag::CONN_CLOSE,
        State::ConnUpgrade => flag::CONN_UPGRADE,
        State::TeChunked => flag::CHUNKED,
        _ => 0,
    };
}

/// One piece of a value from its first byte: returns the offset of the CR
/// or LF that ends it, having applied the field's special meaning.
fn value(buf: &[u8], mut i: usize, state: &mut State, ctx: Ctx, out: &mut Fields) -> Step<usize> {
    match *state {
        State::Upgrade => {
            out.flags |= flag::UPGRADE;
            *state = State::General;
        }
        State::TransferEncoding => {
            if out.flags & flag::CHUNKED != 0 && ctx.request && !ctx.lenient {
                return Err(err(Code::InvalidTransferEncoding, "Invalid `Transfer-Encoding` header value", i));
            }
            out.flags = (out.flags | flag::TRANSFER_ENCODING) & !flag::CHUNKED;
            match transfer_encoding(buf, i, state, ctx)? {
                Some(e) => i = e,
                None => return Ok(None),
            }
        }
        State::ContentLength => {
            if out.flags & flag::CONTENT_LENGTH != 0 {
                return Err(err(Code::UnexpectedContentLength, "Duplicate Content-Length", i));
            }
            let mut n: u64 = 0;
            while let Some(d) = buf.get(i).filter(|b| b.is_ascii_digit()) {
                n = match n.checked_mul(10).and_then(|n| n.checked_add((d - b'0') as u64)) {
                    Some(n) => n,
                    None => return Err(err(Code::InvalidContentLength, "Content-Length overflow", i)),
                };
                i += 1;
            }
            // Only spaces may follow the digits (llhttp 9.3 takes no tab).
            loop {
                match need!(buf, i) {
                    b' ' => i += 1,
                    b'\r' | b'\n' => break,
                    _ => return Err(err(Code::InvalidContentLength, "Invalid character in Content-Length", i)),
                }
            }
            out.content_length = n;
            out.flags |= flag::CONTENT_LENGTH;
            return Ok(Some(i));
        }
        State::Connection => match connection(buf, i, state, out)? {
            Some(e) => i = e,
            None => return Ok(None),
        },
        _ => {}
    }
    // The general value, and llhttp's `header_value_otherwise`.
    while i < buf.len() && HEADER_VALUE[buf[i] as usize] {
        i += 1;
    }
    match need!(buf, i) {
        b'\r' | b'\n' => Ok(Some(i)),
        _ if ctx.lenient => {
            // Lenient: anything up to the line end belongs to the value.
            while !matches!(need!(buf, i), b'\r' | b'\n') {
                i += 1;
            }
            Ok(Some(i))
        }
        _ => Err(err(Code::InvalidHeaderToken, "Invalid header value char", i)),
    }
}

/// Whether `buf[i..]` starts with `word` (ASCII case-insensitive); None
/// when the input ends first while still matching.
fn starts_with_ci(buf: &[u8], i: usize, word: &[u8]) -> Option<bool> {
    let rest = &buf[i.min(buf.len())..];
    let n = rest.len().min(word.len());
    if !rest[..n].eq_ignore_ascii_case(&word[..n]) {
        return Some(false);
    }
    if n < word.len() {
        None
    } else {
        Some(true)
    }
}

fn is_connection_token(b: u8) -> bool {
    HEADER_VALUE[b as usize] && b != b','
}

/// A Transfer-Encoding value: whether its last coding is `chunked`. Returns
/// where the special reading stops (the general reading continues there).
fn transfer_encoding(buf: &[u8], mut i: usize, state: &mut State, ctx: Ctx) -> Step<usize> {
    loop {
        // At the start of a coding.
        match starts_with_ci(buf, i, b"chunked") {
            None => return Ok(None),
            Some(true) => {
                i += 7;
                while need!(buf, i) == b' ' {
                    i += 1;
                }
                match buf[i] {
                    b'\r' | b'\n' => {
                        *state = State::TeChunked;
                        return Ok(Some(i));
                    }
                    b',' if ctx.request && !ctx.lenient => {
                        return Err(err(Code::InvalidTransferEncoding, "Invalid `Transfer-Encoding` header value", i));
                    }
                    _ => {}
                }
            }
            Some(false) => {}
        }
        // Inside a coding other than a final `chunked`.
        loop {
            let b = need!(buf, i);
            if b == b',' {
                i += 1;
                while matches!(need!(buf, i), b' ' | b'\t') {
                    i += 1;
                }
                break;
            } else if is_connection_token(b) {
                i += 1;
            } else {
                *state = State::General;
                return Ok(Some(i));
            }
        }
    }
}

/// A Connection value: its `close`, `keep-alive` and `upgrade` tokens.
fn connection(buf: &[u8], mut i: usize, state: &mut State, out: &mut Fields) -> Step<usize> {
    'token: loop {
        while matches!(need!(buf, i), b' ' | b'\t') {
            i += 1;
        }
        let mut matched = None;
        for (word, s) in [(&b"close"[..], State::ConnClose), (b"upgrade", State::ConnUpgrade), (b"keep-alive", State::ConnKeepAlive)] {
            match starts_with_ci(buf, i, word) {
                None => return Ok(None),
                Some(true) => {
                    matched = Some((word.len(), s));
                    break;
                }
                Some(false) => {}
            }
        }
        if let Some((len, s)) = matched {
            *state = s;
            i += len;
            loop {
                match need!(buf, i) {
                    b',' => {
                        set_header_flags(*state, out);
                        *state = State::Connection;
                        i += 1;
                        continue 'token;
                    }
                    // Only spaces: llhttp takes a tab after the token
                    // as part of some other token, so it counts for nothing.
                    b' ' => i += 1,
                    b'\r' | b'\n' => return Ok(Some(i)),
                    _ => {
                        *state = State::General;
                        break;
                    }
                }
            }
        }
        // Any other token.
        loop {
            let b = need!(buf, i);
            if b == b',' {
                i += 1;
                continue 'token;
            } else if is_connection_token(b) {
                i += 1;
            } else {
                return Ok(Some(i));
            }
        }
    }
}

