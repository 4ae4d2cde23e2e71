//! Who signed, in the shapes the rest of the project keeps once a bundle
//! verified: [`SignerIdentity`] is what a catalog entry lists and a gateway
//! enforces (a certificate identity and its issuer, or a key fingerprint);
//! [`VerifiedSigner`] is what a registry binds a namespace to and stores
//! (the identity with the Fulcio claims the binding checks). Both are made
//! from a [`Signer`] or a [`CertificateSigner`] here, so no other layer
//! copies a certificate's fields.

use super::verified::{CertificateSigner, Signer};
use crate::image::Digest;
use serde::{Deserialize, Serialize};

/// Who signed, as a catalog entry lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SignerIdentity {
    /// A keyless (Fulcio) certificate identity.
    Keyless(KeylessSigner),
    /// A public key.
    Key(KeySigner),
}

/// A certificate identity and its OIDC issuer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeylessSigner {
    /// Certificate SAN, e.g. a workflow URI.
    pub identity: String,
    /// OIDC issuer.
    pub issuer: String,
}

/// A signing key's fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KeySigner {
    /// `sha256:<hex>` of the DER SubjectPublicKeyInfo.
    #[serde(with = "crate::image::digest_serde")]
    pub key_fingerprint: Digest,
}

impl Signer {
    /// The identity a catalog entry lists for this signer.
    pub fn identity(&self) -> SignerIdentity {
        match self {
            Signer::Certificate(c) => SignerIdentity::Keyless(KeylessSigner {
                identity: c.identity.clone(),
                issuer: c.issuer.clone(),
            }),
            Signer::PublicKey { fingerprint } => SignerIdentity::Key(KeySigner {
                key_fingerprint: fingerprint.clone(),
            }),
        }
    }
}

/// Who signed an image, as a registry verified it and binds namespaces to:
/// the certificate identity and issuer with the Fulcio source-repository
/// claims (which survive renames), and the signers of the provenance
/// attestations that passed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifiedSigner {
    /// The certificate identity (SAN, e.g. a workflow URI) and its OIDC
    /// issuer: what a catalog entry lists.
    #[serde(flatten)]
    pub keyless: KeylessSigner,
    /// Fulcio source repository URI (OID 1.3.6.1.4.1.57264.1.12), when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_repository_uri: Option<String>,
    /// Fulcio source repository digest (OID 1.3.6.1.4.1.57264.1.13): the
    /// commit that was built, when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_repository_digest: Option<String>,
    /// Fulcio source repository ref (OID 1.3.6.1.4.1.57264.1.14), when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_repository_ref: Option<String>,
    /// Fulcio source repository identifier (OID 1.3.6.1.4.1.57264.1.15), when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_repository_id: Option<String>,
    /// Fulcio source repository owner identifier (OID 1.3.6.1.4.1.57264.1.17), when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_repository_owner_id: Option<String>,
    /// The signers of the SLSA provenance attestations that passed, when the
    /// policy required provenance: each must be inside the namespace's
    /// binding too, or a publisher could accept provenance from any workflow.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attestation_signers: Vec<VerifiedSigner>,
}

impl VerifiedSigner {
    /// The signer of a verified certificate (no attestation signers yet).
    pub fn from_certificate(cert: &CertificateSigner) -> VerifiedSigner {
        VerifiedSigner {
            keyless: KeylessSigner {
                identity: cert.identity.clone(),
                issuer: cert.issuer.clone(),
            },
            source_repository_uri: cert.claims.source_repository_uri.clone(),
            source_repository_digest: cert.claims.source_repository_digest.clone(),
            source_repository_ref: cert.claims.source_repository_ref.clone(),
            source_repository_id: cert.claims.source_repository_identifier.clone(),
            source_repository_owner_id: cert.claims.source_repository_owner_identifier.clone(),
            attestation_signers: Vec::new(),
        }
    }

    /// The identity a catalog entry lists for this signer.
    pub fn identity(&self) -> SignerIdentity {
        SignerIdentity::Keyless(self.keyless.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_verified_signer_reads_and_writes_its_identity_flat_and_refuses_nothing_it_wrote() {
        let json = r#"{"identity":"https://ci.example/w","issuer":"https://issuer.example","sourceRepositoryId":"1","attestationSigners":[{"identity":"a","issuer":"b"}]}"#;
        let signer: VerifiedSigner = serde_json::from_str(json).unwrap();
        assert_eq!(signer.keyless.identity, "https://ci.example/w");
        assert_eq!(signer.source_repository_id.as_deref(), Some("1"));
        assert_eq!(signer.attestation_signers[0].keyless.issuer, "b");
        assert_eq!(serde_json::to_string(&signer).unwrap(), json);
    }
}
