//! Listening and per-connection calls from JS. Connections are named by the
//! id their CONNECTION event carried.
use super::{fast, sink};
use crate::proto::HeadLimits;
use crate::server::listener::{self, BoundAddr};
use crate::conn::config::Timeouts;
use crate::guard::contain;
use crate::io::{IoError, Mode};
use crate::conn::{registry, Conn, ConnConfig};
use crate::server::{ListenTarget, Listener};
use std::sync::Arc;
use bytes::BytesMut;
use napi::bindgen_prelude::*;
use std::cell::RefCell;
use std::collections::HashMap;

thread_local! {
    static LISTENERS: RefCell<HashMap<u32, Listener>> = RefCell::new(HashMap::new());
}

/// Settings for `listen`, from the JS `Server`.
#[napi(object)]
pub struct ListenOptions {
    pub host: Option<String>,
    pub port: Option<u32>,
    pub ipv6_only: Option<bool>,
    pub path: Option<String>,
    /// Accept from this listening descriptor (a duplicate of it) instead.
    pub fd: Option<i32>,
    /// No socket: connections come through `serverAdopt`.
    pub handoff: Option<bool>,
    pub backlog: Option<i32>,
    pub max_header_size: Option<u32>,
    pub insecure_http_parser: Option<bool>,
    pub headers_timeout: Option<f64>,
    pub request_timeout: Option<f64>,
    pub keep_alive_timeout: Option<f64>,
    pub timeout: Option<f64>,
    pub no_delay: Option<bool>,
    pub keep_alive: Option<bool>,
    pub keep_alive_initial_delay: Option<f64>,
    /// The I/O driver: 0 inline, N > 0 the I/O threads (started with N
    /// workers if not running yet); the environment's setting if absent.
    pub io_threads: Option<u32>,
}

/// What `listen` bound.
#[napi(object)]
pub struct ListenResult {
    pub id: u32,
    pub address: String,
    pub port: u32,
    pub family: String,
}

/// A failed listen or adopt as JS reads it (`IoError`'s display).
fn io_error(e: std::io::Error, syscall: &'static str) -> Error {
    Error::new(Status::GenericFailure, IoError::new(&e, syscall).to_string())
}

fn ms(v: Option<f64>, default: u64) -> u64 {
    v.map(|x| if x.is_finite() && x > 0.0 { x as u64 } else { 0 }).unwrap_or(default)
}

fn server_config(opts: &ListenOptions) -> ConnConfig {
    let d = ConnConfig::default();
    ConnConfig {
        mode: super::io_mode::for_server(opts.io_threads),
        limits: HeadLimits {
            max_header_size: opts.max_header_size.map(|v| v as usize).unwrap_or(d.limits.max_header_size),
            lenient: opts.insecure_http_parser.unwrap_or(false),
        },
        timeouts: Arc::new(Timeouts::new(
            ms(opts.headers_timeout, d.timeouts.headers_ms()),
            ms(opts.request_timeout, d.timeouts.request_ms()),
            ms(opts.keep_alive_timeout, d.timeouts.keep_alive_ms()),
        )),
        idle_timeout_ms: ms(opts.timeout, 0),
        no_delay: opts.no_delay.unwrap_or(true),
        keep_alive: opts.keep_alive.unwrap_or(false),
        keep_alive_initial_delay_ms: ms(opts.keep_alive_initial_delay, 0),
    }
}

/// Opens a connection with no socket, for a stream JS got elsewhere; its
/// bytes come through `connInject`. Returns the connection id.
#[napi(js_name = "openVirtual", catch_unwind)]
pub fn open_virtual(opts: ListenOptions) -> Result<u32> {
    let queue = sink::queue()?;
    Ok(listener::open_virtual(queue, server_config(&opts)))
}

/// Parses `data` on connection `id` as if it had been read from its socket.
#[napi(js_name = "connInject", catch_unwind)]
pub fn conn_inject(id: u32, data: BufferSlice) {
    with_conn(id, |c| c.inject(&data));
}

