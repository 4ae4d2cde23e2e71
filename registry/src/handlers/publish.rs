//! `POST /v0.1/publish`: the only way a version enters the registry. In order:
//! authenticate the token → read at most `max_body_bytes` → validate the
//! manifest (every finding at once) → the token's namespace must own the name
//! → an identical republish answers 200, a different one 409 → the image's
//! OCI registry must pass the host policy → the image must verify → the
//! verified signer must be inside the namespace's binding → the token (not
//! revoked or expired meanwhile) and the namespace are read again → the version's
//! catalog entry must fit the catalog budgets (entry, server, namespace,
//! shard: checked before verification on a lower bound, and exactly in the
//! store's write transaction) → the version, its log leaf, its audit record
//! and the catalog bump are stored in one transaction. Every attempt by an
//! authenticated caller is audited, with the codes of a rejection.

use super::{Principal, read_body, server_entry, token_expired};
use crate::error::ApiError;
use crate::host_policy::HostRejection;
use crate::model::{AuditEvent, Outcome, Scope, Status, VersionRecord};
use crate::namespace::{self, Binding};
use crate::observe::ClientIp;
use crate::state::AppState;
use crate::store::{BudgetKind, OverBudget, PublishOutcome};
use crate::time;
use crate::verify::{VerifiedSigner, VerifyFailure};
use axum::Extension;
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use mcp_trust::catalog::model::KeylessSigner;
use mcp_trust::catalog::{Entry, Signer as CatalogSigner};
use mcp_trust::finding::pointer_token;
use mcp_trust::image::{Digest, PinnedImage};
use mcp_trust::manifest::{EXTENSION_KEY, ProvenancePolicy, ValidateOptions, validate};
use mcp_trust::{Finding, Severity};

/// A publish that succeeded.
struct Published {
    created: bool,
    record: VersionRecord,
    warnings: Vec<Finding>,
}

/// `POST /v0.1/publish`
pub async fn publish(
    State(state): State<AppState>,
    Extension(ClientIp(client_ip)): Extension<ClientIp>,
    principal: Result<Principal, ApiError>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let principal = principal.inspect_err(|e| state.metrics.publish(e.code))?;
    let client_ip = client_ip.map(|ip| ip.to_string());
    let mut subject = String::new();
    match pipeline(&state, &principal, &headers, body, &mut subject, &client_ip).await {
        Ok(published) => {
            let label = if published.created {
                "created"
            } else {
                "unchanged"
            };
            state.metrics.publish(label);
            if !published.created {
                audit(
                    &state,
                    &principal,
                    &subject,
                    Outcome::Accepted,
                    Vec::new(),
                    "unchanged: identical republish".into(),
                    client_ip,
                )
                .await;
            }
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
                encode_segment(&published.record.name),
                encode_segment(&published.record.version)
            );
            Ok((status, [(header::LOCATION, location)], Json(body)).into_response())
        }
        Err(e) => {
            state.metrics.publish(e.code);
            let subject = if subject.is_empty() {
                "(unparsed manifest)".to_owned()
            } else {
                subject
            };
            audit(
                &state,
                &principal,
                &subject,
                Outcome::Rejected,
                e.audit_codes(),
                e.detail.clone(),
                client_ip,
            )
            .await;
            Err(e)
        }
    }
}

async fn audit(
    state: &AppState,
    principal: &Principal,
    subject: &str,
    outcome: Outcome,
    codes: Vec<String>,
    detail: String,
    client_ip: Option<String>,
) {
    let event = AuditEvent {
        at: time::now(),
        actor: principal.token_id.clone(),
        action: "publish".into(),
        subject: subject.to_owned(),
        outcome,
        codes,
        detail,
        client_ip,
    };
    if let Err(e) = state.store.append_audit(&event).await {
        tracing::error!(error = %e, ?event, "could not append audit record");
    }
}

