//! A connection's task, the run loop: it waits for whatever comes first
//! (a call from JS, the socket readable or writable, a timer), reads as
//! Node reads and hands the bytes to the reader, flushes what direct writes
//! left queued, half-closes when JS ended, and reports CLOSE at the end.
use super::buffers;
use super::reader::Reader;
use super::role::Role;
use super::stream::{Read, Stream};
use super::timers::Timer;
use super::write_queue::WriteState;
use super::{registry, Conn, ConnConfig, CTL_DESTROY, CTL_EOF, CTL_FAIL, CTL_UPGRADE_HTTP, CTL_UPGRADE_RAW};
use crate::events::{kind, EventQueue};
use crate::exec::clock::now_ms;
use crate::guard::{lock, INTERNAL_ERROR};
use crate::io::error::code_of;
use crate::io::{Deadline, Mode};
use bytes::{Bytes, BytesMut};
use std::future::Future;
use std::io;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::Poll;

/// How much Node reads from a socket at once (libuv's suggested size) and
/// hands its parser as one chunk. Where reads split the stream is visible:
/// a declined upgrade drops the rest of its read, the nextTick queue runs
/// between reads, a parse error's bytesParsed and rawPacket are the read's,
/// an open span counts against maxHeaderSize at a read's end.
const NODE_READ_SIZE: usize = 64 * 1024;

/// One read as Node makes it: up to `NODE_READ_SIZE` bytes, as many as the
/// socket has, appended to `buf` (which grows only while there is more to
/// read, so a connection does not hold 64 KiB for a few bytes). `Ok(0)` is
/// the peer's end; an end or error after some bytes is seen on the next
/// read (readiness stays set), except an end reported with a reset
/// (`Read::Last`, see `Stream::read_once`), which ends this read.
fn read_as_node(stream: &Stream, buf: &mut BytesMut) -> io::Result<Read> {
    let mut total = 0;
    loop {
        if buf.capacity() - buf.len() < 4096 {
            if buf.is_empty() {
                *buf = buffers::take();
            } else {
                buf.reserve(buffers::READ_BUFFER_SIZE);
            }
        }
        let room = (buf.capacity() - buf.len()).min(NODE_READ_SIZE - total);
        match stream.read_once(buf, room) {
            Ok(Read::Some(0)) => return Ok(Read::Some(total)),
            Ok(Read::Some(n)) => {
                total += n;
                if n < room || total >= NODE_READ_SIZE {
                    return Ok(Read::Some(total));
                }
            }
            Ok(Read::Last(n)) => return Ok(Read::Last(total + n)),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) if total > 0 => return Ok(Read::Some(total)),
            Err(e) => return Err(e),
        }
    }
}

/// On the I/O threads, what one read (or one injection) makes the parser
/// push reaches JS in one batch (`EventQueue::group`), as Node handles a
/// read's events in one callback. Inline, batches are taken on this thread
/// between turns anyway.
fn one_batch<'q>(conn: &Conn, queue: &'q EventQueue) -> Option<std::sync::RwLockReadGuard<'q, ()>> {
    (conn.mode == Mode::Threads).then(|| queue.group())
}

/// What woke a connection task's wait.
enum Woke {
    /// JS signalled it, or handled the batch it waited for.
    Signal,
    Writable(io::Result<()>),
    Readable(io::Result<()>),
    Timer,
}

