//! Sigstore bundle verification: the part of the project that must never say
//! yes to a forgery. One entry point, [`verify`], takes a bundle (v0.1–v0.3,
//! message signature or DSSE), the artifact (bytes or a `sha256:` digest), a
//! [`Policy`] and a [`TrustRoot`], and either returns what was proven
//! ([`Verified`]) or the [`Stage`] that refused the bundle.
//!
//! The cryptography is `sigstore-verify`'s: certificate chain at the verified
//! time, SCT, transparency-log inclusion proof and checkpoint or inclusion
//! promise, RFC 3161 timestamps, the signature, the artifact binding and the
//! log entry's agreement with the bundle. Around it this module adds what the
//! crate leaves out (see [`consistency`]), and applies the identity policy
//! itself, last, on the verified certificate, so a regular expression never
//! decides anything about a certificate that did not verify.
//!
//! Everything works offline on bundles already at hand; verification time is
//! the log's or a timestamp authority's verified time, never the clock (the
//! clock is only used to refuse log times in the future).

mod consistency;
mod error;
mod identity;
mod policy;
mod trust_root;
mod verified;

pub use consistency::MAX_TIMESTAMPS;
pub use error::{Stage, VerifyError};
pub use identity::{KeySigner, KeylessSigner, SignerIdentity, VerifiedSigner};
pub use policy::{AnchoredRegex, Matcher, Policy, PolicyError, PublicKeyPolicy, anchored_regex};
pub use trust_root::{MAX_TRUST_ROOT_BYTES, TrustRoot, TrustRootSource};
pub use verified::{
    CertificateSigner, CheckpointRef, FulcioClaims, IdentityKind, LogEntry, SignedContent, Signer,
    TimeSource, Verified, VerifiedTime,
};

use crate::image::Digest;
use consistency::SigningKey;
use sigstore_crypto::SubjectAltName;
use sigstore_types::{Bundle, KindVersion, MediaType, Sha256Hash, SignatureContent};

/// Largest bundle accepted, in bytes. Real bundles are a few KiB; SLSA
/// provenance in a DSSE envelope can reach hundreds.
pub const MAX_BUNDLE_BYTES: usize = 4 << 20;

/// The in-toto payload type of DSSE envelopes.
pub const IN_TOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

/// The artifact a bundle must sign.
#[derive(Debug, Clone, Copy)]
pub enum Artifact<'a> {
    /// The artifact's bytes.
    Bytes(&'a [u8]),
    /// The artifact's `sha256:` digest (an image manifest digest, say).
    Digest(&'a Digest),
}

impl Artifact<'_> {
    /// The artifact's SHA-256.
    pub fn digest(&self) -> Digest {
        match self {
            Artifact::Bytes(b) => Digest::of(b),
            Artifact::Digest(d) => (*d).clone(),
        }
    }
}

/// Verifies one bundle (its JSON bytes) for `artifact` under `policy` against `trust_root`.
///
/// Every stage must pass; the first that does not is returned. On success the
/// result says who signed, where it was logged and when it was signed.
pub fn verify(
    bundle_json: &[u8],
    artifact: Artifact<'_>,
    policy: &Policy,
    trust_root: &TrustRoot,
) -> Result<Verified, VerifyError> {
    let bundle = parse(bundle_json)?;
    verify_parsed(&bundle, artifact, policy, trust_root)
}

/// Parses a bundle's JSON, bounded by [`MAX_BUNDLE_BYTES`].
pub fn parse(bundle_json: &[u8]) -> Result<Bundle, VerifyError> {
    if bundle_json.len() > MAX_BUNDLE_BYTES {
        return Err(VerifyError::Parse(format!(
            "bundle is {} bytes, more than the {MAX_BUNDLE_BYTES} accepted",
            bundle_json.len()
        )));
    }
    let text = std::str::from_utf8(bundle_json)
        .map_err(|e| VerifyError::Parse(format!("bundle is not UTF-8: {e}")))?;
    Bundle::from_json(text).map_err(|e| VerifyError::Parse(e.to_string()))
}

