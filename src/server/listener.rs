//! Listening sockets and their accept loops.
use super::conn::{self, Conn};
use super::stream::{Stream, Watched};
use super::config::Timeouts;
use super::{registry, ServerConfig};
use crate::events::{kind, EventQueue};
use crate::exec::reactor::READ;
use crate::exec::{spawn, Deadline};
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
}

/// The address a listener is bound to.
#[derive(Debug, Clone)]
pub enum BoundAddr {
    Tcp(SocketAddr),
    Unix(String),
}

/// A running accept loop; dropping it does not stop it, `close()` does.
pub struct Listener {
    pub id: u32,
    pub addr: BoundAddr,
    /// The listening socket's descriptor (valid until `close()`).
    pub fd: i32,
    stop: Arc<Notify>,
    timeouts: Arc<Timeouts>,
}

impl Listener {
    /// The timeouts its connections read (see `Timeouts`).
    pub fn timeouts(&self) -> &Timeouts {
        &self.timeouts
    }

    /// Stops accepting; open connections go on.
    pub fn close(&self) {
        self.stop.notify_one();
    }
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
/// accept loop on the calling thread's executor.
pub fn listen(target: ListenTarget, backlog: i32, queue: Arc<EventQueue>, cfg: ServerConfig) -> io::Result<Listener> {
    let (sock, addr) = bind_socket(&target, backlog)?;
    let l = Watched::new(sock)?;
    let fd = super::stream::handle_fd(l.socket());
    let id = registry::next_id();
    let stop = Arc::new(Notify::new());
    let timeouts = cfg.timeouts.clone();
    let cfg = Arc::new(cfg);
    let stop2 = stop.clone();
    let unix_path = match &target {
        ListenTarget::Unix { path } => Some(path.clone()),
        ListenTarget::Tcp { .. } => None,
    };
    spawn(async move {
        loop {
            let res = tokio::select! {
                biased;
                _ = stop2.notified() => break,
                res = accept(&l) => res,
            };
            let stream = res.and_then(|(s, peer)| Ok((Watched::new(s)?, peer)));
            match (stream, &unix_path) {
                (Ok((s, _)), Some(path)) => {
                    let conn = Arc::new(Conn::new(registry::next_id(), Stream::Unix(s), &cfg));
                    accepted(&queue, &cfg, id, conn, "", 0, 0, path, 0);
                }
                (Ok((s, peer)), None) => {
                    let peer = peer.as_socket().unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 0)));
                    let local = s.socket().local_addr().ok().and_then(|a| a.as_socket()).unwrap_or(peer);
                    let conn = Arc::new(Conn::new(registry::next_id(), Stream::Tcp(s), &cfg));
                    conn.stream.set_nodelay(cfg.no_delay);
                    if cfg.keep_alive {
                        conn.stream.set_keepalive(true, cfg.keep_alive_initial_delay_ms);
                    }
                    accepted(&queue, &cfg, id, conn, &peer.ip().to_string(), peer.port(), family(&peer), &local.ip().to_string(), local.port());
                }
                (Err(e), _) => accept_failed(&queue, id, &e).await,
            }
        }
        drop(l);
        if let Some(path) = unix_path {
            let _ = std::fs::remove_file(&path);
        }
    });
    Ok(Listener { id, addr, fd, stop, timeouts })
}

#[allow(clippy::too_many_arguments)]
fn accepted(
    queue: &Arc<EventQueue>,
    cfg: &Arc<ServerConfig>,
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
    spawn(conn::run(conn, queue.clone(), cfg.clone()));
}

async fn accept_failed(queue: &EventQueue, server_id: u32, e: &io::Error) {
    let code = match e.raw_os_error() {
        Some(24) => "EMFILE",
        Some(23) => "ENFILE",
        _ => "",
    };
    if !code.is_empty() {
        queue.push(kind::SERVER_ERROR, server_id, |w| {
            w.str(code);
        });
    }
    Deadline::new().sleep_ms(10).await;
}

/// Starts a connection with no socket: JS injects what it receives and
/// writes the responses itself. Returns the connection's id.
pub fn open_virtual(queue: Arc<EventQueue>, cfg: ServerConfig) -> u32 {
    let cfg = Arc::new(cfg);
    let conn = Arc::new(Conn::new(registry::next_id(), Stream::Virtual, &cfg));
    let id = conn.id;
    registry::insert(conn.clone());
    spawn(conn::run(conn, queue, cfg));
    id
}
