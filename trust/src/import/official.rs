//! Reading an official-API registry (`GET /v0.1/servers`, as
//! registry.modelcontextprotocol.io serves it): every page, following
//! `metadata.nextCursor`, incrementally with `updated_since` (which also
//! lists deleted versions, as the API defines it).
//!
//! An upstream registry is not trusted: each page is bounded in size, must
//! be a `ServerList`, and must move the cursor forward (a cursor seen
//! before ends the walk rather than looping forever); the number of pages
//! is bounded; a 429 or 5xx answer, a timeout or a connection cut mid-page
//! is retried with exponential backoff (`Retry-After` honoured up to a
//! cap), anything else ends the walk with the error named. What the pages
//! say is only read here: whether a version can be published is decided by
//! the caller, through the same checks as any publish.

use jiff::Timestamp;
use serde_json::Value;
use std::collections::HashSet;
use std::time::Duration;

/// Longest next cursor accepted (the official registry's are a name and a
/// version).
pub const MAX_CURSOR_BYTES: usize = 1024;

/// Limits of one walk.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Versions asked for per page (`limit`, at most 100 in the official API).
    pub page_size: usize,
    /// Pages read at most.
    pub max_pages: usize,
    /// Largest page body, in bytes.
    pub max_page_bytes: usize,
    /// Deadline of each request.
    pub timeout: Duration,
    /// Retries of one page after a 429, a 5xx, a timeout or a cut connection.
    pub retries: u32,
    /// The first backoff; each retry doubles it.
    pub backoff: Duration,
    /// Longest wait, whatever `Retry-After` says.
    pub max_wait: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            page_size: 100,
            max_pages: 10_000,
            max_page_bytes: 8 << 20,
            timeout: Duration::from_secs(30),
            retries: 5,
            backoff: Duration::from_millis(500),
            max_wait: Duration::from_secs(60),
        }
    }
}

/// One version as an upstream registry lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct UpstreamVersion {
    /// `server.name`.
    pub name: String,
    /// `server.version`.
    pub version: String,
    /// The `server.json` as the upstream serves it.
    pub server: Value,
    /// The official status (`active`, `deprecated`, `deleted`), when given.
    pub status: Option<String>,
    /// `updatedAt`, when given and valid.
    pub updated_at: Option<Timestamp>,
}

/// What a walk saw.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Walked {
    /// Pages read.
    pub pages: usize,
    /// Versions handed to the caller.
    pub versions: usize,
    /// Retries made.
    pub retries: u32,
    /// The latest `updatedAt` seen: the `updated_since` of the next walk.
    pub latest_update: Option<Timestamp>,
}

/// Why a walk stopped early. The versions handed over before stay handed over.
#[derive(Debug, thiserror::Error)]
pub enum WalkError {
    /// The base URL is not an http(s) URL.
    #[error("{0} is not an http(s) URL such as https://registry.modelcontextprotocol.io")]
    BadUrl(String),
    /// The upstream could not be read, even after the retries.
    #[error("page {page} ({url}): {reason}")]
    Unreachable {
        /// Page number, from 1.
        page: usize,
        /// What was asked.
        url: String,
        /// What failed last.
        reason: String,
    },
    /// The upstream answered something that is not a page of the official API.
    #[error("page {page} ({url}) is not an official-API ServerList: {reason}")]
    Malformed {
        /// Page number, from 1.
        page: usize,
        /// What was asked.
        url: String,
        /// What is wrong.
        reason: String,
    },
    /// The upstream sent a cursor it had sent before.
    #[error("page {page}: the cursor {cursor:?} was already followed; the upstream's paging loops")]
    CursorLoop {
        /// Page number, from 1.
        page: usize,
        /// The repeated cursor.
        cursor: String,
    },
    /// More pages than [`Limits::max_pages`].
    #[error("more than {0} pages; raise the limit if the upstream is that large")]
    TooManyPages(usize),
    /// The caller refused a version and asked to stop.
    #[error("stopped by the caller: {0}")]
    Stopped(String),
}

/// Walks every page of the official API at `base`, handing each page's
/// versions to `visit` in order. `updated_since` makes the walk
/// incremental. A caller that must await between pages uses [`Pager`].
pub async fn walk(
    base: &str,
    updated_since: Option<Timestamp>,
    limits: Limits,
    mut visit: impl FnMut(Vec<UpstreamVersion>) -> Result<(), String>,
) -> Result<Walked, WalkError> {
    let mut pager = Pager::new(base, updated_since, limits)?;
    while let Some(versions) = pager.next_page().await? {
        visit(versions).map_err(WalkError::Stopped)?;
    }
    Ok(pager.walked())
}

