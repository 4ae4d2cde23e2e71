//! What gateways and auditors fetch: the signed catalog (keys, index,
//! shards) and the transparency log (checkpoint, entries, proofs). Bodies
//! come precompressed from the catalog snapshot, with strong ETags and
//! `If-None-Match` → 304; no authentication. The format of each body is in
//! docs/api.md.

use crate::error::ApiError;
use crate::signer::{Body, Snapshot};
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use mcp_trust::log::{ConsistencyBody, Hash, InclusionBody};
use serde::Deserialize;
use std::sync::Arc;

/// Most log records in one page of `/v0.1/log/entries`.
pub const MAX_ENTRIES_PAGE: u64 = 1000;
/// Most bytes of one page of `/v0.1/log/entries`: a page ends before the
/// record that would take it past this (it always holds at least one), so
/// however large records grow, a page stays a quarter of the 4 MiB gateways
/// accept. A record is bounded by what publishers control: an entry's
/// fields (`MAX_ENTRY_BYTES`) or a 500-character reason.
pub const MAX_ENTRIES_PAGE_BYTES: usize = 1 << 20;

const NO_CACHE: HeaderValue = HeaderValue::from_static("no-cache");
const IMMUTABLE: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");
const VARY: HeaderValue = HeaderValue::from_static("Accept-Encoding");
const GZIP: HeaderValue = HeaderValue::from_static("gzip");

fn unavailable() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "catalog-unavailable",
        "the catalog has not been signed yet; try again in a few seconds",
    )
}

fn snapshot(state: &AppState) -> Result<Arc<Snapshot>, ApiError> {
    state.catalog.snapshot().ok_or_else(unavailable)
}

/// Whether the client takes gzip (`Accept-Encoding: gzip`, not with `q=0`).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            let name = parts.next().unwrap_or_default();
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

/// Whether `If-None-Match` names `etag` (weak comparison, or `*`).
fn not_modified(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    let Ok(etag) = etag.to_str() else {
        return false;
    };
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
}

/// Answers with one representation of the body `pick` chooses from the
/// snapshot, or 304. This is the hot path of every gateway's poll: it reads
/// the snapshot under its read lock without touching its reference count,
/// and reads the request's own headers (the `HeaderMap` extractor would
/// clone them all).
fn serve(
    state: &AppState,
    req: &Request,
    cache: HeaderValue,
    pick: impl FnOnce(&Snapshot) -> Result<&Body, ApiError>,
) -> Result<Response, ApiError> {
    state.catalog.with_snapshot(|s| {
        let body = pick(s.ok_or_else(unavailable)?)?;
        Ok(represent(body, req.headers(), cache))
    })
}

/// One representation of `body`, or 304.
fn represent(body: &Body, headers: &HeaderMap, cache: HeaderValue) -> Response {
    // Until its gzip is made (in the background after a load) a body is
    // served as identity, with the identity ETag.
    let gzipped = if accepts_gzip(headers) {
        body.gzip()
    } else {
        None
    };
    let gzip = gzipped.is_some();
    let etag = if gzip { &body.gzip_etag } else { &body.etag };
    let fresh = not_modified(headers, etag);
    let mut out = if fresh {
        let mut r = Response::new(axum::body::Body::empty());
        *r.status_mut() = StatusCode::NOT_MODIFIED;
        r
    } else {
        Response::new(axum::body::Body::from(
            gzipped.cloned().unwrap_or_else(|| body.identity.clone()),
        ))
    };
    let h = out.headers_mut();
    // Every header of the answer, the request id included, in one allocation.
    h.reserve(6);
    if !fresh {
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(body.content_type),
        );
        if gzip {
            h.insert(header::CONTENT_ENCODING, GZIP);
        }
    }
    h.insert(header::ETAG, etag.clone());
    h.insert(header::CACHE_CONTROL, cache);
    h.insert(header::VARY, VARY);
    out
}

