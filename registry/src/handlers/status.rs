//! Lifecycle of a published version: yank by the owning namespace (or an
//! admin), revoke by an admin only; each needs a reason, is audited, appends
//! a log leaf and wakes the catalog signer. Statuses only move forward: the
//! unyank route answers why a yank is final. Nothing is ever deleted.

use super::{Principal, parse_json, read_body, server_entry};
use crate::error::ApiError;
use crate::model::{AuditEvent, Lifecycle, Outcome, Scope};
use crate::observe::ClientIp;
use crate::state::AppState;
use crate::store::{StatusChange, StatusOutcome};
use crate::time;
use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::Value;

/// Longest reason accepted (the official `statusMessage` limit).
pub const MAX_REASON_LEN: usize = 500;

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
    let allowed = match action {
        Lifecycle::Revoke => principal.scope == Scope::Admin,
        Lifecycle::Yank | Lifecycle::Unyank => {
            principal.scope == Scope::Admin || principal.owns(&name)
        }
    };
    if !allowed {
        return Err(ApiError::forbidden(
            if action == Lifecycle::Revoke {
                "admin-required"
            } else {
                "namespace-forbidden"
            },
            format!(
                "this token may not {} `{name}` {version}{}",
                action.as_str(),
                if action == Lifecycle::Revoke {
                    ": revocation needs an admin token"
                } else {
                    ""
                }
            ),
        ));
    }
    let bytes = read_body(&headers, body, &state.limits).await?;
    let ReasonBody { reason } = parse_json(&bytes)?;
    let reason = reason.trim().to_owned();
    if reason.is_empty() || reason.chars().count() > MAX_REASON_LEN {
        return Err(ApiError::bad_request(
            "reason-invalid",
            format!("give a `reason` of 1 to {MAX_REASON_LEN} characters"),
        ));
    }
    let at = time::now();
    let mut event = AuditEvent {
        at,
        actor: principal.token_id.clone(),
        action: action.as_str().to_owned(),
        subject: format!("{name}@{version}"),
        outcome: Outcome::Accepted,
        codes: Vec::new(),
        detail: reason.clone(),
        client_ip: client_ip.map(|ip| ip.to_string()),
    };
    let change = StatusChange {
        name: name.clone(),
        version: version.clone(),
        action,
        reason,
        at,
    };
    let store = state.store.clone();
    let audit = event.clone();
    let outcome = tokio::spawn(async move { store.set_status(&change, &audit).await })
        .await
        .map_err(ApiError::internal)??;
    match outcome {
        StatusOutcome::Changed(record) => {
            state.catalog.changed();
            Ok(Json(server_entry(&record)))
        }
        StatusOutcome::NotFound => Err(ApiError::not_found(format!(
            "no version `{version}` of a server named `{name}`"
        ))),
        StatusOutcome::Refused { reason, .. } => {
            event.outcome = Outcome::Rejected;
            event.codes = vec!["status-transition-invalid".into()];
            if let Err(e) = state.store.append_audit(&event).await {
                tracing::error!(error = %e, "could not append audit record");
            }
            Err(ApiError::conflict(
                "status-transition-invalid",
                format!("cannot {} `{name}` {version}: {reason}", action.as_str()),
            ))
        }
    }
}
