//! A connected socket, TCP or unix, used through `&self` from both the
//! connection task (reads, queued writes) and the JS thread (direct writes).
use crate::exec::reactor::{os_socket, Registration, READ, WRITE};
use bytes::BytesMut;
use socket2::Socket;
use std::io::{self, IoSlice};
use std::mem::MaybeUninit;
use std::task::{Context, Poll};

/// A socket watched by the JS thread's loop. Fields drop in order: the
/// watch is closed before the descriptor.
pub struct Watched {
    reg: Registration,
    sock: Socket,
}

impl Watched {
    /// Watches `sock` (it is made non-blocking).
    pub fn new(sock: Socket) -> io::Result<Watched> {
        Ok(Watched { reg: Registration::new(os_socket(&sock))?, sock })
    }
    /// The socket.
    pub fn socket(&self) -> &Socket {
        &self.sock
    }
    /// Ready once readable (see `Registration::poll_ready`).
    pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.reg.poll_ready(cx, READ)
    }
    /// Ready once writable.
    pub fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.reg.poll_ready(cx, WRITE)
    }
    /// Runs `op` if `bit` is cached as ready; `EAGAIN` clears it.
    pub fn try_io<R>(&self, bit: u8, op: impl FnOnce(&Socket) -> io::Result<R>) -> io::Result<R> {
        if !self.reg.is_ready(bit) {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let res = op(&self.sock);
        if matches!(&res, Err(e) if e.kind() == io::ErrorKind::WouldBlock) {
            self.reg.clear_ready(bit);
        }
        res
    }
    /// Whether the loop reported the socket's error since the last call.
    pub fn take_error(&self) -> bool {
        self.reg.take_error()
    }
    /// Forgets `bit`'s readiness (a short read drained the socket, or a
    /// connect is still in progress).
    pub fn clear_ready(&self, bit: u8) {
        self.reg.clear_ready(bit);
    }
}

/// What JS sees as a handle's `fd`: the descriptor on unix; -1 on Windows,
/// as Node reports for its own handles there.
pub fn handle_fd(sock: &Socket) -> i32 {
    #[cfg(unix)]
    return std::os::fd::AsRawFd::as_raw_fd(sock);
    #[cfg(windows)]
    {
        let _ = sock;
        -1
    }
}

