//! A socket watched by the JS thread's own libuv loop (`reactor`), read
//! and written with plain non-blocking syscalls.
use super::reactor::{os_socket, Registration, READ, WRITE};
use crate::io::Read;
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
        let spare = (buf.capacity() - buf.len()).min(max);
        let n = self.try_io(READ, |s| {
            let dst: &mut [MaybeUninit<u8>] = &mut buf.spare_capacity_mut()[..spare];
            s.recv(dst)
        })?;
        // SAFETY: recv initialised the first n bytes of the spare capacity.
        unsafe { buf.set_len(buf.len() + n) };
        if n > 0 && n < spare {
            self.clear_ready(READ);
            if self.take_error() {
                return Ok(Read::Last(n));
            }
        }
        Ok(Read::Some(n))
    }

    /// Writes `bufs` as far as the socket takes them now.
    pub fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.try_io(WRITE, |s| send_bufs(s, bufs))
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

/// The socket's send path without sendmsg's message header: send(2) for
/// one buffer (a response's usual shape; the kernel takes it as one range,
/// without writev's iovec import and file-position checks), writev(2) for
/// more (SIGPIPE is ignored by Node, so MSG_NOSIGNAL is not needed).
#[cfg(unix)]
fn send_bufs(sock: &Socket, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
    let fd = os_socket(sock);
    let n = if let [one] = bufs {
        // SAFETY: the pointer and length are one live slice's.
        unsafe { libc::send(fd, one.as_ptr().cast(), one.len(), 0) }
    } else {
        // SAFETY: IoSlice is ABI-compatible with iovec on unix; the count is
        // capped at IOV_MAX's floor.
        unsafe { libc::writev(fd, bufs.as_ptr().cast(), bufs.len().min(1024) as i32) }
    };
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

/// WSASend with the buffers (socket2's vectored send).
#[cfg(windows)]
fn send_bufs(sock: &Socket, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
    sock.send_vectored(bufs)
}
