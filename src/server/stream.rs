//! A connected socket, TCP or unix, used through `&self` from both the
//! connection task (reads, queued writes) and the JS thread (direct writes).
use bytes::BytesMut;
use std::io::{self, IoSlice};
use std::mem::MaybeUninit;
use std::task::{Context, Poll};
use tokio::io::Interest;
use tokio::net::{TcpStream, UnixStream};

/// A TCP or unix-domain stream, or none: a virtual connection whose bytes
/// JS injects (a socket rshttp did not accept, handed to `'connection'`).
pub enum Stream {
    Tcp(TcpStream),
    Unix(UnixStream),
    Virtual,
}

impl Stream {
    /// Ready once the socket is readable; otherwise the waker is stored in
    /// the socket's single reader slot.
    pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self {
            Stream::Tcp(s) => s.poll_read_ready(cx),
            Stream::Unix(s) => s.poll_read_ready(cx),
            Stream::Virtual => Poll::Pending,
        }
    }
    /// Ready once the socket is writable (see `poll_read_ready`).
    pub fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self {
            Stream::Tcp(s) => s.poll_write_ready(cx),
            Stream::Unix(s) => s.poll_write_ready(cx),
            Stream::Virtual => Poll::Pending,
        }
    }
    /// Reads once into `buf`'s spare capacity. A read shorter than that space
    /// means the socket is drained: it clears read readiness, saving the
    /// second syscall that would only return EAGAIN. 0 means end of stream.
    pub fn read_once(&self, buf: &mut BytesMut) -> io::Result<usize> {
        let mut got = 0usize;
        let read = |got: &mut usize, buf: &mut BytesMut| -> io::Result<()> {
            let spare = buf.capacity() - buf.len();
            let dst: &mut [MaybeUninit<u8>] = buf.spare_capacity_mut();
            let n = self.sock().ok_or(io::ErrorKind::Unsupported)?.recv(dst)?;
            // SAFETY: recv initialised the first n bytes of the spare capacity.
            unsafe { buf.set_len(buf.len() + n) };
            *got = n;
            if n > 0 && n < spare {
                Err(io::ErrorKind::WouldBlock.into())
            } else {
                Ok(())
            }
        };
        let res = match self {
            Stream::Tcp(s) => s.try_io(Interest::READABLE, || read(&mut got, buf)),
            Stream::Unix(s) => s.try_io(Interest::READABLE, || read(&mut got, buf)),
            Stream::Virtual => return Err(io::ErrorKind::WouldBlock.into()),
        };
        match res {
            Ok(()) => Ok(got),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock && got > 0 => Ok(got),
            Err(e) => Err(e),
        }
    }

    pub fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.try_write_vectored(bufs),
            Stream::Unix(s) => s.try_write_vectored(bufs),
            Stream::Virtual => Err(io::ErrorKind::Unsupported.into()),
        }
    }
    fn sock(&self) -> Option<socket2::SockRef<'_>> {
        match self {
            Stream::Tcp(s) => Some(socket2::SockRef::from(s)),
            Stream::Unix(s) => Some(socket2::SockRef::from(s)),
            Stream::Virtual => None,
        }
    }
    /// Half-closes the write side (FIN).
    pub fn shutdown_write(&self) {
        if let Some(sock) = self.sock() {
            let _ = sock.shutdown(std::net::Shutdown::Write);
        }
    }
    /// Shuts down both directions at once, so the peer sees the close now
    /// rather than when the connection's task next runs.
    pub fn shutdown_both(&self) {
        if let Some(sock) = self.sock() {
            let _ = sock.shutdown(std::net::Shutdown::Both);
        }
    }
    /// Sets TCP_NODELAY; a no-op on unix sockets.
    pub fn set_nodelay(&self, on: bool) {
        if let Stream::Tcp(s) = self {
            let _ = s.set_nodelay(on);
        }
    }
    /// Enables or disables TCP keep-alive probes after `delay_ms` of idleness.
    pub fn set_keepalive(&self, on: bool, delay_ms: u64) {
        if let (Stream::Tcp(_), Some(sock)) = (self, self.sock()) {
            let _ = sock.set_keepalive(on);
            if on && delay_ms > 0 {
                let ka = socket2::TcpKeepalive::new().with_time(std::time::Duration::from_millis(delay_ms));
                let _ = sock.set_tcp_keepalive(&ka);
            }
        }
    }
}
