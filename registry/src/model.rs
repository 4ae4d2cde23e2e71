//! The records the registry keeps: published versions and their lifecycle,
//! namespaces with their signer binding, publish tokens, and audit events.
//! Both stores persist exactly these types.

use crate::time::{rfc3339, rfc3339_opt};
use crate::verify::VerifiedSigner;
use jiff::Timestamp;
use mcp_trust::catalog::Entry;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Lifecycle status of a published version: the catalog's own type, so the
/// registry and the signed catalog cannot disagree on what a status means.
/// Statuses only move forward (active → yanked → revoked); nothing is deleted.
pub use mcp_trust::catalog::Status;

/// The nearest status in the official registry's vocabulary (`active`, `deprecated`, `deleted`).
pub fn official_status(status: Status) -> &'static str {
    match status {
        Status::Active => "active",
        Status::Yanked => "deprecated",
        Status::Revoked => "deleted",
    }
}

/// A change of lifecycle status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lifecycle {
    /// Owner hides an active version from new installs.
    Yank,
    /// Refused: a yank is final ([`UNYANK_REFUSED`]); kept so the route answers why.
    Unyank,
    /// Administrator withdraws a version for good.
    Revoke,
}

impl Lifecycle {
    /// The action name used in audit records and log leaves.
    pub fn as_str(self) -> &'static str {
        match self {
            Lifecycle::Yank => "yank",
            Lifecycle::Unyank => "unyank",
            Lifecycle::Revoke => "revoke",
        }
    }

    /// The status after this change, or why it cannot apply to `from`.
    pub fn apply(self, from: Status) -> Result<Status, String> {
        match (self, from) {
            (Lifecycle::Yank, Status::Active) => Ok(Status::Yanked),
            (Lifecycle::Unyank, Status::Yanked) => Err(UNYANK_REFUSED.into()),
            (Lifecycle::Revoke, Status::Active | Status::Yanked) => Ok(Status::Revoked),
            (Lifecycle::Revoke, Status::Revoked) => Err("the version is already revoked".into()),
            (_, Status::Revoked) => Err("the version is revoked; revocation is final".into()),
            (Lifecycle::Yank, Status::Yanked) => Err("the version is already yanked".into()),
            (Lifecycle::Unyank, Status::Active) => Err("the version is not yanked".into()),
        }
    }
}

/// Why a yank cannot be undone.
pub const UNYANK_REFUSED: &str = "a yank is final: the signed catalog only moves a version forward (active → yanked → revoked), so that no replayed or forged catalog can bring a withdrawn version back; publish a new version instead";

/// One published version of a server, as stored (immutable except for its status).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionRecord {
    /// Server name, `namespace/name`.
    pub name: String,
    /// Version string as published.
    pub version: String,
    /// The manifest exactly as published (UTF-8 JSON).
    pub manifest: String,
    /// SHA-256 of the manifest bytes, lowercase hex.
    pub manifest_sha256: String,
    /// The verified image, `registry/repository@sha256:…`.
    pub image: String,
    /// Who signed the image, as verified.
    pub signer: VerifiedSigner,
    /// Id of the token that published it.
    pub publisher: String,
    /// Lifecycle status.
    pub status: Status,
    /// Why the status last changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_reason: Option<String>,
    /// When the status last changed.
    #[serde(default, with = "rfc3339_opt", skip_serializing_if = "Option::is_none")]
    pub status_changed_at: Option<Timestamp>,
    /// When it was published (and verified).
    #[serde(with = "rfc3339")]
    pub published_at: Timestamp,
    /// When it last changed in any way.
    #[serde(with = "rfc3339")]
    pub updated_at: Timestamp,
    /// Whether it is the latest active version of its server.
    pub is_latest: bool,
    /// What the signed catalog lists for it; the store sets its `logIndex`
    /// and keeps its `status` equal to [`VersionRecord::status`].
    pub entry: Entry,
}

/// A namespace (`io.github.acme`) and the signer its servers must be signed by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Namespace {
    /// Reverse-DNS namespace; servers are named `namespace/…`.
    pub name: String,
    /// Regexp the verified certificate identity must match whole (`^(?:RE)$`).
    pub signer_identity_regexp: String,
    /// Exact OIDC issuer the certificate must carry.
    pub signer_issuer: String,
    /// Required Fulcio source repository identifier (OID …57264.1.15), when bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_repository_id: Option<String>,
    /// Required Fulcio source repository owner identifier (OID …57264.1.17), when bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<String>,
    /// When it was created.
    #[serde(with = "rfc3339")]
    pub created_at: Timestamp,
}