#[cfg(unix)]
extern "C" {
    #[link_name = "writev"]
    fn sys_writev(fd: i32, iov: *const IoSlice<'_>, count: i32) -> isize;
}

/// writev(2): the socket's send path without sendmsg's message header
/// (SIGPIPE is ignored by Node, so MSG_NOSIGNAL is not needed).
#[cfg(unix)]
fn writev(sock: &Socket, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
    // SAFETY: IoSlice is ABI-compatible with iovec on unix; the count is
    // capped at IOV_MAX's floor.
    let n = unsafe { sys_writev(os_socket(sock), bufs.as_ptr(), bufs.len().min(1024) as i32) };
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

/// WSASend with the buffers (socket2's vectored send).
#[cfg(windows)]
fn writev(sock: &Socket, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
    sock.send_vectored(bufs)
}

/// What `Stream::read_once` read.
pub enum Read {
    /// `n` bytes (0: end of stream).
    Some(usize),
    /// `n` bytes, then the end of stream (see `Stream::read_once`).
    Last(usize),
}

/// A TCP or unix-domain stream on the inline driver (`Tcp`, `Unix`) or the
/// threaded one (`Threads`), or none: a virtual connection whose bytes JS
/// injects (a socket rshttp did not accept, handed to `'connection'`).
pub enum Stream {
    Tcp(Watched),
    Unix(Watched),
    Threads(crate::io::threads::Socket),
    Virtual,
}

impl Stream {
    fn watched(&self) -> Option<&Watched> {
        match self {
            Stream::Tcp(w) | Stream::Unix(w) => Some(w),
            Stream::Threads(_) | Stream::Virtual => None,
        }
    }
    /// Whether it is a TCP socket (either driver's).
    fn is_tcp(&self) -> bool {
        matches!(self, Stream::Tcp(_) | Stream::Threads(crate::io::threads::Socket::Tcp(_)))
    }
    /// Ready once the socket is readable; otherwise the waker is stored in
    /// the socket's single reader slot.
    pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Stream::Threads(s) = self {
            return s.poll_read_ready(cx);
        }
        match self.watched() {
            Some(w) => w.poll_read_ready(cx),
            None => Poll::Pending,
        }
    }
    /// Ready once the socket is writable (see `poll_read_ready`).
    pub fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Stream::Threads(s) = self {
            return s.poll_write_ready(cx);
        }
        match self.watched() {
            Some(w) => w.poll_write_ready(cx),
            None => Poll::Pending,
        }
    }
    /// Reads once into `buf`'s spare capacity, at most `max` bytes. A read
    /// shorter than that space means the socket is drained: it clears read
    /// readiness, saving the second syscall that would only return EAGAIN.
    /// 0 means end of stream.
    ///
    /// `Read::Last`: the socket is drained and the wake-up that made it
    /// readable reported its error (a reset: POLLERR with POLLHUP). libuv's
    /// stream takes a short read with POLLHUP for the end of stream, without
    /// reading the error, so Node sees data then 'end', not ECONNRESET; the
    /// caller does the same.
    pub fn read_once(&self, buf: &mut BytesMut, max: usize) -> io::Result<Read> {
        if let Stream::Threads(s) = self {
            return s.try_read_buf(buf, max).map(Read::Some);
        }
        let Some(w) = self.watched() else { return Err(io::ErrorKind::WouldBlock.into()) };
        let spare = (buf.capacity() - buf.len()).min(max);
        let n = w.try_io(READ, |s| {
            let dst: &mut [MaybeUninit<u8>] = &mut buf.spare_capacity_mut()[..spare];
            s.recv(dst)
        })?;
        // SAFETY: recv initialised the first n bytes of the spare capacity.
        unsafe { buf.set_len(buf.len() + n) };
        if n > 0 && n < spare {
            w.clear_ready(READ);
            if w.take_error() {
                return Ok(Read::Last(n));
            }
        }
        Ok(Read::Some(n))
    }

    /// Writes `bufs` as far as the socket takes them now.
    pub fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        if let Stream::Threads(s) = self {
            return s.try_write_vectored(bufs);
        }
        match self.watched() {
            Some(w) => w.try_io(WRITE, |s| writev(s, bufs)),
            None => Err(io::ErrorKind::Unsupported.into()),
        }
    }
    /// The socket (none for a virtual connection).
    pub fn socket(&self) -> Option<socket2::SockRef<'_>> {
        self.sock()
    }
    fn sock(&self) -> Option<socket2::SockRef<'_>> {
        match self {
            Stream::Tcp(w) | Stream::Unix(w) => Some(socket2::SockRef::from(w.socket())),
            Stream::Threads(s) => Some(s.sock_ref()),
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
    /// The socket's file descriptor, or -1 for a virtual connection.
    pub fn fd(&self) -> i32 {
        self.sock().map_or(-1, |s| handle_fd(&s))
    }
    /// Makes the coming close abortive (SO_LINGER with a zero timeout): the
    /// peer gets an RST instead of a FIN, as `uv_tcp_close_reset` does.
    pub fn set_linger_zero(&self) {
        if let Some(sock) = self.sock() {
            let _ = sock.set_linger(Some(std::time::Duration::ZERO));
        }
    }
    /// Sets TCP_NODELAY; a no-op on unix sockets.
    pub fn set_nodelay(&self, on: bool) {
        if let (true, Some(sock)) = (self.is_tcp(), self.sock()) {
            let _ = sock.set_tcp_nodelay(on);
        }
    }
    /// Enables or disables TCP keep-alive probes after `delay_ms` of idleness.
    pub fn set_keepalive(&self, on: bool, delay_ms: u64) {
        if let (true, Some(sock)) = (self.is_tcp(), self.sock()) {
            let _ = sock.set_keepalive(on);
            if on && delay_ms > 0 {
                let ka = socket2::TcpKeepalive::new().with_time(std::time::Duration::from_millis(delay_ms));
                let _ = sock.set_tcp_keepalive(&ka);
            }
        }
    }
}
