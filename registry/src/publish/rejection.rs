//! Why a publish or a status change was refused, typed until the HTTP edge
//! renders it (`handlers::publish`, `handlers::status`). Each variant names
//! one step of [`super::Publisher`]; its text (`Display`) is the problem
//! detail a publisher reads and the audit log keeps; [`Rejection::code`] is
//! the stable problem code (docs/api.md); [`Rejection::findings`] the
//! findings that explain it, pointing into the manifest.

use crate::store::{BudgetKind, OverBudget};
use crate::verify::VerifyFailure;
use mcp_trust::Finding;
use mcp_trust::image::PinnedImage;

/// A refused publish or status change; nothing was stored.
#[derive(Debug, thiserror::Error)]
pub enum Rejection {
    /// An admin token tried to publish.
    #[error(
        "admin tokens do not publish; use a token created with `admin token create --namespace`"
    )]
    AdminToken,
    /// The manifest names a server outside the token's namespace.
    #[error("this token publishes in namespace `{namespace}` only; `{server}` is outside it")]
    OutsideNamespace {
        /// The token's namespace.
        namespace: String,
        /// The server the manifest names.
        server: String,
    },
    /// The manifest has error findings (all of them listed).
    #[error("the manifest has {errors} error finding(s); every finding is listed")]
    ManifestInvalid {
        /// How many findings are errors (at least 1).
        errors: usize,
        /// Every finding.
        findings: Vec<Finding>,
    },
    /// The extension's image is not pinned by digest.
    #[error("the image is not pinned by digest")]
    ImageNotPinned {
        /// `image-reference-invalid` at the image's pointer.
        finding: Finding,
    },
    /// The tool surface has error findings (poisoning or shadowing).
    #[error(
        "the tool surface was refused: hidden or model-directed text, or tools imitating another server's; every finding is listed"
    )]
    ToolsRefused {
        /// Every tool finding.
        findings: Vec<Finding>,
    },
    /// A server stored while this one was verified has tools this one imitates.
    #[error(
        "the tool surface was refused: a server published while this one was being verified has tools it imitates; every finding is listed"
    )]
    ToolsShadowedMeanwhile {
        /// The shadowing findings.
        findings: Vec<Finding>,
    },
    /// The token's namespace is gone.
    #[error("namespace `{0}` does not exist (any more)")]
    NamespaceUnknown(String),
    /// A synced version's namespace is not open to its source (`sync promote`).
    #[error(
        "namespace `{namespace}` is not open to versions synced from {from}; an operator opens it with `mcp-registry sync promote --namespace {namespace} --from …`, naming the source and the signer its images must carry"
    )]
    NotOpenToSync {
        /// The namespace.
        namespace: String,
        /// The source the version came from.
        from: String,
    },
    /// The version is stored with other bytes.
    #[error(
        "version `{version}` of `{name}` is already published with other content (manifest sha256 {stored_bytes_sha256}); versions are immutable: publish a new version"
    )]
    VersionExists {
        /// Server name.
        name: String,
        /// Version.
        version: String,
        /// SHA-256 (hex) of the stored manifest bytes.
        stored_bytes_sha256: String,
    },
    /// The version differs from a stored one only by build metadata.
    #[error(
        "version `{version}` differs from the stored `{stored}` only by build metadata, which does not order versions; publish a new version"
    )]
    BuildMetadataTwin {
        /// The version published.
        version: String,
        /// The version stored.
        stored: String,
    },
    /// The version's catalog entry does not fit a budget.
    #[error("{}", over_budget_detail(.0))]
    OverBudget(OverBudget),
    /// The image's OCI registry is not allowed or resolves to a non-public address.
    #[error("{}", .0.message)]
    RegistryRefused(Finding),
    /// The image's OCI registry host does not resolve.
    #[error("{0}")]
    RegistryUnresolvable(String),
    /// The namespace already has its share of verifications in flight.
    #[error(
        "namespace `{namespace}` already has {limit} publishes being verified; retry when one finishes"
    )]
    VerificationBusy {
        /// The namespace.
        namespace: String,
        /// Its share of the verification slots.
        limit: usize,
    },
    /// The image did not verify (the failure keeps its stage).
    #[error("{}", verification_detail(.image, .failure))]
    Verification {
        /// The image.
        image: Box<PinnedImage>,
        /// Why it failed.
        failure: VerifyFailure,
        /// JSON pointer of the image in the manifest.
        path: String,
    },
    /// Verification did not finish in time.
    #[error("verifying {image} did not finish within {seconds} s")]
    VerificationTimeout {
        /// The image.
        image: Box<PinnedImage>,
        /// The deadline.
        seconds: u64,
    },
    /// The image's verified signer is outside the namespace's binding.
    #[error(
        "the image verified, but its signer `{identity}` ({issuer}) is not one namespace `{namespace}` accepts"
    )]
    SignerOutsideNamespace {
        /// The namespace.
        namespace: String,
        /// Verified identity.
        identity: String,
        /// Verified issuer.
        issuer: String,
        /// How it falls outside.
        findings: Vec<Finding>,
    },
    /// A provenance attestation's verified signer is outside the binding.
    #[error(
        "the provenance attestation verified, but its signer `{identity}` ({issuer}) is not one namespace `{namespace}` accepts"
    )]
    ProvenanceSignerOutsideNamespace {
        /// The namespace.
        namespace: String,
        /// Verified identity.
        identity: String,
        /// Verified issuer.
        issuer: String,
        /// How it falls outside.
        findings: Vec<Finding>,
    },
    /// The token was revoked while the image was verified.
    #[error("the token was revoked while this publish was being verified; nothing was stored")]
    TokenRevoked,
    /// The token expired while the image was verified.
    #[error("{}", crate::auth::expired_detail(*.0, " while this publish was being verified; nothing was stored"))]
    TokenExpired(jiff::Timestamp),
    /// The namespace's binding changed while the image was verified.
    #[error(
        "namespace `{0}` changed while this publish was being verified; nothing was stored: publish again"
    )]
    NamespaceChanged(String),
    /// The token may not change this version's status.
    #[error("this token may not {action} `{name}` {version}{}", if *.admin_required { ": revocation needs an admin token" } else { "" })]
    StatusForbidden {
        /// `yank`, `unyank` or `revoke`.
        action: &'static str,
        /// Server name.
        name: String,
        /// Version.
        version: String,
        /// Only an admin token may do it.
        admin_required: bool,
    },
    /// The reason of a status change is empty or too long.
    #[error("give a `reason` of 1 to {max} characters")]
    ReasonInvalid {
        /// Most characters.
        max: usize,
    },
    /// No such version.
    #[error("no version `{version}` of a server named `{name}`")]
    VersionNotFound {
        /// Server name.
        name: String,
        /// Version.
        version: String,
    },
    /// The status change does not apply to the version's status.
    #[error("cannot {action} `{name}` {version}: {reason}")]
    TransitionRefused {
        /// `yank`, `unyank` or `revoke`.
        action: &'static str,
        /// Server name.
        name: String,
        /// Version.
        version: String,
        /// Why.
        reason: String,
    },
    /// The registry failed (store, task): logged in full at the edge,
    /// answered and audited generically.
    #[error("internal error; the request id in X-Request-Id identifies it in the server log")]
    Internal(String),
    /// The store cannot be reached now: logged in full, answered 503 with `Retry-After`.
    #[error("the store cannot be reached now; retry after the time given in Retry-After")]
    StoreUnavailable(String),
}

