//! Opening a client connection: try each resolved address in turn (Node's
//! family fallback for names like `localhost`), bind a local address or port
//! when asked, then run the connection task. A connect JS gives up on is
//! cancelled by id.
use crate::events::{kind, EventQueue};
use crate::io::{threads, IoError, Mode};
use crate::guard::{lock, INTERNAL_ERROR};
use crate::conn::{self, Conn};
use crate::io::inline::reactor::WRITE;
use crate::conn::stream::{Stream, Watched};
use crate::conn::{registry, ConnConfig};
use socket2::{Domain, SockAddr, Socket, Type};
use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, OnceLock};
use tokio::sync::Notify;

/// Where a client connection goes.
#[derive(Debug, Clone)]
pub enum ConnectTarget {
    /// Resolved addresses, tried in order, and an optional local address/port.
    Tcp { addrs: Vec<SocketAddr>, local: Option<IpAddr>, local_port: u16 },
    /// A unix-domain socket path.
    Unix { path: String },
}

/// A connect in flight: what stops it, and how the first response is to
/// be read if JS said so before the connection was made.
#[derive(Default)]
struct Pending {
    stop: Notify,
    expect: Mutex<Option<(u8, u32)>>,
}

/// Connects in flight, by id, so `cancel` can stop them.
fn pending() -> &'static Mutex<HashMap<u32, Arc<Pending>>> {
    static PENDING: OnceLock<Mutex<HashMap<u32, Arc<Pending>>>> = OnceLock::new();
    PENDING.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Stops a connect still in flight; false if `id` is not connecting.
pub fn cancel(id: u32) -> bool {
    match lock(pending()).remove(&id) {
        Some(p) => {
            p.stop.notify_one();
            true
        }
        None => false,
    }
}

/// Records how the first response of connection `id`, still connecting,
/// is to be read (`Conn::expect_response`): the connection starts with it,
/// so a response the server sends at once is read as JS asked. False if
/// `id` is not connecting.
pub fn expect_pending(id: u32, bits: u8, max_header_size: u32) -> bool {
    match lock(pending()).get(&id) {
        Some(p) => {
            *lock(&p.expect) = Some((bits, max_header_size));
            true
        }
        None => false,
    }
}

/// connect(2) on a non-blocking socket that is still connecting
/// (Windows: WSAEWOULDBLOCK).
#[cfg(unix)]
const EINPROGRESS: i32 = libc::EINPROGRESS;
#[cfg(windows)]
const EINPROGRESS: i32 = 10035;

/// Connects `sock` to `addr` without blocking on `mode`'s driver: waits
/// for writability, then takes the connect's outcome from SO_ERROR.
async fn connect_sock(sock: Socket, addr: &SockAddr, mode: Mode, unix: bool) -> io::Result<Stream> {
    // Connect first, then register: a socket registered before it connects
    // reports a hang-up that would read as writable.
    sock.set_nonblocking(true)?;
    let in_progress = match sock.connect(addr) {
        Ok(()) => false,
        Err(e) if e.raw_os_error() == Some(EINPROGRESS) => true,
        Err(e) => return Err(e),
    };
    let stream = match mode {
        Mode::Inline => {
            let w = Watched::new(sock)?;
            if in_progress {
                w.clear_ready(WRITE);
            }
            if unix { Stream::Unix(w) } else { Stream::Tcp(w) }
        }
        Mode::Threads if unix => Stream::Threads(threads::Socket::unix(sock)?),
        Mode::Threads => Stream::Threads(threads::Socket::tcp(sock)?),
    };
    if !in_progress {
        return Ok(stream);
    }
    std::future::poll_fn(|cx| stream.poll_write_ready(cx)).await?;
    match stream.socket().expect("a socket stream").take_error()? {
        Some(e) => Err(e),
        None => Ok(stream),
    }
}

async fn connect_tcp(addr: SocketAddr, local: Option<IpAddr>, local_port: u16, mode: Mode) -> io::Result<Stream> {
    let sock = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    if local.is_some() || local_port != 0 {
        let ip = local.unwrap_or(if addr.is_ipv4() { IpAddr::from([0, 0, 0, 0]) } else { IpAddr::from([0u16; 8]) });
        sock.bind(&SocketAddr::new(ip, local_port).into())?;
    }
    connect_sock(sock, &addr.into(), mode, false).await
}

