//! Verification of an image: discover every signature and attestation stored
//! for the pinned digest, verify each as a Sigstore bundle under the signer
//! policy, and, when the policy asks, verify SLSA provenance for the same
//! digest by the same kind of signer. The image passes when at least one
//! signature passes every stage; everything else found is reported with the
//! stage that refused it. Fails closed: an unreachable registry, an
//! unreadable or unsupported item, or no passing signature is never a pass.
//! [`verify_image_until`] reads the legacy cosign tags only when the
//! referrers leave its caller's answer open, so an unreadable legacy tag
//! does not refuse an image a referrer's signature already decides.
//!
//! What counts as a signature: a cosign v3 bundle whose DSSE statement has
//! predicate type `https://sigstore.dev/cosign/sign/v1` (anything else under
//! the bundle artifact type is an attestation), or a legacy cosign `.sig`
//! layer, converted to a v0.1 bundle, whose simple-signing payload names this
//! exact digest. A message signature over the digest is not an image signature.

use crate::image::{Digest, PinnedImage};
use crate::manifest::ProvenancePolicy;
use crate::oci::{
    Discovered, FoundSignature, OciClient, OciError, SignatureSource, discover_legacy,
    discover_referrers,
};
use crate::provenance::{self, ProvenanceFacts, SlsaRequirements};
use crate::signature::{
    self, Artifact, Matcher, Policy, PolicyError, SignedContent, Stage, TrustRoot, Verified,
    VerifyError,
};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;
use serde_json::{Value, json};
use thiserror::Error;

/// Predicate type of a cosign v3 image signature statement.
pub const COSIGN_SIGN_V1: &str = "https://sigstore.dev/cosign/sign/v1";
/// `critical.type` of a cosign simple-signing payload.
pub const COSIGN_SIMPLE_SIGNING_TYPE: &str = "cosign container image signature";

/// What an image must prove.
#[derive(Debug, Clone)]
pub struct ImagePolicy {
    /// Who must have signed.
    pub signer: Policy,
    /// When set, SLSA provenance for the digest, signed under the same signer
    /// policy, must exist and meet these requirements.
    pub provenance: Option<SlsaRequirements>,
}

/// A stage that refused an item, or why it could not be checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ItemStage {
    /// A bundle verification stage.
    Bundle(Stage),
    /// The item is not an image signature (another predicate, a message signature).
    NotASignature,
    /// A legacy payload that does not name this digest or is not a cosign signature payload.
    Payload,
    /// SLSA provenance requirements or certificate cross-check.
    Provenance,
    /// A format that cannot be verified (legacy `.att`, a referrer without a bundle).
    Unsupported,
}

impl std::fmt::Display for ItemStage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ItemStage::Bundle(s) => write!(f, "{s}"),
            ItemStage::NotASignature => f.write_str("not-a-signature"),
            ItemStage::Payload => f.write_str("payload"),
            ItemStage::Provenance => f.write_str("provenance"),
            ItemStage::Unsupported => f.write_str("unsupported"),
        }
    }
}

/// An item found for the image that did not count.
#[derive(Debug, Clone, Serialize)]
pub struct Refused {
    /// Where it was found.
    pub source: SignatureSource,
    /// What refused it.
    pub stage: ItemStage,
    /// Why.
    pub reason: String,
}

/// A signature that passed every stage.
#[derive(Debug, Clone, Serialize)]
pub struct AcceptedSignature {
    /// Where it was found.
    pub source: SignatureSource,
    /// What it proved.
    pub verified: Verified,
}

/// Provenance that passed every stage.
#[derive(Debug, Clone, Serialize)]
pub struct AcceptedProvenance {
    /// Where it was found.
    pub source: SignatureSource,
    /// The attestation's own verification.
    pub verified: Verified,
    /// What the provenance says.
    pub facts: ProvenanceFacts,
}

/// The result of verifying one image: what passed and what did not.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageReport {
    /// The image, by digest.
    #[serde(serialize_with = "display")]
    pub image: PinnedImage,
    /// Media type of the image manifest.
    pub manifest_media_type: Option<String>,
    /// Whether the registry answered the referrers API (else the tag schema was read).
    pub referrers_api: bool,
    /// Signatures that passed every stage.
    pub signatures: Vec<AcceptedSignature>,
    /// Provenance that passed every stage (when required).
    pub provenance: Vec<AcceptedProvenance>,
    /// Everything else found, with the stage that refused it.
    pub refused: Vec<Refused>,
    /// Items beyond the signature limit, not fetched.
    pub skipped: usize,
}

fn display<T: std::fmt::Display, S: serde::Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

