//! Admin routes for namespaces and tokens, so a running server (whose
//! embedded store file is locked) can be administered with an admin token.
//! The operations themselves are in [`crate::admin`], shared with the CLI.

use super::{Principal, parse_json, read_body};
use crate::admin::{self, AdminError};
use crate::auth::{self, Expiry};
use crate::error::ApiError;
use crate::model::{Namespace, Scope};
use crate::state::AppState;
use crate::state::ClientIp;
use crate::time;
use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{Value, json};

fn admin_error(e: AdminError) -> ApiError {
    match e {
        AdminError::Invalid(m) => ApiError::bad_request("admin-request-invalid", m),
        AdminError::AlreadyExists(m) => {
            ApiError::conflict("already-exists", format!("{m} already exists"))
        }
        AdminError::NotFound(m) => ApiError::not_found(format!("{m} does not exist")),
        AdminError::Store(e) => ApiError::internal(e),
    }
}

/// Body of `POST /v0.1/admin/namespaces`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NamespaceBody {
    name: String,
    signer_identity_regexp: String,
    signer_issuer: String,
    source_repository_id: Option<String>,
    owner_id: Option<String>,
}

/// `GET /v0.1/admin/namespaces`
pub async fn list_namespaces(
    State(state): State<AppState>,
    principal: Result<Principal, ApiError>,
) -> Result<Json<Value>, ApiError> {
    principal?.require_admin()?;
    Ok(Json(
        json!({ "namespaces": state.store.namespaces().await? }),
    ))
}

/// Query of `GET /v0.1/admin/mirrored`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MirroredQuery {
    namespace: Option<String>,
    cursor: Option<String>,
    limit: Option<usize>,
}

/// `GET /v0.1/admin/mirrored`: the mirrored tier (versions synced from
/// upstream registries that did not verify here), with the reasons.
pub async fn list_mirrored(
    State(state): State<AppState>,
    principal: Result<Principal, ApiError>,
    query: Result<axum::extract::Query<MirroredQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    principal?.require_admin()?;
    let axum::extract::Query(query) =
        query.map_err(|e| ApiError::bad_request("query-invalid", e.body_text()))?;
    let prefix = query
        .namespace
        .map_or_else(String::new, |ns| format!("{ns}/"));
    let limit = query.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::bad_request(
            "query-invalid",
            "`limit` is from 1 to 500",
        ));
    }
    // The cursor is the last record of the page before: name, version and
    // source, base64url-encoded (a source label may hold any character).
    let cursor = match query.cursor.as_deref() {
        None => None,
        Some(c) => Some(decode_mirrored_cursor(c).ok_or_else(|| {
            ApiError::bad_request(
                "query-invalid",
                "`cursor` is not one `metadata.nextCursor` gave",
            )
        })?),
    };
    let after = cursor
        .as_ref()
        .map(|[n, v, s]| (n.as_str(), v.as_str(), s.as_str()));
    let page = state.store.mirrored(&prefix, after, limit).await?;
    let next = (page.len() == limit)
        .then(|| {
            page.last()
                .map(|r| encode_mirrored_cursor(&r.name, &r.version, &r.source))
        })
        .flatten();
    // What the upstream listed and the manifest made of it can be large
    // (up to 64 KiB and 1 MiB): the list gives their sizes and hash, `sync
    // list --output json` gives them whole.
    let listed: Vec<Value> = page
        .iter()
        .map(|r| {
            let mut v = serde_json::to_value(r).unwrap_or(Value::Null);
            if let Some(o) = v.as_object_mut() {
                o.remove("upstream");
                o.remove("manifest");
                o.insert("upstreamBytes".into(), r.upstream.len().into());
                o.insert(
                    "manifestBytes".into(),
                    r.manifest.as_ref().map_or(Value::Null, |m| m.len().into()),
                );
            }
            v
        })
        .collect();
    Ok(Json(json!({
        "mirrored": listed,
        "metadata": { "count": page.len(), "nextCursor": next },
    })))
}

fn encode_mirrored_cursor(name: &str, version: &str, source: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(json!([name, version, source]).to_string())
}

fn decode_mirrored_cursor(cursor: &str) -> Option<[String; 3]> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// `POST /v0.1/admin/namespaces`
pub async fn create_namespace(
    State(state): State<AppState>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    principal: Result<Principal, ApiError>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let principal = principal?;
    principal.require_admin()?;
    let b: NamespaceBody = parse_json(&read_body(&headers, body, &state.limits).await?)?;
    let ns = admin::create_namespace(
        state.store.as_ref(),
        Namespace {
            name: b.name,
            signer_identity_regexp: b.signer_identity_regexp,
            signer_issuer: b.signer_issuer,
            source_repository_id: b.source_repository_id,
            owner_id: b.owner_id,
            created_at: time::now(),
        },
        &principal.token_id,
        ip.map(|i| i.to_string()),
    )
    .await
    .map_err(admin_error)?;
    Ok((StatusCode::CREATED, Json(json!(ns))))
}

/// Body of `POST /v0.1/admin/tokens`: exactly one of `namespace` and
/// `admin: true`; `expires` as `--expires` takes it (default `90d`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenBody {
    namespace: Option<String>,
    #[serde(default)]
    admin: bool,
    #[serde(default)]
    description: String,
    expires: Option<String>,
}

/// `POST /v0.1/admin/tokens`: the token is in the answer, once.
pub async fn create_token(
    State(state): State<AppState>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    principal: Result<Principal, ApiError>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let principal = principal?;
    principal.require_admin()?;
    let b: TokenBody = parse_json(&read_body(&headers, body, &state.limits).await?)?;
    let scope = match (b.namespace, b.admin) {
        (Some(ns), false) => Scope::Namespace(ns),
        (None, true) => Scope::Admin,
        _ => {
            return Err(ApiError::bad_request(
                "admin-request-invalid",
                "give exactly one of `namespace` and `admin: true`",
            ));
        }
    };
    let expiry = Expiry::parse(b.expires.as_deref().unwrap_or(auth::DEFAULT_EXPIRY))
        .map_err(|e| ApiError::bad_request("admin-request-invalid", format!("`expires`: {e}")))?;
    let issued = admin::create_token(
        state.store.as_ref(),
        scope,
        &b.description,
        expiry,
        &principal.token_id,
        ip.map(|i| i.to_string()),
    )
    .await
    .map_err(admin_error)?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "id": issued.record.id,
            "scope": issued.record.scope,
            "expiresAt": issued.record.expires_at.map(time::format),
            "token": issued.token,
        })),
    ))
}

/// `POST /v0.1/admin/tokens/{id}/revoke`
pub async fn revoke_token(
    State(state): State<AppState>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    principal: Result<Principal, ApiError>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    let principal = principal?;
    principal.require_admin()?;
    let Path(id) = path.map_err(|e| ApiError::bad_request("path-invalid", e.body_text()))?;
    let record = admin::revoke_token(
        state.store.as_ref(),
        &id,
        &principal.token_id,
        ip.map(|i| i.to_string()),
    )
    .await
    .map_err(admin_error)?;
    Ok(Json(
        json!({ "id": record.id, "scope": record.scope, "revokedAt": record.revoked_at.map(time::format) }),
    ))
}
