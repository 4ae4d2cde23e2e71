//! The client over real HTTP: a loopback server (hyper) serving a catalog
//! mirror the way the registry does — gzip when asked, ETags and 304 — and
//! misbehaving on request: endless bodies, lying lengths, gzip bombs, a
//! byte a second, error statuses.

use super::support::*;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::{Body, Frame, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use mcp_trust::catalog::build;
use mcp_trust::catalog::client::{
    Client, ClientError, FetchError, Fetched, Fetcher, HttpFetcher, Limits, Options, Resource,
};
use mcp_trust::catalog::mirror::MirrorFetcher;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

/// How the server answers requests whose path contains a given text.
#[derive(Debug, Clone)]
enum Misbehaviour {
    /// 200 with a chunked body that never ends.
    Endless,
    /// Declares `declared` bytes, sends the first `sent` bytes of the real body, closes.
    Lie { declared: u64, sent: usize },
    /// gzip of this many spaces, `Content-Encoding: gzip`.
    GzipBomb(usize),
    /// One byte a second, forever.
    Slow,
    /// This status, empty body.
    Status(u16),
}

#[derive(Default)]
struct Seen {
    requests: Vec<String>,
    gzip_served: usize,
    not_modified: usize,
}

struct Server {
    base: String,
    rules: Arc<Mutex<Vec<(String, Misbehaviour)>>>,
    seen: Arc<Mutex<Seen>>,
    _runtime: tokio::runtime::Runtime,
    _dir: tempfile::TempDir,
}

type BoxBody = http_body_util::combinators::BoxBody<Bytes, Infallible>;

fn full(b: impl Into<Bytes>) -> BoxBody {
    Full::new(b.into()).boxed()
}

impl Server {
    /// Serves `mirror` on a free loopback port.
    fn start(mirror: &mcp_trust::catalog::mirror::Mirror) -> Server {
        let dir = tempfile::tempdir().unwrap();
        mirror.write(dir.path()).unwrap();
        let source = Arc::new(MirrorFetcher::new(dir.path(), 1000));
        let rules: Arc<Mutex<Vec<(String, Misbehaviour)>>> = Arc::default();
        let seen: Arc<Mutex<Seen>> = Arc::default();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (r, s) = (rules.clone(), seen.clone());
        runtime.spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (source, rules, seen) = (source.clone(), r.clone(), s.clone());
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        handle(req, source.clone(), rules.clone(), seen.clone())
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Server {
            base,
            rules,
            seen,
            _runtime: runtime,
            _dir: dir,
        }
    }

    fn misbehave(&self, path_contains: &str, how: Misbehaviour) {
        self.rules
            .lock()
            .unwrap()
            .push((path_contains.to_owned(), how));
    }

    fn client(
        &self,
        now: jiff::Timestamp,
        root: mcp_trust::keys::PublicKey,
        limits: Limits,
    ) -> Client<HttpFetcher> {
        let fetcher = HttpFetcher::new(&self.base, limits.deadline).unwrap();
        Client::new(
            fetcher,
            root,
            Options {
                now: Some(now),
                limits,
                ..Options::default()
            },
        )
    }
}

async fn handle(
    req: Request<Incoming>,
    source: Arc<MirrorFetcher>,
    rules: Arc<Mutex<Vec<(String, Misbehaviour)>>>,
    seen: Arc<Mutex<Seen>>,
) -> Result<Response<BoxBody>, Infallible> {
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    seen.lock().unwrap().requests.push(path.clone());
    let accepts_gzip = req
        .headers()
        .get("accept-encoding")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("gzip"));
    let if_none_match = req
        .headers()
        .get("if-none-match")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let Some(resource) = Resource::from_path(&path) else {
        return Ok(status(404));
    };
    let body = match source.fetch(&resource, u64::MAX, None) {
        Ok(Fetched::Body { bytes, .. }) => bytes,
        _ => return Ok(status(404)),
    };
    let rule = rules
        .lock()
        .unwrap()
        .iter()
        .find(|(p, _)| match p.strip_prefix('=') {
            Some(exact) => path == exact,
            None => path.contains(p.as_str()),
        })
        .map(|(_, m)| m.clone());
    if let Some(m) = rule {
        return Ok(match m {
            Misbehaviour::Endless => Response::new(Generated { slow: None }.boxed()),
            Misbehaviour::Slow => Response::new(
                Generated {
                    slow: Some(Box::pin(tokio::time::sleep(Duration::from_millis(10)))),
                }
                .boxed(),
            ),
            Misbehaviour::Lie { declared, sent } => Response::builder()
                .header("content-length", declared.to_string())
                .body(
                    Partial(
                        Some(Bytes::from(body[..sent.min(body.len())].to_vec())),
                        Box::pin(tokio::time::sleep(Duration::from_millis(200))),
                    )
                    .boxed(),
                )
                .unwrap(),
            Misbehaviour::GzipBomb(n) => Response::builder()
                .header("content-encoding", "gzip")
                .body(full(build::gzip(&vec![b' '; n]).unwrap()))
                .unwrap(),
            Misbehaviour::Status(code) => status(code),
        });
    }
    let content_type = if resource == Resource::Checkpoint {
        build::NOTE
    } else {
        build::JSON
    };
    let served = build::served(body, content_type).unwrap();
    let (etag, bytes, gz) = if accepts_gzip {
        (served.gzip_etag.clone(), served.gzip.clone(), true)
    } else {
        (served.etag.clone(), served.body.clone(), false)
    };
    if if_none_match.as_deref() == Some(etag.as_str()) {
        seen.lock().unwrap().not_modified += 1;
        return Ok(Response::builder()
            .status(304)
            .header("etag", etag)
            .body(full(Vec::new()))
            .unwrap());
    }
    let mut resp = Response::builder()
        .header("content-type", served.content_type)
        .header("etag", etag)
        .header("vary", "Accept-Encoding");
    if gz {
        seen.lock().unwrap().gzip_served += 1;
        resp = resp.header("content-encoding", "gzip");
    }
    Ok(resp.body(full(bytes)).unwrap())
}

