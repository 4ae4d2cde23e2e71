//! Why a bundle was refused, named by the verification stage that refused it.
//! Callers (and users reading CLI output) can tell a forged certificate from
//! a broken log proof from a signer the policy does not allow, and tests can
//! assert the stage rather than grep messages.

use serde::Serialize;
use std::fmt;
use thiserror::Error;

/// The stage of bundle verification that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    /// The bundle is not a readable Sigstore bundle of a supported version and shape.
    Parse,
    /// The trusted root (or the public key given as policy) cannot be used.
    TrustRoot,
    /// The signing certificate does not chain to a trusted Fulcio authority at the verified time.
    CertificateChain,
    /// The certificate's Signed Certificate Timestamp is missing or not from a trusted CT log.
    Sct,
    /// The transparency-log entry: unknown log, inclusion proof, inclusion promise (SET), integrated time.
    TransparencyLog,
    /// The signed checkpoint (tree head) that anchors the inclusion proof.
    Checkpoint,
    /// RFC 3161 timestamps, or no verified signing time at all.
    Timestamp,
    /// The signature over the artifact or DSSE envelope.
    Signature,
    /// The bundle does not describe the given artifact (digest or in-toto subject).
    Artifact,
    /// A field of the bundle disagrees with what was verified (log entry body, proof fields, …).
    Consistency,
    /// Everything verified, but the signer is not the one the policy requires.
    IdentityPolicy,
}

impl Stage {
    /// Every stage, in the order verification reaches them.
    pub const ALL: [Stage; 11] = [
        Stage::Parse,
        Stage::TrustRoot,
        Stage::Timestamp,
        Stage::CertificateChain,
        Stage::Sct,
        Stage::TransparencyLog,
        Stage::Checkpoint,
        Stage::Signature,
        Stage::Artifact,
        Stage::Consistency,
        Stage::IdentityPolicy,
    ];

    /// The stable kebab-case name used in output and docs.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Parse => "parse",
            Stage::TrustRoot => "trust-root",
            Stage::CertificateChain => "certificate-chain",
            Stage::Sct => "sct",
            Stage::TransparencyLog => "transparency-log",
            Stage::Checkpoint => "checkpoint",
            Stage::Timestamp => "timestamp",
            Stage::Signature => "signature",
            Stage::Artifact => "artifact",
            Stage::Consistency => "consistency",
            Stage::IdentityPolicy => "identity-policy",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A bundle that was not accepted, with the stage that refused it and why.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum VerifyError {
    /// See [`Stage::Parse`].
    #[error("bundle cannot be read: {0}")]
    Parse(String),
    /// See [`Stage::TrustRoot`].
    #[error("trust material cannot be used: {0}")]
    TrustRoot(String),
    /// See [`Stage::CertificateChain`].
    #[error("signing certificate rejected: {0}")]
    CertificateChain(String),
    /// See [`Stage::Sct`].
    #[error("signed certificate timestamp rejected: {0}")]
    Sct(String),
    /// See [`Stage::TransparencyLog`].
    #[error("transparency log entry rejected: {0}")]
    TransparencyLog(String),
    /// See [`Stage::Checkpoint`].
    #[error("log checkpoint rejected: {0}")]
    Checkpoint(String),
    /// See [`Stage::Timestamp`].
    #[error("signing time not established: {0}")]
    Timestamp(String),
    /// See [`Stage::Signature`].
    #[error("signature rejected: {0}")]
    Signature(String),
    /// See [`Stage::Artifact`].
    #[error("bundle does not sign this artifact: {0}")]
    Artifact(String),
    /// See [`Stage::Consistency`].
    #[error("bundle is inconsistent: {0}")]
    Consistency(String),
    /// See [`Stage::IdentityPolicy`].
    #[error("signer not allowed by policy: {0}")]
    IdentityPolicy(String),
}

impl VerifyError {
    /// The stage that refused the bundle.
    pub fn stage(&self) -> Stage {
        match self {
            VerifyError::Parse(_) => Stage::Parse,
            VerifyError::TrustRoot(_) => Stage::TrustRoot,
            VerifyError::CertificateChain(_) => Stage::CertificateChain,
            VerifyError::Sct(_) => Stage::Sct,
            VerifyError::TransparencyLog(_) => Stage::TransparencyLog,
            VerifyError::Checkpoint(_) => Stage::Checkpoint,
            VerifyError::Timestamp(_) => Stage::Timestamp,
            VerifyError::Signature(_) => Stage::Signature,
            VerifyError::Artifact(_) => Stage::Artifact,
            VerifyError::Consistency(_) => Stage::Consistency,
            VerifyError::IdentityPolicy(_) => Stage::IdentityPolicy,
        }
    }

    /// The detail, without the stage prefix.
    pub fn detail(&self) -> &str {
        match self {
            VerifyError::Parse(m)
            | VerifyError::TrustRoot(m)
            | VerifyError::CertificateChain(m)
            | VerifyError::Sct(m)
            | VerifyError::TransparencyLog(m)
            | VerifyError::Checkpoint(m)
            | VerifyError::Timestamp(m)
            | VerifyError::Signature(m)
            | VerifyError::Artifact(m)
            | VerifyError::Consistency(m)
            | VerifyError::IdentityPolicy(m) => m,
        }
    }
}

/// Sorts an error of `sigstore-verify` into the stage that raised it.
impl From<sigstore_verify::Error> for VerifyError {
    fn from(err: sigstore_verify::Error) -> Self {
        use sigstore_verify::{CertificateError, Error as E, TransparencyLogError as T};
        let message = err.to_string();
        match err {
            E::IdentityMismatch { .. } | E::IssuerMismatch { .. } => {
                VerifyError::IdentityPolicy(message)
            }
            E::SignatureInvalid(_) | E::Crypto(_) => VerifyError::Signature(message),
            E::ArtifactMismatch(_) | E::UnsupportedArtifact(_) | E::ArtifactRead(_) => {
                VerifyError::Artifact(message)
            }
            E::Certificate(CertificateError::Sct(_)) => VerifyError::Sct(message),
            E::Certificate(_) => VerifyError::CertificateChain(message),
            E::TransparencyLog(T::Checkpoint(_)) => VerifyError::Checkpoint(message),
            E::TransparencyLog(T::EntryMismatch(_)) => VerifyError::Consistency(message),
            E::TransparencyLog(_) => VerifyError::TransparencyLog(message),
            E::Timestamp(_) => VerifyError::Timestamp(message),
            E::Bundle(inner) => from_bundle_error(inner, message),
            E::InvalidTrustRoot(_) | E::TrustRoot(_) | E::TrustedCertificate(_) => {
                VerifyError::TrustRoot(message)
            }
            E::InvalidBundle(_) | E::UnsupportedBundle(_) | E::Types(_) => {
                VerifyError::Parse(message)
            }
            _ => VerifyError::Parse(message),
        }
    }
}

fn from_bundle_error(err: sigstore_verify::bundle::Error, message: String) -> VerifyError {
    use sigstore_verify::bundle::Error as B;
    match err {
        B::MissingCheckpoint | B::CheckpointRootMismatch => VerifyError::Checkpoint(message),
        B::MissingInclusionPromise(_)
        | B::MissingInclusionProof(_)
        | B::LogIndexOutOfRange { .. } => VerifyError::TransparencyLog(message),
        B::MissingSigningTimeEvidence | B::MissingTimestamp => VerifyError::Timestamp(message),
        _ => VerifyError::Parse(message),
    }
}
