//! The two roles a connection plays, as types (hyper's `Http1Transaction`
//! shape): a server reads requests, a client reads responses. The reader
//! and the run loop are generic over the role; what differs is here, not
//! in `if client` branches.
use super::reader::{message_flags, write_fields, ReadState, Reader};
use super::{Conn, EXPECT_CONNECT, EXPECT_HEAD, EXPECT_LENIENT};
use crate::events::kind;
use crate::proto::{
    method_error_offset, parse_request_head, parse_response_head, BodyDecoder, Code, HeadLimits, ParseError,
    ResponseExpect,
};

/// What a role decides about reading a connection's messages.
pub trait Role: Sized + Send + Sync + 'static {
    /// The role's name: the panic-injection point of its task
    /// (`<name>_task`) and in diagnostics.
    const TASK: &'static str;

    /// A parse error stays and is raised again, as a 'clientError' with the
    /// new bytes as rawPacket, for every later read: llhttp keeps its error
    /// state and Node's server reports it on every execute; Node's client
    /// reports once and stops.
    const ERROR_REPEATS: bool;

    /// At the peer's end a body that runs until close ends with the END
    /// event's flag (the server: Node completes the request in its socket
    /// 'end' handler with `parser.finish()`), not with BODY_END (the client).
    const BODY_ENDS_WITH_END: bool;

    /// The peer's end inside a message is a parse error (llhttp_finish's
    /// HPE_INVALID_EOF_STATE, which Node's server answers with 400).
    const EOF_INSIDE_MESSAGE_FAILS: bool;

    /// Parses the head at the front of `r.buf`, pushes its event and sets
    /// the reader up for its body. `Ok(true)` when parsing goes on (the
    /// body, or the next message); `Ok(false)` when more bytes are needed or
    /// the connection waits for an upgrade decision.
    fn parse_head(r: &mut Reader<'_, Self>) -> Result<bool, ParseError>;

    /// Where in `buf` llhttp stopped for `e` while parsing a head (the
    /// error's bytesParsed).
    fn error_offset(buf: &[u8], e: ParseError) -> usize {
        let _ = buf;
        e.at
    }

    /// Whether the current message is parsed leniently for a reason of the
    /// role's own (the config's `insecureHTTPParser` applies to both).
    fn lenient(conn: &Conn) -> bool {
        let _ = conn;
        false
    }
}

/// A server connection: it reads requests.
pub struct Server;

/// A client connection: it reads responses to the requests JS wrote.
pub struct Client;

impl Role for Server {
    const TASK: &'static str = "server_task";
    const ERROR_REPEATS: bool = true;
    const BODY_ENDS_WITH_END: bool = true;
    const EOF_INSIDE_MESSAGE_FAILS: bool = true;

    fn parse_head(r: &mut Reader<'_, Self>) -> Result<bool, ParseError> {
        let Some(head) = parse_request_head(&r.buf, r.cfg.limits)? else { return Ok(false) };
        let decoder = BodyDecoder::with_options(head.framing, r.cfg.limits.lenient, true);
        r.keep_alive = head.keep_alive;
        r.upgrade = head.upgrade;
        r.requests += 1;
        let flags =
            message_flags(head.keep_alive, head.upgrade, !decoder.is_done()) | (head.version_major.min(15) << 4);
        let buf = head.rebuilt.as_deref().unwrap_or(&r.buf[..]);
        let gen = r.queue.generation();
        r.queue.push(kind::REQUEST, r.conn.id, |w| {
            w.u8(head.method).u8(head.version_minor).u8(flags).text(&buf[head.path.clone()]);
            write_fields(w, buf, &head.headers);
        });
        r.consume(head.head_len);
        r.count_untaken(gen, head.head_len);
        if head.invalid_transfer_encoding {
            return Err(ParseError::INVALID_TRANSFER_ENCODING);
        }
        if head.upgrade {
            r.state = ReadState::AwaitUpgrade(decoder);
            return Ok(false);
        }
        r.start_body(decoder);
        Ok(true)
    }

    fn error_offset(buf: &[u8], e: ParseError) -> usize {
        match e.code {
            Code::InvalidMethod => method_error_offset(buf),
            _ => e.at,
        }
    }
}

impl Role for Client {
    const TASK: &'static str = "client_task";
    const ERROR_REPEATS: bool = false;
    const BODY_ENDS_WITH_END: bool = false;
    const EOF_INSIDE_MESSAGE_FAILS: bool = false;

    fn parse_head(r: &mut Reader<'_, Self>) -> Result<bool, ParseError> {
        let (bits, max) = r.conn.response_expectation();
        let limits = HeadLimits {
            max_header_size: if max > 0 { max } else { r.cfg.limits.max_header_size },
            lenient: bits & EXPECT_LENIENT != 0 || r.cfg.limits.lenient,
        };
        let expect = ResponseExpect { head: bits & EXPECT_HEAD != 0, connect: bits & EXPECT_CONNECT != 0 };
        let Some(head) = parse_response_head(&r.buf, limits, expect)? else { return Ok(false) };
        let decoder = BodyDecoder::with_options(head.framing, limits.lenient, false);
        // llhttp's should_keep_alive, 1xx included: after an informational
        // response with `Connection: close` more bytes are an error.
        r.keep_alive = head.keep_alive;
        let flags =
            message_flags(head.keep_alive, head.upgrade, !decoder.is_done()) | (head.version_major.min(15) << 4);
        let buf = head.rebuilt.as_deref().unwrap_or(&r.buf[..]);
        r.queue.push(kind::RESPONSE, r.conn.id, |w| {
            w.u16(head.status).u8(head.version_minor).u8(flags).text(&buf[head.reason.clone()]);
            write_fields(w, buf, &head.headers);
        });
        r.consume(head.head_len);
        if head.upgrade {
            r.state = ReadState::AwaitUpgrade(decoder);
            return Ok(false);
        }
        if head.status == 101 {
            // A 101 that does not switch (no Upgrade/Connection: upgrade
            // pair) is an ordinary response, but llhttp still stops at its
            // head, and Node's client drops the rest of what it had read.
            r.buf.clear();
        }
        r.start_body(decoder);
        Ok(true)
    }

    fn lenient(conn: &Conn) -> bool {
        conn.response_expectation().0 & EXPECT_LENIENT != 0
    }
}

/// Which role a connection plays, for the one place that picks the
/// generic task to run (`conn::spawn`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleKind {
    Server,
    Client,
}

