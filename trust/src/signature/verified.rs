//! What a verified bundle proves: who signed (the certificate's identity,
//! issuer and Fulcio CI claims, or the key), where it was logged, and when it
//! was signed according to a source the trust root vouches for. Built only by
//! [`super::verify`] after every stage passed, so holding one is proof.

use crate::image::Digest;
use serde::Serialize;

/// A bundle that passed every stage, and what it proved.
#[derive(Debug, Clone, Serialize)]
pub struct Verified {
    /// The signer.
    pub signer: Signer,
    /// The digest of the artifact the signature covers (the in-toto subject for DSSE bundles).
    #[serde(serialize_with = "digest_str")]
    pub artifact: Digest,
    /// What was signed: a message signature over the artifact, or a DSSE envelope.
    pub content: SignedContent,
    /// The transparency-log entry.
    pub log: LogEntry,
    /// Every verified signing time; the signing certificate was valid at each.
    pub times: Vec<VerifiedTime>,
    /// The bundle media type version (`0.1`, `0.2`, `0.3`).
    pub bundle_version: String,
}

impl Verified {
    /// The earliest verified signing time, if any (managed-key bundles may have none).
    pub fn signed_at(&self) -> Option<&VerifiedTime> {
        self.times.iter().min_by_key(|t| t.time)
    }

    /// The certificate signer, for keyless bundles.
    pub fn certificate(&self) -> Option<&CertificateSigner> {
        match &self.signer {
            Signer::Certificate(c) => Some(c),
            Signer::PublicKey { .. } => None,
        }
    }
}

/// Who signed.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Signer {
    /// A Fulcio certificate (keyless signing).
    Certificate(Box<CertificateSigner>),
    /// A managed key given in the policy.
    PublicKey {
        /// `sha256:` of the key's DER SubjectPublicKeyInfo.
        #[serde(serialize_with = "digest_str")]
        fingerprint: Digest,
    },
}

/// The verified signing certificate's claims.
#[derive(Debug, Clone, Serialize)]
pub struct CertificateSigner {
    /// The SAN identity (a URI for workloads, an email for people).
    pub identity: String,
    /// Whether the identity is a URI or an email SAN.
    pub identity_kind: IdentityKind,
    /// The OIDC issuer extension (`1.3.6.1.4.1.57264.1.8`, or the legacy `.1.1`).
    pub issuer: String,
    /// Fulcio CI claims (`1.3.6.1.4.1.57264.1.9` to `.1.24`), when the signer was a CI workload.
    pub claims: FulcioClaims,
    /// Certificate validity start (RFC 3339).
    pub not_before: jiff::Timestamp,
    /// Certificate validity end (RFC 3339).
    pub not_after: jiff::Timestamp,
}

/// The kind of SAN the identity came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IdentityKind {
    /// `uniformResourceIdentifier`.
    Uri,
    /// `rfc822Name`.
    Email,
}

/// The Fulcio extensions describing the CI workload that signed. Each is
/// absent when the certificate does not carry it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FulcioClaims {
    /// `.1.9` build signer URI (the workflow file and ref that signed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build_signer_uri: Option<String>,
    /// `.1.10` build signer digest (commit of the signing workflow).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build_signer_digest: Option<String>,
    /// `.1.11` runner environment (`github-hosted`, `self-hosted`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runner_environment: Option<String>,
    /// `.1.12` source repository URI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_repository_uri: Option<String>,
    /// `.1.13` source repository digest (commit built).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_repository_digest: Option<String>,
    /// `.1.14` source repository ref.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_repository_ref: Option<String>,
    /// `.1.15` source repository identifier (survives renames).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_repository_identifier: Option<String>,
    /// `.1.16` source repository owner URI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_repository_owner_uri: Option<String>,
    /// `.1.17` source repository owner identifier (survives renames).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_repository_owner_identifier: Option<String>,
    /// `.1.18` build config URI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build_config_uri: Option<String>,
    /// `.1.19` build config digest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build_config_digest: Option<String>,
    /// `.1.20` build trigger (`push`, `release`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build_trigger: Option<String>,
    /// `.1.21` run invocation URI (the CI run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_invocation_uri: Option<String>,
    /// `.1.22` source repository visibility at signing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_repository_visibility_at_signing: Option<String>,
    /// `.1.23` deployment environment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deployment_environment: Option<String>,
}

