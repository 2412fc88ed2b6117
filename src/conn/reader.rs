//! The reading side of a connection: the bytes read and not yet parsed,
//! where the current message stands (`ReadState`), and the events parsing
//! pushes to JS, for either role (`Role`).
use super::role::Role;
use super::{Conn, ConnConfig};
use crate::events::{kind, EventQueue, EventWriter};
use crate::exec::clock::now_ms;
use crate::proto::{BodyDecoder, BodyPiece, ParseError};
use bytes::BytesMut;
use std::marker::PhantomData;
use std::ops::Range;
use std::sync::atomic::Ordering;

/// Request heads, body or raw bytes a connection may have waiting in the
/// event queue before JS takes them; past this it stops reading until JS
/// has taken them, so a paused request holds, and a flood of pipelined
/// requests reaches JS about 64 KB at a time (the chunk Node's socket reads
/// before its server pauses it), not as all the kernel buffered.
const MAX_UNTAKEN_BYTES: usize = 64 * 1024;

/// Where reading a connection stands, with what that state needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadState {
    /// Waiting for (the rest of) a message head.
    Head,
    /// Reading the current message's body.
    Body(BodyDecoder),
    /// An upgrade head was delivered; JS decides raw or HTTP. The decoder
    /// reads its body should JS go on with HTTP.
    AwaitUpgrade(BodyDecoder),
    /// Bytes go to JS as they are.
    Raw,
    /// After a non-persistent message: further bytes are ignored.
    Discard,
    /// After a parse error: further bytes are not parsed. With the error
    /// (a server, `Role::ERROR_REPEATS`), each later read raises it again.
    Errored(Option<ParseError>),
}

/// The reading side of a connection task.
pub struct Reader<'a, R: Role> {
    pub conn: &'a Conn,
    pub queue: &'a EventQueue,
    pub cfg: &'a ConnConfig,
    pub buf: BytesMut,
    pub state: ReadState,
    pub keep_alive: bool,
    /// When the current message's first byte arrived (ms clock).
    pub message_start: Option<u64>,
    /// The current message's headersTimeout/requestTimeout has fired. As in
    /// Node (whose connections list forgets an expired parser until its
    /// next message begins) it fires once per message, and parsing goes on:
    /// a 'clientError' listener may keep the connection.
    pub request_timer_fired: bool,
    /// The current message's first byte has been read (llhttp's
    /// on_message_begin, which restarts Node's clock for the message).
    message_begun: bool,
    /// Message heads read (a server's requests).
    pub requests: u32,
    pub last_read_ms: u64,
    /// Request-head, body or raw bytes pushed that JS may not have handled
    /// yet: since it last had handled all this connection pushed.
    untaken_bytes: usize,
    /// The queue's generation before the last of them was pushed.
    untaken_gen: u64,
    /// Server: llhttp's `parser->upgrade`, set from each request head as it
    /// completes and kept until the next one does. While it is set, Node's
    /// parser reports no error (node_http_parser.cc reports one only
    /// `if (!parser_.upgrade && err != HPE_OK)`): after a declined upgrade a
    /// bad next request, or the peer ending inside one, silently stops the
    /// parsing instead of drawing a 400.
    pub upgrade: bool,
    /// What this turn of `process` consumed from the front of `buf` (split
    /// off, not copied): with `buf` it is everything the turn began with, so
    /// a server's parse error can report the whole read as Node does.
    taken: BytesMut,
    /// Where the read being parsed begins in `taken` followed by `buf`
    /// (after what was left unparsed from earlier reads).
    chunk_at: usize,
    role: PhantomData<R>,
}

/// Writes `fields` (name and value ranges of `buf`) as an event's count
/// and (text name, text value) pairs.
pub fn write_fields(w: &mut EventWriter, buf: &[u8], fields: &[(Range<usize>, Range<usize>)]) {
    w.u32(fields.len() as u32);
    for (n, v) in fields {
        w.text(&buf[n.clone()]).text(&buf[v.clone()]);
    }
}