fn status(code: u16) -> Response<BoxBody> {
    Response::builder()
        .status(code)
        .body(full(Vec::new()))
        .unwrap()
}

/// A body of unknown length that ends early: the server's `Content-Length`
/// header then promises more than is sent.
/// It pauses before ending so that what was sent reaches the client first.
struct Partial(Option<Bytes>, Pin<Box<tokio::time::Sleep>>);

impl Body for Partial {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if let Some(b) = self.0.take() {
            return Poll::Ready(Some(Ok(Frame::data(b))));
        }
        match self.1.as_mut().poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(()) => Poll::Ready(None),
        }
    }
}

/// An endless body: 64 KiB frames, or one byte every 10 ms when slow.
struct Generated {
    slow: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl Body for Generated {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if let Some(sleep) = self.slow.as_mut() {
            if sleep.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            sleep
                .as_mut()
                .reset(tokio::time::Instant::now() + Duration::from_millis(10));
            return Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(b" ")))));
        }
        Poll::Ready(Some(Ok(Frame::data(Bytes::from(vec![b' '; 64 * 1024])))))
    }
}

/// The resource named and the error of `case`, which must have failed to fetch.
#[track_caller]
fn fetch_error(case: &str, err: ClientError) -> (String, FetchError) {
    assert!(err.is_fetch(), "case {case}: {err}");
    match err {
        ClientError::Fetch { resource, source } => (resource, source),
        other => panic!("case {case}: not a fetch error: {other}"),
    }
}

