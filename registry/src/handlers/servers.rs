//! `GET /v0.1/servers…`: the official registry's read API. Every version of
//! every server is listed with its status — yanked and revoked ones too
//! (`include_deleted` is accepted and always true: a revoked version is what
//! gateways most need to see).

use super::server_entry;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{Cursor, ListQuery, VersionFilter};
use crate::time;
use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use serde_json::{Value, json};

const DEFAULT_LIMIT: usize = 30;
const MAX_SEARCH_LEN: usize = 200;

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

fn bad_path(e: PathRejection) -> ApiError {
    ApiError::bad_request("path-invalid", e.body_text())
}

/// `GET /v0.1/servers`
pub async fn list(
    State(state): State<AppState>,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(p) = params.map_err(|e| ApiError::bad_request("query-invalid", e.body_text()))?;
    // Accepted for compatibility and ignored, but only as what it is documented to be.
    if let Some(v) = &p.include_deleted
        && v != "true"
        && v != "false"
    {
        return Err(ApiError::bad_request(
            "query-invalid",
            "`include_deleted` must be `true` or `false`",
        ));
    }
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
            Cursor::decode(c).ok_or_else(|| {
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
    let page = state
        .store
        .list(&ListQuery {
            cursor,
            limit,
            search: p.search.filter(|s| !s.is_empty()),
            updated_since,
            version,
        })
        .await?;
    let servers: Vec<Value> = page.items.iter().map(server_entry).collect();
    let mut metadata = json!({ "count": servers.len() });
    if let Some(next) = page.next {
        metadata["nextCursor"] = json!(next.encode());
    }
    Ok(Json(json!({ "servers": servers, "metadata": metadata })))
}

/// `GET /v0.1/servers/{name}/versions`: every version, newest publication first.
pub async fn versions(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    let Path(name) = path.map_err(bad_path)?;
    let all = state.store.versions(&name).await?;
    if all.is_empty() {
        return Err(ApiError::not_found(format!("no server named `{name}`")));
    }
    let servers: Vec<Value> = all.iter().map(server_entry).collect();
    Ok(Json(
        json!({ "servers": servers, "metadata": { "count": servers.len() } }),
    ))
}

/// `GET /v0.1/servers/{name}/versions/{version}` (`latest` for the latest active version).
pub async fn version(
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    let Path((name, version)) = path.map_err(bad_path)?;
    let found = if version == "latest" {
        state.store.latest(&name).await?
    } else {
        state.store.version(&name, &version).await?
    };
    match found {
        Some(record) => Ok(Json(server_entry(&record))),
        None => Err(ApiError::not_found(format!(
            "no version `{version}` of a server named `{name}`"
        ))),
    }
}
