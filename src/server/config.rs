//! Per-server settings the connection tasks need, fixed at `listen()`.
use crate::proto::HeadLimits;

/// Settings shared by every connection of one server.
#[derive(Debug, Clone, Copy)]
pub struct ServerConfig {
    pub limits: HeadLimits,
    /// `headersTimeout` in ms (0 = none): time from the first byte of a head to its end.
    pub headers_timeout_ms: u64,
    /// `requestTimeout` in ms (0 = none): time from the first byte to the end of the body.
    pub request_timeout_ms: u64,
    /// `keepAliveTimeout` in ms (0 = none): idle time allowed between requests.
    pub keep_alive_timeout_ms: u64,
    /// Initial socket idle timeout (`server.timeout`), 0 = none.
    pub idle_timeout_ms: u64,
    pub no_delay: bool,
    pub keep_alive: bool,
    pub keep_alive_initial_delay_ms: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            limits: HeadLimits::default(),
            headers_timeout_ms: 60_000,
            request_timeout_ms: 300_000,
            keep_alive_timeout_ms: 5_000,
            idle_timeout_ms: 0,
            no_delay: true,
            keep_alive: false,
            keep_alive_initial_delay_ms: 0,
        }
    }
}