#[test]
fn pull_over_http_uses_gzip_and_conditional_get() {
    let mut reg = registry(200);
    let server = Server::start(&reg.mirror());
    let gw = Gateway::new();
    let client = server.client(t0(), reg.root_public_key(), Limits::default());
    let pulled = client.pull(None, &gw.state).unwrap();
    gw.state.commit(&pulled).unwrap();
    assert_eq!(pulled.summary.entries, 200);
    assert!(server.seen.lock().unwrap().gzip_served >= 256);

    // Unchanged: the index answers 304 and nothing else but keys and checkpoint is fetched.
    let before = server.seen.lock().unwrap().requests.len();
    let pulled = client.pull(gw.last().as_ref(), &gw.state).unwrap();
    gw.state.commit(&pulled).unwrap();
    let seen = server.seen.lock().unwrap();
    assert_eq!(seen.not_modified, 1);
    assert_eq!(
        seen.requests.len() - before,
        3,
        "{:?}",
        &seen.requests[before..]
    );
    drop(seen);

    // One publish: one shard, one page of entries, one consistency proof.
    reg.publish(entry(10_000), at(1)).unwrap();
    let server = Server::start(&reg.mirror());
    let client = server.client(at(2), reg.root_public_key(), Limits::default());
    let pulled = client.pull(gw.last().as_ref(), &gw.state).unwrap();
    assert_eq!(pulled.changes.len(), 1);
    let seen = server.seen.lock().unwrap();
    let shards = seen
        .requests
        .iter()
        .filter(|p| p.contains("/shards/"))
        .count();
    assert_eq!(shards, 1);
    assert!(
        seen.requests
            .iter()
            .any(|p| p.starts_with("/v0.1/log/proof/consistency?from=200&to=201"))
    );
    assert!(
        seen.requests
            .iter()
            .any(|p| p.starts_with("/v0.1/log/entries?start=200&end=201"))
    );
}

#[test]
fn each_misbehaving_response_is_a_fetch_error_that_names_the_resource() {
    let reg = registry(5);
    let index_len = reg.index().bytes.len();
    let slow = Limits {
        deadline: Duration::from_secs(1),
        ..Limits::default()
    };
    // (case, the path it misbehaves on, how, the client's limits, the
    // resource named and the error)
    type Failed = Expected<(String, FetchError)>;
    let cases: [(&str, &str, Misbehaviour, Limits, Failed); 7] = [
        (
            "endless shard response is cut at the cap",
            "/shards/",
            Misbehaviour::Endless,
            Limits::default(),
            expected!((r, FetchError::TooLarge { cap, .. })
                if r.starts_with("shard ") && *cap == Limits::default().shard),
        ),
        (
            "oversized declared length is refused before reading",
            "/v0.1/catalog/keys",
            Misbehaviour::Lie {
                declared: 1 << 30,
                sent: 10,
            },
            Limits::default(),
            expected!((r, FetchError::TooLarge { cap: 65536, .. }) if r == "key statements"),
        ),
        (
            "truncated index response",
            "=/v0.1/catalog",
            Misbehaviour::Lie {
                declared: index_len as u64,
                sent: index_len / 2,
            },
            Limits::default(),
            expected!((r, FetchError::Truncated { .. }) if r == "catalog index"),
        ),
        (
            "truncated checkpoint response",
            "/log/checkpoint",
            Misbehaviour::Lie {
                declared: 400,
                sent: 20,
            },
            Limits::default(),
            expected!((r, FetchError::Truncated { .. }) if r == "log checkpoint"),
        ),
        (
            "gzip bomb is refused at the cap",
            "/log/checkpoint",
            Misbehaviour::GzipBomb(8 << 20),
            Limits::default(),
            expected!((r, FetchError::TooLarge { cap: 16384, .. }) if r == "log checkpoint"),
        ),
        (
            "a byte a second hits the deadline",
            "/log/checkpoint",
            Misbehaviour::Slow,
            slow,
            expected!((r, FetchError::Deadline { seconds: 1, .. }) if r == "log checkpoint"),
        ),
        (
            "server error is a fetch error, not a verdict",
            "/log/entries",
            Misbehaviour::Status(503),
            Limits::default(),
            expected!((r, FetchError::Status { status: 503, .. }) if r.starts_with("log entries ")),
        ),
    ];
    for (case, path, how, limits, expected) in cases {
        let server = Server::start(&reg.mirror());
        server.misbehave(path, how);
        let result = server
            .client(t0(), reg.root_public_key(), limits)
            .pull(None, &mcp_trust::catalog::client::NoShards)
            .map_err(|err| fetch_error(case, err));
        expected.assert(case, result);
    }
}

#[test]
fn unreachable_registry_is_a_fetch_error() {
    let reg = registry(1);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let fetcher = HttpFetcher::new(&base, Duration::from_secs(5)).unwrap();
    let client = Client::new(fetcher, reg.root_public_key(), options(t0()));
    let (_, source) = fetch_error(
        "unreachable registry",
        client
            .pull(None, &mcp_trust::catalog::client::NoShards)
            .unwrap_err(),
    );
    assert!(matches!(source, FetchError::Unreachable { .. }), "{source}");
}