/// The flags byte of REQUEST and RESPONSE events (`events::flag`).
pub fn message_flags(keep_alive: bool, upgrade: bool, has_body: bool) -> u8 {
    use crate::events::flag;
    (if keep_alive { flag::KEEP_ALIVE } else { 0 })
        | (if upgrade { flag::UPGRADE } else { 0 })
        | (if has_body { flag::HAS_BODY } else { 0 })
}

/// Bytes from the front of `buf` that are blank lines (CR and LF), which
/// llhttp skips between messages.
fn blank_prefix(buf: &[u8]) -> usize {
    buf.iter().take_while(|&&b| b == b'\r' || b == b'\n').count()
}

impl<'a, R: Role> Reader<'a, R> {
    /// A reader at the start of a connection: as in Node, the first
    /// message's clock starts when the connection opens.
    pub fn new(conn: &'a Conn, queue: &'a EventQueue, cfg: &'a ConnConfig) -> Self {
        Reader {
            conn,
            queue,
            cfg,
            buf: BytesMut::new(),
            state: ReadState::Head,
            keep_alive: true,
            message_start: Some(now_ms()),
            request_timer_fired: false,
            message_begun: false,
            requests: 0,
            last_read_ms: now_ms(),
            untaken_bytes: 0,
            untaken_gen: 0,
            upgrade: false,
            taken: BytesMut::new(),
            chunk_at: 0,
            role: PhantomData,
        }
    }

    /// Counts request-head, body or raw bytes handed to the queue that JS
    /// has not handled yet. `gen`: the queue's generation read before the
    /// event was pushed (the event goes with batch `gen + 1`: on the I/O
    /// threads no batch is taken while a read's events are pushed, see
    /// `run::one_batch`). Read after the push, it could name a batch taken
    /// since, which already held the event, and the connection would wait
    /// for one that never comes.
    pub fn count_untaken(&mut self, gen: u64, n: usize) {
        if self.queue.handled_since(self.untaken_gen) {
            self.untaken_bytes = 0;
        }
        self.untaken_gen = gen;
        self.untaken_bytes += n;
    }

    /// Whether too many bytes wait for JS to handle them. Handled, not only
    /// taken: on the I/O threads the connection would otherwise read on
    /// while JS runs the handlers that pause it, as Node's socket never
    /// does (it reads again only after the handlers of its last read ran).
    pub fn queue_full(&self) -> bool {
        self.untaken_bytes >= MAX_UNTAKEN_BYTES && !self.queue.handled_since(self.untaken_gen)
    }

    /// An error that is not the parser's (a panic while parsing): nothing
    /// parsed to report, the unparsed bytes as rawPacket.
    fn client_error(&mut self, code: &str, reason: &str) {
        let raw = &self.buf[..];
        self.queue.push(kind::CLIENT_ERROR, self.conn.id, |w| {
            w.str(code).str(reason).u32(0).bytes(raw);
        });
        self.buf.clear();
        self.state = ReadState::Errored(None);
    }

    /// Consumes `n` parsed bytes from the front of `buf` (kept in `taken`
    /// until the turn ends).
    pub fn consume(&mut self, n: usize) {
        let piece = self.buf.split_to(n);
        if self.taken.is_empty() {
            self.taken = piece;
        } else {
            // Contiguous with what was taken before: no copy.
            self.taken.unsplit(piece);
        }
    }

    /// A parse error as Node's parser reports it, server or client:
    /// `rawPacket` is the whole read being parsed and `bytesParsed` where in
    /// it llhttp stopped (`pos`, an offset into `buf`).
    fn read_parse_error(&mut self, e: ParseError, pos: usize) {
        let taken = self.taken.len();
        let start = self.chunk_at;
        let parsed = (taken + pos).saturating_sub(start) as u32;
        let mut raw = Vec::with_capacity((taken + self.buf.len()).saturating_sub(start));
        if start < taken {
            raw.extend_from_slice(&self.taken[start..]);
            raw.extend_from_slice(&self.buf);
        } else {
            raw.extend_from_slice(&self.buf[(start - taken).min(self.buf.len())..]);
        }
        self.queue.push(kind::CLIENT_ERROR, self.conn.id, |w| {
            w.str(e.code()).str(e.reason()).u32(parsed).bytes(&raw);
        });
        // Later chunks are raised on their own (see `ReadState::Errored`).
        self.buf.clear();
        self.state = ReadState::Errored(R::ERROR_REPEATS.then_some(e));
    }