/// The routes answered from the catalog snapshot alone. They are what every
/// gateway polls, so [`crate::observe::Observe`] answers a `GET` of one of
/// them itself, without the router's per-request boxing; the router serves
/// the same routes (and `HEAD`) through the handlers below, which answer the
/// same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotRoute {
    /// `/v0.1/catalog`
    Index,
    /// `/v0.1/catalog/keys`
    Keys,
    /// `/v0.1/catalog/shards/{sha256}`
    Shard,
    /// `/v0.1/log/checkpoint`
    Checkpoint,
}

impl SnapshotRoute {
    /// The snapshot route with this template, if it is one.
    pub fn of(route: &str) -> Option<SnapshotRoute> {
        match route {
            "/v0.1/catalog" => Some(SnapshotRoute::Index),
            "/v0.1/catalog/keys" => Some(SnapshotRoute::Keys),
            "/v0.1/catalog/shards/{sha256}" => Some(SnapshotRoute::Shard),
            "/v0.1/log/checkpoint" => Some(SnapshotRoute::Checkpoint),
            _ => None,
        }
    }
}

/// Answers `req` on `route`.
pub fn answer(route: SnapshotRoute, state: &AppState, req: &Request) -> Result<Response, ApiError> {
    match route {
        SnapshotRoute::Index => serve(state, req, NO_CACHE, |s| Ok(&s.index)),
        SnapshotRoute::Keys => serve(state, req, NO_CACHE, |s| Ok(&s.keys)),
        SnapshotRoute::Checkpoint => serve(state, req, NO_CACHE, |s| Ok(&s.checkpoint)),
        SnapshotRoute::Shard => {
            // The route guarantees the prefix; reading the hash from the path
            // spares a `Path` extractor (an allocation and percent-decoding).
            // A percent-encoded hash is refused below like any other
            // malformed one.
            let hex = req
                .uri()
                .path()
                .strip_prefix("/v0.1/catalog/shards/")
                .unwrap_or_default();
            if hex.len() != 64 || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
                return Err(ApiError::bad_request(
                    "shard-hash-invalid",
                    format!(
                        "`{hex}` is not a SHA-256 in 64 lowercase hex digits; take shard hashes from the index"
                    ),
                ));
            }
            serve(state, req, IMMUTABLE, |s| {
                s.shard(hex).map(|b| &**b).ok_or_else(|| {
                    ApiError::not_found(format!(
                        "no shard {hex} in catalog {} or the one before it; fetch the index again",
                        s.version
                    ))
                })
            })
        }
    }
}

/// `GET /v0.1/catalog`: the signed index.
pub async fn index(State(state): State<AppState>, req: Request) -> Result<Response, ApiError> {
    answer(SnapshotRoute::Index, &state, &req)
}

/// `GET /v0.1/catalog/keys`: the root-signed key statements.
pub async fn keys(State(state): State<AppState>, req: Request) -> Result<Response, ApiError> {
    answer(SnapshotRoute::Keys, &state, &req)
}

/// `GET /v0.1/catalog/shards/{sha256}`: a shard by content hash (immutable).
pub async fn shard(State(state): State<AppState>, req: Request) -> Result<Response, ApiError> {
    answer(SnapshotRoute::Shard, &state, &req)
}

/// `GET /v0.1/log/checkpoint`: the latest signed checkpoint.
pub async fn checkpoint(State(state): State<AppState>, req: Request) -> Result<Response, ApiError> {
    answer(SnapshotRoute::Checkpoint, &state, &req)
}

fn query<T>(q: Result<Query<T>, QueryRejection>, usage: &str) -> Result<T, ApiError> {
    q.map(|Query(v)| v).map_err(|e| {
        ApiError::bad_request(
            "query-invalid",
            format!("{}; expected {usage}", e.body_text()),
        )
    })
}

fn json(value: &impl serde::Serialize, cache: HeaderValue) -> Result<Response, ApiError> {
    Ok(json_bytes(
        serde_json::to_vec(value).map_err(ApiError::internal)?,
        cache,
    ))
}

/// A JSON body answered as it is.
fn json_bytes(body: Vec<u8>, cache: HeaderValue) -> Response {
    let mut r = body.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r.headers_mut().insert(header::CACHE_CONTROL, cache);
    r
}