async fn pipeline(
    state: &AppState,
    principal: &Principal,
    headers: &HeaderMap,
    body: Body,
    subject: &mut String,
    client_ip: &Option<String>,
) -> Result<Published, ApiError> {
    let Scope::Namespace(ns_name) = &principal.scope else {
        return Err(ApiError::forbidden(
            "namespace-token-required",
            "admin tokens do not publish; use a token created with `admin token create --namespace`",
        ));
    };
    let bytes = read_body(headers, body, &state.limits).await?;
    let report = validate(
        &bytes,
        ValidateOptions {
            require_extension: true,
        },
    );
    if let Some(m) = &report.manifest {
        *subject = format!("{}@{}", m.server.name, m.server.version);
        if namespace::of_server(&m.server.name) != Some(ns_name.as_str()) {
            return Err(ApiError::forbidden(
                "namespace-forbidden",
                format!(
                    "this token publishes in namespace `{ns_name}` only; `{}` is outside it",
                    m.server.name
                ),
            ));
        }
    }
    let errors = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let (Some(manifest), 0) = (report.manifest, errors) else {
        return Err(ApiError::unprocessable(
            "manifest-invalid",
            format!(
                "the manifest has {} error finding(s); every finding is listed",
                errors.max(1)
            ),
            report.findings,
        ));
    };
    let mut warnings = report.findings;
    let Some(security) = manifest.security.as_ref() else {
        return Err(ApiError::internal(
            "validation with require_extension passed a manifest without extension",
        ));
    };
    // The tool surface: poisoning rules, then shadowing against every other listed
    // server; errors (per the scan policy) block, warnings travel with the answer.
    let tool_findings = scan_tools(state, &manifest.server.name, &security.tools).await?;
    if tool_findings.iter().any(|f| f.severity == Severity::Error) {
        return Err(ApiError::unprocessable(
            "tools-refused",
            "the tool surface was refused: hidden or model-directed text, or tools imitating another server's; every finding is listed",
            tool_findings,
        ));
    }
    warnings.extend(tool_findings);
    let image_path = format!("/_meta/{}/image", pointer_token(EXTENSION_KEY));
    let image = PinnedImage::parse(&security.image).map_err(|e| {
        ApiError::unprocessable(
            "manifest-invalid",
            "the image is not pinned by digest",
            vec![Finding::error(
                "image-reference-invalid",
                image_path.clone(),
                e.to_string(),
            )],
        )
    })?;
    let (name, version) = (
        manifest.server.name.clone(),
        manifest.server.version.clone(),
    );
    let namespace = state.store.namespace(ns_name).await?.ok_or_else(|| {
        ApiError::forbidden(
            "namespace-unknown",
            format!("namespace `{ns_name}` does not exist (any more)"),
        )
    })?;
    let binding = Binding::new(&namespace).map_err(ApiError::internal)?;
    let manifest_sha256 = Digest::of(&bytes).hex().to_owned();

    // Build metadata (`+…`) does not order versions: `1.0.0+b` beside
    // `1.0.0` would be a second, different 1.0.0.
    let precedence = |v: &str| v.split_once('+').map_or(v, |(core, _)| core).to_owned();
    let stored = state.store.versions(&name).await?;
    if let Some(existing) = stored.iter().find(|v| v.version == version) {
        return if existing.manifest_sha256 == manifest_sha256 {
            Ok(Published {
                created: false,
                record: existing.clone(),
                warnings,
            })
        } else {
            Err(conflict(existing))
        };
    }
    if let Some(twin) = stored
        .iter()
        .find(|v| precedence(&v.version) == precedence(&version))
    {
        return Err(ApiError::conflict(
            "version-exists",
            format!(
                "version `{version}` differs from the stored `{}` only by build metadata, which does not order versions; publish a new version",
                twin.version
            ),
        ));
    }

    // The catalog budgets, before any network access or verification: the
    // entry with an empty signer and the shortest timestamp is a lower bound
    // of the one stored, checked against what is granted now. The store
    // checks the real entry again in the transaction that writes it.
    let lower_bound = Entry::from_manifest(
        &manifest,
        CatalogSigner::Keyless(KeylessSigner {
            identity: String::new(),
            issuer: String::new(),
        }),
        true,
        jiff::Timestamp::UNIX_EPOCH,
        0,
    )
    .and_then(|e| e.budget_bytes())
    .map_err(ApiError::internal)?;
    let usage = state.store.entry_usage(&name).await?;
    state
        .limits
        .budget
        .admit(&name, lower_bound, &usage)
        .map_err(|over| over_budget(state, &over))?;

    match state.hosts.check(&image, &image_path).await {
        Ok(_) => {}
        Err(HostRejection::Refused(finding)) => {
            return Err(ApiError::unprocessable(
                "image-registry-refused",
                finding.message.clone(),
                vec![finding],
            ));
        }
        Err(HostRejection::Unresolvable(message)) => {
            return Err(ApiError::new(
                StatusCode::BAD_GATEWAY,
                "upstream-unreachable",
                message,
            ));
        }
    }

    let policy = security
        .provenance
        .clone()
        .unwrap_or_else(|| ProvenancePolicy {
            certificate_identity_regexp: Some(namespace.signer_identity_regexp.clone()),
            certificate_oidc_issuer: Some(namespace.signer_issuer.clone()),
            ..ProvenancePolicy::default()
        });
    let _permit = state.verify_permit(ns_name).ok_or_else(|| {
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "verification-busy",
            format!(
                "namespace `{ns_name}` already has {} publishes being verified; retry when one finishes",
                state.verifications_per_namespace()
            ),
        );
        e.retry_after = Some(std::time::Duration::from_secs(5));
        e
    })?;
    let signer = verify_image(state, &image, &policy, &image_path).await?;
    let outside = binding.check(&signer);
    if !outside.is_empty() {
        return Err(ApiError::unprocessable(
            "signer-outside-namespace",
            format!(
                "the image verified, but its signer `{}` ({}) is not one namespace `{ns_name}` accepts",
                signer.identity, signer.issuer
            ),
            outside,
        ));
    }
    // The provenance attestations' signers are bound like the image's: the
    // manifest's own policy may be looser than the namespace's binding.
    for attester in &signer.attestation_signers {
        let outside = binding.check(attester);
        if !outside.is_empty() {
            return Err(ApiError::unprocessable(
                "provenance-signer-outside-namespace",
                format!(
                    "the provenance attestation verified, but its signer `{}` ({}) is not one namespace `{ns_name}` accepts",
                    attester.identity, attester.issuer
                ),
                outside,
            ));
        }
    }

    // Verification takes seconds, up to the verify timeout: read the token and
    // the namespace again, so that a token revoked or expired or a binding
    // changed meanwhile stops this publish instead of landing it.
    let Some(token) = state
        .store
        .token(&principal.token_id)
        .await?
        .filter(|t| t.revoked_at.is_none())
    else {
        return Err(ApiError::unauthorized(
            "the token was revoked while this publish was being verified; nothing was stored",
        ));
    };
    if let Some(at) = crate::auth::expired_at(&token, time::now()) {
        return Err(token_expired(
            at,
            " while this publish was being verified; nothing was stored",
        ));
    }
    if state.store.namespace(ns_name).await?.as_ref() != Some(&namespace) {
        return Err(ApiError::conflict(
            "namespace-changed",
            format!(
                "namespace `{ns_name}` changed while this publish was being verified; nothing was stored: publish again"
            ),
        ));
    }

    let now = time::now();
    // The tool surface changed from the version published before this one:
    // gateways must ask again before running it.
    let previous = state.store.versions(&name).await?;
    let entry = Entry::from_manifest(
        &manifest,
        CatalogSigner::Keyless(KeylessSigner {
            identity: signer.identity.clone(),
            issuer: signer.issuer.clone(),
        }),
        false,
        now,
        0,
    )
    .map_err(ApiError::internal)?;
    let entry = Entry {
        tools_changed: previous
            .first()
            .is_some_and(|p| p.entry.tool_surface != entry.tool_surface),
        ..entry
    };
    let detail = format!(
        "image {image} signed by {} ({})",
        signer.identity, signer.issuer
    );
    let record = VersionRecord {
        name,
        version,
        manifest: String::from_utf8(bytes.to_vec()).map_err(ApiError::internal)?,
        manifest_sha256,
        image: image.to_string(),
        signer,
        publisher: principal.token_id.clone(),
        status: Status::Active,
        status_reason: None,
        status_changed_at: None,
        published_at: now,
        updated_at: now,
        is_latest: false,
        entry,
    };
    let event = AuditEvent {
        at: now,
        actor: principal.token_id.clone(),
        action: "publish".into(),
        subject: subject.clone(),
        outcome: Outcome::Accepted,
        // Warnings (manifest and tool surface) are recorded with the accepted publish.
        codes: warnings.iter().map(|f| f.code.clone()).collect(),
        detail,
        client_ip: client_ip.clone(),
    };
    // Shadowing again, now under the tool index's write lock held until the
    // version is stored and indexed: two publishes verified at the same time
    // (each checked before the other was stored) cannot both land tools that
    // imitate each other's.
    let mut tool_index = state.tool_index.write().await;
    state.refresh_tool_index_locked(&mut tool_index).await?;
    let base = format!("/_meta/{}/tools", pointer_token(EXTENSION_KEY));
    let pointers: Vec<String> = (0..security.tools.len())
        .map(|i| format!("{base}/{i}"))
        .collect();
    let shadows = state.scan_policy.apply(tool_index.index.check(
        &record.name,
        &security.tools,
        &pointers,
    ));
    if shadows.iter().any(|f| f.severity == Severity::Error) {
        return Err(ApiError::unprocessable(
            "tools-refused",
            "the tool surface was refused: a server published while this one was being verified has tools it imitates; every finding is listed",
            shadows,
        ));
    }
    // On its own task: a client that disconnects cannot cancel the write half-way.
    let (store, budget) = (state.store.clone(), state.limits.budget);
    let outcome = tokio::spawn(async move { store.publish(&record, &event, &budget).await })
        .await
        .map_err(ApiError::internal)??;
    match outcome {
        PublishOutcome::Created(record) => {
            tracing::info!(name = %record.name, version = %record.version, image = %record.image, "published");
            state.catalog.changed();
            tool_index.index.insert(&record.name, &security.tools);
            Ok(Published {
                created: true,
                record,
                warnings,
            })
        }
        PublishOutcome::Unchanged(record) => Ok(Published {
            created: false,
            record,
            warnings,
        }),
        PublishOutcome::Conflict(existing) => Err(conflict(&existing)),
        PublishOutcome::OverBudget(over) => Err(over_budget(state, &over)),
    }
}