    fn parse_error(&mut self, e: ParseError) {
        if self.upgrade {
            // Swallowed (see `upgrade`); llhttp stays in its error state, so
            // nothing more is parsed on this connection.
            self.buf.clear();
            self.state = ReadState::Errored(None);
            return;
        }
        let pos = if self.state == ReadState::Head { R::error_offset(&self.buf, e) } else { e.at };
        self.read_parse_error(e, pos);
    }

    /// After a head: read its body with `decoder`, or finish the message if
    /// it has none.
    pub fn start_body(&mut self, decoder: BodyDecoder) {
        if decoder.is_done() {
            self.message_done();
        } else {
            self.state = ReadState::Body(decoder);
        }
    }

    /// JS went on with HTTP after an upgrade head: its body, if any, is
    /// read, then the next message.
    pub fn upgrade_declined(&mut self) {
        if let ReadState::AwaitUpgrade(decoder) = std::mem::replace(&mut self.state, ReadState::Head) {
            self.start_body(decoder);
            self.process(0);
        }
    }

    /// JS took the socket after an upgrade head: bytes go to it as they are.
    /// Returns whether the connection was waiting for that decision.
    pub fn upgrade_accepted(&mut self) -> bool {
        if !matches!(self.state, ReadState::AwaitUpgrade(_)) {
            return false;
        }
        self.state = ReadState::Raw;
        true
    }

    fn message_done(&mut self) {
        self.message_start = None;
        self.request_timer_fired = false;
        self.message_begun = false;
        self.conn.in_message.store(false, Ordering::Release);
        // llhttp's `cleanup`: without keep-alive the parser goes to `closed`,
        // unless lenient (`insecureHTTPParser` sets LENIENT_KEEP_ALIVE), which
        // restarts it: the bytes after are parsed as the next message.
        self.state = if self.keep_alive || self.lenient() { ReadState::Head } else { ReadState::Discard };
        if self.upgrade {
            // A declined upgrade: llhttp pauses with HPE_PAUSED_UPGRADE at the
            // message's end and Node resumes it without handing it the rest of
            // that read, so what followed in the same read is never parsed.
            self.buf.clear();
        }
    }