impl ImagePolicy {
    /// The manifest's `provenance` as a verification policy: its signer (a public
    /// key, or an identity and issuer, each exact or a whole-match regexp) and,
    /// when it has `slsa`, the provenance requirements.
    pub fn from_manifest(p: &ProvenancePolicy) -> Result<ImagePolicy, PolicyError> {
        let signer = match &p.public_key {
            Some(pem) => Policy::public_key_pem(pem)?,
            None => {
                let identity = match (&p.certificate_identity, &p.certificate_identity_regexp) {
                    (Some(e), _) => Matcher::exact(e, "certificate identity")?,
                    (None, Some(re)) => Matcher::regex(re)?,
                    (None, None) => {
                        return Err(PolicyError::Missing {
                            what: "certificate identity",
                        });
                    }
                };
                let issuer = match (
                    &p.certificate_oidc_issuer,
                    &p.certificate_oidc_issuer_regexp,
                ) {
                    (Some(e), _) => Matcher::exact(e, "OIDC issuer")?,
                    (None, Some(re)) => Matcher::regex(re)?,
                    (None, None) => {
                        return Err(PolicyError::Missing {
                            what: "OIDC issuer",
                        });
                    }
                };
                Policy::keyless(identity, issuer)
            }
        };
        let provenance = p.slsa.as_ref().map(|s| SlsaRequirements {
            source_repository: s.source_repository.clone(),
            source_ref: s.source_ref.clone(),
            builder_id: s.builder_id.clone(),
        });
        Ok(ImagePolicy { signer, provenance })
    }

    /// Whether `report` decides a caller that takes the first passing
    /// keyless signature and every passing provenance, as the registry does:
    /// a signature with a certificate passed and, if this policy requires
    /// provenance, provenance passed. More signatures (legacy ones come
    /// after the referrers') cannot change what such a caller takes.
    pub fn keyless_decided(&self, report: &ImageReport) -> bool {
        report
            .signatures
            .iter()
            .any(|s| s.verified.certificate().is_some())
            && (self.provenance.is_none() || !report.provenance.is_empty())
    }
}

impl ImageReport {
    /// True when at least one signature passed and, if required, provenance too.
    pub fn passed(&self, policy: &ImagePolicy) -> bool {
        !self.signatures.is_empty() && (policy.provenance.is_none() || !self.provenance.is_empty())
    }
}

