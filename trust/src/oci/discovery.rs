//! Finding every signature and attestation stored for one pinned digest:
//! the OCI 1.1 referrers API (or its tag-schema fallback `sha256-<hex>`),
//! and the legacy cosign tags `sha256-<hex>.sig` and `sha256-<hex>.att`.
//! Nothing here decides whether a signature is good; it only fetches,
//! bounded and digest-checked, and says where each item came from.

use super::client::{Fetched, OciClient, OciError};
use super::{COSIGN_SIMPLE_SIGNING, SIGSTORE_BUNDLE_V03};
use crate::image::{Digest, PinnedImage};
use serde::Serialize;
use serde_json::Value;

/// Where a signature or attestation was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum SignatureSource {
    /// A referrer manifest (referrers API or its tag-schema fallback).
    #[serde(rename_all = "camelCase")]
    Referrer {
        /// Digest of the referrer manifest.
        manifest_digest: String,
        /// Whether it came from the referrers API (else the `sha256-<hex>` tag).
        via_api: bool,
    },
    /// A layer of the legacy cosign `sha256-<hex>.sig` tag.
    #[serde(rename_all = "camelCase")]
    LegacySignatureTag {
        /// The tag.
        tag: String,
        /// Index of the layer.
        layer: usize,
    },
    /// A layer of the legacy cosign `sha256-<hex>.att` tag.
    #[serde(rename_all = "camelCase")]
    LegacyAttestationTag {
        /// The tag.
        tag: String,
        /// Index of the layer.
        layer: usize,
    },
}

/// One item found for the image.
#[derive(Debug, Clone)]
pub enum FoundSignature {
    /// A Sigstore bundle (v0.3 JSON): a signature if it is a DSSE statement with
    /// predicate type `https://sigstore.dev/cosign/sign/v1`, otherwise an attestation.
    Bundle {
        /// Where it was found.
        source: SignatureSource,
        /// The bundle JSON.
        bundle: Vec<u8>,
    },
    /// A legacy cosign signature layer: simple-signing payload, signature and
    /// the annotations cosign stores beside it.
    LegacySignature {
        /// Where it was found.
        source: SignatureSource,
        /// The simple-signing payload (the layer blob).
        payload: Vec<u8>,
        /// `dev.cosignproject.cosign/signature`: base64 signature over the payload.
        signature_b64: String,
        /// `dev.sigstore.cosign/certificate`: leaf certificate PEM (keyless).
        certificate_pem: Option<String>,
        /// `dev.sigstore.cosign/chain`: chain PEM.
        chain_pem: Option<String>,
        /// `dev.sigstore.cosign/bundle`: Rekor SET bundle JSON.
        rekor_bundle: Option<String>,
    },
    /// Found but in a format that cannot be verified (legacy `.att` attestations,
    /// logged as intoto v0.0.1): reported, never counted as verified.
    Unsupported {
        /// Where it was found.
        source: SignatureSource,
        /// Why it cannot be verified.
        reason: String,
    },
}

/// Everything found for one image digest.
#[derive(Debug, Clone)]
pub struct Discovered {
    /// The image, as pinned.
    pub image: PinnedImage,
    /// Media type of the image manifest (an index is verified as the index, never walked).
    pub manifest_media_type: Option<String>,
    /// Whether the registry answered the referrers API.
    pub referrers_api: bool,
    /// Signatures, attestations and unsupported items, in discovery order.
    pub found: Vec<FoundSignature>,
    /// Items left out because more than the signature limit were listed.
    pub skipped: usize,
}

/// Fetches the image manifest (proving the digest exists and the registry
/// serves the right bytes) and every signature and attestation stored for it.
pub async fn discover(client: &OciClient, image: &PinnedImage) -> Result<Discovered, OciError> {
    let mut discovered = discover_referrers(client, image).await?;
    let (found, skipped) = discover_legacy(client, image, discovered.found.len()).await?;
    discovered.found.extend(found);
    discovered.skipped += skipped;
    Ok(discovered)
}

