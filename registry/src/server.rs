//! The HTTP server: accepts connections on a listener, serves HTTP/1.1 with a
//! header read timeout, passes the peer address to the application, and on
//! shutdown stops accepting, lets in-flight requests (publishes included)
//! finish within the grace period, then returns.

use crate::router::App;
use axum::http::Request;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::time::Duration;
use tokio::net::TcpListener;
use tower::{Layer as _, ServiceExt as _};

use tower_http::cors::{AllowOrigin, CorsLayer};

/// Connection-level settings.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Time a client has to send the request headers.
    pub header_timeout: Duration,
    /// Time in-flight requests get after shutdown starts.
    pub shutdown_grace: Duration,
    /// Connections served at once. Past it the server stops accepting (the
    /// kernel's backlog holds the rest) until one closes: a client cannot
    /// take every file descriptor, and idle connections end at the header
    /// timeout.
    pub max_connections: usize,
    /// Connections one client address holds at once (0: no cap), so that
    /// one address cannot hold every slot of [`Self::max_connections`]; past
    /// it its new connections are answered `429` and closed, without a slot.
    pub max_connections_per_ip: usize,
    /// Addresses not capped per address: proxies whose connections carry
    /// many clients (`--trusted-proxy`).
    pub uncapped: std::sync::Arc<[crate::config::Cidr]>,
}

/// How many connections each client holds, against a cap: a client is
/// keyed as the rate limits key it ([`crate::rate_limit::ip_key`]: an IPv4
/// address, an IPv6 /64, an IPv4-mapped address as its IPv4 one).
#[derive(Debug)]
struct PerClient {
    cap: usize,
    uncapped: std::sync::Arc<[crate::config::Cidr]>,
    /// Connections held by each client that holds any.
    held: std::sync::Mutex<std::collections::HashMap<String, usize>>,
    /// When a refusal was last logged, and refusals since: one warning a
    /// minute at most, whatever clients do.
    logged: std::sync::Mutex<(Option<std::time::Instant>, u64)>,
}

/// One connection counted against its client's cap until dropped.
#[derive(Debug)]
struct Held {
    clients: std::sync::Arc<PerClient>,
    /// The client's key, `None` when it is not capped.
    client: Option<String>,
}

impl PerClient {
    /// Counts a connection from `ip`, or `None` when `ip` holds the cap.
    fn take(self: &std::sync::Arc<Self>, ip: std::net::IpAddr) -> Option<Held> {
        if self.cap == 0 || self.uncapped.iter().any(|c| c.contains(ip)) {
            return Some(Held {
                clients: self.clone(),
                client: None,
            });
        }
        let client = crate::rate_limit::ip_key(ip);
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        let count = held.entry(client.clone()).or_insert(0);
        if *count >= self.cap {
            drop(held);
            self.log_refusal(&client);
            return None;
        }
        *count += 1;
        Some(Held {
            clients: self.clone(),
            client: Some(client),
        })
    }

    /// Logs a refusal, at most once a minute with how many came since.
    fn log_refusal(&self, client: &str) {
        let mut logged = self.logged.lock().unwrap_or_else(|e| e.into_inner());
        logged.1 += 1;
        if logged
            .0
            .is_some_and(|at| at.elapsed() < Duration::from_secs(60))
        {
            return;
        }
        tracing::warn!(
            client,
            cap = self.cap,
            refused = logged.1,
            "connections refused: a client address held its cap (--max-connections-per-ip); \
             `refused` counts every address's refusals since the last such warning"
        );
        *logged = (Some(std::time::Instant::now()), 0);
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let Some(client) = &self.client else { return };
        let mut held = self.clients.held.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = held.get_mut(client) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                held.remove(client);
            }
        }
    }
}

/// Refusals answered at once: past it a refused connection is closed
/// without an answer, so refusals never hold more than this many sockets.
const REFUSALS_AT_ONCE: usize = 64;

/// The answer to a connection past its client's cap, in the API's problem
/// format, with the headers every answer carries.
fn refusal_answer() -> String {
    let body = serde_json::json!({
        "type": "urn:mcp-registry:problem:too-many-connections",
        "title": "Too Many Requests",
        "status": 429,
        "detail": "this client address holds as many connections as the registry serves one address at once: reuse one (keep-alive) or close some, then retry",
        "code": "too-many-connections",
    })
    .to_string();
    let id = crate::observe::new_request_id();
    format!(
        "HTTP/1.1 429 Too Many Requests\r\ndate: {}\r\ncontent-type: {}\r\ncontent-length: {}\r\nretry-after: 1\r\nx-request-id: {}\r\naccess-control-allow-origin: *\r\naccess-control-expose-headers: retry-after, x-request-id\r\nconnection: close\r\n\r\n{body}",
        jiff::Timestamp::now().strftime("%a, %d %b %Y %H:%M:%S GMT"),
        crate::error::PROBLEM_JSON,
        body.len(),
        id.to_str().unwrap_or_default(),
    )
}

