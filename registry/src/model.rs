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

/// A change of lifecycle status, and why a yank cannot be undone: the
/// catalog's own transitions, so the registry and the in-memory publisher
/// cannot disagree on them.
pub use mcp_trust::catalog::model::{Lifecycle, UNYANK_REFUSED};

/// One published version of a server, as stored: the catalog entry the
/// signed catalog lists for it (name, version, image, status, signer,
/// publication time: one copy, never repeated here), wrapped with what only
/// the registry keeps. Immutable except for its status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionRecord {
    /// What the signed catalog lists for it; the store sets its `logIndex`
    /// and moves its `status`.
    pub entry: Entry,
    /// The manifest exactly as published (UTF-8 JSON).
    pub manifest: String,
    /// SHA-256 (lowercase hex) of the manifest bytes exactly as published:
    /// what makes a republish identical. Not the entry's `manifest_sha256`,
    /// which hashes the manifest's canonical form.
    #[serde(alias = "manifestSha256")]
    pub manifest_bytes_sha256: String,
    /// Who signed the image, as verified, with the Fulcio claims the
    /// namespace binding checked (the entry keeps identity and issuer).
    pub signer: VerifiedSigner,
    /// Id of the token that published it.
    pub publisher: String,
    /// Why the status last changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_reason: Option<String>,
    /// When the status last changed.
    #[serde(default, with = "rfc3339_opt", skip_serializing_if = "Option::is_none")]
    pub status_changed_at: Option<Timestamp>,
    /// When it last changed in any way.
    #[serde(with = "rfc3339")]
    pub updated_at: Timestamp,
    /// Whether it is the latest active version of its server.
    pub is_latest: bool,
}

impl VersionRecord {
    /// Makes this the version a store writes at log index `index`: active,
    /// its entry listed at the index of its publish record. Both stores
    /// call it inside the transaction that appends that record.
    pub fn logged_at(&mut self, index: u64) {
        self.entry.status = Status::Active;
        self.entry.log_index = index;
    }

    /// Applies a lifecycle change (at `at`, for `reason`): the status the
    /// version moves to, or why it cannot. Both stores call it inside the
    /// transaction that writes the change.
    pub fn apply(
        &mut self,
        action: Lifecycle,
        reason: &str,
        at: Timestamp,
    ) -> Result<Status, String> {
        let status = action.apply(self.entry.status)?;
        self.entry.status = status;
        self.status_reason = Some(reason.to_owned());
        self.status_changed_at = Some(at);
        self.updated_at = at;
        Ok(status)
    }
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
    /// Who: a token id, `admin-cli`, `sync`, or `anonymous`.
    pub actor: String,
    /// What: `publish`, `yank`, `unyank`, `revoke`, `namespace.create`, `token.create`, `token.revoke`
    /// (a rotation writes one `token.create` and one `token.revoke`), `sync` (a sync run),
    /// `sync.mirror` (a version kept in the mirrored tier), `sync.open` and `sync.close` (a
    /// namespace opened or closed to sync sources).
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

impl AuditEvent {
    /// `actor`'s accepted `action` on `subject`, now, with no codes or
    /// detail yet (fill them in with struct update syntax).
    pub fn of(actor: &str, action: &str, subject: String, client_ip: Option<String>) -> AuditEvent {
        AuditEvent {
            at: crate::time::now(),
            actor: actor.to_owned(),
            action: action.to_owned(),
            subject,
            outcome: Outcome::Accepted,
            codes: Vec::new(),
            detail: String::new(),
            client_ip,
        }
    }

    /// The same attempt, refused with these codes and this detail.
    #[must_use]
    pub fn rejected(self, codes: Vec<String>, detail: String) -> AuditEvent {
        AuditEvent {
            outcome: Outcome::Rejected,
            codes,
            detail,
            ..self
        }
    }
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

/// A namespace opened to sync (`sync promote`): the sources whose versions
/// of it may be published. No source, or no opening: closed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncOpening {
    /// Sources as a sync names them (`official https://…`, `toolhive /abs/file`, `docker-catalog /abs/dir`).
    pub sources: Vec<String>,
    /// Who changed it last.
    #[serde(default)]
    pub by: String,
    /// When.
    #[serde(default)]
    pub changed_at: String,
}

/// A version another registry lists that did not become a verified entry
/// here (the mirrored tier): kept with the reasons, shown to operators,
/// never in the signed catalog. A later sync or a promotion that publishes
/// it removes it from the tier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MirroredRecord {
    /// `server.name`.
    pub name: String,
    /// `server.version`.
    pub version: String,
    /// Where it was read: `official URL`, `docker-catalog DIR`, `toolhive FILE`.
    pub source: String,
    /// What the upstream listed, as JSON text.
    pub upstream: String,
    /// SHA-256 of `upstream` (hex): a sync that reads the same bytes again
    /// does not check them again.
    pub upstream_sha256: String,
    /// The manifest made of it, when one could be made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest: Option<String>,
    /// The upstream's status of the version, when it gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upstream_status: Option<String>,
    /// Why it is not verified: the finding or rejection codes.
    pub codes: Vec<String>,
    /// The rejection or import problem in words.
    pub detail: String,
    /// When a sync first kept it.
    #[serde(with = "rfc3339")]
    pub first_seen: Timestamp,
    /// When it was last checked.
    #[serde(with = "rfc3339")]
    pub checked_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn records_stored_before_they_wrapped_their_entry_read_the_same() {
        let at: Timestamp = "2025-01-01T00:00:00Z".parse().unwrap();
        let record = VersionRecord {
            entry: mcp_trust::catalog::memory::synthetic_entry(7, at),
            manifest: "{}".into(),
            manifest_bytes_sha256: "ab".repeat(32),
            signer: VerifiedSigner {
                keyless: mcp_trust::signature::KeylessSigner {
                    identity: "https://example.com/ci".into(),
                    issuer: "https://issuer.example".into(),
                },
                source_repository_uri: None,
                source_repository_id: Some("1".into()),
                source_repository_digest: None,
                source_repository_ref: None,
                source_repository_owner_id: None,
                attestation_signers: Vec::new(),
            },
            publisher: "0011223344556677".into(),
            status_reason: None,
            status_changed_at: None,
            updated_at: at,
            is_latest: true,
        };
        let mut old = serde_json::to_value(&record).unwrap();
        let fields = old.as_object_mut().unwrap();
        let hash = fields.remove("manifestBytesSha256").unwrap();
        fields.insert("manifestSha256".into(), hash);
        for (key, value) in [
            ("name", record.entry.name.as_str()),
            ("version", "1.0.0"),
            ("image", record.entry.image.as_str()),
            ("status", "active"),
            ("publishedAt", "2025-01-01T00:00:00Z"),
        ] {
            fields.insert(key.into(), value.into());
        }
        assert_eq!(
            serde_json::from_value::<VersionRecord>(old).unwrap(),
            record
        );
        let new = serde_json::to_value(&record).unwrap();
        assert!(
            new.get("manifestSha256").is_none() && new.get("name").is_none(),
            "{new}"
        );
    }

    #[test]
    fn official_status_vocabulary() {
        assert_eq!(official_status(Status::Yanked), "deprecated");
        assert_eq!(official_status(Status::Revoked), "deleted");
    }
}
