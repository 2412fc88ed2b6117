//! The one place I/O errors become what Node reports: libuv's name for the
//! OS error (`err.code`), the call that failed (`err.syscall`) and the OS
//! error number. Connections (CLOSE), connects (CONNECT_FAILED), accept
//! (SERVER_ERROR) and the binding's thrown errors all take their codes
//! from here; the names come from one table of the platform's errno
//! constants, not from numbers written per call site.
use crate::guard::{is_internal, INTERNAL_ERROR};
use std::fmt;
use std::io;

/// An I/O error as Node reports one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IoError {
    /// libuv's name (`ECONNRESET`), or `guard::INTERNAL_ERROR` for a
    /// contained panic, or a code of rshttp's own (`ERR_RSHTTP_*`).
    pub code: &'static str,
    /// The call that failed, as Node names it (`listen`, `connect`, `read`).
    pub syscall: &'static str,
    /// The OS error number (positive), 0 when there is none.
    pub errno: i32,
}

impl IoError {
    /// `e` from `syscall`.
    pub fn new(e: &io::Error, syscall: &'static str) -> IoError {
        let errno = if is_internal(e) { 0 } else { e.raw_os_error().unwrap_or(0) };
        IoError { code: code_of(e), syscall, errno }
    }

    /// An error of rshttp's own `code` (not an OS error name), with the OS
    /// error `e` that caused it.
    pub fn own(code: &'static str, e: &io::Error, syscall: &'static str) -> IoError {
        IoError { code, ..IoError::new(e, syscall) }
    }

    /// The OS error number to report, EIO's when there is none (Node's
    /// fallback for an error libuv cannot name).
    pub fn errno_or_eio(&self) -> i32 {
        if self.errno != 0 || self.code == INTERNAL_ERROR { self.errno } else { EIO }
    }
}

/// `code:syscall:errno`: how a thrown error carries it to JS, which reads it
/// back in one place (`lib/errors.js`, `nativeIoError`).
impl fmt::Display for IoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.code, self.syscall, self.errno)
    }
}

/// Node's `err.code` for `e`: libuv's name for its OS error, by kind when
/// it has no OS error number, `EIO` when neither names it.
pub fn code_of(e: &io::Error) -> &'static str {
    if is_internal(e) {
        return INTERNAL_ERROR;
    }
    e.raw_os_error().and_then(errno_name).unwrap_or_else(|| kind_name(e.kind()))
}

/// Names by `io::ErrorKind`, for errors without an OS number.
fn kind_name(kind: io::ErrorKind) -> &'static str {
    use io::ErrorKind::*;
    match kind {
        ConnectionRefused => "ECONNREFUSED",
        ConnectionReset => "ECONNRESET",
        ConnectionAborted => "ECONNABORTED",
        BrokenPipe => "EPIPE",
        TimedOut => "ETIMEDOUT",
        AddrInUse => "EADDRINUSE",
        AddrNotAvailable => "EADDRNOTAVAIL",
        PermissionDenied => "EACCES",
        NotFound => "ENOENT",
        InvalidInput => "EINVAL",
        NotConnected => "ENOTCONN",
        HostUnreachable => "EHOSTUNREACH",
        NetworkUnreachable => "ENETUNREACH",
        _ => "EIO",
    }
}

/// The errno table: each name once, its number from the platform's own
/// constant (so it is right on Linux, macOS and the BSDs alike).
macro_rules! errno_table {
    ($($name:ident),* $(,)?) => {
        /// libuv's name for OS error number `n`, if it is one of the
        /// network and file errors an HTTP server or client meets.
        #[cfg(unix)]
        fn errno_name(n: i32) -> Option<&'static str> {
            $(if n == libc::$name { return Some(stringify!($name)); })*
            None
        }
    };
}

errno_table!(
    EACCES, EADDRINUSE, EADDRNOTAVAIL, EAFNOSUPPORT, EAGAIN, EBADF, ECONNABORTED, ECONNREFUSED, ECONNRESET,
    EHOSTUNREACH, EINVAL, EIO, EMFILE, ENETDOWN, ENETUNREACH, ENFILE, ENOBUFS, ENOENT, ENOMEM, ENOTCONN,
    ENOTSOCK, EPERM, EPIPE, EPROTO, ETIMEDOUT,
);

/// On Windows the OS numbers are WSA codes: they are named by kind.
#[cfg(not(unix))]
fn errno_name(_: i32) -> Option<&'static str> {
    None
}

#[cfg(unix)]
const EIO: i32 = libc::EIO;
#[cfg(not(unix))]
const EIO: i32 = 5;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_os_errors_by_the_platforms_numbers() {
        let e = io::Error::from_raw_os_error(libc::ECONNREFUSED);
        assert_eq!(IoError::new(&e, "connect"), IoError { code: "ECONNREFUSED", syscall: "connect", errno: libc::ECONNREFUSED });
        assert_eq!(code_of(&io::Error::from_raw_os_error(libc::EMFILE)), "EMFILE");
        assert_eq!(code_of(&io::Error::from_raw_os_error(libc::EADDRINUSE)), "EADDRINUSE");
    }

    #[test]
    fn falls_back_to_the_kind_then_eio() {
        assert_eq!(code_of(&io::Error::from(io::ErrorKind::BrokenPipe)), "EPIPE");
        assert_eq!(code_of(&io::Error::other("?")), "EIO");
        assert_eq!(code_of(&io::Error::from_raw_os_error(libc::ELOOP)), "EIO");
        assert_eq!(IoError::new(&io::Error::other("?"), "read").errno_or_eio(), libc::EIO);
    }

    #[test]
    fn a_contained_panic_is_the_internal_error_without_errno() {
        let e = IoError::new(&crate::guard::internal_io_error(), "read");
        assert_eq!((e.code, e.errno, e.errno_or_eio()), (INTERNAL_ERROR, 0, 0));
    }

    #[test]
    fn displays_as_thrown_errors_carry_it() {
        let e = IoError::new(&io::Error::from_raw_os_error(libc::EACCES), "listen");
        assert_eq!(e.to_string(), format!("EACCES:listen:{}", libc::EACCES));
    }
}
