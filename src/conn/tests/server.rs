//! The server role: what each framing case gives, checked literally for
//! the whole input and, through `split::check`, for every way reads may
//! cut it.
use super::events::{lines, Ev};
use super::split::{check, cuts, normalize, run, Case};
use super::{Harness, Transport};
use crate::assert_events;
use crate::conn::{Conn, ConnConfig, RoleKind};

fn accept_upgrade(ev: &Ev, conn: &Conn) -> bool {
    match ev {
        Ev::Request { head, .. } if head.upgrade => {
            conn.upgrade_decision(true);
            true
        }
        _ => false,
    }
}

fn decline_upgrade(ev: &Ev, conn: &Conn) -> bool {
    match ev {
        Ev::Request { head, .. } if head.upgrade => {
            conn.upgrade_decision(false);
            true
        }
        _ => false,
    }
}

#[test]
fn no_body() {
    let evs = check(&Case::server(b"GET /a?b=1 HTTP/1.1\r\nHost: example\r\nAccept: */*\r\n\r\n"));
    assert_events!(evs, ["REQUEST GET /a?b=1 1.1 ka [Host: example, Accept: */*]"]);
    // A zero length is no body either.
    let evs = check(&Case::server(b"POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n"));
    assert_events!(evs, ["REQUEST POST / 1.1 ka [Content-Length: 0]"]);
}

#[test]
fn content_length() {
    let evs = check(&Case::server(b"POST /p HTTP/1.1\r\nContent-Length: 11\r\n\r\nhello world"));
    assert_events!(evs, [
        "REQUEST POST /p 1.1 ka,body [Content-Length: 11]",
        "BODY \"hello world\"",
        "BODY_END []",
    ]);
}

#[test]
fn chunked_with_extensions_and_trailers() {
    let evs = check(&Case::server(
        b"POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n\
          5;name=value\r\nhello\r\n6;q=\"a b\";x\r\n world\r\n0\r\nX-Sum: 42\r\nX-More: a\r\n\r\n",
    ));
    assert_events!(evs, [
        "REQUEST POST /c 1.1 ka,body [Transfer-Encoding: chunked]",
        "BODY \"hello\"",
        "BODY \" world\"",
        "BODY_END [X-Sum: 42, X-More: a]",
    ]);
    let evs = check(&Case::server(b"POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\na\r\n0123456789\r\n0\r\n\r\n"));
    assert_events!(evs, [
        "REQUEST POST /c 1.1 ka,body [Transfer-Encoding: chunked]",
        "BODY \"0123456789\"",
        "BODY_END []",
    ]);
}

#[test]
fn pipelined_requests_in_one_read() {
    let evs = check(&Case::server(
        b"GET /1 HTTP/1.1\r\n\r\n\
          POST /2 HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc\
          \r\n\
          POST /3 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n0\r\n\r\n\
          GET /4 HTTP/1.1\r\n\r\n",
    ));
    assert_events!(evs, [
        "REQUEST GET /1 1.1 ka []",
        "REQUEST POST /2 1.1 ka,body [Content-Length: 3]",
        "BODY \"abc\"",
        "BODY_END []",
        "REQUEST POST /3 1.1 ka,body [Transfer-Encoding: chunked]",
        "BODY \"de\"",
        "BODY_END []",
        "REQUEST GET /4 1.1 ka []",
    ]);
}

#[test]
fn blank_lines_before_and_between_requests_are_skipped() {
    let evs = check(&Case::server(b"\r\n\r\nGET /1 HTTP/1.1\r\n\r\n\r\n\nGET /2 HTTP/1.1\r\n\r\n"));
    assert_events!(evs, ["REQUEST GET /1 1.1 ka []", "REQUEST GET /2 1.1 ka []"]);
}

