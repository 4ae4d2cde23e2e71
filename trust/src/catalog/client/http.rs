//! The client's HTTP transport: one GET per resource against the registry's
//! base URL, gzip accepted and decompressed under the cap, conditional GET
//! with `If-None-Match`, and a deadline around each whole request (a server
//! that trickles one byte a second never trips a read timeout).
//!
//! [`HttpFetcher`] is blocking: it drives its own single-threaded runtime.
//! Call it from a plain thread (or `spawn_blocking`), not from inside an
//! async task.

use super::fetch::{FetchError, Fetched, Fetcher, Resource, gunzip_capped};
use reqwest::StatusCode;
use reqwest::header::{ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_LENGTH, ETAG, IF_NONE_MATCH};
use std::time::Duration;

/// Fetches catalog resources from a registry over HTTP(S).
#[derive(Debug)]
pub struct HttpFetcher {
    base: String,
    http: reqwest::Client,
    runtime: tokio::runtime::Runtime,
    deadline: Duration,
}

impl HttpFetcher {
    /// A fetcher for the registry at `base_url` (`https://host[:port][/prefix]`).
    pub fn new(base_url: &str, deadline: Duration) -> Result<Self, FetchError> {
        let unreachable = |reason: String| FetchError::Unreachable {
            url: base_url.to_owned(),
            reason,
        };
        let url =
            reqwest::Url::parse(base_url).map_err(|e| unreachable(format!("not a URL: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(unreachable(
                "the catalog URL must be http:// or https:// with a host".into(),
            ));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(unreachable(
                "the catalog URL must not carry a query or fragment".into(),
            ));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("mcp-trust/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| unreachable(e.to_string()))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| unreachable(format!("cannot start the HTTP runtime: {e}")))?;
        Ok(HttpFetcher {
            base: base_url.trim_end_matches('/').to_owned(),
            http,
            runtime,
            deadline,
        })
    }

    async fn get(
        &self,
        url: &str,
        what: &str,
        cap: u64,
        if_none_match: Option<&str>,
    ) -> Result<Fetched, FetchError> {
        let mut req = self.http.get(url).header(ACCEPT_ENCODING, "gzip");
        if let Some(etag) = if_none_match {
            req = req.header(IF_NONE_MATCH, etag);
        }
        let mut resp = req.send().await.map_err(|e| FetchError::Unreachable {
            url: url.to_owned(),
            reason: chain(&e),
        })?;
        let status = resp.status();
        if status == StatusCode::NOT_MODIFIED && if_none_match.is_some() {
            return Ok(Fetched::NotModified);
        }
        if !status.is_success() {
            return Err(FetchError::Status {
                url: url.to_owned(),
                status: status.as_u16(),
            });
        }
        let header = |name| {
            resp.headers()
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let etag = header(ETAG);
        let encoding = header(CONTENT_ENCODING).map(|e| e.trim().to_ascii_lowercase());
        let too_large = || FetchError::TooLarge {
            what: what.to_owned(),
            cap,
        };
        if let Some(len) = header(CONTENT_LENGTH).and_then(|v| v.parse::<u64>().ok())
            && len > cap
        {
            return Err(too_large());
        }
        let body = match crate::body::read_capped(&mut resp, cap).await {
            Ok(body) => body,
            Err(crate::body::BodyError::TooLarge) => return Err(too_large()),
            Err(crate::body::BodyError::Cut { received, error }) => {
                return Err(FetchError::Truncated {
                    what: what.to_owned(),
                    reason: format!("after {received} bytes: {}", chain(&error)),
                });
            }
        };
        let bytes = match encoding.as_deref() {
            None | Some("identity") => body,
            Some("gzip") => gunzip_capped(&body, cap, what)?,
            Some(other) => {
                return Err(FetchError::Encoding {
                    what: what.to_owned(),
                    reason: format!("Content-Encoding `{other}` was not asked for"),
                });
            }
        };
        Ok(Fetched::Body { bytes, etag })
    }
}

impl Fetcher for HttpFetcher {
    fn fetch(
        &self,
        resource: &Resource,
        cap: u64,
        if_none_match: Option<&str>,
    ) -> Result<Fetched, FetchError> {
        let url = format!("{}{}", self.base, resource.path());
        let what = resource.describe();
        self.runtime.block_on(async {
            match tokio::time::timeout(self.deadline, self.get(&url, &what, cap, if_none_match))
                .await
            {
                Ok(r) => r,
                Err(_) => Err(FetchError::Deadline {
                    what,
                    seconds: self.deadline.as_secs(),
                }),
            }
        })
    }
}

fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        source = inner.source();
    }
    s
}