/// Query of `/v0.1/log/entries`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntriesQuery {
    start: u64,
    end: u64,
}

/// `GET /v0.1/log/entries?start=&end=`: records `start..end`, at most
/// [`MAX_ENTRIES_PAGE`] and [`MAX_ENTRIES_PAGE_BYTES`], within the latest
/// checkpoint.
pub async fn entries(
    State(state): State<AppState>,
    q: Result<Query<EntriesQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let q = query(q, "?start=S&end=E with S < E")?;
    let s = snapshot(&state)?;
    if q.end <= q.start {
        return Err(ApiError::bad_request(
            "log-range-invalid",
            format!("end {} is not after start {}", q.end, q.start),
        ));
    }
    if q.start >= s.tree_size {
        return Err(ApiError::not_found(format!(
            "the log's latest checkpoint has {} records; start {} is beyond it",
            s.tree_size, q.start
        )));
    }
    let end = q.end.min(q.start + MAX_ENTRIES_PAGE).min(s.tree_size);
    let mut leaves = state.store.log_leaves(q.start, end).await?;
    if leaves.len() as u64 != end - q.start {
        return Err(ApiError::internal(format!(
            "log records {}..{end} read back as {}",
            q.start,
            leaves.len()
        )));
    }
    let cut = leaves_within(&leaves, MAX_ENTRIES_PAGE_BYTES);
    leaves.truncate(cut);
    // A page cut by count or size holds the same records whenever it is
    // asked for (records never change): only one cut by the log's end may grow.
    let full = end - q.start == MAX_ENTRIES_PAGE || end == q.end || cut < (end - q.start) as usize;
    Ok(json_bytes(
        entries_page(q.start, &leaves),
        if full { IMMUTABLE } else { NO_CACHE },
    ))
}

/// How many of `leaves` (at least one) fit a page of at most `max` bytes.
fn leaves_within(leaves: &[Vec<u8>], max: usize) -> usize {
    // `{"start":<20 digits>,"entries":[` … `]}`
    let mut size = 48;
    for (i, leaf) in leaves.iter().enumerate() {
        size += leaf.len() + 1;
        if size > max {
            return i.max(1);
        }
    }
    leaves.len()
}

/// The `EntriesPage` JSON of leaves stored from `start`: each leaf is already
/// its record's canonical JSON (written by the store from a `LogRecord`), so
/// the page is assembled around the stored bytes instead of parsing and
/// re-encoding every record.
fn entries_page(start: u64, leaves: &[Vec<u8>]) -> Vec<u8> {
    let len: usize = leaves.iter().map(|l| l.len() + 1).sum();
    let mut out = Vec::with_capacity(len + 48);
    out.extend_from_slice(format!("{{\"start\":{start},\"entries\":[").as_bytes());
    for (i, leaf) in leaves.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(leaf);
    }
    out.extend_from_slice(b"]}");
    out
}

/// Query of `/v0.1/log/proof/consistency`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsistencyQuery {
    from: u64,
    to: u64,
}

/// `GET /v0.1/log/proof/consistency?from=&to=`.
pub async fn consistency(
    State(state): State<AppState>,
    q: Result<Query<ConsistencyQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let q = query(q, "?from=M&to=N with 0 < M <= N")?;
    let s = snapshot(&state)?;
    if q.from == 0 || q.from > q.to {
        return Err(ApiError::bad_request(
            "log-range-invalid",
            format!(
                "a consistency proof needs 0 < from <= to; got from {} to {}",
                q.from, q.to
            ),
        ));
    }
    if q.to > s.tree_size {
        return Err(ApiError::not_found(format!(
            "the log's latest checkpoint has {} records; no proof to size {}",
            s.tree_size, q.to
        )));
    }
    let body = state
        .catalog
        .with_tree(|t| ConsistencyBody::build(t, q.from, q.to))?
        .map_err(ApiError::internal)?;
    json(&body, IMMUTABLE)
}

/// Query of `/v0.1/log/proof/inclusion`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InclusionQuery {
    index: Option<u64>,
    leaf: Option<String>,
    size: u64,
}