/// Answers a connection past its client's cap: written without reading the
/// request, then the rest of what the client sent is read (for 250 ms at
/// most) so that closing does not reset the connection before the client
/// reads the answer.
async fn refuse(mut stream: tokio::net::TcpStream) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let answer = refusal_answer();
    let _ = tokio::time::timeout(Duration::from_millis(250), async {
        stream.write_all(answer.as_bytes()).await?;
        stream.shutdown().await?;
        let mut sink = [0u8; 4096];
        let mut read = 0;
        while read < 64 * 1024 {
            match stream.read(&mut sink).await? {
                0 => break,
                n => read += n,
            }
        }
        Ok::<(), std::io::Error>(())
    })
    .await;
}

/// Serves `app` on `listener` until `shutdown` completes, then drains.
pub async fn serve(
    listener: TcpListener,
    app: App,
    options: ServerOptions,
    shutdown: impl Future<Output = ()>,
) {
    let cors = cors();
    let metrics = Some(app.state().metrics.clone());
    accept(listener, options, metrics, shutdown, move |peer| {
        let observed = app.for_peer(peer);
        let readable = cors.layer(observed.clone());
        move |req: Request<axum::body::Body>| -> BoxedAnswer {
            if cross_origin_readable(req.uri().path()) {
                if preflight_over_limit(&observed, &req) {
                    // Observe answers it: refused again (a refusal takes
                    // nothing), as every 429 is, with its request id, log
                    // line and metrics.
                    return Box::pin(observed.clone().oneshot(req));
                }
                Box::pin(readable.clone().oneshot(req))
            } else {
                Box::pin(observed.clone().oneshot(req))
            }
        }
    })
    .await;
}

/// Serves a plain `router` (the witness) on `listener` with the same
/// connection handling: HTTP/1.1, the header read timeout, a drain on
/// shutdown.
pub async fn serve_router(
    listener: TcpListener,
    router: axum::Router,
    options: ServerOptions,
    shutdown: impl Future<Output = ()>,
) {
    accept(listener, options, None, shutdown, move |_| {
        let router = router.clone();
        move |req: Request<axum::body::Body>| -> BoxedAnswer {
            Box::pin(router.clone().oneshot(req))
        }
    })
    .await;
}

/// The accept loop: one connection task per client, each request answered
/// by what `per_peer(peer)` makes; on shutdown, drains within the grace.
async fn accept<P, H>(
    listener: TcpListener,
    options: ServerOptions,
    metrics: Option<std::sync::Arc<crate::metrics::Metrics>>,
    shutdown: impl Future<Output = ()>,
    per_peer: P,
) where
    P: Fn(std::net::SocketAddr) -> H,
    H: Fn(Request<axum::body::Body>) -> BoxedAnswer + Clone + Send + Sync + 'static,
{
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    let slots = std::sync::Arc::new(tokio::sync::Semaphore::new(options.max_connections.max(1)));
    let clients = std::sync::Arc::new(PerClient {
        cap: options.max_connections_per_ip,
        uncapped: options.uncapped.clone(),
        held: std::sync::Mutex::default(),
        logged: std::sync::Mutex::default(),
    });
    let refusals = std::sync::Arc::new(tokio::sync::Semaphore::new(REFUSALS_AT_ONCE));
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(held) = clients.take(peer.ip()) else {
            // A refusal holds no slot, so refused connections cannot take
            // the slots either; past the refusals answered at once, the
            // connection is closed unanswered.
            drop(slot);
            let refusing = refusals.clone().try_acquire_owned().ok();
            if let Some(m) = &metrics {
                m.connection_refused(refusing.is_some());
            }
            if let Some(refusing) = refusing {
                tokio::spawn(async move {
                    refuse(stream).await;
                    drop(refusing);
                });
            }
            continue;
        };
        let handler = per_peer(peer);
        let service = tower::service_fn(move |req: Request<Incoming>| {
            handler(req.map(axum::body::Body::new))
        });
        let connection = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(options.header_timeout)
            .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, %peer, "connection ended with an error");
            }
            drop(held);
            drop(slot);
        });
    }
    drop(listener);
    tracing::info!("shutting down: waiting for in-flight requests");
    tokio::select! {
        () = graceful.shutdown() => tracing::info!("all connections closed"),
        () = tokio::time::sleep(options.shutdown_grace) => {
            tracing::warn!("grace period over; closing remaining connections");
        }
    }
}

