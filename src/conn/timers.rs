//! The timers of a connection, from its reader's state and its server's
//! settings: headersTimeout and requestTimeout for the message being read,
//! keepAliveTimeout between messages, and the socket's own idle timeout.
use super::reader::{ReadState, Reader};
use super::role::Role;
use crate::exec::clock::now_ms;
use std::sync::atomic::Ordering;

/// Which timer fell due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timer {
    /// headersTimeout or requestTimeout: a 'clientError' with
    /// ERR_HTTP_REQUEST_TIMEOUT.
    Request,
    /// keepAliveTimeout or the socket's idle timeout: a 'timeout'.
    Idle,
    /// Nothing yet: a response is pending; look again then.
    Recheck,
}

impl<R: Role> Reader<'_, R> {
    /// The next moment a timer is due, and which. `idle_fired_at`: an idle
    /// timer fires once per stretch of inactivity that began before it.
    pub fn deadline(&self, idle_fired_at: u64) -> Option<(u64, Timer)> {
        let timeouts = &self.cfg.timeouts;
        let conn = self.conn;
        let mut best: Option<(u64, Timer)> = None;
        let mut consider = |at: u64, t: Timer| {
            if best.is_none_or(|(b, _)| at < b) {
                best = Some((at, t));
            }
        };
        let in_head = self.state == ReadState::Head;
        if let Some(start) = self.message_start.filter(|_| !self.request_timer_fired) {
            if in_head && timeouts.headers_ms() > 0 {
                consider(start + timeouts.headers_ms(), Timer::Request);
            }
            let reading = in_head || matches!(self.state, ReadState::Body(_));
            if reading && timeouts.request_ms() > 0 {
                consider(start + timeouts.request_ms(), Timer::Request);
            }
        }
        let responses_done = conn.responses_done.load(Ordering::Acquire);
        let last_activity = self.last_read_ms.max(conn.last_write_ms.load(Ordering::Relaxed));
        let idle_between_requests = in_head && self.message_start.is_none() && responses_done >= self.requests;
        if idle_between_requests && timeouts.keep_alive_ms() > 0 && self.requests > 0 {
            let since = last_activity.max(conn.last_response_ms.load(Ordering::Relaxed));
            if since >= idle_fired_at {
                consider(since + timeouts.keep_alive_ms(), Timer::Idle);
            }
        } else {
            let idle = conn.idle_timeout_ms.load(Ordering::Relaxed);
            if idle > 0 && last_activity >= idle_fired_at {
                consider(last_activity + idle, Timer::Idle);
            }
        }
        if self.requests > responses_done && timeouts.keep_alive_ms() > 0 {
            // A response is pending: look again later for the keep-alive timer.
            consider(now_ms() + timeouts.keep_alive_ms(), Timer::Recheck);
        }
        best
    }
}