/// `GET /v0.1/log/proof/inclusion?index=I&size=N` or `?leaf=<base64>&size=N`.
pub async fn inclusion(
    State(state): State<AppState>,
    q: Result<Query<InclusionQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let usage = "?index=I&size=N or ?leaf=<base64 leaf hash>&size=N";
    let q = query(q, usage)?;
    let s = snapshot(&state)?;
    if q.size == 0 || q.size > s.tree_size {
        return Err(ApiError::not_found(format!(
            "the log's latest checkpoint has {} records; no proof for size {}",
            s.tree_size, q.size
        )));
    }
    let index = match (q.index, &q.leaf) {
        (Some(i), None) => i,
        (None, Some(leaf)) => {
            let hash = Hash::from_base64(leaf).map_err(|_| {
                ApiError::bad_request(
                    "leaf-hash-invalid",
                    format!("`{leaf}` is not a base64 SHA-256 leaf hash"),
                )
            })?;
            state
                .catalog
                .with_tree(|t| t.index_of(&hash))?
                .filter(|i| *i < q.size)
                .ok_or_else(|| {
                    ApiError::not_found(format!(
                        "no leaf with hash {leaf} in the first {} records",
                        q.size
                    ))
                })?
        }
        _ => {
            return Err(ApiError::bad_request(
                "query-invalid",
                format!("give exactly one of index and leaf: {usage}"),
            ));
        }
    };
    if index >= q.size {
        return Err(ApiError::not_found(format!(
            "leaf {index} is not in a tree of {} records",
            q.size
        )));
    }
    let body = state
        .catalog
        .with_tree(|t| InclusionBody::build(t, index, q.size))?
        .map_err(ApiError::internal)?;
    json(&body, IMMUTABLE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entries_page_is_the_records_as_stored() {
        use mcp_trust::log::{EntriesPage, LogRecord};
        let records = [
            LogRecord::Yank {
                name: "io.github.acme/weather".into(),
                version: "1.0.0".into(),
                reason: Some("a \"quoted\" reason".into()),
                at: "2025-01-01T00:00:00Z".parse().unwrap(),
            },
            LogRecord::Revoke {
                name: "io.github.acme/weather".into(),
                version: "1.0.0".into(),
                reason: None,
                at: "2025-01-02T00:00:00Z".parse().unwrap(),
            },
        ];
        let leaves: Vec<Vec<u8>> = records
            .iter()
            .map(|r| r.canonical_bytes().unwrap())
            .collect();
        let page: EntriesPage = serde_json::from_slice(&entries_page(7, &leaves)).unwrap();
        assert_eq!(
            page,
            EntriesPage {
                start: 7,
                entries: records.to_vec()
            }
        );
        let empty: EntriesPage = serde_json::from_slice(&entries_page(0, &[])).unwrap();
        assert!(empty.entries.is_empty());
    }

    #[test]
    fn a_page_is_cut_by_bytes_and_holds_at_least_one_record() {
        let leaves: Vec<Vec<u8>> = (0..10).map(|_| vec![b'x'; 100]).collect();
        assert_eq!(leaves_within(&leaves, 10_000), 10);
        // 48 + 3 × 101 = 351 fits; a fourth record does not.
        assert_eq!(leaves_within(&leaves, 351), 3);
        assert_eq!(leaves_within(&leaves, 350), 2);
        assert_eq!(leaves_within(&leaves, 1), 1);
        assert_eq!(leaves_within(&[], 1), 0);
        for n in 1..=10 {
            let page = entries_page(u64::MAX, &leaves[..leaves_within(&leaves, 48 + n * 101)]);
            assert!(page.len() <= 48 + n * 101, "{n}: {}", page.len());
        }
    }
    use bytes::Bytes;

    /// A body whose gzip is made.
    fn body() -> Body {
        let b = Body::new(b"{\"a\":1}".to_vec(), "application/json").unwrap();
        b.compress();
        b
    }

    #[tokio::test]
    async fn a_body_not_compressed_yet_is_served_as_identity_with_its_own_etag() {
        let b = Body::new(b"{\"a\":1}".to_vec(), "application/json").unwrap();
        let r = represent(&b, &headers(&[("accept-encoding", "gzip")]), NO_CACHE);
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(header_of(&r, header::CONTENT_ENCODING), None);
        assert_eq!(header_of(&r, header::ETAG), Some(etags().0.as_str()));
        assert_eq!(header_of(&r, header::VARY), Some("Accept-Encoding"));
        assert_eq!(bytes_of(r).await, b.identity);
    }

    /// The ETags of [`body`]: `"<hex>"` and `"<hex>.gz"`.
    fn etags() -> (String, String) {
        let b = body();
        (
            b.etag.to_str().unwrap().to_owned(),
            b.gzip_etag.to_str().unwrap().to_owned(),
        )
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| {
                (
                    header::HeaderName::from_static(k),
                    HeaderValue::from_str(v).unwrap(),
                )
            })
            .collect()
    }

    async fn bytes_of(r: Response) -> Bytes {
        axum::body::to_bytes(r.into_body(), usize::MAX)
            .await
            .unwrap()
    }

    fn header_of(r: &Response, name: header::HeaderName) -> Option<&str> {
        r.headers().get(name).map(|v| v.to_str().unwrap())
    }

    #[tokio::test]
    async fn gzip_answer_carries_the_gzip_bytes_type_encoding_and_validators() {
        let r = represent(&body(), &headers(&[("accept-encoding", "gzip")]), NO_CACHE);
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(
            header_of(&r, header::CONTENT_TYPE),
            Some("application/json")
        );
        assert_eq!(header_of(&r, header::CONTENT_ENCODING), Some("gzip"));
        assert_eq!(header_of(&r, header::ETAG), Some(etags().1.as_str()));
        assert_eq!(header_of(&r, header::CACHE_CONTROL), Some("no-cache"));
        assert_eq!(header_of(&r, header::VARY), Some("Accept-Encoding"));
        let gz = bytes_of(r).await;
        assert_eq!(&gz, body().gzip().unwrap());
        // It is gzip of the identity bytes.
        let plain = mcp_trust::catalog::client::fetch::gunzip_capped(&gz, 1 << 20, "body").unwrap();
        assert_eq!(plain, body().identity);
    }

    #[tokio::test]
    async fn identity_answer_has_no_content_encoding_and_the_identity_etag() {
        let r = represent(&body(), &HeaderMap::new(), IMMUTABLE);
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(header_of(&r, header::CONTENT_ENCODING), None);
        assert_eq!(
            header_of(&r, header::CONTENT_TYPE),
            Some("application/json")
        );
        assert_eq!(header_of(&r, header::ETAG), Some(etags().0.as_str()));
        assert_eq!(
            header_of(&r, header::CACHE_CONTROL),
            Some("public, max-age=31536000, immutable")
        );
        assert_eq!(bytes_of(r).await, body().identity);
    }

    #[tokio::test]
    async fn not_modified_keeps_the_validators_and_drops_the_body_headers() {
        let r = represent(
            &body(),
            &headers(&[("accept-encoding", "gzip"), ("if-none-match", &etags().1)]),
            NO_CACHE,
        );
        assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(header_of(&r, header::ETAG), Some(etags().1.as_str()));
        assert_eq!(header_of(&r, header::CACHE_CONTROL), Some("no-cache"));
        assert_eq!(header_of(&r, header::VARY), Some("Accept-Encoding"));
        assert_eq!(header_of(&r, header::CONTENT_TYPE), None);
        assert_eq!(header_of(&r, header::CONTENT_ENCODING), None);
        assert!(bytes_of(r).await.is_empty());
    }

    #[tokio::test]
    async fn the_identity_etag_does_not_validate_the_gzip_representation() {
        let r = represent(
            &body(),
            &headers(&[("accept-encoding", "gzip"), ("if-none-match", &etags().0)]),
            NO_CACHE,
        );
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(header_of(&r, header::CONTENT_ENCODING), Some("gzip"));
    }
}
