//! Listening sockets and their accept loops, on either I/O driver: the
//! inline one (watched by the JS thread's loop) or the I/O threads (tokio's
//! reactor); the connections they accept run on the same driver.
use crate::conn::{self, registry, Conn, ConnConfig};
use crate::conn::config::Timeouts;
use crate::conn::stream::{Stream, Watched};
use crate::events::{kind, EventQueue};
use crate::io::inline::reactor::READ;
use crate::io::Deadline;
use crate::guard::INTERNAL_ERROR;
use crate::io::{self as drivers, Mode};
use tokio::io::unix::AsyncFd;
use socket2::{Domain, SockAddr, Socket, Type};
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::task::Poll;
use tokio::sync::Notify;

/// Where to listen.
#[derive(Debug, Clone)]
pub enum ListenTarget {
    /// An IP literal (JS resolves names first) and port (0 = any).
    Tcp { host: IpAddr, port: u16, ipv6_only: bool },
    /// A unix-domain socket path.
    Unix { path: String },
    /// A listening socket opened elsewhere (`listen({ fd })`, `listen(handle)`,
    /// `listen(netServer)`): accepts from a duplicate of its descriptor.
    Fd(i32),
    /// No socket of its own: connections accepted elsewhere (by a cluster
    /// primary, or a `net.Server` in a cluster worker) are handed over with
    /// `Listener::adopt`.
    Handoff,
}

/// The address a listener is bound to.
#[derive(Debug, Clone)]
pub enum BoundAddr {
    Tcp(SocketAddr),
    Unix(String),
    /// A handoff listener, which has no socket.
    None,
}

/// A running accept loop; dropping it does not stop it, `close()` does.
pub struct Listener {
    pub id: u32,
    pub addr: BoundAddr,
    /// The listening socket's descriptor (valid until `close()`; -1 for a
    /// handoff listener).
    pub fd: i32,
    stop: Arc<Notify>,
    timeouts: Arc<Timeouts>,
    queue: Arc<EventQueue>,
    cfg: Arc<ConnConfig>,
    /// The listening socket (none for a handoff listener).
    sock: Option<Arc<ListenSock>>,
}

/// A listening socket on its driver.
enum ListenSock {
    Inline(Watched),
    Threads(AsyncFd<Socket>),
}

impl ListenSock {
    /// Watches `sock` on `mode`'s driver.
    fn new(sock: Socket, mode: Mode) -> io::Result<ListenSock> {
        match mode {
            Mode::Inline => Ok(ListenSock::Inline(Watched::new(sock)?)),
            Mode::Threads => {
                let _rt = drivers::threads::handle().map(|h| h.enter());
                sock.set_nonblocking(true)?;
                // SAFETY: the AsyncFd owns the socket, whose descriptor
                // stays open and the same until the AsyncFd drops.
                let fd = unsafe { AsyncFd::register(sock) }.map_err(io::Error::from)?;
                Ok(ListenSock::Threads(fd))
            }
        }
    }

    fn socket(&self) -> &Socket {
        match self {
            ListenSock::Inline(w) => w.socket(),
            ListenSock::Threads(a) => a.get_ref(),
        }
    }

    /// Accepts one connection once the socket is readable; `EAGAIN` waits
    /// for the next readiness.
    async fn accept(&self) -> io::Result<(Socket, SockAddr)> {
        match self {
            ListenSock::Inline(w) => accept(w).await,
            ListenSock::Threads(a) => loop {
                let mut ready = a.readable().await?;
                // A shut-down listener (`close`) stays readable: its accept
                // loop must get back to see that it stops, not spin here.
                let closed = ready.ready().is_read_closed();
                match ready.try_io(|s| s.get_ref().accept()) {
                    Ok(Err(e)) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Ok(res) => return res,
                    Err(_) if closed => return Err(io::ErrorKind::ConnectionAborted.into()),
                    Err(_would_block) => continue,
                }
            },
        }
    }
}

impl Listener {
    /// The timeouts its connections read (see `Timeouts`).
    pub fn timeouts(&self) -> &Timeouts {
        &self.timeouts
    }

    /// Stops accepting; open connections go on. The socket stops listening
    /// at once (a connection attempt right after is refused, as after
    /// libuv's synchronous close), and is closed when its loop next runs.
    pub fn close(&self) {
        if let Some(sock) = &self.sock {
            let _ = sock.socket().shutdown(std::net::Shutdown::Both);
        }
        self.stop.notify_one();
    }