/// Fetches the image manifest and what its referrers hold (the referrers
/// API, or its tag-schema fallback): where cosign v3 stores its bundles.
/// The legacy cosign tags are [`discover_legacy`]'s.
pub async fn discover_referrers(
    client: &OciClient,
    image: &PinnedImage,
) -> Result<Discovered, OciError> {
    let (registry, repo, digest) = (&image.registry, &image.repository, &image.digest);
    // Two round trips at once. The manifest's answer is judged first: its
    // error ends the wait at once (a slow referrers answer cannot turn it
    // into a timeout), and the referrers' is looked at only after it.
    let manifest = client.manifest_by_digest(registry, repo, digest);
    let referrers = async { Ok::<_, OciError>(client.referrers(registry, repo, digest).await) };
    let (manifest, referrers) = tokio::try_join!(manifest, referrers)?;
    let media_type = json(&manifest, "image manifest")?
        .get("mediaType")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or(manifest.content_type.clone());
    let limit = client.limits().signatures;
    let mut found = Vec::new();
    let mut skipped = 0;

    let (index, via_api) = match referrers? {
        Some(f) => (Some(f), true),
        None => (
            client
                .manifest_by_tag(registry, repo, &format!("sha256-{}", digest.hex()))
                .await?
                .map(|(f, _)| f),
            false,
        ),
    };
    if let Some(index) = index {
        let index = json(&index, "referrer list")?;
        for entry in index
            .get("manifests")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let artifact_type = entry
                .get("artifactType")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if artifact_type != SIGSTORE_BUNDLE_V03 {
                continue;
            }
            if found.len() >= limit {
                skipped += 1;
                continue;
            }
            let Some(ref_digest) = entry
                .get("digest")
                .and_then(Value::as_str)
                .and_then(Digest::parse)
            else {
                return Err(OciError::Malformed {
                    what: "referrer list".into(),
                    reason: "an entry has no sha256 digest".into(),
                });
            };
            let source = SignatureSource::Referrer {
                manifest_digest: ref_digest.to_string(),
                via_api,
            };
            let referrer = client
                .manifest_by_digest(registry, repo, &ref_digest)
                .await?;
            let referrer = json(&referrer, "referrer manifest")?;
            // A referrer lists its subject; one that names another image is not about this one.
            let subject = referrer.pointer("/subject/digest").and_then(Value::as_str);
            if subject != Some(digest.as_str()) {
                found.push(FoundSignature::Unsupported {
                    source,
                    reason: format!(
                        "referrer's subject is {}, not {digest}",
                        subject.unwrap_or("absent")
                    ),
                });
                continue;
            }
            let layer = referrer
                .get("layers")
                .and_then(Value::as_array)
                .and_then(|l| {
                    l.iter().find(|l| {
                        l.get("mediaType").and_then(Value::as_str) == Some(SIGSTORE_BUNDLE_V03)
                    })
                });
            let Some(layer_digest) = layer
                .and_then(|l| l.get("digest"))
                .and_then(Value::as_str)
                .and_then(Digest::parse)
            else {
                found.push(FoundSignature::Unsupported {
                    source,
                    reason: "referrer has no sigstore bundle layer".into(),
                });
                continue;
            };
            let bundle = client.blob(registry, repo, &layer_digest).await?;
            found.push(FoundSignature::Bundle { source, bundle });
        }
    }
    Ok(Discovered {
        image: image.clone(),
        manifest_media_type: media_type,
        referrers_api: via_api,
        found,
        skipped,
    })
}

/// Fetches what the legacy cosign tags `sha256-<hex>.sig` and
/// `sha256-<hex>.att` hold, when `already` items were found elsewhere (the
/// signature limit counts them): the items, and how many were left out.
pub async fn discover_legacy(
    client: &OciClient,
    image: &PinnedImage,
    already: usize,
) -> Result<(Vec<FoundSignature>, usize), OciError> {
    let (registry, repo, digest) = (&image.registry, &image.repository, &image.digest);
    let limit = client.limits().signatures;
    let mut found = Vec::new();
    let mut skipped = 0;
    let sig_tag = format!("sha256-{}.sig", digest.hex());
    let att_tag = format!("sha256-{}.att", digest.hex());
    // As above: the `.sig` answer first, its error at once.
    let sig = client.manifest_by_tag(registry, repo, &sig_tag);
    let att = async { Ok::<_, OciError>(client.manifest_by_tag(registry, repo, &att_tag).await) };
    let (sig, att) = tokio::try_join!(sig, att)?;
    if let Some((m, _)) = sig {
        let m = json(&m, "legacy signature manifest")?;
        for (i, layer) in m
            .get("layers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let source = SignatureSource::LegacySignatureTag {
                tag: sig_tag.clone(),
                layer: i,
            };
            if layer.get("mediaType").and_then(Value::as_str) != Some(COSIGN_SIMPLE_SIGNING) {
                found.push(FoundSignature::Unsupported {
                    source,
                    reason: "layer is not a cosign simple-signing payload".into(),
                });
                continue;
            }
            if already + found.len() >= limit {
                skipped += 1;
                continue;
            }
            let annotation = |k: &str| {
                layer
                    .pointer(&format!("/annotations/{}", k.replace('/', "~1")))
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            };
            let Some(signature_b64) = annotation("dev.cosignproject.cosign/signature") else {
                found.push(FoundSignature::Unsupported {
                    source,
                    reason: "layer has no signature annotation".into(),
                });
                continue;
            };
            let Some(payload_digest) = layer
                .get("digest")
                .and_then(Value::as_str)
                .and_then(Digest::parse)
            else {
                found.push(FoundSignature::Unsupported {
                    source,
                    reason: "layer has no sha256 digest".into(),
                });
                continue;
            };
            let payload = client.blob(registry, repo, &payload_digest).await?;
            found.push(FoundSignature::LegacySignature {
                source,
                payload,
                signature_b64,
                certificate_pem: annotation("dev.sigstore.cosign/certificate"),
                chain_pem: annotation("dev.sigstore.cosign/chain"),
                rekor_bundle: annotation("dev.sigstore.cosign/bundle"),
            });
        }
    }

    if let Some((m, _)) = att? {
        let m = json(&m, "legacy attestation manifest")?;
        for (i, _) in m
            .get("layers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            found.push(FoundSignature::Unsupported {
                source: SignatureSource::LegacyAttestationTag { tag: att_tag.clone(), layer: i },
                reason: "legacy cosign attestations (intoto v0.0.1 log entries) cannot be verified; sign with cosign v3 bundles".into(),
            });
        }
    }

    Ok((found, skipped))
}

fn json(f: &Fetched, what: &str) -> Result<Value, OciError> {
    let v: Value = serde_json::from_slice(&f.bytes).map_err(|e| OciError::Malformed {
        what: what.to_owned(),
        reason: e.to_string(),
    })?;
    if !v.is_object() {
        return Err(OciError::Malformed {
            what: what.to_owned(),
            reason: "not a JSON object".into(),
        });
    }
    Ok(v)
}
