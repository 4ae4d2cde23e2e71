//! Request middleware: a request id (taken from a well-formed `X-Request-Id`
//! or made up), the client IP, a tracing span carrying both, the per-IP rate
//! limit, and metrics by route and status.

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

/// Outer layer: request id, client IP, span, access log, metrics.
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
    let mut response = next.run(req).instrument(span.clone()).await;
    let route = response
        .extensions()
        .get::<RouteName>()
        .map_or("unmatched", |r| r.0.as_str())
        .to_owned();
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

/// Inner (route) layer: per-IP rate limit and the route name for metrics.
pub async fn route(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let ip = req.extensions().get::<ClientIp>().and_then(|c| c.0);
    let mut response = match ip {
        Some(ip) if !UNLIMITED.contains(&route.as_str()) => {
            match state.ip_limiter.check(&ip.to_string()) {
                Ok(()) => next.run(req).await,
                Err(wait) => ApiError::too_many_requests(wait).into_response(),
            }
        }
        _ => next.run(req).await,
    };
    response.extensions_mut().insert(RouteName(route));
    response
}
