//! `GET /v0.1/servers…`: the official registry's read API. A revoked version
//! is the official `deleted`: left out unless `include_deleted=true`, and
//! always in an incremental listing (`updated_since`), as the official API
//! defines it, so a mirror syncing by `updated_since` learns of every
//! revocation. Yanked versions (`deprecated`) are always listed. Gateways
//! learn of revocations from the signed catalog, which lists every status.

use super::ServerEntry;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{Cursor, ListQuery, VersionFilter};
use crate::time;
use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Value, json};

const DEFAULT_LIMIT: usize = 30;
const MAX_SEARCH_LEN: usize = 200;
/// Longest `version` (the official `server.json` schema's bound).
const MAX_VERSION_LEN: usize = 255;
/// Longest `cursor`: one this registry returns encodes a name and a version.
const MAX_CURSOR_LEN: usize = 1024;

/// The official `ServerListResponse`: written straight from the entries,
/// never through a JSON tree (which would parse each embedded manifest).
#[derive(Debug, serde::Serialize)]
pub struct ServerList {
    servers: Vec<ServerEntry>,
    metadata: Value,
}

/// Query parameters of `GET /v0.1/servers`.
#[derive(Debug, Deserialize)]
pub struct ListParams {
    cursor: Option<String>,
    limit: Option<String>,
    search: Option<String>,
    updated_since: Option<String>,
    version: Option<String>,
    #[serde(rename = "include_deleted")]
    include_deleted: Option<String>,
}

/// Query parameters of the routes of one server.
#[derive(Debug, Deserialize)]
pub struct ServerParams {
    include_deleted: Option<String>,
}

/// `include_deleted` as the official API defines it: `true` or `false`.
fn include_deleted(value: Option<&str>) -> Result<Option<bool>, ApiError> {
    match value {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(_) => Err(ApiError::bad_request(
            "query-invalid",
            "`include_deleted` must be `true` or `false`",
        )),
    }
}

fn server_params(params: Result<Query<ServerParams>, QueryRejection>) -> Result<bool, ApiError> {
    let Query(p) = params.map_err(|e| ApiError::bad_request("query-invalid", e.body_text()))?;
    Ok(include_deleted(p.include_deleted.as_deref())?.unwrap_or(false))
}

fn visible(record: &crate::model::VersionRecord, include_deleted: bool) -> bool {
    include_deleted || record.entry.status != crate::model::Status::Revoked
}

fn bad_path(e: PathRejection) -> ApiError {
    ApiError::bad_request("path-invalid", e.body_text())
}

/// Whether `s` holds a control character, which no server name or version
/// has (and PostgreSQL text cannot hold NUL).
fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}