impl From<&sigstore_crypto::FulcioCiClaims> for FulcioClaims {
    fn from(c: &sigstore_crypto::FulcioCiClaims) -> Self {
        FulcioClaims {
            build_signer_uri: c.build_signer_uri.clone(),
            build_signer_digest: c.build_signer_digest.clone(),
            runner_environment: c.runner_environment.clone(),
            source_repository_uri: c.source_repository_uri.clone(),
            source_repository_digest: c.source_repository_digest.clone(),
            source_repository_ref: c.source_repository_ref.clone(),
            source_repository_identifier: c.source_repository_identifier.clone(),
            source_repository_owner_uri: c.source_repository_owner_uri.clone(),
            source_repository_owner_identifier: c.source_repository_owner_identifier.clone(),
            build_config_uri: c.build_config_uri.clone(),
            build_config_digest: c.build_config_digest.clone(),
            build_trigger: c.build_trigger.clone(),
            run_invocation_uri: c.run_invocation_uri.clone(),
            source_repository_visibility_at_signing: c
                .source_repository_visibility_at_signing
                .clone(),
            deployment_environment: c.deployment_environment.clone(),
        }
    }
}

/// What the signature covers.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum SignedContent {
    /// A signature over the artifact itself (hashedrekord).
    MessageSignature,
    /// A DSSE envelope; the payload (an in-toto statement) names the artifact as a subject.
    Dsse {
        /// The envelope's payload type (`application/vnd.in-toto+json`).
        payload_type: String,
        /// The in-toto statement's `predicateType`, when the payload is one.
        #[serde(skip_serializing_if = "Option::is_none")]
        predicate_type: Option<String>,
        /// The verified payload bytes (not serialized; read them for provenance checks).
        #[serde(skip)]
        payload: Vec<u8>,
    },
}

/// The verified transparency-log entry.
#[derive(Debug, Clone, Serialize)]
pub struct LogEntry {
    /// The log's key id (base64 SHA-256 of its key), as named in the trusted root.
    pub log_id: String,
    /// The entry's index in the log. For Rekor v1 this is the global index signed by
    /// the inclusion promise; absent when no signature covers it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_index: Option<u64>,
    /// Entry kind and version, e.g. `hashedrekord/0.0.1`, `dsse/0.0.1`, `hashedrekord/0.0.2`.
    pub kind: String,
    /// The checkpoint the inclusion proof was verified against, when there was one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<CheckpointRef>,
}

/// The signed tree head an inclusion proof was verified against.
#[derive(Debug, Clone, Serialize)]
pub struct CheckpointRef {
    /// The checkpoint's origin line.
    pub origin: String,
    /// Tree size.
    pub tree_size: u64,
    /// Leaf index in that tree.
    pub leaf_index: u64,
    /// Root hash, hex.
    pub root_hash: String,
}

/// Where a verified time came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TimeSource {
    /// The log's integrated time, signed by its inclusion promise (Rekor v1).
    IntegratedTime,
    /// An RFC 3161 timestamp from a trusted timestamp authority.
    Rfc3161Timestamp,
}

impl TimeSource {
    /// Human name.
    pub fn describe(self) -> &'static str {
        match self {
            TimeSource::IntegratedTime => "transparency log integrated time",
            TimeSource::Rfc3161Timestamp => "RFC 3161 timestamp",
        }
    }
}

/// A signing time vouched for by the trust root.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct VerifiedTime {
    /// The time (RFC 3339 in JSON).
    pub time: jiff::Timestamp,
    /// Who vouched for it.
    pub source: TimeSource,
}

fn digest_str<S: serde::Serializer>(digest: &Digest, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(digest.as_str())
}
