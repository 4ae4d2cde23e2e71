//! The boundary to image signature verification. The registry does not verify
//! signatures itself: it asks an [`ImageVerifier`] and then checks the
//! namespace binding on the signer that verifier returns, never on what the
//! manifest claims. Without a real verifier wired in, [`Unavailable`] answers
//! every request, so an unverified version can never be stored (fail closed).

use async_trait::async_trait;
use mcp_trust::image::PinnedImage;
use mcp_trust::manifest::ProvenancePolicy;
use serde::{Deserialize, Serialize};

/// Who signed an image, as established by verification (certificate and Fulcio extensions).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifiedSigner {
    /// Certificate identity (SAN), e.g. a workflow URI.
    pub identity: String,
    /// OIDC issuer of the certificate.
    pub issuer: String,
    /// Fulcio source repository URI (OID 1.3.6.1.4.1.57264.1.12), when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_repository_uri: Option<String>,
    /// Fulcio source repository identifier (OID 1.3.6.1.4.1.57264.1.15), when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_repository_id: Option<String>,
    /// Fulcio source repository owner identifier (OID 1.3.6.1.4.1.57264.1.17), when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_repository_owner_id: Option<String>,
}

/// Why an image did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyFailure {
    /// Verification ran and refused the image at a named stage (→ 422).
    #[error("image verification failed at stage `{stage}`: {message}")]
    Rejected {
        /// The stage that failed, e.g. `signature-discovery`, `certificate-chain`, `identity`.
        stage: String,
        /// What failed.
        message: String,
    },
    /// The image's OCI registry could not be reached or answered garbage (→ 502).
    #[error("the image's registry is unreachable: {message}")]
    Unreachable {
        /// What went wrong.
        message: String,
    },
    /// This registry cannot verify images at all right now (→ 503).
    #[error("image verification is unavailable: {message}")]
    Unavailable {
        /// Why.
        message: String,
    },
}

/// Verifies an image pinned by digest against a signer policy.
#[async_trait]
pub trait ImageVerifier: Send + Sync + std::fmt::Debug {
    /// Returns the verified signer, or why the image is refused.
    async fn verify(
        &self,
        image: &PinnedImage,
        policy: &ProvenancePolicy,
    ) -> Result<VerifiedSigner, VerifyFailure>;
}

/// The verifier used when none is wired in: refuses every image, so nothing unverified is stored.
#[derive(Debug, Clone, Copy, Default)]
pub struct Unavailable;

#[async_trait]
impl ImageVerifier for Unavailable {
    async fn verify(
        &self,
        _image: &PinnedImage,
        _policy: &ProvenancePolicy,
    ) -> Result<VerifiedSigner, VerifyFailure> {
        Err(VerifyFailure::Unavailable {
            message: "no image signature verifier is configured in this build; publishing is refused rather than storing an unverified version".to_owned(),
        })
    }
}