/// What a token may do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Scope {
    /// Administer the registry: namespaces, tokens, revocation, audit.
    Admin,
    /// Publish, yank and unyank inside one namespace.
    Namespace(String),
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Admin => f.write_str("admin"),
            Scope::Namespace(ns) => write!(f, "namespace:{ns}"),
        }
    }
}

/// A stored token: only the SHA-256 of its secret is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenRecord {
    /// Public identifier, part of the token string; used to look it up and revoke it.
    pub id: String,
    /// SHA-256 of the secret part, lowercase hex.
    pub secret_sha256: String,
    /// What the token may do.
    pub scope: Scope,
    /// Free text given at creation.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// When it was created.
    #[serde(with = "rfc3339")]
    pub created_at: Timestamp,
    /// When it was revoked; a revoked token authenticates nothing.
    #[serde(default, with = "rfc3339_opt", skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<Timestamp>,
    /// When it expires: from then on it authenticates nothing. `None`: never
    /// (also every token stored before tokens had an expiry).
    #[serde(default, with = "rfc3339_opt", skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
}

/// Whether an audited attempt succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The change was made (or was already there, for an idempotent publish).
    Accepted,
    /// The change was refused.
    Rejected,
}

/// One audited event, before the store gives it a sequence number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    /// When it happened.
    #[serde(with = "rfc3339")]
    pub at: Timestamp,
    /// Who: a token id, `admin-cli`, or `anonymous`.
    pub actor: String,
    /// What: `publish`, `yank`, `unyank`, `revoke`, `namespace.create`, `token.create`, `token.revoke`
    /// (a rotation writes one `token.create` and one `token.revoke`).
    pub action: String,
    /// On what: `name@version`, a namespace, or a token id.
    pub subject: String,
    /// Accepted or rejected.
    pub outcome: Outcome,
    /// Finding or problem codes that explain a rejection.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub codes: Vec<String>,
    /// The reason given (yank, revoke) or the problem detail.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
    /// Client address, for requests over HTTP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_ip: Option<String>,
}

/// A stored audit event with its sequence number (1, 2, 3, … with no gaps).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditRecord {
    /// Position in the append-only audit log, from 1.
    pub seq: u64,
    /// The event.
    #[serde(flatten)]
    pub event: AuditEvent,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revocation_is_final() {
        for action in [Lifecycle::Yank, Lifecycle::Unyank, Lifecycle::Revoke] {
            assert!(action.apply(Status::Revoked).is_err(), "{action:?}");
        }
    }

    #[test]
    fn yank_is_final() {
        assert_eq!(Lifecycle::Yank.apply(Status::Active), Ok(Status::Yanked));
        assert_eq!(
            Lifecycle::Unyank.apply(Status::Yanked),
            Err(UNYANK_REFUSED.to_owned())
        );
        assert!(Lifecycle::Yank.apply(Status::Yanked).is_err());
        assert!(Lifecycle::Unyank.apply(Status::Active).is_err());
    }

    #[test]
    fn token_records_stored_before_expiry_existed_read_as_never_expiring() {
        let old = r#"{"id":"00112233445566ff","secretSha256":"ab","scope":"admin","createdAt":"2025-01-01T00:00:00Z"}"#;
        let record: TokenRecord = serde_json::from_str(old).unwrap();
        assert_eq!(record.expires_at, None);
        let expiring = TokenRecord {
            expires_at: Some("2025-04-01T00:00:00Z".parse().unwrap()),
            ..record
        };
        let json = serde_json::to_string(&expiring).unwrap();
        assert!(
            json.contains(r#""expiresAt":"2025-04-01T00:00:00Z""#),
            "{json}"
        );
        assert_eq!(
            serde_json::from_str::<TokenRecord>(&json).unwrap(),
            expiring
        );
    }

    #[test]
    fn official_status_vocabulary() {
        assert_eq!(official_status(Status::Yanked), "deprecated");
        assert_eq!(official_status(Status::Revoked), "deleted");
    }
}
