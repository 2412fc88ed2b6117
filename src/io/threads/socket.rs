//! A connected `tokio::net` socket, TCP or unix, used through `&self` from
//! its connection task on an I/O thread (reads, queued writes) and from the
//! JS thread (direct writes that the kernel takes at once).
use bytes::BytesMut;
use socket2::SockRef;
use std::io::{self, IoSlice};
use std::task::{Context, Poll};
use tokio::io::Interest;
use tokio::net::{TcpStream, UnixStream};

/// A socket on the runtime's reactor.
pub enum Socket {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl Socket {
    /// A TCP stream from a connected (or connecting) socket; the runtime
    /// must be started.
    pub fn tcp(sock: socket2::Socket) -> io::Result<Socket> {
        let _rt = super::handle().map(|h| h.enter());
        sock.set_nonblocking(true)?;
        Ok(Socket::Tcp(TcpStream::from_std(sock.into())?))
    }

    /// A unix-domain stream from a connected socket (see `tcp`).
    pub fn unix(sock: socket2::Socket) -> io::Result<Socket> {
        let _rt = super::handle().map(|h| h.enter());
        sock.set_nonblocking(true)?;
        Ok(Socket::Unix(UnixStream::from_std(std::os::unix::net::UnixStream::from(std::os::fd::OwnedFd::from(sock)))?))
    }

    /// Ready once readable (the task's waker is kept until then).
    pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self {
            Socket::Tcp(s) => s.poll_read_ready(cx),
            Socket::Unix(s) => s.poll_read_ready(cx),
        }
    }

    /// Ready once writable.
    pub fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self {
            Socket::Tcp(s) => s.poll_write_ready(cx),
            Socket::Unix(s) => s.poll_write_ready(cx),
        }
    }

    /// Reads once into `buf`'s spare capacity, at most `max` bytes
    /// (`WouldBlock` clears the cached readiness). 0 means end of stream.
    pub fn try_read_buf(&self, buf: &mut BytesMut, max: usize) -> io::Result<usize> {
        let room = (buf.capacity() - buf.len()).min(max);
        let spare = &mut buf.spare_capacity_mut()[..room];
        let n = match self {
            Socket::Tcp(s) => s.try_io(Interest::READABLE, || SockRef::from(s).recv(spare)),
            Socket::Unix(s) => s.try_io(Interest::READABLE, || SockRef::from(s).recv(spare)),
        }?;
        // SAFETY: recv initialised the first n bytes of the spare capacity.
        unsafe { buf.set_len(buf.len() + n) };
        Ok(n)
    }

    /// Writes `bufs` as far as the socket takes them now.
    pub fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        match self {
            Socket::Tcp(s) => s.try_write_vectored(bufs),
            Socket::Unix(s) => s.try_write_vectored(bufs),
        }
    }

    /// The socket, for options and shutdown.
    pub fn sock_ref(&self) -> SockRef<'_> {
        match self {
            Socket::Tcp(s) => SockRef::from(s),
            Socket::Unix(s) => SockRef::from(s),
        }
    }
}