/// Binds and starts accepting. Errors carry an `IoError` (`code:syscall:errno`) as message.
#[napi(catch_unwind)]
pub fn listen(opts: ListenOptions) -> Result<ListenResult> {
    crate::inject_panic!("napi_listen");
    let queue = sink::queue()?;
    let cfg = server_config(&opts);
    let target = if opts.handoff == Some(true) {
        ListenTarget::Handoff
    } else if let Some(fd) = opts.fd {
        ListenTarget::Fd(fd)
    } else if let Some(path) = opts.path {
        ListenTarget::Unix { path }
    } else {
        let host = opts.host.as_deref().unwrap_or("::");
        let ip = host.parse().map_err(|_| Error::new(Status::InvalidArg, format!("ENOTFOUND:listen:{}", host)))?;
        ListenTarget::Tcp { host: ip, port: opts.port.unwrap_or(0) as u16, ipv6_only: opts.ipv6_only.unwrap_or(false) }
    };
    let backlog = opts.backlog.filter(|b| *b > 0).unwrap_or(511);
    let l = listener::listen(target, backlog, queue, cfg).map_err(|e| io_error(e, "listen"))?;
    let res = match &l.addr {
        BoundAddr::Tcp(a) => ListenResult {
            id: l.id,
            address: a.ip().to_string(),
            port: a.port() as u32,
            family: if a.is_ipv4() { "IPv4".into() } else { "IPv6".into() },
        },
        BoundAddr::Unix(p) => ListenResult { id: l.id, address: p.clone(), port: 0, family: String::new() },
        BoundAddr::None => ListenResult { id: l.id, address: String::new(), port: 0, family: String::new() },
    };
    LISTENERS.with(|m| m.borrow_mut().insert(l.id, l));
    Ok(res)
}

/// Stops every listener of this environment (it is going away).
pub(super) fn close_all_listeners() {
    let all: Vec<Listener> = LISTENERS.with(|m| m.borrow_mut().drain().map(|(_, l)| l).collect());
    for l in all {
        l.close();
    }
}

/// Sets a listening server's timeouts in ms (0 = none), for its open
/// connections too: JS calls it when `server.headersTimeout`,
/// `requestTimeout` or `keepAliveTimeout` changed after `listen()`.
#[napi(js_name = "serverSetTimeouts", catch_unwind)]
pub fn server_set_timeouts(id: u32, headers_ms: f64, request_ms: f64, keep_alive_ms: f64) {
    LISTENERS.with(|m| {
        if let Some(l) = m.borrow().get(&id) {
            l.timeouts().set(ms(Some(headers_ms), 0), ms(Some(request_ms), 0), ms(Some(keep_alive_ms), 0));
            // Open connections recompute their deadlines (rare: a server's
            // timeouts set after listen()).
            registry::for_each(|c| c.timeouts_changed());
        }
    });
}

/// Stops a listener from accepting.
#[napi(js_name = "serverClose", catch_unwind)]
pub fn server_close(id: u32) {
    if let Some(l) = LISTENERS.with(|m| m.borrow_mut().remove(&id)) {
        l.close();
    }
}

/// Serves a connection accepted elsewhere (a descriptor from a cluster
/// primary or a `net.Server`) on listener `id`; the caller closes its own
/// descriptor afterwards. Errors carry an `IoError` (`code:syscall:errno`).
#[napi(js_name = "serverAdopt", catch_unwind)]
pub fn server_adopt(id: u32, fd: i32) -> Result<()> {
    LISTENERS.with(|m| match m.borrow().get(&id) {
        Some(l) => l.adopt(fd).map_err(|e| io_error(e, "accept")),
        None => Err(Error::new(Status::GenericFailure, "ERR_SERVER_NOT_RUNNING:accept:0".to_string())),
    })
}

/// A listening server's socket descriptor (`server._handle.fd`); -1 once closed.
#[napi(js_name = "serverFd", catch_unwind)]
pub fn server_fd(id: u32) -> i32 {
    LISTENERS.with(|m| m.borrow().get(&id).map_or(-1, |l| l.fd))
}

/// Runs `f` on connection `id` if it is still open, and returns what it
/// returns, or `gone` if the connection is not open. A panic in `f` is
/// contained to this connection, which fails (it closes with an internal
/// error) while the call returns `gone` (DESIGN.md, bridge rule 9).
pub(super) fn on_conn<R>(id: u32, gone: R, f: impl FnOnce(&Arc<Conn>) -> R) -> R {
    let Some(c) = registry::get(id) else { return gone };
    contained_on(&c, || f(&c)).unwrap_or(gone)
}