/// The pages of the official API at one base URL, one at a time: the
/// caller holds one page (at most [`Limits::max_page_bytes`]) at once,
/// however large the upstream.
#[derive(Debug)]
pub struct Pager {
    http: reqwest::Client,
    base: reqwest::Url,
    updated_since: Option<Timestamp>,
    limits: Limits,
    walked: Walked,
    /// The next page's cursor; `None` before the first page.
    cursor: Option<String>,
    followed: HashSet<String>,
    done: bool,
    /// An error found after a page was read (a looping cursor), returned
    /// after that page.
    pending: Option<WalkError>,
}

impl Pager {
    /// A pager over `base` (an http(s) URL), from `updated_since` when given.
    pub fn new(
        base: &str,
        updated_since: Option<Timestamp>,
        limits: Limits,
    ) -> Result<Pager, WalkError> {
        let parsed = reqwest::Url::parse(base.trim_end_matches('/'))
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
            .ok_or_else(|| WalkError::BadUrl(base.to_owned()))?;
        let mut http = reqwest::Client::builder();
        if parsed.scheme() == "http" {
            // Plain http is for loopback: never through a proxy, which
            // would carry the listings in clear across the network.
            http = http.no_proxy();
        }
        let http = http
            .timeout(limits.timeout)
            // The official API does not redirect its pages; an upstream that
            // does is not followed (to another host, say, inside the network).
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("mcp-trust/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| WalkError::BadUrl(e.to_string()))?;
        Ok(Pager {
            http,
            base: parsed,
            updated_since,
            limits,
            walked: Walked::default(),
            cursor: None,
            followed: HashSet::new(),
            done: false,
            pending: None,
        })
    }

    /// The next page's versions; `None` after the last page. An error ends
    /// the walk (the pages read before stay read).
    pub async fn next_page(&mut self) -> Result<Option<Vec<UpstreamVersion>>, WalkError> {
        if let Some(e) = self.pending.take() {
            self.done = true;
            return Err(e);
        }
        if self.done {
            return Ok(None);
        }
        if self.walked.pages == self.limits.max_pages {
            self.done = true;
            return Err(WalkError::TooManyPages(self.limits.max_pages));
        }
        let result = self.read_page().await;
        if result.is_err() {
            self.done = true;
        }
        result.map(Some)
    }

    /// What the walk saw so far.
    pub fn walked(&self) -> Walked {
        self.walked.clone()
    }

    async fn read_page(&mut self) -> Result<Vec<UpstreamVersion>, WalkError> {
        let limits = self.limits;
        let page_number = self.walked.pages + 1;
        let url = page_url(
            &self.base,
            limits.page_size,
            self.updated_since,
            self.cursor.as_deref(),
        );
        let body = fetch(
            &self.http,
            &url,
            page_number,
            &limits,
            &mut self.walked.retries,
        )
        .await?;
        let (versions, next) =
            parse_page(&body, limits.page_size).map_err(|reason| WalkError::Malformed {
                page: page_number,
                url: url.to_string(),
                reason,
            })?;
        self.walked.pages = page_number;
        self.walked.versions += versions.len();
        for v in &versions {
            if v.updated_at > self.walked.latest_update {
                self.walked.latest_update = v.updated_at;
            }
        }
        match next {
            None => self.done = true,
            Some(next) => {
                if !self.followed.insert(next.clone()) {
                    self.pending = Some(WalkError::CursorLoop {
                        page: page_number,
                        cursor: next,
                    });
                } else {
                    self.cursor = Some(next);
                }
            }
        }
        Ok(versions)
    }
}

fn page_url(
    base: &reqwest::Url,
    limit: usize,
    updated_since: Option<Timestamp>,
    cursor: Option<&str>,
) -> reqwest::Url {
    let mut url = base.clone();
    url.path_segments_mut()
        .map(|mut p| {
            p.pop_if_empty().extend(["v0.1", "servers"]);
        })
        .ok();
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("limit", &limit.to_string());
        if let Some(t) = updated_since {
            q.append_pair("updated_since", &t.to_string());
        }
        if let Some(c) = cursor {
            q.append_pair("cursor", c);
        }
    }
    url
}

