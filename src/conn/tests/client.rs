//! The client role: responses with each framing, cut every way by reads.
use super::events::Ev;
use super::split::{check, Case};
use super::Harness;
use crate::assert_events;
use crate::conn::{Conn, EXPECT_CONNECT, EXPECT_HEAD};

fn accept_upgrade(ev: &Ev, conn: &Conn) -> bool {
    match ev {
        Ev::Response { head, .. } if head.upgrade => {
            conn.upgrade_decision(true);
            true
        }
        _ => false,
    }
}

#[test]
fn content_length_and_keep_alive() {
    let evs = check(&Case::client(
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello\
          HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
    ));
    assert_events!(evs, [
        "RESPONSE 200 \"OK\" 1.1 ka,body [Content-Length: 5]",
        "BODY \"hello\"",
        "BODY_END []",
        "RESPONSE 404 \"Not Found\" 1.1 ka [Content-Length: 0]",
    ]);
}

#[test]
fn chunked_with_trailers() {
    let evs = check(&Case::client(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n1\r\nd\r\n0\r\nX-Check: 1\r\n\r\n",
    ));
    assert_events!(evs, [
        "RESPONSE 200 \"OK\" 1.1 ka,body [Transfer-Encoding: chunked]",
        "BODY \"abc\"",
        "BODY \"d\"",
        "BODY_END [X-Check: 1]",
    ]);
}

/// A body without length runs until the peer's end, which completes it
/// with BODY_END (the client's way, unlike the server's END finished).
#[test]
fn body_until_close_ends_at_eof() {
    let evs = check(&Case::client(b"HTTP/1.1 200 OK\r\nServer: x\r\n\r\nall of this").eof());
    assert_events!(evs, [
        "RESPONSE 200 \"OK\" 1.1 body [Server: x]",
        "BODY \"all of this\"",
        "BODY_END []",
        "END",
    ]);
    // The peer's end inside a length-delimited body is no parse error for
    // the client (Node's client sees the socket close: its own error).
    let evs = check(&Case::client(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nshort").eof());
    assert_events!(evs, ["RESPONSE 200 \"OK\" 1.1 ka,body [Content-Length: 9]", "BODY \"short\"", "END"]);
}

#[test]
fn head_response_has_no_body() {
    let evs = check(
        &Case::client(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            .expect(EXPECT_HEAD),
    );
    assert_events!(evs, [
        "RESPONSE 200 \"OK\" 1.1 ka [Content-Length: 5]",
        "RESPONSE 200 \"OK\" 1.1 ka [Content-Length: 0]",
    ]);
}

#[test]
fn informational_then_final() {
    let evs = check(&Case::client(
        b"HTTP/1.1 100 Continue\r\n\r\n\
          HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n\
          HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    ));
    assert_events!(evs, [
        "RESPONSE 100 \"Continue\" 1.1 ka []",
        "RESPONSE 103 \"Early Hints\" 1.1 ka [Link: </a.css>; rel=preload]",
        "RESPONSE 200 \"OK\" 1.1 ka,body [Content-Length: 2]",
        "BODY \"ok\"",
        "BODY_END []",
    ]);
}

#[test]
fn no_content_and_not_modified_have_no_body() {
    let evs = check(&Case::client(
        b"HTTP/1.1 204 No Content\r\n\r\n\
          HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n\
          HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n!",
    ));
    assert_events!(evs, [
        "RESPONSE 204 \"No Content\" 1.1 ka []",
        "RESPONSE 304 \"Not Modified\" 1.1 ka [Content-Length: 10]",
        "RESPONSE 200 \"OK\" 1.1 ka,body [Content-Length: 1]",
        "BODY \"!\"",
        "BODY_END []",
    ]);
}

#[test]
fn connect_and_upgrade_hand_over_raw_bytes() {
    let evs = check(
        &Case::client(b"HTTP/1.1 200 Connection established\r\n\r\ntunnelled bytes")
            .expect(EXPECT_CONNECT)
            .react(accept_upgrade),
    );
    assert_events!(evs, [
        "RESPONSE 200 \"Connection established\" 1.1 ka,upgrade []",
        "DATA \"tunnelled bytes\"",
    ]);
    let evs = check(
        &Case::client(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: ws\r\nConnection: Upgrade\r\n\r\n\x81\x00")
            .react(accept_upgrade),
    );
    assert_events!(evs, [
        "RESPONSE 101 \"Switching Protocols\" 1.1 ka,upgrade [Upgrade: ws, Connection: Upgrade]",
        "DATA \"\\x81\\x00\"",
    ]);
}

/// A client reports a parse error once; later reads are dropped (Node's
/// client destroys the socket on the error).
#[test]
fn parse_error_is_reported_once() {
    let evs = check(&Case::client(b"HTTP/1.1 2x0 OK\r\n\r\n"));
    assert_events!(evs, ["CLIENT_ERROR HPE_INVALID_STATUS parsed=10 raw=\"HTTP/1.1 2x0 OK\\r\\n\\r\\n\""]);
    let mut h = Harness::client();
    assert_eq!(h.feed(b"HTTP/1.1 2x0").len(), 1);
    assert_events!(h.feed(b"more"), []);
    assert_events!(h.eof(), ["END"]);
}

/// After a response without keep-alive, llhttp's `closed` state: more
/// bytes are HPE_CLOSED_CONNECTION, as for the server.
#[test]
fn bytes_after_a_closing_response() {
    let evs = check(&Case::client(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\n!junk"));
    assert_events!(evs, [
        "RESPONSE 200 \"OK\" 1.1 body [Connection: close, Content-Length: 1]",
        "BODY \"!\"",
        "BODY_END []",
        "CLIENT_ERROR HPE_CLOSED_CONNECTION parsed=59 \
         raw=\"HTTP/1.1 200 OK\\r\\nConnection: close\\r\\nContent-Length: 1\\r\\n\\r\\n!junk\"",
    ]);
}
