//! A proxy in front of the registry: answers `GET /v2/<name>/referrers/<digest>`
//! from the manifests with a `subject` that were pushed through it, forwards
//! everything else, and misbehaves on request for negative tests.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::{Body, Frame, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::net::TcpListener;

/// How the proxy should misbehave for requests whose path contains a given text.
#[derive(Debug, Clone)]
pub enum Misbehaviour {
    /// 200 with a body that never ends (no Content-Length).
    Endless,
    /// 200, then one byte per second, forever.
    OneBytePerSecond,
    /// 200 with these bytes instead of the real ones.
    Replace(Vec<u8>),
    /// This status with an empty body.
    Status(u16),
    /// Close the connection without answering.
    Hangup,
}

#[derive(Debug, Default)]
struct State {
    referrers: HashMap<(String, String), Vec<Value>>,
    rules: Vec<(String, Misbehaviour)>,
    /// Requests counted per path text, for the texts a test asked about.
    counted: Vec<(String, usize)>,
}

/// The running proxy; stops with the test's runtime.
#[derive(Debug, Clone)]
pub struct Proxy {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
}

impl Proxy {
    /// Starts the proxy on a free loopback port in front of `upstream`.
    pub async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state: Arc<Mutex<State>> = Arc::default();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let shared = state.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (state, client) = (shared.clone(), client.clone());
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        handle(req, upstream, state.clone(), client.clone())
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Proxy { addr, state }
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// From now on, requests whose path contains `path_contains` get `how`.
    pub fn misbehave(&self, path_contains: &str, how: Misbehaviour) {
        self.state
            .lock()
            .unwrap()
            .rules
            .push((path_contains.to_owned(), how));
    }

    /// Behave normally again.
    pub fn behave(&self) {
        self.state.lock().unwrap().rules.clear();
    }

    /// From now on, counts the requests whose path contains `path_contains`
    /// (from zero, if it was counted before).
    pub fn count(&self, path_contains: &str) {
        let mut state = self.state.lock().unwrap();
        state.counted.retain(|(p, _)| p != path_contains);
        state.counted.push((path_contains.to_owned(), 0));
    }

    /// How many requests' paths contained `path_contains` since [`Self::count`] asked.
    pub fn requests(&self, path_contains: &str) -> usize {
        let state = self.state.lock().unwrap();
        state
            .counted
            .iter()
            .find(|(p, _)| p == path_contains)
            .map(|(_, n)| *n)
            .expect("count() was not called for this path")
    }
}

type ProxyBody = http_body_util::combinators::BoxBody<Bytes, Infallible>;

fn full(b: impl Into<Bytes>) -> ProxyBody {
    Full::new(b.into()).boxed()
}

async fn handle(
    req: Request<Incoming>,
    upstream: SocketAddr,
    state: Arc<Mutex<State>>,
    client: reqwest::Client,
) -> Result<Response<ProxyBody>, std::io::Error> {
    let path = req.uri().path().to_owned();
    let rule = {
        let mut state = state.lock().unwrap();
        for (p, n) in state.counted.iter_mut() {
            if path.contains(p.as_str()) {
                *n += 1;
            }
        }
        state
            .rules
            .iter()
            .find(|(p, _)| path.contains(p.as_str()))
            .map(|(_, m)| m.clone())
    };
    if let Some(m) = rule {
        return match m {
            Misbehaviour::Endless => Ok(Response::new(
                Generated {
                    slow: None,
                    emitted: 0,
                }
                .boxed(),
            )),
            Misbehaviour::OneBytePerSecond => Ok(Response::new(
                Generated {
                    slow: Some(Box::pin(tokio::time::sleep(Duration::from_secs(1)))),
                    emitted: 0,
                }
                .boxed(),
            )),
            Misbehaviour::Replace(bytes) => Ok(Response::builder()
                .header("content-type", "application/vnd.oci.image.manifest.v1+json")
                .body(full(bytes))
                .unwrap()),
            Misbehaviour::Status(code) => Ok(Response::builder()
                .status(code)
                .body(full(Bytes::new()))
                .unwrap()),
            Misbehaviour::Hangup => Err(std::io::Error::other("hang up")),
        };
    }
    if req.method() == hyper::Method::GET
        && let Some((name, digest)) = path
            .strip_prefix("/v2/")
            .and_then(|p| p.split_once("/referrers/"))
    {
        let list = state
            .lock()
            .unwrap()
            .referrers
            .get(&(name.to_owned(), digest.to_owned()))
            .cloned()
            .unwrap_or_default();
        let body = json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": list});
        return Ok(Response::builder()
            .header("content-type", "application/vnd.oci.image.index.v1+json")
            .body(full(serde_json::to_vec(&body).unwrap()))
            .unwrap());
    }
    // Forward.
    let method = reqwest::Method::from_bytes(req.method().as_str().as_bytes()).unwrap();
    let url = format!(
        "http://{upstream}{}",
        req.uri()
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/")
    );
    let mut out = client.request(method.clone(), url);
    for (k, v) in req.headers() {
        if k != hyper::header::HOST {
            out = out.header(k.as_str(), v.as_bytes());
        }
    }
    let body = req
        .into_body()
        .collect()
        .await
        .map_err(std::io::Error::other)?
        .to_bytes();
    if method == reqwest::Method::PUT
        && let Some((name, _)) = path
            .strip_prefix("/v2/")
            .and_then(|p| p.split_once("/manifests/"))
        && let Ok(doc) = serde_json::from_slice::<Value>(&body)
        && let Some(subject) = doc.pointer("/subject/digest").and_then(Value::as_str)
    {
        let mut d = json!({
            "mediaType": doc.get("mediaType").cloned().unwrap_or(json!("application/vnd.oci.image.manifest.v1+json")),
            "digest": crate::push::digest_of(&body),
            "size": body.len(),
        });
        if let Some(at) = doc
            .get("artifactType")
            .or_else(|| doc.pointer("/config/mediaType"))
        {
            d["artifactType"] = at.clone();
        }
        if let Some(a) = doc.get("annotations") {
            d["annotations"] = a.clone();
        }
        state
            .lock()
            .unwrap()
            .referrers
            .entry((name.to_owned(), subject.to_owned()))
            .or_default()
            .push(d);
    }
    let resp = out.body(body).send().await.map_err(std::io::Error::other)?;
    let mut builder =
        Response::builder().status(StatusCode::from_u16(resp.status().as_u16()).unwrap());
    for (k, v) in resp.headers() {
        if k != reqwest::header::TRANSFER_ENCODING {
            builder = builder.header(k.as_str(), v.as_bytes());
        }
    }
    let bytes = resp.bytes().await.map_err(std::io::Error::other)?;
    Ok(builder.body(full(bytes)).unwrap())
}

/// A body that never ends: fast, or one byte per second.
struct Generated {
    slow: Option<Pin<Box<tokio::time::Sleep>>>,
    emitted: u64,
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
                .reset(tokio::time::Instant::now() + Duration::from_secs(1));
            self.emitted += 1;
            return Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(b"{")))));
        }
        self.emitted += 64 * 1024;
        Poll::Ready(Some(Ok(Frame::data(Bytes::from(vec![b' '; 64 * 1024])))))
    }
}

use std::future::Future;
