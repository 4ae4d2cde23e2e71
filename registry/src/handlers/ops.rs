//! Operations: liveness, readiness (the store answers), Prometheus metrics and
//! the OpenAPI document describing every route.

use crate::error::ApiError;
use crate::signer::Snapshot;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde_json::{Value, json};

/// The hand-written OpenAPI document (a test checks it lists every route).
pub const OPENAPI: &str = include_str!("../../openapi.json");

/// `GET /healthz`: the process is up.
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// `GET /readyz`: the store answers.
pub async fn readyz(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    match state.store.ping().await {
        // Ready means every route can answer: the catalog routes need the
        // signed catalog loaded (at start, or after a restart, until then
        // they answer 503).
        Ok(()) if state.catalog.with_snapshot(|s| s.is_none()) => Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "catalog-not-loaded",
            "the signed catalog is not loaded yet",
        )),
        Ok(()) => Ok(Json(json!({ "status": "ready" }))),
        Err(e) => {
            tracing::warn!(error = %e, "store not ready");
            Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "store-unavailable",
                "the store does not answer",
            ))
        }
    }
}

/// `GET /metrics`: Prometheus text format.
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let (running, running_max, slots) = state.publisher.verifications();
    let (list_answers_kept, list_answers_read) = state.list_pages.counts();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(crate::metrics::Gauges {
            largest_shard_bytes: state
                .catalog
                .with_snapshot(|s| s.map(Snapshot::largest_shard_bytes)),
            shard_budget_bytes: state.limits.budget.shard,
            verifications_running: running as u64,
            verifications_running_max: running_max as u64,
            verification_slots: slots as u64,
            list_answers_kept,
            list_answers_read,
        }),
    )
}

/// `GET /openapi.json`
pub async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}

/// `GET /openapi.yaml`: the same document (JSON is YAML 1.2), where clients of
/// the official registry look for it: a ToolHive registry server checks that
/// its `info.version` is `1.0.0` and that its description names the official
/// registry's repository before it syncs from an `api:` source.
pub async fn openapi_yaml() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/yaml")], OPENAPI)
}