type BoxedAnswer = std::pin::Pin<
    Box<dyn Future<Output = Result<axum::response::Response, std::convert::Infallible>> + Send>,
>;

/// The routes a page on another origin may read: the official read API, the
/// signed catalog and log, and the API document. Not `/metrics`, the audit
/// log or the admin routes: a page a registry's users visit must not read
/// what the registry shows its operators.
fn cross_origin_readable(path: &str) -> bool {
    path == "/v0.1/servers"
        || path.starts_with("/v0.1/servers/")
        || path == "/v0.1/catalog"
        || path.starts_with("/v0.1/catalog/")
        || path.starts_with("/v0.1/log/")
        || path == "/openapi.json"
        || path == "/openapi.yaml"
}

/// Whether `req` is an `OPTIONS` request (every one the CORS layer answers
/// itself on a readable route, preflight or not) over its client's rate
/// limit. Each is counted here, as any other request is in Observe, since
/// the CORS layer answers it before Observe sees it.
fn preflight_over_limit(app: &App, req: &Request<axum::body::Body>) -> bool {
    if req.method() != axum::http::Method::OPTIONS {
        return false;
    }
    let state = app.state();
    if state.ip_limiter.is_unlimited() {
        return false;
    }
    state
        .client_ip(app.peer(), req.headers())
        .is_some_and(|ip| {
            state
                .ip_limiter
                .check(&crate::rate_limit::ip_key(ip))
                .is_err()
        })
}

/// Cross-origin reads for browser clients (a GitHub Copilot private registry,
/// a catalog page on another origin): any origin may `GET` and `HEAD` the
/// [`cross_origin_readable`] routes and read the headers a client pages and
/// caches with. Nothing else is
/// allowed cross-origin: no credentials (cookies are never sent; a token is
/// sent only by a page that holds it), and no other method passes a
/// preflight, so a page cannot publish, yank or administer. Preflights are
/// answered here, after [`preflight_over_limit`] has counted them.
fn cors() -> CorsLayer {
    use axum::http::{HeaderName, Method, header};
    CorsLayer::new()
        .allow_origin(AllowOrigin::any())
        .allow_methods([Method::GET, Method::HEAD, Method::OPTIONS])
        // What GitHub Copilot's documentation asks of a private registry
        // (Authorization, Content-Type), and what a caching client sends.
        .allow_headers([
            header::ACCEPT,
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_NONE_MATCH,
            header::IF_MODIFIED_SINCE,
        ])
        .expose_headers([
            header::ETAG,
            header::RETRY_AFTER,
            header::LAST_MODIFIED,
            HeaderName::from_static("x-request-id"),
        ])
        .max_age(Duration::from_secs(24 * 60 * 60))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each address is capped apart, except that the addresses of one IPv6
    /// /64 count as one client, an IPv4-mapped address as its IPv4 one,
    /// and an uncapped range is not counted; a dropped connection frees
    /// its place.
    #[test]
    fn connections_are_counted_per_client() {
        let clients = std::sync::Arc::new(PerClient {
            cap: 2,
            uncapped: std::sync::Arc::new([crate::config::Cidr::parse("10.0.0.0/8").unwrap()]),
            held: std::sync::Mutex::default(),
            logged: std::sync::Mutex::default(),
        });
        let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
        let a = clients.take(ip("2001:db8::1")).unwrap();
        let _b = clients.take(ip("2001:db8::ffff:2")).unwrap();
        assert!(clients.take(ip("2001:db8::3")).is_none());
        assert!(clients.take(ip("2001:db8:0:1::1")).is_some());
        let _c = clients.take(ip("192.0.2.1")).unwrap();
        let _d = clients.take(ip("::ffff:192.0.2.1")).unwrap();
        assert!(clients.take(ip("192.0.2.1")).is_none());
        let uncapped: Vec<Held> = (0..5)
            .filter_map(|_| clients.take(ip("10.1.2.3")))
            .collect();
        assert_eq!(uncapped.len(), 5);
        drop(a);
        assert!(clients.take(ip("2001:db8::4")).is_some());
        // Every address that holds none is forgotten.
        drop((_b, _c, _d, uncapped));
        assert!(clients.held.lock().unwrap().is_empty());
    }
}
