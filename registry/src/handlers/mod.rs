//! HTTP handlers, one file per resource: `servers` (the official read API),
//! `publish`, `status` (yank, unyank, revoke), `audit`, `admin` (namespaces
//! and tokens) and `ops` (health, metrics, OpenAPI). Shared here: the bearer
//! token extractor, bounded body reading and the official response shape.

pub mod admin;
pub mod audit;
pub mod catalog;
pub mod ops;
pub mod page_cache;
pub mod publish;
pub mod servers;
pub mod status;

use crate::auth;
pub use crate::auth::Principal;
use crate::config::Limits;
use crate::error::ApiError;
use crate::model::{Scope, VersionRecord};
use crate::state::AppState;
use crate::time;
use axum::body::{Body, Bytes};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// `_meta` key of the official registry's metadata.
pub const OFFICIAL_META: &str = "io.modelcontextprotocol.registry/official";
/// `_meta` key of this registry's verification result.
pub const VERIFICATION_META: &str = "dev.mcp-trust/verification";
/// `_meta` key of this registry's exact lifecycle status.
pub const STATUS_META: &str = "dev.mcp-trust/status";

const INVALID_TOKEN: &str = "the bearer token is unknown, malformed or revoked";

/// The HTTP edge's view of a caller's rights.
impl Principal {
    /// 403 unless this is an admin token.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        match self.scope {
            Scope::Admin => Ok(()),
            Scope::Namespace(_) => Err(ApiError::forbidden(
                "admin-required",
                "this route needs an admin token",
            )),
        }
    }
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let value = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or_else(|| {
                ApiError::unauthorized("no bearer token: send `Authorization: Bearer mcpr_…`")
            })?
            .to_str()
            .map_err(|_| ApiError::unauthorized(INVALID_TOKEN))?;
        let token = value
            .split_once(' ')
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| t.trim())
            .ok_or_else(|| {
                ApiError::unauthorized("the Authorization header is not `Bearer <token>`")
            })?;
        let (id, secret) =
            auth::parse(token).ok_or_else(|| ApiError::unauthorized(INVALID_TOKEN))?;
        let record = state
            .store
            .token(id)
            .await?
            .ok_or_else(|| ApiError::unauthorized(INVALID_TOKEN))?;
        match auth::verify(&record, secret, time::now()) {
            Ok(()) => {}
            Err(auth::Rejected::Invalid) => return Err(ApiError::unauthorized(INVALID_TOKEN)),
            Err(auth::Rejected::Expired(at)) => return Err(token_expired(at, "")),
        }
        state
            .token_limiter
            .check(&record.id)
            .map_err(ApiError::too_many_requests)?;
        Ok(Principal {
            token_id: record.id,
            scope: record.scope,
        })
    }
}

/// 401 `token-expired`: only said to a caller that presented the token's
/// right secret; `meanwhile` is appended to the detail (after a comma).
pub fn token_expired(at: jiff::Timestamp, meanwhile: &str) -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "token-expired",
        auth::expired_detail(at, meanwhile),
    )
}

/// Renders a refused publish or status change: its status code, problem
/// code, detail and findings, and counts it in the metrics. An internal
/// failure is logged in full and answered generically.
pub fn refused(state: &AppState, rejection: crate::publish::Rejection) -> ApiError {
    use crate::publish::Rejection as R;
    use crate::verify::VerifyFailure;
    let code = rejection.code();
    match &rejection {
        R::Verification { failure, .. } => state.metrics.verification_failure(match failure {
            VerifyFailure::Rejected { stage, .. } => stage.as_str(),
            VerifyFailure::Unreachable { .. } => "registry-unreachable",
            VerifyFailure::Unavailable { .. } => "unavailable",
        }),
        R::VerificationTimeout { .. } => state.metrics.verification_failure("timeout"),
        R::OverBudget(_) => state.metrics.budget_refusal(code),
        R::Internal(detail) => return ApiError::internal(detail),
        R::StoreUnavailable(detail) => return ApiError::store_unavailable(detail),
        _ => {}
    }
    let status = match &rejection {
        R::TokenRevoked | R::TokenExpired(_) => StatusCode::UNAUTHORIZED,
        R::AdminToken
        | R::OutsideNamespace { .. }
        | R::NamespaceUnknown(_)
        | R::NotOpenToSync { .. }
        | R::StatusForbidden { .. } => StatusCode::FORBIDDEN,
        R::ReasonInvalid { .. } => StatusCode::BAD_REQUEST,
        R::VersionNotFound { .. } => StatusCode::NOT_FOUND,
        R::VersionExists { .. }
        | R::BuildMetadataTwin { .. }
        | R::NamespaceChanged(_)
        | R::TransitionRefused { .. } => StatusCode::CONFLICT,
        R::OverBudget(o) if o.kind == crate::store::BudgetKind::Entry => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        R::OverBudget(_) => StatusCode::CONFLICT,
        R::RegistryUnresolvable(_) => StatusCode::BAD_GATEWAY,
        R::VerificationBusy { .. } => StatusCode::TOO_MANY_REQUESTS,
        R::Verification { failure, .. } => match failure {
            VerifyFailure::Rejected { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            VerifyFailure::Unreachable { .. } => StatusCode::BAD_GATEWAY,
            VerifyFailure::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
        },
        R::VerificationTimeout { .. } => StatusCode::GATEWAY_TIMEOUT,
        R::ManifestInvalid { .. }
        | R::ImageNotPinned { .. }
        | R::ToolsRefused { .. }
        | R::ToolsShadowedMeanwhile { .. }
        | R::RegistryRefused(_)
        | R::SignerOutsideNamespace { .. }
        | R::ProvenanceSignerOutsideNamespace { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        R::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        R::StoreUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
    };
    let mut error =
        ApiError::new(status, code, rejection.to_string()).with_findings(rejection.findings());
    error.stage = rejection.stage().map(str::to_owned);
    if let R::VerificationBusy { .. } = rejection {
        error.retry_after = Some(std::time::Duration::from_secs(5));
    }
    error
}

/// Reads a request body: at most `max_body_bytes` (413 above) within `body_timeout` (408).
pub async fn read_body(
    headers: &HeaderMap,
    body: Body,
    limits: &Limits,
) -> Result<Bytes, ApiError> {
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body-too-large",
            format!(
                "the request body is larger than {} bytes",
                limits.max_body_bytes
            ),
        )
    };
    if let Some(len) = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        && len > limits.max_body_bytes as u64
    {
        return Err(too_large());
    }
    let collect = Limited::new(body, limits.max_body_bytes).collect();
    match tokio::time::timeout(limits.body_timeout, collect).await {
        Err(_) => Err(ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "body-timeout",
            format!(
                "the request body did not arrive within {} s",
                limits.body_timeout.as_secs()
            ),
        )),
        Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => Err(too_large()),
        Ok(Err(e)) => Err(ApiError::bad_request(
            "body-unreadable",
            format!("the request body could not be read: {e}"),
        )),
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
    }
}