/// `GET /v0.1/servers`
pub async fn list(
    State(state): State<AppState>,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(p) = params.map_err(|e| ApiError::bad_request("query-invalid", e.body_text()))?;
    let include_deleted = match (
        include_deleted(p.include_deleted.as_deref())?,
        &p.updated_since,
    ) {
        (Some(false), Some(_)) => {
            return Err(ApiError::bad_request(
                "query-invalid",
                "`include_deleted=false` cannot be combined with `updated_since`: an incremental \
                 listing must show deleted (revoked) versions; leave `include_deleted` out",
            ));
        }
        (_, Some(_)) => true,
        (given, None) => given.unwrap_or(false),
    };
    let limit = match &p.limit {
        None => DEFAULT_LIMIT,
        Some(l) => match l.parse::<usize>() {
            Ok(n) if (1..=state.limits.max_page_size).contains(&n) => n,
            _ => {
                return Err(ApiError::bad_request(
                    "limit-invalid",
                    format!(
                        "`limit` must be an integer from 1 to {}",
                        state.limits.max_page_size
                    ),
                ));
            }
        },
    };
    let cursor = p
        .cursor
        .as_deref()
        .filter(|c| !c.is_empty())
        .map(|c| {
            Some(c)
                .filter(|c| c.len() <= MAX_CURSOR_LEN)
                .and_then(Cursor::decode)
                .filter(|c| !has_control(&c.name) && !has_control(&c.version))
                .ok_or_else(|| {
                    ApiError::bad_request(
                        "cursor-invalid",
                        "`cursor` is not one this registry returned",
                    )
                })
        })
        .transpose()?;
    if p.search.as_ref().is_some_and(|s| s.len() > MAX_SEARCH_LEN) {
        return Err(ApiError::bad_request(
            "search-invalid",
            format!("`search` is longer than {MAX_SEARCH_LEN} bytes"),
        ));
    }
    // No server name holds a control character (the name schema is ASCII
    // without them), so a search or version with one cannot match; say so
    // instead of handing the stores text one of them cannot hold (NUL).
    if p.search.as_deref().is_some_and(has_control) {
        return Err(ApiError::bad_request(
            "search-invalid",
            "`search` holds a control character; no server name has one",
        ));
    }
    if p.version
        .as_ref()
        .is_some_and(|v| v.len() > MAX_VERSION_LEN)
    {
        return Err(ApiError::bad_request(
            "query-invalid",
            format!("`version` is longer than {MAX_VERSION_LEN} bytes"),
        ));
    }
    if p.version.as_deref().is_some_and(has_control) {
        return Err(ApiError::bad_request(
            "query-invalid",
            "`version` holds a control character; no version has one",
        ));
    }
    let updated_since = p
        .updated_since
        .as_deref()
        .map(|s| {
            time::parse(s).ok_or_else(|| {
                ApiError::bad_request(
                    "updated-since-invalid",
                    "`updated_since` is not an RFC 3339 timestamp such as 2025-08-07T13:15:04.280Z",
                )
            })
        })
        .transpose()?;
    let version = match p.version.as_deref() {
        None | Some("") => VersionFilter::All,
        Some("latest") => VersionFilter::Latest,
        Some(v) => VersionFilter::Exact(v.to_owned()),
    };
    let query = ListQuery {
        cursor,
        limit,
        search: p.search.filter(|s| !s.is_empty()),
        updated_since,
        version,
        include_deleted,
    };
    // The counter is read before the store (page_cache.rs says why).
    let counter = state
        .store
        .change_counter()
        .filter(|_| state.list_pages.enabled());
    let key = format!(
        "{:?}",
        (
            &query.cursor.as_ref().map(|c| c.encode()),
            query.limit,
            &query.search,
            query.updated_since,
            &query.version,
            query.include_deleted
        )
    );
    if let Some(page) = counter.and_then(|c| state.list_pages.get(c, &key)) {
        return Ok(json_bytes(page));
    }
    let page = state.store.list(&query).await?;
    let servers: Vec<ServerEntry> = page.items.iter().map(ServerEntry::of).collect();
    let mut metadata = json!({ "count": servers.len() });
    if let Some(next) = page.next {
        metadata["nextCursor"] = json!(next.encode());
    }
    let body = Bytes::from(
        serde_json::to_vec(&ServerList { servers, metadata }).map_err(ApiError::internal)?,
    );
    if let Some(counter) = counter {
        state.list_pages.put(counter, key, body.clone());
    }
    Ok(json_bytes(body))
}

/// A JSON answer of bytes already written.
fn json_bytes(body: Bytes) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

/// `GET /v0.1/servers/{name}/versions`: every version, newest publication
/// first (revoked ones with `include_deleted=true`).
pub async fn versions(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    params: Result<Query<ServerParams>, QueryRejection>,
) -> Result<Json<ServerList>, ApiError> {
    let Path(name) = path.map_err(bad_path)?;
    let include_deleted = server_params(params)?;
    let all = state.store.versions(&name).await?;
    let servers: Vec<ServerEntry> = all
        .iter()
        .filter(|r| visible(r, include_deleted))
        .map(ServerEntry::of)
        .collect();
    if servers.is_empty() {
        let hint = if all.is_empty() {
            ""
        } else {
            "; every version is deleted (revoked): add `include_deleted=true` to see them"
        };
        return Err(ApiError::not_found(format!(
            "no server named `{name}`{hint}"
        )));
    }
    let metadata = json!({ "count": servers.len() });
    Ok(Json(ServerList { servers, metadata }))
}

/// `GET /v0.1/servers/{name}/versions/{version}` (`latest` for the latest
/// active version; a revoked version only with `include_deleted=true`).
pub async fn version(
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
    params: Result<Query<ServerParams>, QueryRejection>,
) -> Result<Json<ServerEntry>, ApiError> {
    let Path((name, version)) = path.map_err(bad_path)?;
    let include_deleted = server_params(params)?;
    let found = if version == "latest" {
        state.store.latest(&name).await?
    } else {
        state.store.version(&name, &version).await?
    };
    match found {
        Some(record) if visible(&record, include_deleted) => Ok(Json(ServerEntry::of(&record))),
        Some(_) => Err(ApiError::not_found(format!(
            "version `{version}` of `{name}` is deleted (revoked): add `include_deleted=true` to see it"
        ))),
        None => Err(ApiError::not_found(format!(
            "no version `{version}` of a server named `{name}`"
        ))),
    }
}