    /// Parses and delivers everything the buffer holds. A bug that panics
    /// while parsing fails this connection like a parse error (the peer gets
    /// its 400, the request its error) instead of leaving it hanging.
    /// `chunk_len`: how many bytes at the end of `buf` the read (or
    /// injected chunk) that brought them added.
    pub fn process(&mut self, chunk_len: usize) {
        self.chunk_at = self.buf.len().saturating_sub(chunk_len);
        if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.process_bytes())).is_err() {
            self.buf.clear();
            self.client_error("HPE_INTERNAL", "Internal parser error");
        }
        // The read buffer is the connection's alone again.
        self.taken = BytesMut::new();
    }

    fn process_bytes(&mut self) {
        crate::inject_panic!("parse");
        loop {
            match &mut self.state {
                ReadState::Head => {
                    // Blank lines between messages are skipped (as llhttp
                    // does) and do not start a message or its timers.
                    let blank = blank_prefix(&self.buf);
                    if blank > 0 {
                        self.consume(blank);
                    }
                    if self.buf.is_empty() {
                        return;
                    }
                    if !self.message_begun {
                        // The clock restarts here even for the first
                        // message, whose clock ran since the connection
                        // opened, as Node's parser does at message begin.
                        self.message_begun = true;
                        self.message_start = Some(now_ms());
                        self.request_timer_fired = false;
                        self.conn.in_message.store(true, Ordering::Release);
                    }
                    match R::parse_head(self) {
                        Ok(true) => {}
                        Ok(false) => return,
                        Err(e) => return self.parse_error(e),
                    }
                }
                ReadState::Body(decoder) => match decoder.decode(&self.buf, self.cfg.limits.max_header_size) {
                    Ok((n, Some(BodyPiece::Data(r)))) => {
                        let chunk = &self.buf[r];
                        let gen = self.queue.generation();
                        self.queue.push(kind::BODY, self.conn.id, |w| {
                            w.bytes(chunk);
                        });
                        self.count_untaken(gen, chunk.len());
                        self.consume(n);
                    }
                    Ok((n, Some(BodyPiece::End { trailers, rebuilt }))) => {
                        let buf = rebuilt.as_deref().unwrap_or(&self.buf[..]);
                        self.queue.push(kind::BODY_END, self.conn.id, |w| write_fields(w, buf, &trailers));
                        self.consume(n);
                        self.message_done();
                    }
                    Ok((n, None)) => {
                        self.consume(n);
                        return;
                    }
                    Err(e) => return self.parse_error(e),
                },
                ReadState::Raw => {
                    if !self.buf.is_empty() {
                        let data = &self.buf[..];
                        let gen = self.queue.generation();
                        self.queue.push(kind::DATA, self.conn.id, |w| {
                            w.bytes(data);
                        });
                        self.count_untaken(gen, data.len());
                        self.buf.clear();
                    }
                    return;
                }
                ReadState::Errored(repeat) => {
                    if let Some(e) = repeat.filter(|_| !self.buf.is_empty()) {
                        let raw = &self.buf[..];
                        self.queue.push(kind::CLIENT_ERROR, self.conn.id, |w| {
                            w.str(e.code()).str(e.reason()).u32(0).bytes(raw);
                        });
                    }
                    self.buf.clear();
                    return;
                }
                ReadState::Discard => {
                    // llhttp's `closed` state: blank lines are skipped; any
                    // other byte is an error unless the parser is lenient
                    // (which also ignores the data).
                    let blank = blank_prefix(&self.buf);
                    if blank < self.buf.len() && !self.lenient() {
                        self.consume(blank);
                        // llhttp stops past the byte it refuses.
                        return self.parse_error(ParseError::CLOSED_CONNECTION.at(1));
                    }
                    self.buf.clear();
                    return;
                }
                ReadState::AwaitUpgrade(_) => return,
            }
        }
    }

    /// Whether the current message is parsed leniently (`insecureHTTPParser`).
    fn lenient(&self) -> bool {
        self.cfg.limits.lenient || R::lenient(self.conn)
    }

    /// At the peer's end of stream: completes a body that runs until close
    /// (see `Role::BODY_ENDS_WITH_END`). True when the END event completes it.
    fn finish_at_eof(&mut self) -> bool {
        let ReadState::Body(decoder) = &mut self.state else { return false };
        if !decoder.finish_at_eof() {
            return false;
        }
        if !R::BODY_ENDS_WITH_END {
            self.queue.push(kind::BODY_END, self.conn.id, |w| {
                w.u32(0);
            });
        }
        self.message_done();
        R::BODY_ENDS_WITH_END
    }

    /// The peer ended its side: reading stops, and JS hears END. A body that
    /// runs until close completes; a server whose peer ended inside a
    /// request (part of a head, or a body short of its length or last
    /// chunk) fails it as llhttp_finish does, so Node's 400 follows.
    pub fn at_eof(&mut self) {
        self.conn.end_reading();
        let finished = self.finish_at_eof();
        if R::EOF_INSIDE_MESSAGE_FAILS && self.inside_message() {
            self.parse_error(ParseError::INVALID_EOF_STATE);
        }
        self.queue.push(kind::END, self.conn.id, |w| {
            w.u8(finished as u8);
        });
    }

    /// Whether bytes of an unfinished message have been read.
    pub fn inside_message(&self) -> bool {
        match &self.state {
            ReadState::Head => self.buf.iter().any(|&b| b != b'\r' && b != b'\n'),
            ReadState::Body(decoder) => !decoder.is_done(),
            _ => false,
        }
    }

    /// Whether the task should read: not while JS decides an upgrade or
    /// has paused the socket. After a parse error bytes are still read (and
    /// dropped) so that the peer's close is seen, as Node's socket keeps
    /// reading.
    pub fn wants_read(&self) -> bool {
        !matches!(self.state, ReadState::AwaitUpgrade(_)) && !self.conn.read_paused.load(Ordering::Acquire)
    }

    /// Whether bytes go to JS as they are (after an accepted upgrade).
    pub fn is_raw(&self) -> bool {
        self.state == ReadState::Raw
    }
}