/// Parses a JSON request body (400 when it is not the expected shape).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| {
        ApiError::bad_request(
            "json-invalid",
            format!("the request body is not the expected JSON: {e}"),
        )
    })
}

/// A version in the official `ServerResponse` shape, with this registry's
/// `_meta` keys, as the read routes serve it: the stored manifest bytes are
/// embedded as they are (checked to be JSON, not parsed into a tree and
/// written out again, which cost most of a listing's time).
#[derive(Debug, serde::Serialize)]
pub struct ServerEntry {
    server: Box<serde_json::value::RawValue>,
    #[serde(rename = "_meta")]
    meta: Value,
}

impl ServerEntry {
    /// `record` in the response shape.
    pub fn of(record: &VersionRecord) -> ServerEntry {
        let server = serde_json::value::RawValue::from_string(record.manifest.clone())
            .unwrap_or_else(|e| {
                tracing::error!(name = %record.entry.name, version = %record.entry.version, error = %e, "stored manifest is not JSON");
                serde_json::value::RawValue::from_string("null".to_owned())
                    .unwrap_or_else(|_| unreachable_null())
            });
        ServerEntry {
            server,
            meta: entry_meta(record),
        }
    }
}

/// `null` as a raw value: `RawValue::from_string("null")` cannot fail.
fn unreachable_null() -> Box<serde_json::value::RawValue> {
    serde_json::value::to_raw_value(&Value::Null).unwrap_or_default()
}

/// A version in the official `ServerResponse` shape, with this registry's
/// `_meta` keys, as a JSON tree (for answers that add to it).
pub fn server_entry(record: &VersionRecord) -> Value {
    let server: Value = serde_json::from_str(&record.manifest).unwrap_or_else(|e| {
        tracing::error!(name = %record.entry.name, version = %record.entry.version, error = %e, "stored manifest is not JSON");
        Value::Null
    });
    json!({ "server": server, "_meta": entry_meta(record) })
}

/// The `_meta` of a version's response: the official metadata, its exact
/// status and what was verified.
fn entry_meta(record: &VersionRecord) -> Value {
    let mut official = json!({
        "status": crate::model::official_status(record.entry.status),
        "publishedAt": time::format(record.entry.published_at),
        "updatedAt": time::format(record.updated_at),
        "isLatest": record.is_latest,
    });
    if let Some(reason) = &record.status_reason {
        official["statusMessage"] = json!(reason);
    }
    if let Some(at) = record.status_changed_at {
        official["statusChangedAt"] = json!(time::format(at));
    }
    let mut status = json!({ "status": record.entry.status.as_str() });
    if let Some(reason) = &record.status_reason {
        status["reason"] = json!(reason);
    }
    if let Some(at) = record.status_changed_at {
        status["changedAt"] = json!(time::format(at));
    }
    json!({
        OFFICIAL_META: official,
        STATUS_META: status,
        VERIFICATION_META: {
            "verified": true,
            "image": record.entry.image,
            "manifestSha256": record.entry.manifest_sha256.as_str(),
            "manifestBytesSha256": record.manifest_bytes_sha256,
            "signer": record.signer,
            "verifiedAt": time::format(record.entry.published_at),
        },
    })
}