async fn connect_unix(path: &str, mode: Mode) -> io::Result<Stream> {
    connect_sock(Socket::new(Domain::UNIX, Type::STREAM, None)?, &SockAddr::unix(path)?, mode, true).await
}

/// What a successful connect reports: remote, remote port, family, local, local port.
type Endpoints = (String, u16, u8, String, u16);

async fn establish(target: &ConnectTarget, mode: Mode) -> Result<(Stream, Endpoints), (io::Error, String, u16)> {
    match target {
        ConnectTarget::Unix { path } => match connect_unix(path, mode).await {
            Ok(s) => Ok((s, (String::new(), 0, 0, String::new(), 0))),
            Err(e) => Err((e, path.clone(), 0)),
        },
        ConnectTarget::Tcp { addrs, local, local_port } => {
            let mut last = None;
            for addr in addrs {
                match connect_tcp(*addr, *local, *local_port, mode).await {
                    Ok(s) => {
                        let sock = s.socket().expect("a socket stream");
                        let peer = sock.peer_addr().ok().and_then(|a| a.as_socket()).unwrap_or(*addr);
                        let me = sock.local_addr().ok().and_then(|a| a.as_socket()).unwrap_or(*addr);
                        let fam = if peer.is_ipv4() { 4 } else { 6 };
                        let ends = (peer.ip().to_string(), peer.port(), fam, me.ip().to_string(), me.port());
                        return Ok((s, ends));
                    }
                    Err(e) => last = Some((e, addr.ip().to_string(), addr.port())),
                }
            }
            Err(last.unwrap_or_else(|| (io::ErrorKind::InvalidInput.into(), String::new(), 0)))
        }
    }
}

/// Starts connecting to `target`; returns the connection's id at once. The
/// outcome arrives as CONNECTED (then the usual connection events) or
/// CONNECT_FAILED.
pub fn open(target: ConnectTarget, no_delay: bool, queue: Arc<EventQueue>, cfg: ConnConfig) -> u32 {
    let id = registry::next_id();
    let state = Arc::new(Pending::default());
    lock(pending()).insert(id, state.clone());
    let failed = queue.clone();
    let cfg_mode = cfg.mode;
    let task = async move {
        crate::inject_panic!("connect");
        let res = tokio::select! {
            biased;
            _ = state.stop.notified() => return,
            res = establish(&target, cfg.mode) => res,
        };
        // Held until the connection is registered, so a `clientExpect`
        // finds it either connecting or registered.
        let mut connecting = lock(pending());
        if connecting.remove(&id).is_none() {
            return; // cancelled just as it finished
        }
        match res {
            Ok((stream, (remote, rport, fam, local, lport))) => {
                stream.set_nodelay(no_delay);
                let conn = Conn::new_client(id, stream, &cfg);
                if let Some((bits, max)) = *lock(&state.expect) {
                    conn.expect_response(bits, max);
                }
                let conn = Arc::new(conn.on(cfg.mode, &queue));
                registry::insert(conn.clone());
                drop(connecting);
                queue.push(kind::CONNECTED, id, |w| {
                    w.str(&remote).u16(rport).u8(fam).str(&local).u16(lport);
                });
                conn::spawn(conn, queue, Arc::new(cfg));
            }
            Err((e, address, port)) => {
                drop(connecting);
                let err = IoError::new(&e, "connect");
                // errno 0: no OS error, JS reports `code` (an internal error).
                queue.push(kind::CONNECT_FAILED, id, |w| {
                    w.str(err.code).u32(err.errno_or_eio() as u32).str(&address).u16(port);
                });
            }
        }
    };
    // A panic while connecting fails this connect alone.
    let mode = cfg_mode;
    crate::io::spawn(mode, task, move || {
        lock(pending()).remove(&id);
        failed.push(kind::CONNECT_FAILED, id, |w| {
            w.str(INTERNAL_ERROR).u32(0).str("").u16(0);
        });
    });
    id
}

/// A client connection with no socket: JS injects what a stream of its own
/// receives and writes requests to that stream itself.
pub fn open_virtual(queue: Arc<EventQueue>, cfg: ConnConfig) -> u32 {
    let conn = Conn::new_client(registry::next_id(), Stream::Virtual, &cfg);
    let conn = Arc::new(conn.on(cfg.mode, &queue));
    let id = conn.id;
    registry::insert(conn.clone());
    conn::spawn(conn, queue, Arc::new(cfg));
    id
}
