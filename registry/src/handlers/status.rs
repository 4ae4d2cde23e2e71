//! `POST …/yank`, `…/unyank`, `…/revoke`: reads the path and the `reason`,
//! hands them to the publish service
//! ([`crate::publish::Publisher::change_status`], where the rules live:
//! who may, which transitions, what is logged and audited) and renders the
//! version as it now is.

use super::{Principal, parse_json, read_body, refused, server_entry};
use crate::error::ApiError;
use crate::model::Lifecycle;
use crate::state::AppState;
use crate::state::ClientIp;
use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::Value;

/// Body of a lifecycle request.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    /// Why.
    reason: String,
}

/// `POST /v0.1/servers/{name}/versions/{version}/yank`
pub async fn yank(
    state: State<AppState>,
    ip: Extension<ClientIp>,
    principal: Result<Principal, ApiError>,
    path: Result<Path<(String, String)>, PathRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    change(state, ip, principal?, path, headers, body, Lifecycle::Yank).await
}

/// `POST /v0.1/servers/{name}/versions/{version}/unyank`
pub async fn unyank(
    state: State<AppState>,
    ip: Extension<ClientIp>,
    principal: Result<Principal, ApiError>,
    path: Result<Path<(String, String)>, PathRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    change(
        state,
        ip,
        principal?,
        path,
        headers,
        body,
        Lifecycle::Unyank,
    )
    .await
}

/// `POST /v0.1/servers/{name}/versions/{version}/revoke` (admin)
pub async fn revoke(
    state: State<AppState>,
    ip: Extension<ClientIp>,
    principal: Result<Principal, ApiError>,
    path: Result<Path<(String, String)>, PathRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    change(
        state,
        ip,
        principal?,
        path,
        headers,
        body,
        Lifecycle::Revoke,
    )
    .await
}

async fn change(
    State(state): State<AppState>,
    Extension(ClientIp(client_ip)): Extension<ClientIp>,
    principal: Principal,
    path: Result<Path<(String, String)>, PathRejection>,
    headers: HeaderMap,
    body: Body,
    action: Lifecycle,
) -> Result<Json<Value>, ApiError> {
    let Path((name, version)) =
        path.map_err(|e| ApiError::bad_request("path-invalid", e.body_text()))?;
    // The token's right is judged (and a refusal audited) before the body is read.
    let client_ip = client_ip.map(|ip| ip.to_string());
    if let Err(rejection) = state
        .publisher
        .admit_status_change(&principal, client_ip.clone(), &name, &version, action)
        .await
    {
        return Err(refused(&state, rejection));
    }
    let bytes = read_body(&headers, body, &state.limits).await?;
    let ReasonBody { reason } = parse_json(&bytes)?;
    match state
        .publisher
        .change_status(&principal, client_ip, &name, &version, action, &reason)
        .await
    {
        Ok(record) => Ok(Json(server_entry(&record))),
        Err(rejection) => Err(refused(&state, rejection)),
    }
}
