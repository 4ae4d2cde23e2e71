//! `GET /v0.1/audit` (admin): the append-only audit log, oldest first,
//! paginated by sequence number.

use super::Principal;
use crate::error::ApiError;
use crate::state::AppState;
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use serde::Deserialize;
use serde_json::{Value, json};

/// Query parameters.
#[derive(Debug, Deserialize)]
pub struct AuditParams {
    /// Opaque cursor from `metadata.nextCursor` (the last sequence number seen).
    cursor: Option<String>,
    /// Page size, 1 to 100.
    limit: Option<String>,
}

/// `GET /v0.1/audit`
pub async fn list(
    State(state): State<AppState>,
    principal: Result<Principal, ApiError>,
    params: Result<Query<AuditParams>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    principal?.require_admin()?;
    let Query(p) = params.map_err(|e| ApiError::bad_request("query-invalid", e.body_text()))?;
    let after = match p.cursor.as_deref() {
        None | Some("") => 0,
        Some(c) => c.parse::<u64>().map_err(|_| {
            ApiError::bad_request(
                "cursor-invalid",
                "`cursor` is not one this registry returned",
            )
        })?,
    };
    let max = state.limits.max_page_size;
    let limit = match p.limit.as_deref() {
        None => max,
        Some(l) => l
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| {
                ApiError::bad_request(
                    "limit-invalid",
                    format!("`limit` must be an integer from 1 to {max}"),
                )
            })?,
    };
    let records = state.store.audit(after, limit).await?;
    let mut metadata = json!({ "count": records.len() });
    if records.len() == limit
        && let Some(last) = records.last()
    {
        metadata["nextCursor"] = json!(last.seq.to_string());
    }
    Ok(Json(json!({ "records": records, "metadata": metadata })))
}
