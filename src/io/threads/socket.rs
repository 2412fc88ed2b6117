//! A connected socket, TCP or unix, on the runtime's reactor (an `AsyncFd`,
//! for the readiness it reports), used through `&self` from its connection
//! task on an I/O thread (reads, queued writes) and from the JS thread
//! (direct writes that the kernel takes at once).
use bytes::BytesMut;
use socket2::SockRef;
use std::future::Future;
use std::io::{self, IoSlice};
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use tokio::io::unix::AsyncFd;
use tokio::io::Interest;

/// A socket on the runtime's reactor.
pub struct Socket {
    fd: AsyncFd<socket2::Socket>,
    tcp: bool,
}

impl Socket {
    /// A TCP stream from a connected (or connecting) socket; the runtime
    /// must be started.
    pub fn tcp(sock: socket2::Socket) -> io::Result<Socket> {
        Socket::new(sock, true)
    }

    /// A unix-domain stream from a connected socket (see `tcp`).
    pub fn unix(sock: socket2::Socket) -> io::Result<Socket> {
        Socket::new(sock, false)
    }

    fn new(sock: socket2::Socket, tcp: bool) -> io::Result<Socket> {
        let _rt = super::handle().map(|h| h.enter());
        sock.set_nonblocking(true)?;
        // SAFETY: the socket owns its descriptor and the AsyncFd owns the
        // socket, so the descriptor stays open and the same until both drop.
        let fd = unsafe { AsyncFd::register_with_interest(sock, Interest::READABLE | Interest::WRITABLE)? };
        Ok(Socket { fd, tcp })
    }

    /// Whether it is a TCP socket.
    pub fn is_tcp(&self) -> bool {
        self.tcp
    }

    /// Ready once readable (the task's waker is kept until then).
    pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.fd.poll_read_ready(cx).map_ok(|_| ())
    }

    /// Ready once writable.
    pub fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.fd.poll_write_ready(cx).map_ok(|_| ())
    }

    /// Reads once into `buf`'s spare capacity, at most `max` bytes; 0 means
    /// end of stream. As the inline driver's `Stream::read_once`: a read
    /// shorter than that space drained the socket and clears its read
    /// readiness (no second `recv` only to see `EAGAIN`); and when the
    /// readiness that made it readable includes the peer's reset (EPOLLERR
    /// with the read side closed), the result's flag says "then the end of
    /// stream", as libuv takes a short read with POLLHUP for the end
    /// without reading the error. The flags are the ones the reactor
    /// already recorded: no extra syscall.
    pub fn try_read_buf(&self, buf: &mut BytesMut, max: usize) -> io::Result<(usize, bool)> {
        // Readiness as the task's `poll_read_ready` left it: ready, or not
        // (then the noop waker is replaced by the task's own when it next
        // polls, before it sleeps).
        let mut cx = Context::from_waker(Waker::noop());
        let Poll::Ready(guard) = self.fd.poll_read_ready(&mut cx) else {
            return Err(io::ErrorKind::WouldBlock.into());
        };
        let mut guard = guard?;
        let room = (buf.capacity() - buf.len()).min(max);
        let spare = &mut buf.spare_capacity_mut()[..room];
        let n = match guard.try_io(|fd| fd.get_ref().recv(spare)) {
            Ok(res) => res?,
            // `WouldBlock`: the readiness is cleared.
            Err(_) => return Err(io::ErrorKind::WouldBlock.into()),
        };
        // SAFETY: recv initialised the first n bytes of the spare capacity.
        unsafe { buf.set_len(buf.len() + n) };
        if n == 0 || n == room {
            return Ok((n, false));
        }
        if guard.ready().is_read_closed() {
            // The peer's FIN or reset (rare: once per connection): the
            // readiness stays, the next read sees the end or the error,
            // unless the reset is in this very wake-up.
            return Ok((n, self.has_error()));
        }
        // The tick in the guard keeps readiness that came after it.
        guard.clear_ready();
        Ok((n, false))
    }

    /// Whether the reactor recorded EPOLLERR for the socket (not cleared).
    fn has_error(&self) -> bool {
        let ready = pin!(self.fd.ready(Interest::ERROR));
        let mut cx = Context::from_waker(Waker::noop());
        matches!(ready.poll(&mut cx), Poll::Ready(Ok(g)) if g.ready().is_error())
    }

    /// Writes `bufs` as far as the socket takes them now.
    pub fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.fd.try_io(Interest::WRITABLE, |s| s.send_vectored(bufs))
    }

    /// The socket, for options and shutdown.
    pub fn sock_ref(&self) -> SockRef<'_> {
        SockRef::from(self.fd.get_ref())
    }
}
