//! Reading as Node reads: pausing, backpressure from events JS has not
//! handled, reads of at most 64 KiB, copies for 'data' listeners, the
//! loop's hold, read errors, and the timers.
use super::events::{Ev, B};
use super::{Harness, Transport};
use crate::assert_events;
use crate::conn::config::Timeouts;
use crate::conn::{ConnConfig, RoleKind};
use crate::io::inline::hold;
use std::io;
use std::sync::Arc;
use std::time::Duration;

fn body_bytes(evs: &[Ev]) -> usize {
    evs.iter().map(|e| if let Ev::Body(B(b)) = e { b.len() } else { 0 }).sum()
}

#[test]
fn a_paused_connection_reads_nothing_until_resumed() {
    let mut h = Harness::server();
    h.conn.pause_read(true);
    assert_events!(h.feed(b"GET / HTTP/1.1\r\n\r\n"), []);
    assert_eq!(h.mock().unread(), 18, "not read while paused");
    h.conn.pause_read(false);
    assert_events!(h.events(), ["REQUEST GET / 1.1 ka []"]);
    assert_eq!(h.mock().unread(), 0);
}

/// Past 64 KiB of request bytes JS has taken but not handled, the
/// connection stops reading until JS has handled them; and one read takes
/// at most 64 KiB, as Node's socket reads.
#[test]
fn unhandled_events_hold_back_reading() {
    let mut h = Harness::server();
    let body = vec![b'x'; 100_000];
    let head = b"POST / HTTP/1.1\r\nContent-Length: 100000\r\n\r\n";
    h.mock().feed(&[&head[..], &body].concat());
    let first = h.take_unhandled();
    assert!(matches!(first[0], Ev::Request { .. }));
    assert_eq!(first.len(), 2, "one read: {} events", first.len());
    assert_eq!(body_bytes(&first), 64 * 1024 - head.len(), "one read of 64 KiB");
    assert!(h.mock().unread() > 0);
    // Taken, not handled: still held back.
    assert_events!(h.take_unhandled(), []);
    h.handled();
    let rest = h.events();
    assert_eq!(body_bytes(&rest), 100_000 - body_bytes(&first));
    assert_eq!(rest.last(), Some(&Ev::BodyEnd { trailers: vec![] }));
    assert_eq!(h.mock().unread(), 0);
}

/// Once JS listens for the socket's own data, each read also comes as a
/// copy, after the events parsing it pushed.
#[test]
fn unconsumed_reads_come_as_copies_after_their_events() {
    let mut h = Harness::server();
    h.conn.unconsume();
    assert_events!(h.feed(b"GET / HTTP/1.1\r\n\r\nGET"), [
        "REQUEST GET / 1.1 ka []",
        "READ_COPY \"GET / HTTP/1.1\\r\\n\\r\\nGET\"",
    ]);
    assert_events!(h.feed(b" /2 HTTP/1.1\r\n\r\n"), [
        "REQUEST GET /2 1.1 ka []",
        "READ_COPY \" /2 HTTP/1.1\\r\\n\\r\\n\"",
    ]);
}

/// The loop is held as libuv holds a TCP handle: while reading (not
/// paused, not ended, not unref'd) or while writes are pending.
#[test]
fn the_loop_is_held_while_reading_or_writing() {
    let before = hold::count();
    let h = Harness::server();
    assert_eq!(hold::count(), before + 1, "reading");
    h.conn.pause_read(true);
    assert_eq!(hold::count(), before, "paused");
    h.mock().set_room(Some(0));
    h.conn.write(&[b"pending"]).unwrap();
    assert_eq!(hold::count(), before + 1, "a write pending holds even paused");
    h.mock().set_room(None);
    h.settle();
    assert_eq!(hold::count(), before, "written");
    h.conn.pause_read(false);
    h.conn.set_ref(false);
    assert_eq!(hold::count(), before, "unref'd");
    h.conn.set_ref(true);
    assert_eq!(hold::count(), before + 1);
    drop(h);
    assert_eq!(hold::count(), before, "closed");
    // A virtual connection never holds: its stream's owner does.
    let _v = Harness::new(RoleKind::Server, Transport::Injected, ConnConfig::default());
    assert_eq!(hold::count(), before);
}

#[test]
fn a_read_error_closes_with_its_code_and_the_bytes_read() {
    let mut h = Harness::server();
    assert_eq!(h.feed(b"GET / HTTP/1.1\r\n\r\n").len(), 1);
    h.mock().fail_reads(io::ErrorKind::ConnectionReset);
    let evs = h.events();
    assert_eq!(evs, [Ev::Close { code: "ECONNRESET".into(), bytes_read: 18 }]);
    assert_eq!(h.conn.bytes_read(), 18);
    // Injected bytes are not read from a socket: not counted.
    let mut v = Harness::new(RoleKind::Server, Transport::Injected, ConnConfig::default());
    v.feed(b"GET / HTTP/1.1\r\n\r\n");
    assert_eq!(v.conn.bytes_read(), 0);
}

#[test]
fn in_message_while_a_request_is_partly_received() {
    let mut h = Harness::server();
    h.feed(b"GET / HTTP/1.1\r\n\r\n");
    assert!(!h.conn.in_message());
    h.feed(b"\r\n");
    assert!(!h.conn.in_message(), "blank lines start no message");
    h.feed(b"POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\na");
    assert!(h.conn.in_message());
    h.feed(b"b");
    assert!(!h.conn.in_message());
}

// --- timers, on the thread's own timer set: each test waits a few times
// `T`; an expectation that nothing fired yet holds unless the thread
// stalls for `T` between two calls ---

const T: u64 = 50;

/// Sleeps past a deadline of `T` ms set now.
fn wait_past() {
    std::thread::sleep(Duration::from_millis(T + 30));
}

#[test]
fn the_idle_timeout_fires_once_per_idle_stretch() {
    let mut h = Harness::server();
    h.conn.set_timeout(T);
    assert_events!(h.events(), []);
    wait_past();
    assert_events!(h.events(), ["TIMEOUT"]);
    wait_past();
    assert_events!(h.events(), []);
    // Activity starts a new stretch.
    h.feed(b"GET / HTTP/1.1\r\n\r\n");
    wait_past();
    assert_events!(h.events(), ["TIMEOUT"]);
}

#[test]
fn headers_timeout_is_a_client_error() {
    let cfg = ConnConfig { timeouts: Arc::new(Timeouts::new(T, 0, 0)), ..ConnConfig::default() };
    let mut h = Harness::new(RoleKind::Server, Transport::Socket, cfg);
    assert_events!(h.feed(b"GET / HTTP/1.1\r\nHost"), []);
    wait_past();
    assert_events!(h.events(), ["CLIENT_ERROR ERR_HTTP_REQUEST_TIMEOUT parsed=0 raw=\"\""]);
    // Parsing goes on (a 'clientError' listener may keep the socket).
    assert_events!(h.feed(b": a\r\n\r\n"), ["REQUEST GET / 1.1 ka [Host: a]"]);
}

#[test]
fn keep_alive_timeout_between_requests() {
    let cfg = ConnConfig { timeouts: Arc::new(Timeouts::new(0, 0, T)), ..ConnConfig::default() };
    let mut h = Harness::new(RoleKind::Server, Transport::Socket, cfg);
    h.feed(b"GET / HTTP/1.1\r\n\r\n");
    wait_past();
    // Not while the response is pending.
    assert_events!(h.events(), []);
    h.conn.response_done();
    assert_events!(h.events(), []);
    wait_past();
    assert_events!(h.events(), ["TIMEOUT"]);
}