/// Runs `f`, a call on connection `c`; a panic in it fails `c` (as in
/// `on_conn`, without the lookup by id).
fn contained_on<R>(c: &Conn, f: impl FnOnce() -> R) -> Option<R> {
    let done = contain("a call on a connection", || {
        crate::inject_panic!("napi_conn");
        f()
    });
    if done.is_none() {
        c.fail();
    }
    done
}

/// Runs `f` on connection `id` if it is still open (see `on_conn`).
fn with_conn(id: u32, f: impl FnOnce(&Conn)) {
    on_conn(id, (), |c| f(c))
}

/// `connWrite(id, data)`: writes one buffer; returns bytes still queued,
/// or -1 if the connection is gone.
pub(super) unsafe extern "C" fn conn_write(env: napi::sys::napi_env, info: napi::sys::napi_callback_info) -> napi::sys::napi_value {
    // SAFETY: napi calls this on the JS thread with its callback info.
    unsafe {
        fast::call(env, info, "connWrite", |a| {
            let (id, data) = (a.u32(0)?, a.bytes(1)?);
            Ok(on_conn(id, -1, |c| c.write(&[data]).map(|n| n as i64).unwrap_or(-1)))
        })
    }
}

thread_local! {
    /// Connections with writes deferred until `flushWrites`.
    static DEFERRED: RefCell<Vec<std::sync::Arc<crate::conn::Conn>>> = const { RefCell::new(Vec::new()) };
}

/// Writes deferred past this many queued bytes report them, so JS waits
/// for a drain.
const DEFER_LIMIT: usize = 64 * 1024;

/// `connWriteDeferred(id, data, now?)`: queues one buffer to be written by
/// the next `flushWrites` (called when JS has handled a batch of events),
/// or at once if `now`. Returns bytes queued when past the limit (else 0),
/// or -1 if the connection is gone.
pub(super) unsafe extern "C" fn conn_write_deferred(env: napi::sys::napi_env, info: napi::sys::napi_callback_info) -> napi::sys::napi_value {
    // SAFETY: napi calls this on the JS thread with its callback info.
    unsafe {
        fast::call(env, info, "connWriteDeferred", |a| {
            let (id, data, now) = (a.u32(0)?, a.bytes(1)?, a.opt_bool(2)? == Some(true));
            Ok(on_conn(id, -1, |c| match c.write_deferred(&[data]) {
                Ok((queued, first)) => {
                    let queued = send_deferred(c.clone(), queued, first, now);
                    if queued >= DEFER_LIMIT { queued as i64 } else { 0 }
                }
                Err(_) => -1,
            }))
        })
    }
}

/// `connWriteDeferredString(id, head, latin1, body?, now?)`:
/// `connWriteDeferred` for a string (a response head, or head and body),
/// encoded (latin1, or else UTF-8) straight into the connection's staged
/// bytes, then `body` if given: no Buffer is made for the string. Returns
/// -1 if the connection is gone, else twice the bytes written plus 1 when
/// the queue is past its limit (JS counts `bytesWritten` from it, with no
/// second pass over the string). With `now`, written at once instead.
pub(super) unsafe extern "C" fn conn_write_deferred_string(env: napi::sys::napi_env, info: napi::sys::napi_callback_info) -> napi::sys::napi_value {
    // SAFETY: napi calls this on the JS thread with its callback info.
    unsafe {
        fast::call(env, info, "connWriteDeferredString", |a| {
            let (id, head, latin1) = (a.u32(0)?, a.value(1), a.bool(2)?);
            let (body, now) = (a.opt_bytes(3)?.unwrap_or(&[]), a.opt_bool(4)? == Some(true));
            Ok(on_conn(id, -1, |c| write_string(a.env(), c, head, latin1, body, now)))
        })
    }
}

/// `connWriteDeferredStrings(id, head, body, latin1, now?)`:
/// `connWriteDeferredString` for a head and a string body (latin1, or else
/// UTF-8, both in that encoding as Node writes `head + body`), each encoded
/// straight into the staged bytes: V8 never flattens the two into one.
pub(super) unsafe extern "C" fn conn_write_deferred_strings(env: napi::sys::napi_env, info: napi::sys::napi_callback_info) -> napi::sys::napi_value {
    // SAFETY: napi calls this on the JS thread with its callback info.
    unsafe {
        fast::call(env, info, "connWriteDeferredStrings", |a| {
            let (id, head, body, latin1, now) = (a.u32(0)?, a.value(1), a.value(2), a.bool(3)?, a.opt_bool(4)? == Some(true));
            Ok(on_conn(id, -1, |c| write_strings(a.env(), c, head, body, latin1, now)))
        })
    }
}

