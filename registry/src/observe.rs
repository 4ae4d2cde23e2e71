//! Request middleware: a request id (taken from a well-formed `X-Request-Id`
//! or made up), the client IP, a tracing span carrying both, the per-IP rate
//! limit (every path but the probes, unmatched ones included), and metrics by
//! route and status.

use crate::error::ApiError;
use crate::handlers::catalog::{self, SnapshotRoute};
use crate::state::AppState;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, Method};
use axum::response::{IntoResponse, Response};
use pin_project_lite::pin_project;
use std::cell::Cell;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;
use tower::Service;
use tracing::Span;
use tracing::instrument::{Instrument, Instrumented};

/// Header carrying the request id in and out.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

pub use crate::state::ClientIp;

/// Routes that probes and scrapers call; never rate limited.
const UNLIMITED: [&str; 3] = ["/healthz", "/readyz", "/metrics"];

/// The route templates of the router, to name a path as metrics do.
#[derive(Debug)]
struct RouteNames(matchit::Router<&'static str>);

impl RouteNames {
    /// From the route table the router is built from, so the two cannot disagree.
    fn new(routes: &[(&'static str, &'static str)]) -> RouteNames {
        let mut names = matchit::Router::new();
        for (_, path) in routes {
            // The same path under two methods is inserted once.
            let _ = names.insert(*path, *path);
        }
        RouteNames(names)
    }

    /// The route template `path` matches.
    fn of(&self, path: &str) -> &'static str {
        self.0.at(path).map_or("(unmatched)", |m| *m.value)
    }
}

/// The middleware every request passes through, around the whole router:
/// request id, client IP, per-IP rate limit, span, access log and metrics.
/// A hand-written service rather than `axum::middleware::from_fn`, which
/// boxes a future and clones the inner service on every request; the route
/// template for metrics comes from the route table given to
/// [`Observe::new`], so no layer inside the
/// router is needed either. The catalog routes gateways poll answer in a few
/// microseconds, so the stack around them is most of their cost: a `GET` of
/// a [`SnapshotRoute`] is answered here, without the router.
#[derive(Clone)]
pub struct Observe<S> {
    inner: S,
    state: AppState,
    routes: Arc<RouteNames>,
    peer: Option<SocketAddr>,
}

impl<S> Observe<S> {
    /// Wraps `inner`, which serves `routes` (method, path template).
    pub fn new(inner: S, state: AppState, routes: &[(&'static str, &'static str)]) -> Observe<S> {
        Observe {
            inner,
            state,
            routes: Arc::new(RouteNames::new(routes)),
            peer: None,
        }
    }

    /// This service for one connection from `peer`.
    pub fn for_peer(&self, peer: SocketAddr) -> Observe<S>
    where
        S: Clone,
    {
        Observe {
            inner: self.inner.clone(),
            state: self.state.clone(),
            routes: self.routes.clone(),
            peer: Some(peer),
        }
    }
}

impl<S> Observe<S> {
    /// The state the requests are answered with.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The peer this service answers, if known.
    pub fn peer(&self) -> Option<SocketAddr> {
        self.peer
    }
}

impl<S> std::fmt::Debug for Observe<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Observe").field("peer", &self.peer).finish()
    }
}

impl<S> Service<Request> for Observe<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = ObserveFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request) -> Self::Future {
        let started = Instant::now();
        let client_ip = self.state.client_ip(self.peer, req.headers());
        req.extensions_mut().insert(ClientIp(client_ip));
        let request_id = req
            .headers()
            .get(&REQUEST_ID)
            .filter(|v| {
                let v = v.as_bytes();
                !v.is_empty()
                    && v.len() <= 64
                    && v.iter()
                        .all(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
            })
            .cloned()
            .unwrap_or_else(new_request_id);
        let method = req.method().clone();
        let path = req.uri().path();
        let span = tracing::info_span!(
            "request",
            request_id = %request_id.to_str().unwrap_or_default(),
            method = %method,
            path = %path,
            client_ip = %client_ip.map_or_else(|| "-".to_owned(), |ip| ip.to_string()),
        );
        let limited = match client_ip {
            Some(ip) if !self.state.ip_limiter.is_unlimited() && !UNLIMITED.contains(&path) => self
                .state
                .ip_limiter
                .check(&crate::rate_limit::ip_key(ip))
                .err(),
            _ => None,
        };
        let matched = self.routes.of(path);
        let snapshot_route = (method == Method::GET)
            .then(|| SnapshotRoute::of(matched))
            .flatten();
        let (route, answer) = match (limited, snapshot_route) {
            (None, Some(snapshot_route)) => {
                let response = span.in_scope(|| {
                    catalog::answer(snapshot_route, &self.state, &req)
                        .unwrap_or_else(IntoResponse::into_response)
                });
                (
                    matched,
                    Answer::Ready {
                        response: Some(response),
                    },
                )
            }
            (None, None) => (
                matched,
                Answer::Inner {
                    future: self.inner.call(req).instrument(span.clone()),
                },
            ),
            (Some(wait), _) => (
                "(rate-limited)",
                Answer::Ready {
                    response: Some(ApiError::too_many_requests(wait).into_response()),
                },
            ),
        };
        ObserveFuture {
            answer,
            done: Some(Done {
                started,
                route,
                method,
                request_id,
                state: self.state.clone(),
                span,
            }),
        }
    }
}

