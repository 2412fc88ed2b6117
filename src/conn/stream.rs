//! A connected socket, TCP or unix, used through `&self` from both the
//! connection task (reads, queued writes) and the JS thread (direct writes).
use crate::io::inline::socket::handle_fd;
use bytes::BytesMut;
use std::io::{self, IoSlice};
use std::task::{Context, Poll};

pub use crate::io::inline::socket::Watched;
pub use crate::io::Read;

/// A TCP or unix-domain stream on the inline driver (`Tcp`, `Unix`) or the
/// threaded one (`Threads`), or none: a virtual connection whose bytes JS
/// injects (a socket rshttp did not accept, handed to `'connection'`).
pub enum Stream {
    Tcp(Watched),
    Unix(Watched),
    Threads(crate::io::threads::Socket),
    Virtual,
    /// Tests only: an in-memory socket (`conn::tests::mock`) that reads
    /// what a test feeds it and takes writes as far as the test lets it.
    #[cfg(test)]
    Mock(super::tests::mock::MockSocket),
}

impl Stream {
    /// Whether it is a TCP socket (either driver's).
    fn is_tcp(&self) -> bool {
        match self {
            Stream::Threads(s) => s.is_tcp(),
            s => matches!(s, Stream::Tcp(_)),
        }
    }
    /// Ready once the socket is readable; otherwise the waker is stored in
    /// the socket's single reader slot. Never for a virtual connection.
    pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self {
            Stream::Tcp(w) | Stream::Unix(w) => w.poll_read_ready(cx),
            Stream::Threads(s) => s.poll_read_ready(cx),
            Stream::Virtual => Poll::Pending,
            #[cfg(test)]
            Stream::Mock(m) => m.poll_read_ready(cx),
        }
    }
    /// Ready once the socket is writable (see `poll_read_ready`).
    pub fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self {
            Stream::Tcp(w) | Stream::Unix(w) => w.poll_write_ready(cx),
            Stream::Threads(s) => s.poll_write_ready(cx),
            Stream::Virtual => Poll::Pending,
            #[cfg(test)]
            Stream::Mock(m) => m.poll_write_ready(cx),
        }
    }
    /// Reads once into `buf`'s spare capacity, at most `max` bytes (see
    /// `Watched::read_once` for `Read::Last`). 0 means end of stream.
    pub fn read_once(&self, buf: &mut BytesMut, max: usize) -> io::Result<Read> {
        match self {
            Stream::Tcp(w) | Stream::Unix(w) => w.read_once(buf, max),
            Stream::Threads(s) => s.try_read_buf(buf, max).map(|(n, last)| if last { Read::Last(n) } else { Read::Some(n) }),
            Stream::Virtual => Err(io::ErrorKind::WouldBlock.into()),
            #[cfg(test)]
            Stream::Mock(m) => m.read_once(buf, max),
        }
    }

    /// Writes `bufs` as far as the socket takes them now.
    pub fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        match self {
            Stream::Tcp(w) | Stream::Unix(w) => w.try_write_vectored(bufs),
            Stream::Threads(s) => s.try_write_vectored(bufs),
            Stream::Virtual => Err(io::ErrorKind::Unsupported.into()),
            #[cfg(test)]
            Stream::Mock(m) => m.try_write_vectored(bufs),
        }
    }

    /// The socket (none for a virtual connection).
    pub fn socket(&self) -> Option<socket2::SockRef<'_>> {
        match self {
            Stream::Tcp(w) | Stream::Unix(w) => Some(socket2::SockRef::from(w.socket())),
            Stream::Threads(s) => Some(s.sock_ref()),
            Stream::Virtual => None,
            #[cfg(test)]
            Stream::Mock(_) => None,
        }
    }
    /// Half-closes the write side (FIN).
    pub fn shutdown_write(&self) {
        #[cfg(test)]
        if let Stream::Mock(m) = self {
            m.shutdown(false);
        }
        if let Some(sock) = self.socket() {
            let _ = sock.shutdown(std::net::Shutdown::Write);
        }
    }
    /// Shuts down both directions at once, so the peer sees the close now
    /// rather than when the connection's task next runs.
    pub fn shutdown_both(&self) {
        #[cfg(test)]
        if let Stream::Mock(m) = self {
            m.shutdown(true);
        }
        if let Some(sock) = self.socket() {
            let _ = sock.shutdown(std::net::Shutdown::Both);
        }
    }
    /// The socket's file descriptor, or -1 for a virtual connection.
    pub fn fd(&self) -> i32 {
        self.socket().map_or(-1, |s| handle_fd(&s))
    }
    /// Makes the coming close abortive (SO_LINGER with a zero timeout): the
    /// peer gets an RST instead of a FIN, as `uv_tcp_close_reset` does.
    pub fn set_linger_zero(&self) {
        #[cfg(test)]
        if let Stream::Mock(m) = self {
            m.set_linger_zero();
        }
        if let Some(sock) = self.socket() {
            let _ = sock.set_linger(Some(std::time::Duration::ZERO));
        }
    }
    /// Sets TCP_NODELAY; a no-op on unix sockets.
    pub fn set_nodelay(&self, on: bool) {
        if let (true, Some(sock)) = (self.is_tcp(), self.socket()) {
            let _ = sock.set_tcp_nodelay(on);
        }
    }
    /// Enables or disables TCP keep-alive probes after `delay_ms` of idleness.
    pub fn set_keepalive(&self, on: bool, delay_ms: u64) {
        if let (true, Some(sock)) = (self.is_tcp(), self.socket()) {
            let _ = sock.set_keepalive(on);
            if on && delay_ms > 0 {
                let ka = socket2::TcpKeepalive::new().with_time(std::time::Duration::from_millis(delay_ms));
                let _ = sock.set_tcp_keepalive(&ka);
            }
        }
    }
}