impl From<crate::store::StoreError> for Rejection {
    fn from(e: crate::store::StoreError) -> Rejection {
        match e {
            crate::store::StoreError::Unavailable(_) => Rejection::StoreUnavailable(e.to_string()),
            e => Rejection::Internal(e.to_string()),
        }
    }
}

impl Rejection {
    /// An internal failure, kept in full for the server log.
    pub fn internal(detail: impl std::fmt::Display) -> Rejection {
        Rejection::Internal(detail.to_string())
    }

    /// The stable problem code (docs/api.md).
    pub fn code(&self) -> &'static str {
        match self {
            Rejection::AdminToken => "namespace-token-required",
            Rejection::OutsideNamespace { .. } => "namespace-forbidden",
            Rejection::ManifestInvalid { .. } | Rejection::ImageNotPinned { .. } => {
                "manifest-invalid"
            }
            Rejection::ToolsRefused { .. } | Rejection::ToolsShadowedMeanwhile { .. } => {
                "tools-refused"
            }
            Rejection::NamespaceUnknown(_) => "namespace-unknown",
            Rejection::NotOpenToSync { .. } => "sync-namespace-closed",
            Rejection::VersionExists { .. } | Rejection::BuildMetadataTwin { .. } => {
                "version-exists"
            }
            Rejection::OverBudget(o) => o.kind.code(),
            Rejection::RegistryRefused(_) => "image-registry-refused",
            Rejection::RegistryUnresolvable(_) => "upstream-unreachable",
            Rejection::VerificationBusy { .. } => "verification-busy",
            Rejection::Verification { failure, .. } => match failure {
                VerifyFailure::Rejected { .. } => "image-verification-failed",
                VerifyFailure::Unreachable { .. } => "upstream-unreachable",
                VerifyFailure::Unavailable { .. } => "verification-unavailable",
            },
            Rejection::VerificationTimeout { .. } => "verification-timeout",
            Rejection::SignerOutsideNamespace { .. } => "signer-outside-namespace",
            Rejection::ProvenanceSignerOutsideNamespace { .. } => {
                "provenance-signer-outside-namespace"
            }
            Rejection::TokenRevoked => "unauthorized",
            Rejection::TokenExpired(_) => "token-expired",
            Rejection::NamespaceChanged(_) => "namespace-changed",
            Rejection::StatusForbidden {
                admin_required: true,
                ..
            } => "admin-required",
            Rejection::StatusForbidden { .. } => "namespace-forbidden",
            Rejection::ReasonInvalid { .. } => "reason-invalid",
            Rejection::VersionNotFound { .. } => "not-found",
            Rejection::TransitionRefused { .. } => "status-transition-invalid",
            Rejection::Internal(_) => "internal",
            Rejection::StoreUnavailable(_) => "store-unavailable",
        }
    }

    /// The findings that explain the refusal, pointing into the manifest.
    pub fn findings(&self) -> Vec<Finding> {
        match self {
            Rejection::ManifestInvalid { findings, .. }
            | Rejection::ToolsRefused { findings }
            | Rejection::ToolsShadowedMeanwhile { findings }
            | Rejection::SignerOutsideNamespace { findings, .. }
            | Rejection::ProvenanceSignerOutsideNamespace { findings, .. } => findings.clone(),
            Rejection::ImageNotPinned { finding } | Rejection::RegistryRefused(finding) => {
                vec![finding.clone()]
            }
            Rejection::OverBudget(o) if o.kind == BudgetKind::Entry => {
                vec![entry_too_large(o)]
            }
            Rejection::Verification {
                failure: VerifyFailure::Rejected { stage, message },
                path,
                ..
            } => vec![
                Finding::error(
                    "image-verification-failed",
                    path.as_str(),
                    format!("stage `{stage}`: {message}"),
                )
                .hint("sign the image (e.g. `cosign sign`) with the identity the manifest and namespace require, then publish again"),
            ],
            _ => Vec::new(),
        }
    }

    /// The verification stage that failed, for a refused image.
    pub fn stage(&self) -> Option<&str> {
        match self {
            Rejection::Verification {
                failure: VerifyFailure::Rejected { stage, .. },
                ..
            } => Some(stage),
            _ => None,
        }
    }

    /// The codes the audit log records: the error findings' codes, or the problem code.
    pub fn audit_codes(&self) -> Vec<String> {
        let findings = self.findings();
        if findings.is_empty() {
            return vec![self.code().to_owned()];
        }
        let mut codes: Vec<String> = findings
            .into_iter()
            .filter(|f| f.severity == mcp_trust::Severity::Error)
            .map(|f| f.code)
            .collect();
        codes.dedup();
        codes
    }
}