/// The refusal of a publish whose catalog entry does not fit a budget
/// (counted in metrics by code): what is over, by how much, and what to do.
fn over_budget(state: &AppState, o: &OverBudget) -> ApiError {
    let code = o.kind.code();
    state.metrics.budget_refusal(code);
    let total = o.used.saturating_add(o.adding);
    let over = total.saturating_sub(o.limit);
    let (status, detail) = match o.kind {
        BudgetKind::Entry => (
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "the catalog entry of this version would take {total} bytes, {over} over the {} bytes one entry may take (every gateway downloads every entry); nothing was stored: declare fewer or shorter egress rules and secret names, then publish again",
                o.limit
            ),
        ),
        BudgetKind::Server => (
            StatusCode::CONFLICT,
            format!(
                "server `{}` already takes {} catalog bytes; this version's entry ({} bytes) would take it to {total}, {over} over the {} bytes one server may take; nothing was stored. Versions are immutable and never removed, so the server's budget does not come back: ask the registry operator (--max-server-entry-bytes)",
                o.scope, o.used, o.adding, o.limit
            ),
        ),
        BudgetKind::Namespace => (
            StatusCode::CONFLICT,
            format!(
                "namespace `{}` already takes {} catalog bytes; this version's entry ({} bytes) would take it to {total}, {over} over the {} bytes one namespace may take; nothing was stored. Versions are immutable and never removed, so the namespace's budget does not come back: ask the registry operator (--max-namespace-entry-bytes)",
                o.scope, o.used, o.adding, o.limit
            ),
        ),
        BudgetKind::NamespaceShard => (
            StatusCode::CONFLICT,
            format!(
                "namespace `{}` already takes {} catalog bytes in catalog shard {:02x} (servers whose name's SHA-256 starts with byte 0x{:02x}); this version's entry ({} bytes) would take it to {total}, {over} over the {} bytes one namespace may take in one shard, so that no few namespaces can fill a shard every gateway downloads; nothing was stored. Versions are immutable and never removed, so this does not come back: a server of another name most likely lands in another shard, or ask the registry operator (--max-namespace-shard-bytes)",
                o.scope, o.used, o.bin, o.bin, o.adding, o.limit
            ),
        ),
        BudgetKind::Shard => (
            StatusCode::CONFLICT,
            format!(
                "catalog shard {} (servers whose name's SHA-256 starts with byte 0x{}) already holds {} bytes; this version's entry ({} bytes) would take it to {total}, {over} over the {} bytes a shard may hold so that every gateway can still download it; nothing was stored. Ask the registry operator; a server of another name lands in another shard",
                o.scope, o.scope, o.used, o.adding, o.limit
            ),
        ),
    };
    let error = ApiError::new(status, code, detail);
    if o.kind != BudgetKind::Entry {
        return error;
    }
    // Like every 422, the manifest problem as a finding (docs/findings.md).
    let finding = Finding::error(
        "entry-too-large",
        format!("/_meta/{}", pointer_token(EXTENSION_KEY)),
        format!(
            "the catalog entry of this version would take {total} bytes; one entry may take {}",
            o.limit
        ),
    )
    .hint("declare fewer or shorter egress rules (one `*.domain` instead of many hosts) and secret names");
    let findings = vec![finding];
    error.with_findings(findings)
}