/// Why an image did not verify.
#[derive(Debug, Error)]
pub enum ImageError {
    /// The registry could not be reached or answered out of bounds.
    #[error(transparent)]
    Registry(#[from] OciError),
    /// Nothing passed: no signature, or none under this policy.
    #[error("{image}: no signature passed verification ({} found, {} refused)", .report.signatures.len() + .report.refused.len(), .report.refused.len())]
    NoValidSignature {
        /// The image.
        image: String,
        /// What was found and why each item was refused.
        report: Box<ImageReport>,
    },
    /// A signature passed but the required provenance did not.
    #[error("{image}: signed, but no SLSA provenance passed verification")]
    NoValidProvenance {
        /// The image.
        image: String,
        /// What was found and why each item was refused.
        report: Box<ImageReport>,
    },
}

impl ImageError {
    /// The report, when the registry answered.
    pub fn report(&self) -> Option<&ImageReport> {
        match self {
            ImageError::Registry(_) => None,
            ImageError::NoValidSignature { report, .. }
            | ImageError::NoValidProvenance { report, .. } => Some(report),
        }
    }
}

/// Discovers and verifies every signature of `image`.
pub async fn verify_image(
    client: &OciClient,
    image: &PinnedImage,
    policy: &ImagePolicy,
    trust_root: &TrustRoot,
) -> Result<ImageReport, ImageError> {
    verify_image_until(client, image, policy, trust_root, |_| false).await
}

/// Discovers and verifies `image`'s signatures, reading the legacy cosign
/// tags only when what its referrers hold leaves `enough` unsatisfied.
///
/// Every referrer is read and verified either way; `enough` sees the report
/// so far. A caller whose decision more signatures cannot change (one that
/// takes the first passing keyless signature, as the registry does) saves
/// the two tag lookups; [`verify_image`] reads everything, for a full
/// report. Legacy items can only add signatures, never provenance, so a
/// report that passes without them passes with them.
pub async fn verify_image_until(
    client: &OciClient,
    image: &PinnedImage,
    policy: &ImagePolicy,
    trust_root: &TrustRoot,
    enough: impl Fn(&ImageReport) -> bool,
) -> Result<ImageReport, ImageError> {
    let discovered = discover_referrers(client, image).await?;
    let already = discovered.found.len();
    let mut report = verify_discovered(discovered, policy, trust_root);
    if !enough(&report) {
        let (found, skipped) = discover_legacy(client, image, already).await?;
        report.skipped += skipped;
        verify_found(&mut report, found, policy, trust_root);
    }
    if report.signatures.is_empty() {
        return Err(ImageError::NoValidSignature {
            image: image.to_string(),
            report: Box::new(report),
        });
    }
    if policy.provenance.is_some() && report.provenance.is_empty() {
        return Err(ImageError::NoValidProvenance {
            image: image.to_string(),
            report: Box::new(report),
        });
    }
    Ok(report)
}

/// Verifies what discovery found (offline).
pub fn verify_discovered(
    d: Discovered,
    policy: &ImagePolicy,
    trust_root: &TrustRoot,
) -> ImageReport {
    let mut report = ImageReport {
        image: d.image,
        manifest_media_type: d.manifest_media_type,
        referrers_api: d.referrers_api,
        signatures: Vec::new(),
        provenance: Vec::new(),
        refused: Vec::new(),
        skipped: d.skipped,
    };
    verify_found(&mut report, d.found, policy, trust_root);
    report
}

/// Verifies `found` for `report`'s image, adding each item to the report.
fn verify_found(
    report: &mut ImageReport,
    found: Vec<FoundSignature>,
    policy: &ImagePolicy,
    trust_root: &TrustRoot,
) {
    let digest = report.image.digest.clone();
    for item in found {
        match item {
            FoundSignature::Bundle { source, bundle } => {
                check_bundle(report, source, &bundle, &digest, policy, trust_root)
            }
            FoundSignature::LegacySignature {
                source,
                payload,
                signature_b64,
                certificate_pem,
                rekor_bundle,
                ..
            } => {
                match legacy_signature(
                    &payload,
                    &signature_b64,
                    certificate_pem.as_deref(),
                    rekor_bundle.as_deref(),
                    &digest,
                    &policy.signer,
                    trust_root,
                ) {
                    Ok(verified) => report
                        .signatures
                        .push(AcceptedSignature { source, verified }),
                    Err((stage, reason)) => report.refused.push(Refused {
                        source,
                        stage,
                        reason,
                    }),
                }
            }
            FoundSignature::Unsupported { source, reason } => report.refused.push(Refused {
                source,
                stage: ItemStage::Unsupported,
                reason,
            }),
        }
    }
}

fn check_bundle(
    report: &mut ImageReport,
    source: SignatureSource,
    bundle: &[u8],
    digest: &Digest,
    policy: &ImagePolicy,
    trust_root: &TrustRoot,
) {
    let refuse = |report: &mut ImageReport, stage, reason: String| {
        report.refused.push(Refused {
            source: source.clone(),
            stage,
            reason,
        })
    };
    let verified =
        match signature::verify(bundle, Artifact::Digest(digest), &policy.signer, trust_root) {
            Ok(v) => v,
            Err(e) => return refuse(report, ItemStage::Bundle(e.stage()), e.detail().to_owned()),
        };
    // The subject must be this digest; the bundle layer checked the artifact, this makes it explicit.
    if verified.artifact != *digest {
        return refuse(
            report,
            ItemStage::Bundle(Stage::Artifact),
            format!("signs {}, not {digest}", verified.artifact),
        );
    }
    match &verified.content {
        SignedContent::Dsse {
            predicate_type: Some(p),
            ..
        } if p == COSIGN_SIGN_V1 => {
            report
                .signatures
                .push(AcceptedSignature { source, verified });
        }
        SignedContent::Dsse {
            predicate_type: Some(p),
            payload,
            ..
        } if p == provenance::SLSA_V1 || p == provenance::SLSA_V02 => {
            let Some(required) = &policy.provenance else {
                return refuse(
                    report,
                    ItemStage::NotASignature,
                    format!("attestation with predicate `{p}` (provenance not required)"),
                );
            };
            let claims = verified.certificate().map(|c| &c.claims);
            match provenance::check(payload, digest, required, claims) {
                Ok(facts) => report.provenance.push(AcceptedProvenance {
                    source,
                    verified,
                    facts,
                }),
                Err(e) => refuse(report, ItemStage::Provenance, e.to_string()),
            }
        }
        SignedContent::Dsse { predicate_type, .. } => refuse(
            report,
            ItemStage::NotASignature,
            format!(
                "attestation with predicate `{}`, not an image signature",
                predicate_type.as_deref().unwrap_or("none")
            ),
        ),
        SignedContent::MessageSignature => refuse(
            report,
            ItemStage::NotASignature,
            "a message signature over the digest, not a cosign image signature statement".into(),
        ),
    }
}

/// Verifies a legacy cosign `.sig` layer: its simple-signing payload must name
/// `digest`, and the signature, certificate and SET must verify as a v0.1 bundle.
pub fn legacy_signature(
    payload: &[u8],
    signature_b64: &str,
    certificate_pem: Option<&str>,
    rekor_bundle: Option<&str>,
    digest: &Digest,
    policy: &Policy,
    trust_root: &TrustRoot,
) -> Result<Verified, (ItemStage, String)> {
    let simple: Value = serde_json::from_slice(payload).map_err(|e| {
        (
            ItemStage::Payload,
            format!("simple-signing payload is not JSON: {e}"),
        )
    })?;
    let named = simple
        .pointer("/critical/image/docker-manifest-digest")
        .and_then(Value::as_str);
    if named != Some(digest.as_str()) {
        return Err((
            ItemStage::Payload,
            format!(
                "payload names {}, not {digest}",
                named.unwrap_or("no digest")
            ),
        ));
    }
    let kind = simple.pointer("/critical/type").and_then(Value::as_str);
    if kind != Some(COSIGN_SIMPLE_SIGNING_TYPE) {
        return Err((
            ItemStage::Payload,
            format!(
                "payload type is {:?}, not `{COSIGN_SIMPLE_SIGNING_TYPE}`",
                kind.unwrap_or("absent")
            ),
        ));
    }
    let bundle = legacy_bundle_json(payload, signature_b64, certificate_pem, rekor_bundle)
        .map_err(|e| (ItemStage::Bundle(Stage::Parse), e))?;
    let bundle = signature::parse(bundle.as_bytes())
        .map_err(|e: VerifyError| (ItemStage::Bundle(e.stage()), e.detail().to_owned()))?;
    signature::verify_parsed(&bundle, Artifact::Bytes(payload), policy, trust_root)
        .map_err(|e| (ItemStage::Bundle(e.stage()), e.detail().to_owned()))
}

/// Builds the v0.1 bundle that a legacy cosign signature layer stands for:
/// the leaf certificate (or a key hint), the SET-only log entry from the
/// Rekor bundle annotation, and the message signature over the payload.
fn legacy_bundle_json(
    payload: &[u8],
    signature_b64: &str,
    certificate_pem: Option<&str>,
    rekor_bundle: Option<&str>,
) -> Result<String, String> {
    let rekor: Value = serde_json::from_str(rekor_bundle.ok_or(
        "no Rekor bundle annotation: a legacy signature without a log entry cannot be verified",
    )?)
    .map_err(|e| format!("Rekor bundle annotation is not JSON: {e}"))?;
    let p = &rekor["Payload"];
    let body_b64 = p["body"]
        .as_str()
        .ok_or("Rekor bundle has no Payload.body")?;
    let body = STANDARD
        .decode(body_b64)
        .map_err(|_| "Payload.body is not base64")?;
    let body: Value =
        serde_json::from_slice(&body).map_err(|e| format!("Payload.body is not JSON: {e}"))?;
    let log_id = hex::decode(
        p["logID"]
            .as_str()
            .ok_or("Rekor bundle has no Payload.logID")?,
    )
    .map_err(|_| "Payload.logID is not hex")?;
    let log_index = p["logIndex"]
        .as_u64()
        .ok_or("Payload.logIndex is not a number")?;
    let integrated = p["integratedTime"]
        .as_i64()
        .ok_or("Payload.integratedTime is not a number")?;
    let set = rekor["SignedEntryTimestamp"]
        .as_str()
        .ok_or("Rekor bundle has no SignedEntryTimestamp")?;
    let material = match certificate_pem {
        Some(pem) => {
            let der = pem_to_der(pem)?;
            json!({"x509CertificateChain": {"certificates": [{"rawBytes": STANDARD.encode(der)}]}})
        }
        None => json!({"publicKey": {"hint": ""}}),
    };
    let mut material = material;
    material["tlogEntries"] = json!([{
        "logIndex": log_index.to_string(),
        "logId": {"keyId": STANDARD.encode(log_id)},
        "kindVersion": {"kind": body["kind"], "version": body["apiVersion"]},
        "integratedTime": integrated.to_string(),
        "inclusionPromise": {"signedEntryTimestamp": set},
        "canonicalizedBody": body_b64,
    }]);
    let bundle = json!({
        "mediaType": "application/vnd.dev.sigstore.bundle+json;version=0.1",
        "verificationMaterial": material,
        "messageSignature": {
            "messageDigest": {"algorithm": "SHA2_256", "digest": STANDARD.encode(sigstore_crypto::sha256(payload).as_bytes())},
            "signature": signature_b64,
        },
    });
    Ok(bundle.to_string())
}

fn pem_to_der(pem: &str) -> Result<Vec<u8>, String> {
    let begin = "-----BEGIN CERTIFICATE-----";
    let start = pem
        .find(begin)
        .ok_or("certificate annotation is not a PEM certificate")?
        + begin.len();
    let end = pem[start..]
        .find("-----END CERTIFICATE-----")
        .ok_or("certificate annotation has no END line")?
        + start;
    let b64: String = pem[start..end]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    STANDARD
        .decode(b64)
        .map_err(|_| "certificate annotation is not base64".to_owned())
}
