//! `POST /v0.1/publish`: admits the token (a namespace token publishes),
//! reads the body (at most `max_body_bytes`, within the body timeout),
//! hands it to the publish service
//! ([`crate::publish::Publisher::publish`], where the steps and their order
//! live), and renders the answer: 201 with `Location` for a new version,
//! 200 for an identical republish, a problem with findings otherwise.

use super::{Principal, read_body, refused, server_entry};
use crate::error::ApiError;
use crate::publish::Published;
use crate::state::AppState;
use crate::state::ClientIp;
use axum::Extension;
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::net::IpAddr;

/// `POST /v0.1/publish`
pub async fn publish(
    State(state): State<AppState>,
    Extension(ClientIp(client_ip)): Extension<ClientIp>,
    principal: Result<Principal, ApiError>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let principal = principal.inspect_err(|e| state.metrics.publish(e.code))?;
    let outcome = accept(&state, &principal, client_ip, &headers, body).await;
    state.metrics.publish(match &outcome {
        Ok(published) if published.created => "created",
        Ok(_) => "unchanged",
        Err(e) => e.code,
    });
    let published = outcome?;
    let mut body = server_entry(&published.record);
    if !published.warnings.is_empty() {
        body["findings"] = serde_json::to_value(&published.warnings).unwrap_or_default();
    }
    let status = if published.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let location = format!(
        "/v0.1/servers/{}/versions/{}",
        encode_segment(&published.record.entry.name),
        encode_segment(&published.record.entry.version)
    );
    Ok((status, [(header::LOCATION, location)], Json(body)).into_response())
}

/// Admits the token, reads the body and publishes it; a body that cannot
/// be read is audited here, every other refusal by the service.
async fn accept(
    state: &AppState,
    principal: &Principal,
    client_ip: Option<IpAddr>,
    headers: &HeaderMap,
    body: Body,
) -> Result<Published, ApiError> {
    let client_ip = client_ip.map(|ip| ip.to_string());
    let publisher = &state.publisher;
    publisher
        .admit(principal, client_ip.clone())
        .await
        .map_err(|rejection| refused(state, rejection))?;
    let bytes = match read_body(headers, body, &state.limits).await {
        Ok(bytes) => bytes,
        Err(e) => {
            let (codes, detail) = (e.audit_codes(), e.detail.clone());
            publisher
                .audit_unread(principal, client_ip, codes, detail)
                .await;
            return Err(e);
        }
    };
    publisher
        .publish(principal, client_ip, &bytes)
        .await
        .map_err(|rejection| refused(state, rejection))
}

/// Percent-encodes one URL path segment (`/` becomes `%2F`).
pub fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
