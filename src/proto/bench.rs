//! Timing loops for the head parsers (not benchmarks of record): run with
//! `cargo test --release --lib -- --ignored --nocapture parse_speed`.

use super::{parse_request_head, parse_response_head, HeadLimits, ResponseExpect};
use std::time::Instant;

/// A typical browser request: `GET /path HTTP/1.1` and a dozen headers.
pub(crate) const TYPICAL_REQUEST: &[u8] = b"GET /api/v1/items/12345?expand=true&fields=name,price HTTP/1.1\r\n\
Host: www.example.com\r\n\
User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n\
Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n\
Accept-Language: en-US,en;q=0.5\r\n\
Accept-Encoding: gzip, deflate, br, zstd\r\n\
Connection: keep-alive\r\n\
Cookie: session=0123456789abcdef0123456789abcdef; theme=dark; lang=en\r\n\
Upgrade-Insecure-Requests: 1\r\n\
Sec-Fetch-Dest: document\r\n\
Sec-Fetch-Mode: navigate\r\n\
Sec-Fetch-Site: none\r\n\
Priority: u=0, i\r\n\r\n";

const TYPICAL_RESPONSE: &[u8] = b"HTTP/1.1 200 OK\r\n\
Content-Type: application/json; charset=utf-8\r\n\
Content-Length: 1234\r\n\
Date: Mon, 01 Dec 2025 10:00:00 GMT\r\n\
Connection: keep-alive\r\n\
Keep-Alive: timeout=5\r\n\
Cache-Control: no-cache\r\n\
ETag: \"abcdef0123456789\"\r\n\r\n";

fn time<F: FnMut() -> usize>(name: &str, mut f: F) {
    let mut sink = 0;
    for _ in 0..20_000 {
        sink += f();
    }
    let mut best = f64::MAX;
    for _ in 0..7 {
        let n = 200_000;
        let t = Instant::now();
        for _ in 0..n {
            sink += f();
        }
        best = best.min(t.elapsed().as_nanos() as f64 / n as f64);
    }
    println!("{name}: {best:.0} ns per head (best of 7 rounds) [{sink}]");
}

#[test]
#[ignore]
fn parse_speed() {
    let limits = HeadLimits::default();
    time("request head", || {
        parse_request_head(std::hint::black_box(TYPICAL_REQUEST), limits).unwrap().unwrap().headers.len()
    });
    time("response head", || {
        parse_response_head(std::hint::black_box(TYPICAL_RESPONSE), limits, ResponseExpect::default())
            .unwrap()
            .unwrap()
            .headers
            .len()
    });
}
