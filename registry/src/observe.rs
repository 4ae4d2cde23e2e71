//! Request middleware: a request id (taken from a well-formed `X-Request-Id`
//! or made up), the client IP, a tracing span carrying both, the per-IP rate
//! limit (every path but the probes, unmatched ones included), and metrics by
//! route and status.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::cell::Cell;
use std::net::{IpAddr, SocketAddr};
use std::time::Instant;
use tracing::Instrument;

/// Header carrying the request id in and out.
pub const REQUEST_ID: &str = "x-request-id";

/// The client address as the server believes it (see [`AppState::client_ip`]).
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub Option<IpAddr>);

/// The matched route template, passed out to the outer middleware for metrics.
#[derive(Debug, Clone)]
struct RouteName(MatchedPath);

/// Routes that probes and scrapers call; never rate limited.
const UNLIMITED: [&str; 3] = ["/healthz", "/readyz", "/metrics"];

/// Outer layer: request id, client IP, per-IP rate limit, span, access log, metrics.
pub async fn outer(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let client_ip = state.client_ip(peer, req.headers());
    req.extensions_mut().insert(ClientIp(client_ip));
    let request_id = req
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map_or_else(new_request_id, str::to_owned);
    let method = req.method().clone();
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %method,
        path = %req.uri().path(),
        client_ip = %client_ip.map_or_else(|| "-".to_owned(), |ip| ip.to_string()),
    );
    let limited = match client_ip {
        Some(ip) if !state.ip_limiter.is_unlimited() && !UNLIMITED.contains(&req.uri().path()) => {
            state.ip_limiter.check(&ip.to_string()).err()
        }
        _ => None,
    };
    let mut response = match limited {
        None => next.run(req).instrument(span.clone()).await,
        Some(wait) => ApiError::too_many_requests(wait).into_response(),
    };
    let route = match (limited, response.extensions().get::<RouteName>()) {
        (Some(_), _) => "(rate-limited)",
        (None, Some(r)) => r.0.as_str(),
        (None, None) => "(unmatched)",
    };
    let status = response.status().as_u16();
    let elapsed = started.elapsed();
    state
        .metrics
        .request(route, method.as_str(), status, elapsed.as_secs_f64());
    span.in_scope(|| {
        tracing::info!(status, route = %route, latency_us = elapsed.as_micros() as u64, "answered");
    });
    if let Ok(v) = HeaderValue::try_from(request_id) {
        response.headers_mut().insert(REQUEST_ID, v);
    }
    response
}

/// A fresh request id: 16 hex digits. Each thread draws from its own
/// splitmix64 sequence seeded once from the system RNG, so ids do not repeat
/// within a thread (the generator is a bijection of a counter) and threads
/// and processes start at unrelated points, without a system RNG call per
/// request. Request ids are not secrets.
fn new_request_id() -> String {
    thread_local! {
        static STATE: Cell<u64> = Cell::new(seed());
    }
    let state = STATE.with(|s| {
        let next = s.get().wrapping_add(0x9e37_79b9_7f4a_7c15);
        s.set(next);
        next
    });
    let mut z = state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    format!("{:016x}", z ^ (z >> 31))
}

fn seed() -> u64 {
    use aws_lc_rs::rand::{SecureRandom, SystemRandom};
    let mut bytes = [0u8; 8];
    // On RNG failure the ids are still unique within the thread.
    let _ = SystemRandom::new().fill(&mut bytes);
    u64::from_le_bytes(bytes)
}

/// Inner (route) layer: passes the matched route template out for metrics.
pub async fn route(req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().cloned();
    let mut response = next.run(req).await;
    if let Some(route) = route {
        response.extensions_mut().insert(RouteName(route));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn made_up_request_ids_are_16_hex_digits_and_never_repeat_across_threads() {
        let batch = || (0..50_000).map(|_| new_request_id()).collect::<Vec<_>>();
        let other = std::thread::spawn(batch).join().unwrap();
        let ids: Vec<String> = batch().into_iter().chain(other).collect();
        assert!(
            ids.iter()
                .all(|id| id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()))
        );
        assert_eq!(ids.iter().collect::<HashSet<_>>().len(), ids.len());
    }
}