    /// Serves a connection accepted elsewhere, as if this listener had
    /// accepted it: a duplicate of `fd` (the caller closes its own).
    pub fn adopt(&self, fd: i32) -> io::Result<()> {
        let sock = duplicate(fd)?;
        let peer = sock.peer_addr()?;
        let _rt = (self.cfg.mode == Mode::Threads).then(|| drivers::threads::handle().map(|h| h.enter()));
        serve(&self.queue, &self.cfg, self.id, sock, peer, "")
    }
}

/// A socket of our own on the open file description `fd` names.
#[cfg(unix)]
fn duplicate(fd: i32) -> io::Result<Socket> {
    if fd < 0 {
        return Err(io::Error::from_raw_os_error(9)); // EBADF
    }
    // SAFETY: `fd` is borrowed only for the dup; the caller keeps it open.
    let borrowed = unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) };
    socket2::SockRef::from(&borrowed).try_clone()
}

#[cfg(windows)]
fn duplicate(_fd: i32) -> io::Result<Socket> {
    Err(io::Error::new(io::ErrorKind::Unsupported, "descriptors are not sockets on Windows"))
}

fn bind_socket(target: &ListenTarget, backlog: i32) -> io::Result<(Socket, BoundAddr)> {
    match target {
        ListenTarget::Tcp { host, port, ipv6_only } => {
            let addr = SocketAddr::new(*host, *port);
            let sock = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
            sock.set_reuse_address(true)?;
            if addr.is_ipv6() {
                sock.set_only_v6(*ipv6_only)?;
            }
            sock.bind(&addr.into())?;
            sock.listen(backlog)?;
            let local = sock.local_addr()?.as_socket().unwrap_or(addr);
            Ok((sock, BoundAddr::Tcp(local)))
        }
        ListenTarget::Unix { path } => {
            let sock = Socket::new(Domain::UNIX, Type::STREAM, None)?;
            sock.bind(&SockAddr::unix(path)?)?;
            sock.listen(backlog)?;
            Ok((sock, BoundAddr::Unix(path.clone())))
        }
        ListenTarget::Fd(fd) => {
            let sock = duplicate(*fd)?;
            let local = sock.local_addr()?;
            let addr = match local.as_socket() {
                Some(a) => BoundAddr::Tcp(a),
                None => BoundAddr::Unix(unix_path(&local)),
            };
            Ok((sock, addr))
        }
        ListenTarget::Handoff => Err(io::Error::new(io::ErrorKind::InvalidInput, "a handoff listener has no socket")),
    }
}

/// The path a unix-domain socket address names ("" if unnamed).
fn unix_path(addr: &SockAddr) -> String {
    #[cfg(unix)]
    return addr.as_pathname().map(|p| p.to_string_lossy().into_owned()).unwrap_or_default();
    #[cfg(windows)]
    {
        let _ = addr;
        String::new()
    }
}

fn family(addr: &SocketAddr) -> u8 {
    if addr.is_ipv4() { 4 } else { 6 }
}

/// Accepts one connection once the listener is readable; `EAGAIN` waits
/// for the next readiness.
async fn accept(l: &Watched) -> io::Result<(Socket, SockAddr)> {
    std::future::poll_fn(|cx| loop {
        if let Err(e) = std::task::ready!(l.poll_read_ready(cx)) {
            return Poll::Ready(Err(e));
        }
        match l.try_io(READ, |s| s.accept()) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            res => return Poll::Ready(res),
        }
    })
    .await
}

/// Binds `target` now (so errors are reported synchronously) and starts the
/// accept loop on the calling thread's executor; a handoff listener only
/// records where adopted connections report.
pub fn listen(target: ListenTarget, backlog: i32, queue: Arc<EventQueue>, cfg: ConnConfig) -> io::Result<Listener> {
    let id = registry::next_id();
    let stop = Arc::new(Notify::new());
    let timeouts = cfg.timeouts.clone();
    let cfg = Arc::new(cfg);
    if let ListenTarget::Handoff = target {
        return Ok(Listener { id, addr: BoundAddr::None, fd: -1, stop, timeouts, queue, cfg, sock: None });
    }
    let (sock, addr) = bind_socket(&target, backlog)?;
    let l = Arc::new(ListenSock::new(sock, cfg.mode)?);
    let fd = crate::io::inline::socket::handle_fd(l.socket());
    let listening = l.clone();
    // Only a socket file this listener created is removed when it closes.
    let unix_path = match (&target, &addr) {
        (ListenTarget::Unix { path }, _) => Some(path.clone()),
        _ => None,
    };
    let local_path = match &addr {
        BoundAddr::Unix(path) => path.clone(),
        _ => String::new(),
    };
    let (stop2, queue2, cfg2) = (stop.clone(), queue.clone(), cfg.clone());
    let (failed, failed_sock) = (queue.clone(), listening.clone());
    let task = async move {
        loop {
            let res = tokio::select! {
                biased;
                _ = stop2.notified() => break,
                res = l.accept() => res,
            };
            crate::inject_panic!("accept");
            let served = res.and_then(|(s, peer)| serve(&queue2, &cfg2, id, s, peer, &local_path));
            if let Err(e) = &served {
                if crate::guard::is_internal(e) {
                    // The listening socket failed (a contained panic): it
                    // stops, and says so as an accept error.
                    stopped(&l, &queue2, id);
                    break;
                }
            }
            if let Err(e) = served {
                accept_failed(&queue2, id, &e, cfg2.mode).await;
            }
        }
        drop(l);
        if let Some(path) = unix_path {
            let _ = std::fs::remove_file(&path);
        }
    };
    // A panic in the accept loop stops this listener alone, which reports
    // it as an accept error ('error' on the server).
    drivers::spawn(cfg.mode, task, move || stopped(&failed_sock, &failed, id));
    Ok(Listener { id, addr, fd, stop, timeouts, queue, cfg, sock: Some(listening) })
}

