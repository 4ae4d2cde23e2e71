//! One error type for every handler. Each becomes a status code and an RFC
//! 9457 `application/problem+json` body with a stable `code` and, where the
//! request itself was at fault, the findings (same objects as `mcp-verify`
//! prints). A 500 answers generically and logs the detail.

use crate::store::StoreError;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use mcp_trust::Finding;
use std::time::Duration;

/// Content type of every error answer.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable problem code (also the last part of the problem `type`).
    pub code: &'static str,
    /// What went wrong, for people.
    pub detail: String,
    /// The findings that explain it, when the request was at fault.
    pub findings: Vec<Finding>,
    /// The verification stage that failed, for image verification failures.
    pub stage: Option<String>,
    /// For 429 and 503: seconds to wait.
    pub retry_after: Option<Duration>,
}

impl ApiError {
    /// An error with a status, code and detail.
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            detail: detail.into(),
            findings: Vec::new(),
            stage: None,
            retry_after: None,
        }
    }

    /// The same error carrying findings.
    #[must_use]
    pub fn with_findings(mut self, findings: Vec<Finding>) -> ApiError {
        self.findings = findings;
        self
    }

    /// 400: the request is malformed.
    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, detail)
    }

    /// 401: no valid token.
    pub fn unauthorized(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", detail)
    }

    /// 403: the token may not do this.
    pub fn forbidden(code: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, code, detail)
    }

    /// 404.
    pub fn not_found(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not-found", detail)
    }

    /// 409.
    pub fn conflict(code: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, code, detail)
    }

    /// 422 with findings.
    pub fn unprocessable(
        code: &'static str,
        detail: impl Into<String>,
        findings: Vec<Finding>,
    ) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, detail).with_findings(findings)
    }

    /// 429 with the wait.
    pub fn too_many_requests(wait: Duration) -> ApiError {
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate-limited",
            "too many requests; retry after the time given in Retry-After",
        );
        e.retry_after = Some(wait);
        e
    }

    /// 503 with `Retry-After`: the store cannot be reached now; logged in
    /// full, answered generically.
    pub fn store_unavailable(detail: impl std::fmt::Display) -> ApiError {
        tracing::warn!(error = %detail, "store unavailable");
        let mut e = ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "store-unavailable",
            "the store cannot be reached now; retry after the time given in Retry-After",
        );
        e.retry_after = Some(Duration::from_secs(1));
        e
    }

    /// 500: logged in full, answered generically.
    pub fn internal(detail: impl std::fmt::Display) -> ApiError {
        tracing::error!(error = %detail, "internal error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error; the request id in X-Request-Id identifies it in the server log",
        )
    }

    /// The codes to record in the audit log: the findings' codes, or the problem code.
    pub fn audit_codes(&self) -> Vec<String> {
        if self.findings.is_empty() {
            vec![self.code.to_owned()]
        } else {
            let mut codes: Vec<String> = self
                .findings
                .iter()
                .filter(|f| f.severity == mcp_trust::Severity::Error)
                .map(|f| f.code.clone())
                .collect();
            codes.dedup();
            codes
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::Unavailable(_) => ApiError::store_unavailable(e),
            e => ApiError::internal(e),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = serde_json::json!({
            "type": format!("urn:mcp-registry:problem:{}", self.code),
            "title": self.status.canonical_reason().unwrap_or("error"),
            "status": self.status.as_u16(),
            "detail": self.detail,
            "code": self.code,
        });
        if let Some(stage) = &self.stage {
            body["stage"] = serde_json::Value::String(stage.clone());
        }
        if !self.findings.is_empty() {
            body["findings"] = serde_json::to_value(&self.findings).unwrap_or_default();
        }
        let mut response = (self.status, body.to_string()).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Some(wait) = self.retry_after {
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            if let Ok(v) = HeaderValue::from_str(&secs.max(1).to_string()) {
                headers.insert(header::RETRY_AFTER, v);
            }
        }
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}
