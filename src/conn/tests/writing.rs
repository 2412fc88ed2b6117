//! The writing side: JS's writes go straight to the socket while nothing is
//! queued; what the socket does not take waits in the queue for the task,
//! which flushes it when the socket is writable and then reports DRAIN if
//! asked; `end()` half-closes once the queue is empty; `destroy()` and
//! `reset()` close at once.
use super::{Harness, Transport};
use crate::assert_events;
use crate::conn::{ConnConfig, RoleKind, WriteError};
use std::io;

#[test]
fn writes_go_straight_to_the_socket_while_nothing_is_queued() {
    let mut h = Harness::server();
    assert_eq!(h.conn.write(&[b"HTTP/1.1 200 OK\r\n", b"", b"Content-Length: 0\r\n\r\n"]).unwrap(), 0);
    assert_eq!(h.mock().take_written(), b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    assert_eq!(h.conn.queued(), 0);
    assert!(!h.conn.want_drain(), "nothing queued: no drain to wait for");
    assert_events!(h.events(), []);
}

#[test]
fn what_the_socket_does_not_take_is_flushed_in_order_when_writable() {
    let mut h = Harness::server();
    let m = h.mock();
    m.set_room(Some(5));
    // A partial write: the rest of the first chunk and the second queue.
    assert_eq!(h.conn.write(&[b"hello ", b"world"]).unwrap(), 6);
    assert_eq!(m.take_written(), b"hello");
    assert!(h.conn.want_drain());
    assert_events!(h.events(), []);
    // Room for two bytes; before the task runs, JS writes again: it must
    // queue behind what waits, not go first.
    h.mock().grant(2);
    assert_eq!(h.conn.write(&[b"!"]).unwrap(), 7);
    assert_events!(h.events(), []);
    assert_eq!(h.mock().take_written(), b" w");
    assert_eq!(h.conn.queued(), 5);
    // Writable for good: the rest goes, then DRAIN, once.
    h.mock().set_room(None);
    assert_events!(h.events(), ["DRAIN"]);
    assert_eq!(h.mock().take_written(), b"orld!");
    assert_eq!(h.conn.queued(), 0);
    assert_events!(h.events(), []);
}

#[test]
fn deferred_writes_wait_for_the_flush() {
    let mut h = Harness::server();
    assert_eq!(h.conn.write_deferred(&[b"ab", b"c"]).unwrap(), (3, true));
    assert_eq!(h.conn.write_deferred(&[b"d"]).unwrap(), (4, false), "already waiting for a flush");
    let (n, queued, first) = h
        .conn
        .write_deferred_with(16, |buf| {
            buf.extend_from_slice(b"ef");
            Some(2)
        })
        .unwrap();
    assert_eq!((n, queued, first), (2, 6, false));
    assert_events!(h.events(), []);
    assert_eq!(h.mock().take_written(), b"", "nothing leaves before the flush");
    // The flush writes what the socket takes; the task writes the rest.
    h.mock().set_room(Some(4));
    h.conn.flush_deferred();
    assert_eq!(h.mock().take_written(), b"abcd");
    assert!(h.conn.want_drain());
    h.mock().set_room(None);
    assert_events!(h.events(), ["DRAIN"]);
    assert_eq!(h.mock().take_written(), b"ef");
    // A new round of deferred writes is a first again.
    assert_eq!(h.conn.write_deferred(&[b"g"]).unwrap(), (1, true));
    h.conn.flush_deferred();
    assert_eq!(h.mock().take_written(), b"g");
}

/// `end()`: no more writes; the queue drains, then the half-close (FIN);
/// reading goes on until the peer ends too, and then the connection closes.
#[test]
fn end_half_closes_after_the_queue_drains() {
    let mut h = Harness::server();
    h.mock().set_room(Some(3));
    assert_eq!(h.conn.write(&[b"response"]).unwrap(), 5);
    h.conn.end();
    assert!(matches!(h.conn.write(&[b"late"]), Err(WriteError::Closed)), "no write after end");
    assert!(matches!(h.conn.write_deferred(&[b"late"]), Err(WriteError::Closed)));
    assert_events!(h.events(), []);
    assert!(!h.mock().shut_write(), "not while bytes wait");
    h.mock().set_room(None);
    assert_events!(h.events(), []);
    assert_eq!(h.mock().take_written(), b"response");
    assert!(h.mock().shut_write(), "FIN once the queue is empty");
    // Half-closed, still reading: a request that arrives is parsed.
    assert_events!(h.feed(b"GET / HTTP/1.1\r\n\r\n"), ["REQUEST GET / 1.1 ka []"]);
    assert_events!(h.eof(), ["END", "CLOSE \"\""]);
    assert!(!h.mock().linger_zero() && !h.mock().shut_both());
}

#[test]
fn end_after_the_peer_ended_closes() {
    let mut h = Harness::server();
    assert_events!(h.eof(), ["END"]);
    assert!(!h.is_closed(), "half-open until JS ends its side");
    h.conn.end();
    assert_events!(h.events(), ["CLOSE \"\""]);
    assert!(h.mock().shut_write());
}

/// A virtual connection has no socket to half-close: ending it closes it.
#[test]
fn ending_a_virtual_connection_closes_it() {
    let mut h = Harness::new(RoleKind::Server, Transport::Injected, ConnConfig::default());
    assert_events!(h.feed(b"GET / HTTP/1.1\r\n\r\n"), ["REQUEST GET / 1.1 ka []", "INJECTED 18"]);
    h.conn.end();
    assert_events!(h.events(), ["CLOSE \"\""]);
}

/// `reset()` (resetAndDestroy): queued bytes are dropped, no FIN, an RST.
#[test]
fn reset_drops_the_queue_and_closes_abortively() {
    let mut h = Harness::server();
    h.mock().set_room(Some(2));
    assert_eq!(h.conn.write(&[b"abcdef"]).unwrap(), 4);
    h.conn.reset();
    assert_eq!(h.conn.queued(), 0);
    assert!(matches!(h.conn.write(&[b"x"]), Err(WriteError::Closed)));
    h.mock().set_room(None);
    assert_events!(h.events(), ["CLOSE \"\""]);
    assert_eq!(h.mock().take_written(), b"ab", "nothing written after the reset");
    assert!(h.mock().linger_zero() && !h.mock().shut_write());
}

/// `destroy()`: what JS wrote goes out as far as the socket takes it now,
/// then both directions shut down and the connection closes.
#[test]
fn destroy_flushes_what_it_can_and_closes() {
    let mut h = Harness::server();
    assert_eq!(h.conn.write_deferred(&[b"last words"]).unwrap(), (10, true));
    h.conn.destroy();
    assert_eq!(h.mock().take_written(), b"last words");
    assert!(h.mock().shut_both());
    assert_events!(h.events(), ["CLOSE \"\""]);
    assert!(matches!(h.conn.write(&[b"x"]), Err(WriteError::Closed)));
}

/// A write the socket refuses closes the connection with the error's code;
/// a direct write that fails queues (the task meets the error).
#[test]
fn a_failed_write_closes_with_its_code() {
    let mut h = Harness::server();
    h.mock().set_room(Some(0));
    assert_eq!(h.conn.write(&[b"abc"]).unwrap(), 3);
    assert_events!(h.events(), []);
    h.mock().fail_writes(io::ErrorKind::BrokenPipe);
    assert_events!(h.events(), ["CLOSE \"EPIPE\""]);

    let mut h = Harness::server();
    h.mock().fail_writes(io::ErrorKind::ConnectionReset);
    assert_eq!(h.conn.write(&[b"abc"]).unwrap(), 3, "the direct write failed: queued");
    assert_events!(h.events(), ["CLOSE \"ECONNRESET\""]);
}
