//! Client calls from JS: open a connection (to addresses JS resolved, or a
//! unix path), open a virtual one over a stream of JS's own, and say how the
//! next response on a connection is to be read. Writing, pausing, timeouts
//! and closing are the shared `conn*` calls of `server.rs`.
use super::sink;
use crate::client::{self, ConnectTarget};
use crate::proto::HeadLimits;
use crate::conn::ConnConfig;
use napi::bindgen_prelude::*;

/// Where and how to connect, from the JS `ClientSocket`.
/// An address JS passed that is not an IP address: EINVAL from `syscall`.
fn invalid_address(syscall: &'static str) -> Error {
    let e = std::io::Error::from(std::io::ErrorKind::InvalidInput);
    Error::new(Status::InvalidArg, crate::io::IoError::new(&e, syscall).to_string())
}

#[napi(object)]
pub struct ConnectOptions {
    /// IP literals to try in order (JS resolved the name).
    pub addresses: Option<Vec<String>>,
    pub port: Option<u32>,
    /// A unix-domain socket path instead of addresses.
    pub path: Option<String>,
    pub local_address: Option<String>,
    pub local_port: Option<u32>,
    pub no_delay: Option<bool>,
}

/// Connection settings of a client: no server timers, default head limits.
fn client_config() -> ConnConfig {
    ConnConfig {
        mode: super::io_mode::default_mode(),
        limits: HeadLimits::default(),
        timeouts: Default::default(),
        ..ConnConfig::default()
    }
}

/// Starts connecting; returns the connection id. The outcome arrives as a
/// CONNECTED or CONNECT_FAILED event.
#[napi(js_name = "clientConnect", catch_unwind)]
pub fn client_connect(opts: ConnectOptions) -> Result<u32> {
    let queue = sink::queue()?;
    let target = if let Some(path) = opts.path {
        ConnectTarget::Unix { path }
    } else {
        let port = opts.port.unwrap_or(80) as u16;
        let mut addrs = Vec::new();
        for a in opts.addresses.unwrap_or_default() {
            let ip: std::net::IpAddr =
                a.parse().map_err(|_| invalid_address("connect"))?;
            addrs.push(std::net::SocketAddr::new(ip, port));
        }
        let local = match opts.local_address {
            Some(a) => Some(a.parse().map_err(|_| invalid_address("bind"))?),
            None => None,
        };
        ConnectTarget::Tcp { addrs, local, local_port: opts.local_port.unwrap_or(0) as u16 }
    };
    Ok(client::open(target, opts.no_delay.unwrap_or(false), queue, client_config()))
}

/// Opens a client connection with no socket; responses are parsed from
/// what `connInject` hands in.
#[napi(js_name = "clientOpenVirtual", catch_unwind)]
pub fn client_open_virtual() -> Result<u32> {
    let queue = sink::queue()?;
    Ok(client::open_virtual(queue, client_config()))
}

/// `clientExpect(id, bits, maxHeaderSize)`: how the next response is read:
/// bits 1 HEAD request, 2 CONNECT, 4 lenient parsing; `maxHeaderSize` 0
/// for the default.
pub(super) unsafe extern "C" fn client_expect(env: napi::sys::napi_env, info: napi::sys::napi_callback_info) -> napi::sys::napi_value {
    // SAFETY: napi calls this on the JS thread with its callback info.
    unsafe {
        super::fast::call(env, info, "clientExpect", |a| {
            let (id, bits, max_header_size) = (a.u32(0)?, a.u32(1)? as u8, a.u32(2)?);
            if !client::expect_pending(id, bits, max_header_size) {
                super::server::on_conn(id, (), |c| c.expect_response(bits, max_header_size));
            }
            Ok(())
        })
    }
}

/// Ends the bytes injected into a virtual connection (the stream ended).
#[napi(js_name = "connInjectEnd", catch_unwind)]
pub fn conn_inject_end(id: u32) {
    super::server::on_conn(id, (), |c| c.inject_eof());
}

/// Stops a connect in flight; false if `id` is not connecting.
#[napi(js_name = "clientCancel", catch_unwind)]
pub fn client_cancel(id: u32) -> bool {
    client::cancel(id)
}