/// What is left to do once the answer is there.
struct Done {
    started: Instant,
    route: &'static str,
    method: Method,
    request_id: HeaderValue,
    state: AppState,
    span: Span,
}

impl Done {
    fn finish(self, response: &mut Response) {
        let status = response.status().as_u16();
        let elapsed = self.started.elapsed();
        self.state.metrics.request(
            self.route,
            method_label(&self.method),
            status,
            elapsed.as_secs_f64(),
        );
        self.span.in_scope(|| {
            tracing::info!(status, route = %self.route, latency_us = elapsed.as_micros() as u64, "answered");
        });
        response.headers_mut().insert(REQUEST_ID, self.request_id);
    }
}

pin_project! {
    #[project = AnswerProj]
    enum Answer<F> {
        Inner { #[pin] future: Instrumented<F> },
        Ready { response: Option<Response> },
    }
}

pin_project! {
    /// The response future of [`Observe`].
    pub struct ObserveFuture<F> {
        #[pin]
        answer: Answer<F>,
        done: Option<Done>,
    }
}

impl<F> std::fmt::Debug for ObserveFuture<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObserveFuture")
            .field("route", &self.done.as_ref().map(|d| d.route))
            .finish()
    }
}

impl<F> Future for ObserveFuture<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut response = match this.answer.project() {
            AnswerProj::Inner { future } => match future.poll(cx) {
                Poll::Ready(Ok(r)) => r,
                Poll::Pending => return Poll::Pending,
            },
            AnswerProj::Ready { response } => response
                .take()
                .unwrap_or_else(|| ApiError::internal("response polled twice").into_response()),
        };
        if let Some(done) = this.done.take() {
            done.finish(&mut response);
        }
        Poll::Ready(Ok(response))
    }
}

/// A fresh request id: 16 hex digits. Each thread draws from its own
/// splitmix64 sequence seeded once from the system RNG, so ids do not repeat
/// within a thread (the generator is a bijection of a counter) and threads
/// and processes start at unrelated points, without a system RNG call per
/// request. Request ids are not secrets.
pub(crate) fn new_request_id() -> HeaderValue {
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
    let z = z ^ (z >> 31);
    let mut hex = [0u8; 16];
    for (i, digit) in hex.iter_mut().enumerate() {
        *digit = b"0123456789abcdef"[((z >> (60 - 4 * i)) & 0xf) as usize];
    }
    HeaderValue::from_bytes(&hex).expect("hex digits are a valid header value")
}

fn seed() -> u64 {
    use aws_lc_rs::rand::{SecureRandom, SystemRandom};
    let mut bytes = [0u8; 8];
    // On RNG failure the ids are still unique within the thread.
    let _ = SystemRandom::new().fill(&mut bytes);
    u64::from_le_bytes(bytes)
}

/// The method as a metrics label: a standard method by name, any other
/// (HTTP lets a client make one up per request) as `other`, so that no
/// client can add label values without bound.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        Method::PATCH => "PATCH",
        Method::TRACE => "TRACE",
        Method::CONNECT => "CONNECT",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn made_up_request_ids_are_16_hex_digits_and_never_repeat_across_threads() {
        let batch = || (0..50_000).map(|_| new_request_id()).collect::<Vec<_>>();
        let other = std::thread::spawn(batch).join().unwrap();
        let ids: Vec<HeaderValue> = batch().into_iter().chain(other).collect();
        assert!(
            ids.iter()
                .all(|id| id.len() == 16 && id.as_bytes().iter().all(u8::is_ascii_hexdigit))
        );
        assert_eq!(ids.iter().collect::<HashSet<_>>().len(), ids.len());
    }
}