/// `connWriteDeferredStrings` on an open connection.
fn write_strings(env: napi::sys::napi_env, c: &Arc<Conn>, head: napi::sys::napi_value, body: napi::sys::napi_value, latin1: bool, now: bool) -> i64 {
    // SAFETY: napi calls on the JS thread with live string handles.
    let (Some(h), Some(b)) = (unsafe { string_units(env, head) }, unsafe { string_units(env, body) }) else {
        return -1;
    };
    let per_unit = if latin1 { 1 } else { 3 };
    let (room_h, room_b) = (h * per_unit + 1, b * per_unit + 1);
    let res = c.write_deferred_with(room_h + room_b, |buf| {
        // SAFETY: as above; `buf` has `room_h + room_b` bytes spare,
        // and the first encoding leaves at least `room_b` of them.
        let n = unsafe { encode_head(env, head, latin1, buf, room_h)? };
        let m = unsafe { encode_string(env, body, latin1, buf, room_b)? };
        Some(n + m)
    });
    deferred_result(c, res, now)
}

/// `connWriteDeferredString` on an open connection.
fn write_string(env: napi::sys::napi_env, c: &Arc<Conn>, head: napi::sys::napi_value, latin1: bool, body: &[u8], now: bool) -> i64 {
    // SAFETY: napi calls on the JS thread with a live string handle.
    let Some(units) = (unsafe { string_units(env, head) }) else { return -1 };
    // A UTF-16 unit is at most 3 UTF-8 bytes; napi writes a NUL after.
    let room = if latin1 { units } else { units * 3 } + 1;
    let res = c.write_deferred_with(room + body.len(), |buf| {
        // SAFETY: as above; `buf` has `room` bytes spare.
        let n = unsafe { encode_string(env, head, latin1, buf, room)? };
        buf.extend_from_slice(body);
        Some(n + body.len())
    });
    deferred_result(c, res, now)
}

/// What the string writes return (see `connWriteDeferredString`).
fn deferred_result(c: &Arc<Conn>, res: std::result::Result<(usize, usize, bool), crate::conn::WriteError>, now: bool) -> i64 {
    match res {
        Ok((written, queued, first)) => {
            let queued = send_deferred(c.clone(), queued, first, now);
            (written as i64) * 2 + i64::from(queued >= DEFER_LIMIT)
        }
        Err(_) => -1,
    }
}

/// Sends a deferred write on its way: written at once if `now`, else (for
/// the connection's first since the last flush) listed for `flushWrites`.
/// Returns the bytes left queued.
fn send_deferred(c: std::sync::Arc<crate::conn::Conn>, queued: usize, first: bool, now: bool) -> usize {
    if now {
        c.flush_deferred();
        return c.queued();
    }
    if first {
        DEFERRED.with(|d| d.borrow_mut().push(c));
    }
    queued
}

/// `encode_string` for a message head. In UTF-8 too the head is first
/// written as latin1 (a copy of V8's one-byte string, where UTF-8 checks
/// each byte as it goes) and kept if all ASCII, then the same bytes. Heads
/// hold no character past U+00FF (Node rejects them: ERR_INVALID_CHAR,
/// ERR_UNESCAPED_CHARACTERS), so latin1 loses nothing; a non-ASCII head is
/// written again as UTF-8.
///
/// # Safety
/// As `encode_string`.
unsafe fn encode_head(env: napi::sys::napi_env, value: napi::sys::napi_value, latin1: bool, buf: &mut BytesMut, room: usize) -> Option<usize> {
    let start = buf.len();
    // SAFETY: the caller's contract.
    let n = unsafe { encode_string(env, value, true, buf, room)? };
    if latin1 || buf[start..].is_ascii() {
        return Some(n);
    }
    buf.truncate(start);
    // SAFETY: the caller's contract.
    unsafe { encode_string(env, value, false, buf, room) }
}

/// The length of JS string `value` in UTF-16 units (no pass over it).
///
/// # Safety
/// On the JS thread of `env`, with `value` a live handle.
unsafe fn string_units(env: napi::sys::napi_env, value: napi::sys::napi_value) -> Option<usize> {
    let mut len = 0usize;
    // SAFETY: the caller's contract; a null buffer asks for the length only.
    let status = unsafe { napi::sys::napi_get_value_string_utf16(env, value, std::ptr::null_mut(), 0, &mut len) };
    (status == napi::sys::Status::napi_ok).then_some(len)
}

