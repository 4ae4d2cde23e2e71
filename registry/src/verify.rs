//! The boundary to image signature verification. The registry does not verify
//! signatures itself: it asks an [`ImageVerifier`] and then checks the
//! namespace binding on the signer that verifier returns, never on what the
//! manifest claims. Without a real verifier wired in, [`Unavailable`] answers
//! every request, so an unverified version can never be stored (fail closed).

use async_trait::async_trait;
use mcp_trust::image::PinnedImage;
use mcp_trust::manifest::ProvenancePolicy;

/// Who signed an image, as established by verification (certificate and
/// Fulcio extensions): `mcp_trust`'s type, made there from the certificate.
pub use mcp_trust::signature::VerifiedSigner;

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

/// The real verifier: discovers the image's signatures in its registry and
/// verifies them with `mcp_trust::verification` under the manifest's policy.
/// Every connection goes through the OCI client's host policy, the same
/// `mcp_trust::network::HostPolicy` as the publish-time pre-check: only
/// allowed registries, and (unless loopback is allowed for tests) only public
/// addresses, checked on every DNS answer and every redirect, so a name that
/// re-resolves to a private address between the publish-time check and the
/// fetch is still refused.
pub struct SigstoreVerifier {
    client: mcp_trust::oci::OciClient,
    trust_root: mcp_trust::signature::TrustRoot,
}

impl std::fmt::Debug for SigstoreVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigstoreVerifier")
            .field("trust_root", &self.trust_root)
            .finish()
    }
}

impl SigstoreVerifier {
    /// A verifier fetching only from `allowed` registries (`insecure` ones over plain HTTP).
    pub fn new(
        trust_root: mcp_trust::signature::TrustRoot,
        allowed: &[String],
        insecure: &[String],
        allow_loopback: bool,
        deadline: std::time::Duration,
    ) -> Result<SigstoreVerifier, mcp_trust::oci::OciError> {
        use mcp_trust::oci::{ClientConfig, HostPolicy, client::Limits};
        let client = mcp_trust::oci::OciClient::new(ClientConfig {
            limits: Limits {
                operation_deadline: deadline,
                ..Limits::default()
            },
            insecure_hosts: insecure.iter().cloned().collect(),
            credentials: mcp_trust::oci::Credentials::anonymous(),
            host_policy: HostPolicy::public_only(allowed.iter().cloned(), allow_loopback),
        })?;
        Ok(SigstoreVerifier { client, trust_root })
    }
}

#[async_trait]
impl ImageVerifier for SigstoreVerifier {
    async fn verify(
        &self,
        image: &PinnedImage,
        policy: &ProvenancePolicy,
    ) -> Result<VerifiedSigner, VerifyFailure> {
        use mcp_trust::verification::{ImageError, verify_image_until};
        let policy = mcp_trust::verification::ImagePolicy::from_manifest(policy).map_err(|e| {
            VerifyFailure::Rejected {
                stage: "policy".into(),
                message: e.to_string(),
            }
        })?;
        // The signer taken is the first keyless signature that passes, and
        // the referrers are read first: once one passes (with the
        // provenance, if required), the legacy cosign tags cannot change
        // the answer, so they are not fetched.
        let decided = |report: &_| policy.keyless_decided(report);
        match verify_image_until(&self.client, image, &policy, &self.trust_root, decided).await {
            Ok(report) => {
                let Some(cert) = report
                    .signatures
                    .iter()
                    .find_map(|s| s.verified.certificate())
                else {
                    return Err(VerifyFailure::Rejected {
                        stage: "identity-policy".into(),
                        message: "the image is signed with a key, but namespaces bind keyless (certificate) signers".into(),
                    });
                };
                let mut signer = VerifiedSigner::from_certificate(cert);
                signer.attestation_signers = report
                    .provenance
                    .iter()
                    .filter_map(|p| p.verified.certificate())
                    .map(VerifiedSigner::from_certificate)
                    .collect();
                Ok(signer)
            }
            Err(ImageError::Registry(e)) if e.is_unreachable() => Err(VerifyFailure::Unreachable {
                message: e.to_string(),
            }),
            Err(ImageError::Registry(e)) => Err(VerifyFailure::Rejected {
                stage: "registry".into(),
                message: e.to_string(),
            }),
            Err(e) => {
                let stage = e
                    .report()
                    .and_then(|r| r.refused.first())
                    .map(|x| x.stage.to_string())
                    .unwrap_or_else(|| "signature-discovery".into());
                let detail = e
                    .report()
                    .map(|r| {
                        r.refused
                            .iter()
                            .map(|x| format!("{}: {}", x.stage, x.reason))
                            .collect::<Vec<_>>()
                            .join("; ")
                    })
                    .unwrap_or_default();
                let message = if detail.is_empty() {
                    e.to_string()
                } else {
                    format!("{e}: {detail}")
                };
                Err(VerifyFailure::Rejected { stage, message })
            }
        }
    }
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
