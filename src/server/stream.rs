//! A connected socket, TCP or unix, used through `&self` from both the
//! connection task (reads, queued writes) and the JS thread (direct writes).
use bytes::BytesMut;
use std::io::{self, IoSlice};
use tokio::net::{TcpStream, UnixStream};

/// A TCP or unix-domain stream.
pub enum Stream {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl Stream {
    pub async fn readable(&self) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.readable().await,
            Stream::Unix(s) => s.readable().await,
        }
    }
    pub async fn writable(&self) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.writable().await,
            Stream::Unix(s) => s.writable().await,
        }
    }
    pub fn try_read_buf(&self, buf: &mut BytesMut) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.try_read_buf(buf),
            Stream::Unix(s) => s.try_read_buf(buf),
        }
    }
    pub fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.try_write_vectored(bufs),
            Stream::Unix(s) => s.try_write_vectored(bufs),
        }
    }
    fn sock(&self) -> socket2::SockRef<'_> {
        match self {
            Stream::Tcp(s) => socket2::SockRef::from(s),
            Stream::Unix(s) => socket2::SockRef::from(s),
        }
    }
    /// Half-closes the write side (FIN).
    pub fn shutdown_write(&self) {
        let _ = self.sock().shutdown(std::net::Shutdown::Write);
    }
    /// Sets TCP_NODELAY; a no-op on unix sockets.
    pub fn set_nodelay(&self, on: bool) {
        if let Stream::Tcp(s) = self {
            let _ = s.set_nodelay(on);
        }
    }
    /// Enables or disables TCP keep-alive probes after `delay_ms` of idleness.
    pub fn set_keepalive(&self, on: bool, delay_ms: u64) {
        if let Stream::Tcp(_) = self {
            let sock = self.sock();
            let _ = sock.set_keepalive(on);
            if on && delay_ms > 0 {
                let ka = socket2::TcpKeepalive::new().with_time(std::time::Duration::from_millis(delay_ms));
                let _ = sock.set_tcp_keepalive(&ka);
            }
        }
    }
}