/// Appends JS string `value` to `buf` in latin1 or UTF-8, in one pass;
/// `room` (spare in `buf`) must hold it and a NUL. Returns the bytes added.
///
/// # Safety
/// On the JS thread of `env`, with `value` a live handle.
unsafe fn encode_string(env: napi::sys::napi_env, value: napi::sys::napi_value, latin1: bool, buf: &mut BytesMut, room: usize) -> Option<usize> {
    use napi::sys;
    let get = if latin1 { sys::napi_get_value_string_latin1 } else { sys::napi_get_value_string_utf8 };
    debug_assert!(buf.capacity() - buf.len() >= room);
    let dst = buf.spare_capacity_mut().as_mut_ptr() as *mut std::ffi::c_char;
    let mut written = 0usize;
    // SAFETY: the caller's contract; `dst` has `room` bytes spare.
    if unsafe { get(env, value, dst, room, &mut written) } != sys::Status::napi_ok {
        return None;
    }
    // SAFETY: napi initialised `written` bytes (the NUL after them not counted).
    unsafe { buf.set_len(buf.len() + written) };
    Some(written)
}

/// Writes everything `connWriteDeferred` queued. Inline connections are
/// written here. Threaded ones too when only one waits (the lowest
/// latency: no hand-over); from two on they go to the I/O threads in one
/// task, which writes them there, so the JS thread makes one wake-up per
/// batch instead of a syscall per connection.
#[napi(js_name = "flushWrites", catch_unwind)]
pub fn flush_writes() {
    let list = DEFERRED.with(|d| std::mem::take(&mut *d.borrow_mut()));
    let threaded = list.iter().filter(|c| c.mode == Mode::Threads).count();
    let mut handed: Vec<Arc<Conn>> = Vec::new();
    // The list holds the connections themselves: no lookup by id (one
    // that closed since writes nothing, see `Conn::flush`).
    for c in &list {
        if threaded > 1 && c.mode == Mode::Threads {
            if contained_on(c, || c.hand_over_flush()).is_some() {
                handed.push(c.clone());
            }
        } else {
            contained_on(c, || c.flush_deferred());
        }
    }
    if !handed.is_empty() {
        crate::io::threads::spawn_contained(
            async move {
                // Each contained: a panic fails its connection alone.
                for c in handed {
                    if contain("a flush on the I/O threads", || c.flush_deferred()).is_none() {
                        c.fail();
                    }
                }
            },
            None,
        );
    }
    DEFERRED.with(|d| {
        let mut d = d.borrow_mut();
        if d.is_empty() {
            // Keep the allocation for the next batch.
            *d = list;
            d.clear();
        }
    });
}

/// Writes two buffers (a head and a body) in one syscall when it can.
#[napi(js_name = "connWrite2", catch_unwind)]
pub fn conn_write2(id: u32, a: BufferSlice, b: BufferSlice) -> i64 {
    on_conn(id, -1, |c| c.write(&[&a, &b]).map(|n| n as i64).unwrap_or(-1))
}

/// Writes several buffers in order.
#[napi(js_name = "connWritev", catch_unwind)]
pub fn conn_writev(id: u32, list: Vec<BufferSlice>) -> i64 {
    on_conn(id, -1, |c| {
        let parts: Vec<&[u8]> = list.iter().map(|b| &b[..]).collect();
        c.write(&parts).map(|n| n as i64).unwrap_or(-1)
    })
}

/// Asks for a DRAIN event when the write queue empties; false if it is empty now.
#[napi(js_name = "connWantDrain", catch_unwind)]
pub fn conn_want_drain(id: u32) -> bool {
    on_conn(id, false, |c| c.want_drain())
}

/// Flushes, half-closes and closes.
#[napi(js_name = "connEnd", catch_unwind)]
pub fn conn_end(id: u32) {
    with_conn(id, |c| c.end());
}

/// Closes now.
#[napi(js_name = "connDestroy", catch_unwind)]
pub fn conn_destroy(id: u32) {
    with_conn(id, |c| c.destroy());
}

