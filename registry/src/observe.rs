//! Request middleware: a request id (taken from a well-formed `X-Request-Id`
//! or made up), the client IP, a tracing span carrying both, the per-IP rate
//! limit (every path but the probes, unmatched ones included), and metrics by
//! route and status.

use crate::auth::random_id;
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
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
struct RouteName(String);

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
        .map_or_else(random_id, str::to_owned);
    let method = req.method().to_string();
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %method,
        path = %req.uri().path(),
        client_ip = %client_ip.map_or_else(|| "-".to_owned(), |ip| ip.to_string()),
    );
    let limited = match client_ip {
        Some(ip) if !UNLIMITED.contains(&req.uri().path()) => {
            state.ip_limiter.check(&ip.to_string()).err()
        }
        _ => None,
    };
    let mut response = match limited {
        None => next.run(req).instrument(span.clone()).await,
        Some(wait) => ApiError::too_many_requests(wait).into_response(),
    };
    let route = match (limited, response.extensions().get::<RouteName>()) {
        (Some(_), _) => "(rate-limited)".to_owned(),
        (None, Some(r)) => r.0.clone(),
        (None, None) => "(unmatched)".to_owned(),
    };
    let status = response.status().as_u16();
    let elapsed = started.elapsed();
    state
        .metrics
        .request(&route, &method, status, elapsed.as_secs_f64());
    span.in_scope(|| {
        tracing::info!(status, route = %route, latency_us = elapsed.as_micros() as u64, "answered");
    });
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID, v);
    }
    response
}

/// Inner (route) layer: passes the matched route template out for metrics.
pub async fn route(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    let mut response = next.run(req).await;
    if let Some(route) = route {
        response.extensions_mut().insert(RouteName(route));
    }
    response
}