#[test]
fn keep_alive_by_version_and_connection_header() {
    let evs = check(&Case::server(b"GET / HTTP/1.0\r\n\r\n"));
    assert_events!(evs, ["REQUEST GET / 1.0 - []"]);
    let evs = check(&Case::server(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /2 HTTP/1.0\r\n\r\n"));
    assert_events!(evs, ["REQUEST GET / 1.0 ka [Connection: keep-alive]", "REQUEST GET /2 1.0 - []"]);
    let evs = check(&Case::server(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n\r\n\r\n"));
    assert_events!(evs, ["REQUEST GET / 1.1 - [Connection: close]"]);
}

#[test]
fn bytes_after_a_closing_request_are_an_error() {
    // llhttp's `closed` state: blank lines pass, anything else is
    // HPE_CLOSED_CONNECTION, one byte past it.
    let evs = check(&Case::server(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n\r\nGET /2 HTTP/1.1\r\n\r\n"));
    assert_events!(evs, [
        "REQUEST GET / 1.1 - [Connection: close]",
        "CLIENT_ERROR HPE_CLOSED_CONNECTION parsed=40 \
         raw=\"GET / HTTP/1.1\\r\\nConnection: close\\r\\n\\r\\n\\r\\nGET /2 HTTP/1.1\\r\\n\\r\\n\"",
    ]);
    // After a body too.
    let evs = check(&Case::server(b"POST / HTTP/1.0\r\nContent-Length: 2\r\n\r\nabX"));
    assert_events!(evs, [
        "REQUEST POST / 1.0 body [Content-Length: 2]",
        "BODY \"ab\"",
        "BODY_END []",
        "CLIENT_ERROR HPE_CLOSED_CONNECTION parsed=41 raw=\"POST / HTTP/1.0\\r\\nContent-Length: 2\\r\\n\\r\\nabX\"",
    ]);
}

#[test]
fn lenient_parser_reads_on_after_a_closing_request() {
    // insecureHTTPParser sets LENIENT_KEEP_ALIVE: llhttp starts over.
    let evs = check(&Case::server(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\nGET /2 HTTP/1.1\r\n\r\n").lenient());
    assert_events!(evs, ["REQUEST GET / 1.1 - [Connection: close]", "REQUEST GET /2 1.1 ka []"]);
}

#[test]
fn lenient_body_until_close() {
    // A Transfer-Encoding that does not end in chunked: refused, unless
    // lenient, where the body runs until the peer's end, which completes
    // the request (END finished: JS ends it, as Node's parser.finish()).
    let evs = check(&Case::server(b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\nzipped bytes").lenient().eof());
    assert_events!(evs, [
        "REQUEST POST / 1.1 ka,body [Transfer-Encoding: gzip]",
        "BODY \"zipped bytes\"",
        "END finished",
    ]);
    let evs = check(&Case::server(b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\nzipped"));
    assert_events!(evs, [
        "REQUEST POST / 1.1 ka,body [Transfer-Encoding: gzip]",
        "CLIENT_ERROR HPE_INVALID_TRANSFER_ENCODING parsed=44 \
         raw=\"POST / HTTP/1.1\\r\\nTransfer-Encoding: gzip\\r\\n\\r\\nzipped\"",
    ]);
}

#[test]
fn upgrade_accepted_hands_over_raw_bytes() {
    let evs = check(
        &Case::server(b"GET /ws HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n\x81\x02hiGET / HTTP/1.1\r\n\r\n")
            .react(accept_upgrade),
    );
    assert_events!(evs, [
        "REQUEST GET /ws 1.1 ka,upgrade [Connection: Upgrade, Upgrade: websocket]",
        "DATA \"\\x81\\x02hiGET / HTTP/1.1\\r\\n\\r\\n\"",
    ]);
    // With nothing after the head, the first DATA (the upgrade head) is empty.
    let evs = check(&Case::server(b"CONNECT example:443 HTTP/1.1\r\nHost: example:443\r\n\r\n").react(accept_upgrade));
    assert_events!(evs, ["REQUEST CONNECT example:443 1.1 ka,upgrade [Host: example:443]", "DATA \"\""]);
    // An upgrade with a body, accepted: the body is the other protocol's
    // (Node returns 2 from on_headers_complete: no body).
    let evs = check(
        &Case::server(b"POST /up HTTP/1.1\r\nConnection: upgrade\r\nUpgrade: x\r\nContent-Length: 3\r\n\r\nabcdef")
            .react(accept_upgrade),
    );
    assert_events!(evs, [
        "REQUEST POST /up 1.1 ka,upgrade,body [Connection: upgrade, Upgrade: x, Content-Length: 3]",
        "DATA \"abcdef\"",
    ]);
}

/// Declined upgrades: the message (its body, if any) is read, then the
/// next request; but what followed the message's end in the read that
/// completed it is dropped (llhttp pauses with HPE_PAUSED_UPGRADE there and
/// Node resumes without handing the rest back), and while llhttp's upgrade
/// flag stays set no parse error is reported. So the events depend on where
/// the reads cut, by that rule, which is checked for every cut.
#[test]
fn upgrade_declined_reads_the_next_request_from_the_next_read() {
    let with_body: (&[u8], &[&str]) = (
        b"POST /up HTTP/1.1\r\nConnection: upgrade\r\nUpgrade: x\r\nContent-Length: 3\r\n\r\nabc",
        &[
            "REQUEST POST /up 1.1 ka,upgrade,body [Connection: upgrade, Upgrade: x, Content-Length: 3]",
            "BODY \"abc\"",
            "BODY_END []",
        ],
    );
    let without: (&[u8], &[&str]) = (
        b"GET /up HTTP/1.1\r\nConnection: upgrade\r\nUpgrade: x\r\n\r\n",
        &["REQUEST GET /up 1.1 ka,upgrade [Connection: upgrade, Upgrade: x]"],
    );
    for (first, message) in [with_body, without] {
        declined_upgrade_then(first, message);
    }
}

fn declined_upgrade_then(first: &[u8], message: &[&str]) {
    let next = b"GET /next HTTP/1.1\r\n\r\n";
    let input = [first, &next[..]].concat();
    let case = Case::server(&input).react(decline_upgrade);
    let with_next: Vec<&str> = message.iter().copied().chain(["REQUEST GET /next 1.1 ka []"]).collect();
    for transport in [Transport::Socket, Transport::Injected] {
        for chunks in cuts(&input) {
            // Where a read ends at or after the message's end.
            let mut at = 0;
            let ends: Vec<usize> = chunks.iter().map(|c| {
                at += c.len();
                at
            }).collect();
            let completing = ends.iter().position(|&e| e >= first.len()).unwrap();
            // The next request is seen whole only if the message's last
            // byte ends a read; if the read goes on into the next request,
            // what is left of it is no request (and no error is reported).
            let want: &[&str] = if ends[completing] == first.len() { &with_next } else { message };
            let got = normalize(run(&case, transport, &chunks), &chunks);
            let sizes: Vec<usize> = chunks.iter().map(|c| c.len()).collect();
            assert_eq!(lines(&got), want, "{transport:?}, reads of {sizes:?} bytes");
        }
    }
}

/// Parse errors: the code, and where llhttp stops (bytesParsed) in the
/// read, which is the rawPacket.
#[test]
fn parse_errors() {
    let cases: &[(&[u8], &str)] = &[
        (b"GEX / HTTP/1.1\r\n\r\n", "CLIENT_ERROR HPE_INVALID_METHOD parsed=2 raw=\"GEX / HTTP/1.1\\r\\n\\r\\n\""),
        (b"GET / HTTP/1.1\r\nBad Header: x\r\n\r\n", "CLIENT_ERROR HPE_INVALID_HEADER_TOKEN parsed=19 raw=\"GET / HTTP/1.1\\r\\nBad Header: x\\r\\n\\r\\n\""),
        (b"GET / HTTP/2.1\r\n\r\n", "CLIENT_ERROR HPE_INVALID_VERSION parsed=14 raw=\"GET / HTTP/2.1\\r\\n\\r\\n\""),
        (b"POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", "CLIENT_ERROR HPE_INVALID_CONTENT_LENGTH parsed=34 raw=\"POST / HTTP/1.1\\r\\nContent-Length: 1x\\r\\n\\r\\n\""),
        (b"GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n", "CLIENT_ERROR HPE_INVALID_HEADER_TOKEN parsed=22 raw=\"GET / HTTP/1.1\\r\\nX: a\\r\\n b\\r\\n\\r\\n\""),
    ];
    for (input, error) in cases {
        let evs = check(&Case::server(input));
        assert_events!(evs, [*error]);
    }
    // In a body, after events already pushed for the same read.
    let evs = check(&Case::server(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\nzz\r\n"));
    assert_events!(evs, [
        "REQUEST POST / 1.1 ka,body [Transfer-Encoding: chunked]",
        "BODY \"ab\"",
        "CLIENT_ERROR HPE_INVALID_CHUNK_SIZE parsed=54 \
         raw=\"POST / HTTP/1.1\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n2\\r\\nab\\r\\nzz\\r\\n\"",
    ]);
    // Content-Length and Transfer-Encoding together: llhttp names the
    // second of them.
    let evs = check(&Case::server(b"POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"));
    assert_eq!(evs.len(), 1, "{evs:?}");
    assert!(matches!(&evs[0], Ev::ClientError { code, .. } if code == "HPE_INVALID_TRANSFER_ENCODING"), "{evs:?}");
    let evs = check(&Case::server(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n"));
    assert_eq!(evs.len(), 1, "{evs:?}");
    assert!(matches!(&evs[0], Ev::ClientError { code, .. } if code == "HPE_INVALID_CONTENT_LENGTH"), "{evs:?}");
    // A bad trailer.
    let evs = check(&Case::server(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nBad Trailer: 1\r\n\r\n"));
    assert_eq!(evs.len(), 2, "{evs:?}");
    assert!(matches!(&evs[1], Ev::ClientError { code, .. } if code == "HPE_INVALID_HEADER_TOKEN"), "{evs:?}");
    // A bad request after a good one in the same read.
    let evs = check(&Case::server(b"GET / HTTP/1.1\r\n\r\nBAD / HTTP/1.1\r\n\r\n"));
    assert_events!(evs, [
        "REQUEST GET / 1.1 ka []",
        "CLIENT_ERROR HPE_INVALID_METHOD parsed=19 raw=\"GET / HTTP/1.1\\r\\n\\r\\nBAD / HTTP/1.1\\r\\n\\r\\n\"",
    ]);
}

/// After a parse error the server raises it again for each later read,
/// with that read as rawPacket (llhttp keeps its error; Node's server
/// reports it on every execute while a 'clientError' listener keeps the
/// socket); the peer's end then ends reading without another error.
#[test]
fn a_parse_error_is_raised_again_for_each_later_read() {
    let mut h = Harness::server();
    assert_events!(h.feed(b"GEX"), ["CLIENT_ERROR HPE_INVALID_METHOD parsed=2 raw=\"GEX\""]);
    assert_events!(h.feed(b"more"), ["CLIENT_ERROR HPE_INVALID_METHOD parsed=0 raw=\"more\""]);
    assert_events!(h.eof(), ["END"]);
}

#[test]
fn eof_inside_a_message_is_an_error() {
    let partial: &[&[u8]] = &[
        b"GET / HTTP/1.1\r\nHost: a\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nabc",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-Trailer: 1\r\n",
        b"GET / HTTP/1.1\r\n\r\nG",
    ];
    for input in partial {
        let evs = check(&Case::server(input).eof());
        let errors: Vec<&Ev> = evs.iter().filter(|e| matches!(e, Ev::ClientError { .. })).collect();
        assert_eq!(errors.len(), 1, "{evs:?}");
        let Ev::ClientError { code, .. } = errors[0] else { unreachable!() };
        assert_eq!(code, "HPE_INVALID_EOF_STATE");
        assert_eq!(evs.last(), Some(&Ev::End { finished: false }), "the end follows the error");
    }
}

#[test]
fn eof_between_messages_is_no_error() {
    let evs = check(&Case::server(b"GET / HTTP/1.1\r\n\r\n\r\n").eof());
    assert_events!(evs, ["REQUEST GET / 1.1 ka []", "END"]);
    let evs = check(&Case::server(b"POST / HTTP/1.1\r\nContent-Length: 1\r\n\r\n!").eof());
    assert_events!(evs, ["REQUEST POST / 1.1 ka,body [Content-Length: 1]", "BODY \"!\"", "BODY_END []", "END"]);
    // Nor after a closing request.
    let evs = check(&Case::server(b"GET / HTTP/1.0\r\n\r\n").eof());
    assert_events!(evs, ["REQUEST GET / 1.0 - []", "END"]);
}

/// maxHeaderSize: Node counts the url and the field names and values as
/// llhttp hands them over (spans a read leaves open included) and fails
/// once the count reaches the limit. Where it fails depends on the reads;
/// whether it fails does not: the same bytes are counted however they are
/// cut.
#[test]
fn header_overflow_does_not_depend_on_the_cut() {
    let mut cfg = ConnConfig::default();
    cfg.limits.max_header_size = 64;
    // Counted: "/abc" (4) + "X-Name" (6) + the value.
    let head = |value_len: usize| format!("GET /abc HTTP/1.1\r\nX-Name: {}\r\n\r\n", "v".repeat(value_len));
    for (value_len, fails) in [(53, false), (54, true), (80, true)] {
        let input = head(value_len);
        let case = Case { cfg: cfg.clone(), ..Case::server(input.as_bytes()) };
        for transport in [Transport::Socket, Transport::Injected] {
            for chunks in cuts(input.as_bytes()) {
                let evs = normalize(run(&case, transport, &chunks), &chunks);
                let sizes: Vec<usize> = chunks.iter().map(|c| c.len()).collect();
                let overflow = evs.iter().any(|e| matches!(e, Ev::ClientError { code, .. } if code == "HPE_HEADER_OVERFLOW"));
                assert_eq!(overflow, fails, "{value_len}-byte value, {transport:?}, reads of {sizes:?}: {evs:?}");
                assert_eq!(evs.len(), 1, "{evs:?}");
            }
        }
    }
}

#[test]
fn header_overflow() {
    let mut cfg = ConnConfig::default();
    cfg.limits.max_header_size = 64;
    let mut h = Harness::new(RoleKind::Server, Transport::Socket, cfg);
    let long = format!("GET / HTTP/1.1\r\nX-Long: {}\r\n\r\n", "v".repeat(80));
    let evs = h.feed(long.as_bytes());
    assert_eq!(evs.len(), 1, "{evs:?}");
    assert!(matches!(&evs[0], Ev::ClientError { code, .. } if code == "HPE_HEADER_OVERFLOW"), "{evs:?}");
}