/// [`verify`] for a bundle already parsed (e.g. one built from a legacy cosign signature).
pub fn verify_parsed(
    bundle: &Bundle,
    artifact: Artifact<'_>,
    policy: &Policy,
    trust_root: &TrustRoot,
) -> Result<Verified, VerifyError> {
    let artifact_digest = artifact.digest();
    let artifact_sha256 = Sha256Hash::from_hex(artifact_digest.hex())
        .map_err(|e| VerifyError::Artifact(format!("artifact digest: {e}")))?;
    let crate_artifact = match artifact {
        Artifact::Bytes(b) => sigstore_types::Artifact::from(b),
        Artifact::Digest(_) => sigstore_types::Artifact::from(artifact_sha256),
    };
    let has_certificate = bundle.signing_certificate().is_some();
    consistency::check_structure(bundle)?;

    let result = match policy {
        Policy::Keyless { .. } => {
            if !has_certificate {
                return Err(VerifyError::IdentityPolicy(
                    "the bundle is signed with a managed key, not a certificate; \
                     the policy requires a keyless signer (use a public-key policy)"
                        .into(),
                ));
            }
            // Identity and issuer are checked below, after every other stage.
            let crate_policy = sigstore_verify::VerificationPolicy::any_identity();
            trust_root
                .verifier
                .verify(crate_artifact, bundle, &crate_policy)?
        }
        Policy::PublicKey(key) => {
            if has_certificate {
                return Err(VerifyError::IdentityPolicy(
                    "the bundle is signed with a certificate (keyless); \
                     the policy requires a managed public key"
                        .into(),
                ));
            }
            let crate_policy = sigstore_verify::PublicKeyVerificationPolicy::new(key.key.clone());
            trust_root
                .verifier
                .verify(crate_artifact, bundle, &crate_policy)?
        }
    };

    // What signed, as the log entry must name it.
    let (signing_key, public_key) = match (policy, bundle.signing_certificate()) {
        (Policy::Keyless { .. }, Some(cert)) => {
            let info = result.certificate().ok_or_else(|| {
                VerifyError::CertificateChain("no verified certificate in the result".into())
            })?;
            if !result.certificate_verified() || !result.sct_verified() || !result.tlog_verified() {
                return Err(VerifyError::CertificateChain(
                    "certificate, SCT or log verification was not performed".into(),
                ));
            }
            (SigningKey::Certificate(cert.as_bytes()), &info.public_key)
        }
        (Policy::PublicKey(key), None) => {
            if !result.tlog_verified() {
                return Err(VerifyError::TransparencyLog(
                    "log verification was not performed".into(),
                ));
            }
            (SigningKey::PublicKey(key.key.as_bytes()), &key.key)
        }
        _ => {
            return Err(VerifyError::IdentityPolicy(
                "the bundle's verification material does not fit the policy".into(),
            ));
        }
    };
    let artifact_bytes = match artifact {
        Artifact::Bytes(b) => Some(b),
        Artifact::Digest(_) => None,
    };
    consistency::check_verified(
        bundle,
        &artifact_sha256,
        artifact_bytes,
        &signing_key,
        public_key,
        trust_root,
    )?;

    let signer = match policy {
        Policy::Keyless { identity, issuer } => {
            let cert = certificate_signer(&result)?;
            if !identity.matches(&cert.identity) {
                return Err(VerifyError::IdentityPolicy(format!(
                    "certificate identity `{}` is not {identity}",
                    cert.identity
                )));
            }
            if !issuer.matches(&cert.issuer) {
                return Err(VerifyError::IdentityPolicy(format!(
                    "certificate OIDC issuer `{}` is not {issuer}",
                    cert.issuer
                )));
            }
            Signer::Certificate(Box::new(cert))
        }
        Policy::PublicKey(key) => Signer::PublicKey {
            fingerprint: Digest::of(key.der()),
        },
    };

    let entry = consistency::single_entry(bundle)?;
    Ok(Verified {
        signer,
        artifact: artifact_digest,
        content: signed_content(bundle),
        log: log_entry(entry),
        times: verified_times(&result),
        bundle_version: bundle_version(bundle.media_type()).to_owned(),
    })
}