/// Runs a connection in role `R` until it closes, then reports CLOSE and
/// forgets it.
pub async fn run<R: Role>(conn: Arc<Conn>, queue: Arc<EventQueue>, cfg: Arc<ConnConfig>) {
    let mut r = Reader::<R>::new(&conn, &queue, &cfg);
    conn.update_hold();
    let mut eof = false;
    // Threaded mode: the peer's end, read right after data whose events JS
    // has not handled yet, waits for them to be handled (`data_gen` is the
    // queue's generation while that data's events were pushed): in Node the
    // end comes in a later read callback, after what the data's handlers
    // scheduled (a response).
    let mut eof_pending = false;
    let mut data_gen: Option<u64> = None;
    let mut write_shut = false;
    let mut idle_fired_at = 0u64;
    let mut injected_total = 0u32;
    // One timer per connection, moved only when a deadline comes earlier than
    // the one armed; a later deadline is found when the armed one fires.
    let mut deadline = Deadline::for_mode(conn.mode);
    let close_code: &str = loop {
        let ctl = conn.control.swap(0, Ordering::AcqRel);
        if ctl & CTL_FAIL != 0 {
            break INTERNAL_ERROR;
        }
        if ctl & CTL_DESTROY != 0 {
            break "";
        }
        crate::inject_panic!(R::TASK);
        if ctl & CTL_UPGRADE_RAW != 0 && r.upgrade_accepted() {
            // The first DATA event after the switch is the upgrade head, even if empty.
            let head = &r.buf[..];
            queue.push(kind::DATA, conn.id, |w| {
                w.bytes(head);
            });
            r.buf.clear();
        }
        let injected = std::mem::take(&mut *lock(&conn.injected));
        if !injected.is_empty() {
            r.last_read_ms = now_ms();
            let _one_batch = one_batch(&conn, &queue);
            for chunk in &injected {
                r.buf.extend_from_slice(chunk);
                r.process(chunk.len());
                injected_total = injected_total.wrapping_add(chunk.len() as u32);
            }
            queue.push(kind::INJECTED, conn.id, |w| {
                w.u32(injected_total);
            });
        }
        if ctl & CTL_EOF != 0 && !eof {
            eof = true;
            r.at_eof();
        }
        if eof_pending && data_gen.is_none_or(|g| queue.handled_since(g)) {
            eof_pending = false;
            r.at_eof();
        }
        if ctl & CTL_UPGRADE_HTTP != 0 {
            let _one_batch = one_batch(&conn, &queue);
            r.upgrade_declined();
        }
        let (want_write, ending, want_drain) = {
            let q = lock(&conn.write);
            conn.note_writes(&q);
            (!q.is_empty(), q.state == WriteState::Ending, q.want_drain)
        };
        if !want_write && want_drain {
            lock(&conn.write).want_drain = false;
            queue.push(kind::DRAIN, conn.id, |_| {});
        }
        if ending && !want_write && !write_shut {
            // Half-close; reading goes on until the peer ends too (or JS
            // destroys the connection), as net.Socket#end does.
            conn.stream.shutdown_write();
            write_shut = true;
            let mut q = lock(&conn.write);
            q.state = WriteState::Shut;
            conn.note_writes(&q);
        }
        if write_shut && ((eof && !eof_pending) || matches!(conn.stream, Stream::Virtual)) {
            break "";
        }
        // Created before the check: a Notified sees notify_waiters calls made
        // after its creation even before it is first polled.
        let handled = queue.handled_notified();
        tokio::pin!(handled);
        let blocked = r.queue_full();
        let want_read = !eof && !blocked && r.wants_read();
        if let Some((at, _)) = r.deadline(idle_fired_at) {
            if deadline.at().is_none_or(|a| at < a) {
                deadline.arm(at);
            }
        }
        // One hand-written poll instead of select!: the signal and the
        // socket keep their single registered waker from turn to turn (no
        // waiter list joined and left, no readiness future built per turn).
        let woke = std::future::poll_fn(|cx| {
            if conn.signal.poll(cx).is_ready() {
                return Poll::Ready(Woke::Signal);
            }
            if (blocked || eof_pending) && handled.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Woke::Signal);
            }
            if want_write {
                if let Poll::Ready(res) = conn.stream.poll_write_ready(cx) {
                    return Poll::Ready(Woke::Writable(res));
                }
            }
            if want_read {
                if let Poll::Ready(res) = conn.stream.poll_read_ready(cx) {
                    return Poll::Ready(Woke::Readable(res));
                }
            }
            if deadline.poll(cx).is_ready() {
                return Poll::Ready(Woke::Timer);
            }
            Poll::Pending
        })
        .await;
        match woke {
            Woke::Signal => {}
            Woke::Writable(res) => {
                if let Err(e) = res { break code_of(&e); }
                if let Err(e) = conn.flush() { break code_of(&e); }
            }
            Woke::Readable(res) => {
                if let Err(e) = res { break code_of(&e); }
                let res = read_as_node(&conn.stream, &mut r.buf);
                if r.buf.is_empty() {
                    // Nothing partial is pending: the buffer goes back to the
                    // thread's pool, so an idle connection holds none.
                    buffers::give(std::mem::take(&mut r.buf));
                }
                let (res, then_eof) = match res {
                    Ok(Read::Some(n)) => (Ok(n), false),
                    Ok(Read::Last(n)) => (Ok(n), true),
                    Err(e) => (Err(e), false),
                };
                // See `eof_pending`.
                let defer_eof = conn.mode == Mode::Threads && data_gen.is_some_and(|g| !queue.handled_since(g));
                match res {
                    Ok(0) if defer_eof => {
                        eof = true;
                        eof_pending = true;
                    }
                    Ok(0) => {
                        eof = true;
                        r.at_eof();
                    }
                    Ok(n) => {
                        conn.bytes_read.fetch_add(n as u64, Ordering::Relaxed);
                        r.last_read_ms = now_ms();
                        let copy = (!r.is_raw() && conn.unconsumed.load(Ordering::Acquire))
                            .then(|| Bytes::copy_from_slice(&r.buf[r.buf.len() - n..]));
                        let group = one_batch(&conn, &queue);
                        r.process(n);
                        if let Some(chunk) = copy {
                            queue.push(kind::READ_COPY, conn.id, |w| {
                                w.bytes(&chunk);
                            });
                        }
                        if group.is_some() && !queue.is_empty() {
                            // Events wait for JS (this read's, or others'
                            // that JS will take with them). Read inside the
                            // group, where no batch is taken, the generation
                            // is the one before the batch that takes them.
                            data_gen = Some(queue.generation());
                        }
                        drop(group);
                        if r.buf.is_empty() {
                            buffers::give(std::mem::take(&mut r.buf));
                        }
                        if then_eof {
                            eof = true;
                            r.at_eof();
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => break code_of(&e),
                }
            }
            Woke::Timer => {
                deadline.disarm();
                if let Some((_, timer)) = r.deadline(idle_fired_at).filter(|(at, _)| now_ms() >= *at) {
                    match timer {
                        Timer::Request => {
                            // Not a parse error: the parser's state and the
                            // bytes it holds stay (see `request_timer_fired`).
                            r.request_timer_fired = true;
                            queue.push(kind::CLIENT_ERROR, conn.id, |w| {
                                w.str("ERR_HTTP_REQUEST_TIMEOUT").str("Request timeout").u32(0).bytes(&[]);
                            });
                        }
                        Timer::Idle => {
                            idle_fired_at = now_ms() + 1;
                            queue.push(kind::TIMEOUT, conn.id, |_| {});
                        }
                        Timer::Recheck => {}
                    }
                }
            }
        }
    };
    closed(&conn, &queue, close_code);
}

/// The end of a connection: writes stop, it lets the loop go, it is
/// forgotten, and JS hears CLOSE with `code` ("" for a clean close).
pub fn closed(conn: &Conn, queue: &EventQueue, code: &str) {
    {
        let mut q = lock(&conn.write);
        q.close(false);
        conn.note_writes(&q);
    }
    conn.end_reading();
    registry::remove(conn.id);
    let read = conn.bytes_read();
    queue.push(kind::CLOSE, conn.id, |w| {
        w.str(code).u32(read as u32).u32((read >> 32) as u32);
    });
}