/// Poisoning and shadowing findings for a manifest's tools, paths pointing into the manifest.
async fn scan_tools(
    state: &AppState,
    server: &str,
    tools: &[mcp_trust::manifest::Tool],
) -> Result<Vec<Finding>, ApiError> {
    let base = format!("/_meta/{}/tools", pointer_token(EXTENSION_KEY));
    let mut findings: Vec<Finding> = mcp_trust::tools::scan(tools, &state.scan_policy)
        .into_iter()
        .map(|mut f| {
            if let Some(rest) = f.path.strip_prefix("/tools") {
                f.path = format!("{base}{rest}");
            }
            f
        })
        .collect();
    let pointers: Vec<String> = (0..tools.len()).map(|i| format!("{base}/{i}")).collect();
    // Versions other replicas published since the last check count too.
    state.refresh_tool_index().await?;
    let shadows = state
        .tool_index
        .read()
        .await
        .index
        .check(server, tools, &pointers);
    findings.extend(state.scan_policy.apply(shadows));
    Ok(findings)
}

fn conflict(existing: &VersionRecord) -> ApiError {
    ApiError::conflict(
        "version-exists",
        format!(
            "version `{}` of `{}` is already published with other content (manifest sha256 {}); versions are immutable: publish a new version",
            existing.version, existing.name, existing.manifest_sha256
        ),
    )
}