fn certificate_signer(
    result: &sigstore_verify::VerificationResult,
) -> Result<CertificateSigner, VerifyError> {
    let info = result.certificate().ok_or_else(|| {
        VerifyError::IdentityPolicy("the bundle's certificate was not verified".into())
    })?;
    let (identity, identity_kind) = match &info.identity {
        Some(SubjectAltName::Uri(u)) => (u.clone(), IdentityKind::Uri),
        Some(SubjectAltName::Email(e)) => (e.clone(), IdentityKind::Email),
        _ => {
            return Err(VerifyError::IdentityPolicy(
                "the certificate has no URI or email identity".into(),
            ));
        }
    };
    let issuer = info.issuer.clone().ok_or_else(|| {
        VerifyError::IdentityPolicy("the certificate has no OIDC issuer extension".into())
    })?;
    Ok(CertificateSigner {
        identity,
        identity_kind,
        issuer,
        claims: FulcioClaims::from(&info.ci_claims),
        not_before: info.not_before,
        not_after: info.not_after,
    })
}

fn signed_content(bundle: &Bundle) -> SignedContent {
    match &bundle.content {
        SignatureContent::DsseEnvelope(envelope) => {
            let payload = envelope.payload.as_bytes().to_vec();
            let predicate_type = (envelope.payload_type == IN_TOTO_PAYLOAD_TYPE)
                .then(|| serde_json::from_slice::<serde_json::Value>(&payload).ok())
                .flatten()
                .and_then(|v| v.get("predicateType")?.as_str().map(str::to_owned));
            SignedContent::Dsse {
                payload_type: envelope.payload_type.clone(),
                predicate_type,
                payload,
            }
        }
        _ => SignedContent::MessageSignature,
    }
}

fn log_entry(entry: &sigstore_types::TransparencyLogEntry) -> LogEntry {
    let v2 = entry.kind_version == KindVersion::HashedRekordV002;
    // Rekor v2 proves the entry's own index; Rekor v1 signs it in the promise.
    let log_index = (v2 || entry.inclusion_promise.is_some()).then(|| entry.log_index.get());
    let checkpoint = entry.inclusion_proof.as_ref().and_then(|proof| {
        let cp = proof.checkpoint.checkpoint()?;
        Some(CheckpointRef {
            origin: cp.origin().to_owned(),
            tree_size: cp.tree_size(),
            leaf_index: if v2 {
                entry.log_index.get()
            } else {
                proof.log_index.get()
            },
            root_hash: cp.root_hash().to_hex(),
        })
    });
    LogEntry {
        log_id: entry.log_id.key_id.to_string(),
        log_index,
        kind: format!(
            "{}/{}",
            entry.kind_version.kind(),
            entry.kind_version.version()
        ),
        checkpoint,
    }
}

/// Labels the crate's verified times: the (single) integrated time came
/// from the log's promise; every other time from an RFC 3161 timestamp.
fn verified_times(result: &sigstore_verify::VerificationResult) -> Vec<VerifiedTime> {
    let mut integrated = result.integrated_time();
    let mut times = Vec::new();
    for &time in result.verified_timestamps() {
        let source = if integrated == Some(time) {
            integrated = None;
            TimeSource::IntegratedTime
        } else {
            TimeSource::Rfc3161Timestamp
        };
        times.push(VerifiedTime { time, source });
    }
    times.sort_by_key(|t| t.time);
    times
}

fn bundle_version(media_type: MediaType) -> &'static str {
    match media_type {
        MediaType::Bundle0_1 => "0.1",
        MediaType::Bundle0_2 => "0.2",
        _ => "0.3",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refuse(bundle: &[u8]) -> Stage {
        let policy = Policy::keyless(
            Matcher::exact("a@example.com", "identity").unwrap(),
            Matcher::exact("https://issuer.example", "issuer").unwrap(),
        );
        verify(
            bundle,
            Artifact::Bytes(b"x"),
            &policy,
            &TrustRoot::public_good().unwrap(),
        )
        .unwrap_err()
        .stage()
    }

    #[test]
    fn rejects_oversized_truncated_and_non_utf8_bundles_at_parse() {
        assert_eq!(refuse(&vec![b' '; MAX_BUNDLE_BYTES + 1]), Stage::Parse);
        assert_eq!(refuse(b"{\"mediaType\":"), Stage::Parse);
        assert_eq!(refuse(&[0xff, 0xfe, 0xfd]), Stage::Parse);
        assert_eq!(refuse(b""), Stage::Parse);
    }
}