/// A listener stopped by an internal error: its socket refuses connections
/// from now on (as after `close`) and JS hears an accept error.
fn stopped(sock: &ListenSock, queue: &EventQueue, id: u32) {
    let _ = sock.socket().shutdown(std::net::Shutdown::Both);
    queue.push(kind::SERVER_ERROR, id, |w| {
        w.str(INTERNAL_ERROR);
    });
}

/// Starts serving an accepted socket: TCP when its peer has an IP address,
/// else unix-domain (reported with the listener's `path`).
fn serve(queue: &Arc<EventQueue>, cfg: &Arc<ConnConfig>, server_id: u32, sock: Socket, peer: SockAddr, path: &str) -> io::Result<()> {
    let local = peer.as_socket().map(|peer| sock.local_addr().ok().and_then(|a| a.as_socket()).unwrap_or(peer));
    let stream = match (cfg.mode, local.is_some()) {
        (Mode::Inline, true) => Stream::Tcp(Watched::new(sock)?),
        (Mode::Inline, false) => Stream::Unix(Watched::new(sock)?),
        (Mode::Threads, true) => Stream::Threads(drivers::threads::Socket::tcp(sock)?),
        (Mode::Threads, false) => Stream::Threads(drivers::threads::Socket::unix(sock)?),
    };
    let conn = Conn::new(registry::next_id(), stream, cfg);
    let conn = Arc::new(conn.on(cfg.mode, queue));
    match (peer.as_socket(), local) {
        (Some(peer), Some(local)) => {
            conn.stream.set_nodelay(cfg.no_delay);
            if cfg.keep_alive {
                conn.stream.set_keepalive(true, cfg.keep_alive_initial_delay_ms);
            }
            accepted(queue, cfg, server_id, conn, &peer.ip().to_string(), peer.port(), family(&peer), &local.ip().to_string(), local.port());
        }
        _ => accepted(queue, cfg, server_id, conn, "", 0, 0, path, 0),
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn accepted(
    queue: &Arc<EventQueue>,
    cfg: &Arc<ConnConfig>,
    server_id: u32,
    conn: Arc<Conn>,
    remote: &str,
    remote_port: u16,
    fam: u8,
    local: &str,
    local_port: u16,
) {
    registry::insert(conn.clone());
    queue.push(kind::CONNECTION, conn.id, |w| {
        w.u32(server_id).str(remote).u16(remote_port).u8(fam).str(local).u16(local_port);
    });
    conn::spawn(conn, queue.clone(), cfg.clone());
}

async fn accept_failed(queue: &EventQueue, server_id: u32, e: &io::Error, mode: Mode) {
    // Out of descriptors is reported (Node's 'error' is not emitted for
    // it, but the accept loop backs off); other accept errors are retried.
    let code = crate::io::error::code_of(e);
    if matches!(code, "EMFILE" | "ENFILE") {
        queue.push(kind::SERVER_ERROR, server_id, |w| {
            w.str(code);
        });
    }
    Deadline::for_mode(mode).sleep_ms(10).await;
}

/// Starts a connection with no socket: JS injects what it receives and
/// writes the responses itself. Returns the connection's id.
pub fn open_virtual(queue: Arc<EventQueue>, cfg: ConnConfig) -> u32 {
    let cfg = Arc::new(cfg);
    let conn = Conn::new(registry::next_id(), Stream::Virtual, &cfg);
    let conn = Arc::new(conn.on(cfg.mode, &queue));
    let id = conn.id;
    registry::insert(conn.clone());
    conn::spawn(conn, queue, cfg);
    id
}