/// Closes now with an RST instead of a FIN (`socket.resetAndDestroy()`).
#[napi(js_name = "connReset", catch_unwind)]
pub fn conn_reset(id: u32) {
    with_conn(id, |c| c.reset());
}

/// The connection's socket descriptor (`socket._handle.fd`); -1 if it has
/// none (virtual, closed, or still connecting).
#[napi(js_name = "connFd", catch_unwind)]
pub fn conn_fd(id: u32) -> i32 {
    on_conn(id, -1, |c| c.stream.fd())
}

/// Bytes read from the connection's socket so far (`socket.bytesRead`).
#[napi(js_name = "connBytesRead", catch_unwind)]
pub fn conn_bytes_read(id: u32) -> f64 {
    on_conn(id, 0.0, |c| c.bytes_read() as f64)
}

/// `connPause(id, paused)`: stops (true) or resumes (false) reading.
pub(super) unsafe extern "C" fn conn_pause(env: napi::sys::napi_env, info: napi::sys::napi_callback_info) -> napi::sys::napi_value {
    // SAFETY: napi calls this on the JS thread with its callback info.
    unsafe {
        fast::call(env, info, "connPause", |a| {
            let (id, paused) = (a.u32(0)?, a.bool(1)?);
            with_conn(id, |c| c.pause_read(paused));
            Ok(())
        })
    }
}

/// `connRef(id, on)`: `socket.ref()` (true) / `socket.unref()` (false):
/// whether the connection's reading holds the event loop (pending writes
/// always do).
pub(super) unsafe extern "C" fn conn_ref(env: napi::sys::napi_env, info: napi::sys::napi_callback_info) -> napi::sys::napi_value {
    // SAFETY: napi calls this on the JS thread with its callback info.
    unsafe {
        fast::call(env, info, "connRef", |a| {
            let (id, on) = (a.u32(0)?, a.bool(1)?);
            with_conn(id, |c| c.set_ref(on));
            Ok(())
        })
    }
}

/// Connections open in the core and, of this thread's, those holding the
/// event loop: `[open, holding]`, for tests that check none is left behind.
#[napi(js_name = "connCounts", catch_unwind)]
pub fn conn_counts() -> Vec<u32> {
    vec![registry::len() as u32, crate::io::inline::hold::count() as u32]
}

/// Sets the idle timeout in ms (0 = none).
#[napi(js_name = "connSetTimeout", catch_unwind)]
pub fn conn_set_timeout(id: u32, ms: f64) {
    with_conn(id, |c| c.set_timeout(if ms > 0.0 { ms as u64 } else { 0 }));
}

/// Marks responses finished (for the keep-alive timer): one for each of
/// the first `count` connection ids in `ids`, which JS gathers over a batch
/// so a batch of responses costs one call. The keep-alive timers start now
/// (one clock read for the batch), not at the start of the loop's turn.
#[napi(js_name = "connResponsesDone", catch_unwind)]
pub fn conn_responses_done(ids: Uint32ArraySlice, count: u32) {
    crate::exec::clock::refresh();
    for &id in ids.iter().take(count as usize) {
        with_conn(id, |c| c.response_done());
    }
}

/// Sends JS a copy of each chunk read in HTTP mode (`Conn::unconsume`).
#[napi(js_name = "connUnconsume", catch_unwind)]
pub fn conn_unconsume(id: u32) {
    with_conn(id, |c| c.unconsume());
}

/// After an upgrade request: raw bytes to JS (true) or HTTP as usual (false).
#[napi(js_name = "connUpgrade", catch_unwind)]
pub fn conn_upgrade(id: u32, raw: bool) {
    with_conn(id, |c| c.upgrade_decision(raw));
}

/// TCP_NODELAY.
#[napi(js_name = "connSetNoDelay", catch_unwind)]
pub fn conn_set_no_delay(id: u32, on: bool) {
    with_conn(id, |c| c.stream.set_nodelay(on));
}

/// TCP keep-alive probes.
#[napi(js_name = "connSetKeepAlive", catch_unwind)]
pub fn conn_set_keep_alive(id: u32, on: bool, delay_ms: f64) {
    with_conn(id, |c| c.stream.set_keepalive(on, delay_ms.max(0.0) as u64));
}

/// Whether a request is partly received on the connection.
#[napi(js_name = "connInMessage", catch_unwind)]
pub fn conn_in_message(id: u32) -> bool {
    on_conn(id, false, |c| c.in_message())
}
