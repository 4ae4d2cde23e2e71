//! Legacy cosign `.sig` material: what `cosign sign` (before the new bundle
//! format) stores as one layer of the `sha256-<hex>.sig` manifest.
//!
//! The layer blob is a simple-signing payload naming the image digest; its
//! descriptor carries annotations with the base64 signature, the signing
//! certificate and chain, and the Rekor "bundle" (SET plus the entry fields
//! it signs). There is no inclusion proof: a verifier gets its signing time
//! from the SET alone, which is why such signatures become v0.1 bundles.

use std::collections::BTreeMap;

use serde_json::json;
use sigstore_types::TransparencyLogEntry;

/// Media type of the simple-signing payload layer.
pub const SIMPLE_SIGNING_MEDIA_TYPE: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
/// Layer annotation holding the base64 signature over the payload.
pub const SIGNATURE_ANNOTATION: &str = "dev.cosignproject.cosign/signature";
/// Layer annotation holding the PEM signing certificate.
pub const CERTIFICATE_ANNOTATION: &str = "dev.sigstore.cosign/certificate";
/// Layer annotation holding the PEM chain (intermediate, then root).
pub const CHAIN_ANNOTATION: &str = "dev.sigstore.cosign/chain";
/// Layer annotation holding the Rekor bundle JSON.
pub const BUNDLE_ANNOTATION: &str = "dev.sigstore.cosign/bundle";

/// One legacy cosign signature layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacySig {
    /// The simple-signing payload (the layer blob).
    pub payload: Vec<u8>,
    /// Base64 ECDSA signature over the payload.
    pub signature: String,
    /// PEM signing certificate; `None` for key-based signatures.
    pub certificate_pem: Option<String>,
    /// PEM chain, intermediate then root; `None` for key-based signatures.
    pub chain_pem: Option<String>,
    /// The Rekor bundle JSON: `{"SignedEntryTimestamp", "Payload": {body,
    /// integratedTime, logIndex, logID}}`.
    pub rekor_bundle: String,
}

impl LegacySig {
    /// The layer descriptor's annotations, exactly as cosign writes them.
    pub fn annotations(&self) -> BTreeMap<String, String> {
        let mut annotations = BTreeMap::new();
        annotations.insert(SIGNATURE_ANNOTATION.to_string(), self.signature.clone());
        if let Some(certificate) = &self.certificate_pem {
            annotations.insert(CERTIFICATE_ANNOTATION.to_string(), certificate.clone());
        }
        if let Some(chain) = &self.chain_pem {
            annotations.insert(CHAIN_ANNOTATION.to_string(), chain.clone());
        }
        annotations.insert(BUNDLE_ANNOTATION.to_string(), self.rekor_bundle.clone());
        annotations
    }

    /// The layer digest, `sha256:<hex>` of the payload.
    pub fn payload_digest(&self) -> String {
        format!("sha256:{}", sigstore_crypto::sha256(&self.payload).to_hex())
    }
}

/// The simple-signing payload cosign signs for `image_ref` at `digest`,
/// byte for byte as cosign's Go encoder writes it.
pub fn simple_signing_payload(image_ref: &str, digest: &str) -> Vec<u8> {
    let digest = crate::statement::parse_digest(digest);
    let quoted = |s: &str| serde_json::to_string(s).expect("serialize string");
    format!(
        r#"{{"critical":{{"identity":{{"docker-reference":{}}},"image":{{"docker-manifest-digest":{}}},"type":"cosign container image signature"}},"optional":null}}"#,
        quoted(image_ref),
        quoted(&format!("sha256:{}", digest.to_hex())),
    )
    .into_bytes()
}

/// The `dev.sigstore.cosign/bundle` annotation for a log entry.
pub(crate) fn rekor_bundle(entry: &TransparencyLogEntry) -> String {
    let promise = entry
        .inclusion_promise
        .as_ref()
        .expect("test log entries carry a SET");
    json!({
        "SignedEntryTimestamp": promise.signed_entry_timestamp.to_base64(),
        "Payload": {
            "body": entry.canonicalized_body.to_base64(),
            "integratedTime": entry.integrated_time.map_or(0, |time| time.as_second()),
            "logIndex": entry.log_index.get(),
            "logID": hex::encode(entry.log_id.key_id.as_bytes()),
        },
    })
    .to_string()
}