fn verification_detail(image: &PinnedImage, failure: &VerifyFailure) -> String {
    match failure {
        VerifyFailure::Rejected { stage, message } => {
            format!("{image} failed verification at stage `{stage}`: {message}")
        }
        VerifyFailure::Unreachable { message } => {
            format!("the OCI registry of {image} could not be reached: {message}")
        }
        VerifyFailure::Unavailable { message } => {
            format!("image verification is unavailable, so nothing can be published: {message}")
        }
    }
}

/// The refusal of an entry that does not fit a budget: what is over, by
/// how much, and what to do.
fn over_budget_detail(o: &OverBudget) -> String {
    let total = o.used.saturating_add(o.adding);
    let over = total.saturating_sub(o.limit);
    match o.kind {
        BudgetKind::Entry => format!(
            "the catalog entry of this version would take {total} bytes, {over} over the {} bytes one entry may take (every gateway downloads every entry); nothing was stored: declare fewer or shorter egress rules and secret names, then publish again",
            o.limit
        ),
        BudgetKind::Server => format!(
            "server `{}` already takes {} catalog bytes; this version's entry ({} bytes) would take it to {total}, {over} over the {} bytes one server may take; nothing was stored. Versions are immutable and never removed, so the server's budget does not come back: ask the registry operator (--max-server-entry-bytes)",
            o.scope, o.used, o.adding, o.limit
        ),
        BudgetKind::Namespace => format!(
            "namespace `{}` already takes {} catalog bytes; this version's entry ({} bytes) would take it to {total}, {over} over the {} bytes one namespace may take; nothing was stored. Versions are immutable and never removed, so the namespace's budget does not come back: ask the registry operator (--max-namespace-entry-bytes)",
            o.scope, o.used, o.adding, o.limit
        ),
        BudgetKind::NamespaceShard => format!(
            "namespace `{}` already takes {} catalog bytes in catalog shard {:02x} (servers whose name's SHA-256 starts with byte 0x{:02x}); this version's entry ({} bytes) would take it to {total}, {over} over the {} bytes one namespace may take in one shard, so that no few namespaces can fill a shard every gateway downloads; nothing was stored. Versions are immutable and never removed, so this does not come back: a server of another name most likely lands in another shard, or ask the registry operator (--max-namespace-shard-bytes)",
            o.scope, o.used, o.bin, o.bin, o.adding, o.limit
        ),
        BudgetKind::Shard => format!(
            "catalog shard {} (servers whose name's SHA-256 starts with byte 0x{}) already holds {} bytes; this version's entry ({} bytes) would take it to {total}, {over} over the {} bytes a shard may hold so that every gateway can still download it; nothing was stored. Ask the registry operator; a server of another name lands in another shard",
            o.scope, o.scope, o.used, o.adding, o.limit
        ),
    }
}

/// Like every 422, the manifest problem of an oversized entry as a finding (docs/findings.md).
fn entry_too_large(o: &OverBudget) -> Finding {
    let total = o.used.saturating_add(o.adding);
    Finding::error(
        "entry-too-large",
        format!(
            "/_meta/{}",
            mcp_trust::finding::pointer_token(mcp_trust::manifest::EXTENSION_KEY)
        ),
        format!(
            "the catalog entry of this version would take {total} bytes; one entry may take {}",
            o.limit
        ),
    )
    .hint("declare fewer or shorter egress rules (one `*.domain` instead of many hosts) and secret names")
}