/// One page's body, retried after a 429, a 5xx, a timeout or a cut.
async fn fetch(
    http: &reqwest::Client,
    url: &reqwest::Url,
    page: usize,
    limits: &Limits,
    retries: &mut u32,
) -> Result<Vec<u8>, WalkError> {
    let mut attempt = 0;
    loop {
        let outcome = fetch_once(http, url, limits.max_page_bytes).await;
        let (reason, wait) = match outcome {
            Ok(body) => return Ok(body),
            Err(Attempt::Final(reason)) => {
                return Err(WalkError::Unreachable {
                    page,
                    url: url.to_string(),
                    reason,
                });
            }
            Err(Attempt::Retry { reason, after }) => (reason, after),
        };
        if attempt == limits.retries {
            return Err(WalkError::Unreachable {
                page,
                url: url.to_string(),
                reason: format!("{reason} (after {attempt} retries)"),
            });
        }
        let backoff = limits.backoff.saturating_mul(1 << attempt.min(16));
        tokio::time::sleep(wait.unwrap_or(backoff).min(limits.max_wait)).await;
        attempt += 1;
        *retries += 1;
    }
}

enum Attempt {
    /// Worth another try, after `after` when the upstream said so.
    Retry {
        reason: String,
        after: Option<Duration>,
    },
    /// Not worth another try.
    Final(String),
}

async fn fetch_once(
    http: &reqwest::Client,
    url: &reqwest::Url,
    max_bytes: usize,
) -> Result<Vec<u8>, Attempt> {
    let retry = |reason: String| Attempt::Retry {
        reason,
        after: None,
    };
    let mut response = http
        .get(url.clone())
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| retry(e.without_url().to_string()))?;
    let status = response.status();
    if status == reqwest::StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
        let after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        return Err(Attempt::Retry {
            reason: format!("answered {status}"),
            after,
        });
    }
    if status != reqwest::StatusCode::OK {
        return Err(Attempt::Final(format!("answered {status}")));
    }
    match crate::body::read_capped(&mut response, max_bytes as u64).await {
        Ok(body) => Ok(body),
        Err(crate::body::BodyError::TooLarge) => Err(Attempt::Final(format!(
            "the page is larger than {max_bytes} bytes"
        ))),
        // Cut mid-page: the whole page again.
        Err(crate::body::BodyError::Cut { error, .. }) => {
            Err(retry(format!("cut mid-page: {}", error.without_url())))
        }
    }
}

/// A page's versions and its next cursor (`None` on the last page).
fn parse_page(body: &[u8], limit: usize) -> Result<(Vec<UpstreamVersion>, Option<String>), String> {
    let page: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    // A repeated key (exactly or to a case-insensitive decoder) would let
    // two readers of this page see two manifests.
    crate::manifest::check_unique_keys(body)?;
    let servers = page
        .get("servers")
        .and_then(Value::as_array)
        .ok_or("no `servers` array")?;
    // The official API answers at most `limit` versions a page: one that
    // answers more is not paging as asked.
    if servers.len() > limit {
        return Err(format!(
            "{} versions on one page; `limit={limit}` was asked",
            servers.len()
        ));
    }
    let mut versions = Vec::with_capacity(servers.len());
    for (i, item) in servers.iter().enumerate() {
        let server = item
            .get("server")
            .filter(|s| s.is_object())
            .ok_or_else(|| format!("servers[{i}] has no `server` object"))?;
        let text = |key: &str| {
            server
                .get(key)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| format!("servers[{i}].server has no `{key}`"))
        };
        let official = item.pointer("/_meta/io.modelcontextprotocol.registry~1official");
        versions.push(UpstreamVersion {
            name: text("name")?,
            version: text("version")?,
            server: server.clone(),
            status: official
                .and_then(|o| o.get("status"))
                .and_then(Value::as_str)
                .map(str::to_owned),
            updated_at: official
                .and_then(|o| o.get("updatedAt"))
                .and_then(Value::as_str)
                .and_then(|t| t.parse().ok()),
        });
    }
    let next = match page.pointer("/metadata/nextCursor") {
        None | Some(Value::Null) => None,
        Some(Value::String(c)) if c.is_empty() => None,
        Some(Value::String(c)) if c.len() > MAX_CURSOR_BYTES => {
            return Err(format!(
                "a next cursor of {} bytes; at most {MAX_CURSOR_BYTES} are accepted",
                c.len()
            ));
        }
        Some(Value::String(c)) => Some(c.clone()),
        Some(other) => return Err(format!("`metadata.nextCursor` is {other}, not a string")),
    };
    if next.is_some() && versions.is_empty() {
        return Err("an empty page with a next cursor".into());
    }
    Ok((versions, next))
}