/// Runs the verifier under the concurrency cap and the verification deadline.
async fn verify_image(
    state: &AppState,
    image: &PinnedImage,
    policy: &ProvenancePolicy,
    image_path: &str,
) -> Result<VerifiedSigner, ApiError> {
    let deadline = state.limits.verify_timeout;
    let run = async {
        let _slot = state
            .verify_slots
            .acquire()
            .await
            .map_err(ApiError::internal)?;
        state
            .verifier
            .verify(image, policy)
            .await
            .map_err(|failure| {
                let stage = match &failure {
                    VerifyFailure::Rejected { stage, .. } => stage.as_str(),
                    VerifyFailure::Unreachable { .. } => "registry-unreachable",
                    VerifyFailure::Unavailable { .. } => "unavailable",
                };
                state.metrics.verification_failure(stage);
                verify_error(failure, image, image_path)
            })
    };
    match tokio::time::timeout(deadline, run).await {
        Ok(result) => result,
        Err(_) => {
            state.metrics.verification_failure("timeout");
            Err(ApiError::new(
                StatusCode::GATEWAY_TIMEOUT,
                "verification-timeout",
                format!(
                    "verifying {image} did not finish within {} s",
                    deadline.as_secs()
                ),
            ))
        }
    }
}

fn verify_error(failure: VerifyFailure, image: &PinnedImage, image_path: &str) -> ApiError {
    match failure {
        VerifyFailure::Rejected { stage, message } => {
            let mut e = ApiError::unprocessable(
                "image-verification-failed",
                format!("{image} failed verification at stage `{stage}`: {message}"),
                vec![Finding::error(
                    "image-verification-failed",
                    image_path,
                    format!("stage `{stage}`: {message}"),
                )
                .hint("sign the image (e.g. `cosign sign`) with the identity the manifest and namespace require, then publish again")],
            );
            e.stage = Some(stage);
            e
        }
        VerifyFailure::Unreachable { message } => ApiError::new(
            StatusCode::BAD_GATEWAY,
            "upstream-unreachable",
            format!("the OCI registry of {image} could not be reached: {message}"),
        ),
        VerifyFailure::Unavailable { message } => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "verification-unavailable",
            format!("image verification is unavailable, so nothing can be published: {message}"),
        ),
    }
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
