//! A Rekor style transparency log: canonicalized entry bodies, an RFC 6962
//! Merkle tree, signed checkpoints, and for v1 entries signed entry
//! timestamps (a v2 entry has an inclusion proof and checkpoint only).
//!
//! Each appended entry comes back as a bundle `TransparencyLogEntry` holding
//! everything `sigstore-verify` checks: the SET over the canonical JSON of
//! `{body, integratedTime, logIndex, logID}`, an inclusion proof against the
//! tree as it stood after the append, and a checkpoint for that tree in the
//! C2SP signed-note format with the log key's 4-byte hint.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;
use sigstore_bundle::TlogEntryBuilder;
use sigstore_crypto::KeyPair;
use sigstore_types::bundle::CheckpointData;
use sigstore_types::{
    CanonicalizedBody, KindVersion, LogIndex, LogKeyId, Sha256Hash, SignatureBytes,
    SignedTimestamp, TransparencyLogEntry,
};

use crate::merkle;

/// Entries a new log holds before the first test signature, so that proofs
/// have several levels and log indices are not zero.
const FILLER_ENTRIES: usize = 6;

/// The log's origin line and signer name in checkpoints.
pub(crate) const LOG_NAME: &str = "rekor.sigstore.test";
/// The tree id that follows the name in the checkpoint origin.
const TREE_ID: u64 = 1_193_050_959_916_656_506;

/// A transparency log with its own key and leaves.
#[derive(Debug)]
pub(crate) struct TransparencyLog {
    key: KeyPair,
    public_key_der: Vec<u8>,
    log_id: [u8; 32],
    leaves: Vec<Sha256Hash>,
}

impl TransparencyLog {
    /// A log with a fresh key and a few filler entries.
    pub(crate) fn generate() -> Self {
        let key = KeyPair::generate_ecdsa_p256().expect("generate log key");
        let public_key_der = key
            .public_key_der()
            .expect("encode log public key")
            .as_bytes()
            .to_vec();
        let log_id = *sigstore_crypto::sha256(&public_key_der).as_bytes();
        let leaves = (0..FILLER_ENTRIES)
            .map(|i| sigstore_merkle::hash_leaf(format!("filler entry {i}").as_bytes()))
            .collect();
        Self {
            key,
            public_key_der,
            log_id,
            leaves,
        }
    }

    /// The log's public key, DER SubjectPublicKeyInfo.
    pub(crate) fn public_key_der(&self) -> &[u8] {
        &self.public_key_der
    }

    /// The log ID: SHA-256 of the DER public key.
    pub(crate) fn log_id(&self) -> [u8; 32] {
        self.log_id
    }

    /// Append `body` (already canonical JSON) at `integrated_time`, and
    /// return the entry with SET, inclusion proof and checkpoint.
    pub(crate) fn append(
        &mut self,
        kind_version: KindVersion,
        body: Vec<u8>,
        integrated_time: jiff::Timestamp,
    ) -> TransparencyLogEntry {
        self.append_entry(kind_version, body, Some(integrated_time))
    }

    /// Append `body` as a Rekor v2 log does: the entry carries an inclusion
    /// proof and checkpoint, and neither an integrated time nor a SET.
    pub(crate) fn append_v2(&mut self, body: Vec<u8>) -> TransparencyLogEntry {
        self.append_entry(KindVersion::HashedRekordV002, body, None)
    }

    fn append_entry(
        &mut self,
        kind_version: KindVersion,
        body: Vec<u8>,
        integrated_time: Option<jiff::Timestamp>,
    ) -> TransparencyLogEntry {
        let index = self.leaves.len();
        self.leaves.push(sigstore_merkle::hash_leaf(&body));
        let tree_size = self.leaves.len() as u64;
        let root_hash = merkle::root(&self.leaves);
        let path = merkle::inclusion_path(index, &self.leaves);
        let log_index = LogIndex::new(index as u64).expect("log index fits in i64");
        let body_b64 = STANDARD.encode(&body);

        let checkpoint = self.checkpoint(tree_size, &root_hash);

        let mut builder = TlogEntryBuilder::new(
            log_index,
            LogKeyId::new(self.log_id.to_vec()),
            kind_version,
            CanonicalizedBody::new(body),
        );
        if let Some(integrated_time) = integrated_time {
            let set = self.signed_entry_timestamp(&body_b64, integrated_time, index as u64);
            builder = builder
                .with_integrated_time(integrated_time)
                .with_inclusion_promise(set);
        }
        builder
            .with_inclusion_proof(
                log_index,
                root_hash,
                tree_size,
                path,
                CheckpointData::new(checkpoint).expect("checkpoint parses"),
            )
            .build()
    }

    /// The SET: the log's signature over the RFC 8785 canonical JSON of
    /// `{body, integratedTime, logIndex, logID}` (body base64, logID hex).
    fn signed_entry_timestamp(
        &self,
        body_b64: &str,
        integrated_time: jiff::Timestamp,
        log_index: u64,
    ) -> SignedTimestamp {
        let payload = json!({
            "body": body_b64,
            "integratedTime": integrated_time.as_second(),
            "logIndex": log_index,
            "logID": hex::encode(self.log_id),
        });
        let canonical = serde_json_canonicalizer::to_vec(&payload).expect("canonicalize SET");
        let signature = self.key.sign(&canonical).expect("sign SET");
        SignedTimestamp::new(signature.into_bytes())
    }

    /// A C2SP signed note: `origin\nsize\nroot\n`, a blank line, and
    /// `— <name> base64(key hint || signature)`.
    fn checkpoint(&self, tree_size: u64, root_hash: &Sha256Hash) -> String {
        let note = format!(
            "{LOG_NAME} - {TREE_ID}\n{tree_size}\n{}\n",
            root_hash.to_base64()
        );
        let signature: SignatureBytes = self.key.sign(note.as_bytes()).expect("sign checkpoint");
        let mut hinted = self.log_id[..4].to_vec();
        hinted.extend_from_slice(signature.as_bytes());
        format!("{note}\n\u{2014} {LOG_NAME} {}\n", STANDARD.encode(hinted))
    }
}

/// The canonical body of a `hashedrekord` 0.0.1 entry: the artifact's
/// digest (`sha256`, `sha384` or `sha512`, hex), the signature, and the
/// verifier (certificate or public key) PEM.
pub(crate) fn hashedrekord_body(
    hash_algorithm: &str,
    hash_hex: &str,
    signature: &SignatureBytes,
    verifier_pem: &str,
) -> Vec<u8> {
    canonical(&json!({
        "apiVersion": "0.0.1",
        "kind": "hashedrekord",
        "spec": {
            "data": {"hash": {"algorithm": hash_algorithm, "value": hash_hex}},
            "signature": {
                "content": signature.to_base64(),
                "publicKey": {"content": STANDARD.encode(verifier_pem)},
            },
        },
    }))
}

/// The canonical body of a `hashedrekord` 0.0.2 (Rekor v2) entry: the
/// signed digest under `algorithm` (`SHA2_256`, `SHA2_384`, `SHA2_512`), the
/// signature, and the verifier (a DER certificate or public key) with its
/// `keyDetails`.
pub(crate) fn hashedrekord_v002_body(
    algorithm: &str,
    digest: &[u8],
    signature: &SignatureBytes,
    verifier: V2Verifier<'_>,
    key_details: &str,
) -> Vec<u8> {
    let mut verifier_json = json!({"keyDetails": key_details});
    match verifier {
        V2Verifier::Certificate(der) => {
            verifier_json["x509Certificate"] = json!({"rawBytes": STANDARD.encode(der)});
        }
        V2Verifier::PublicKey(der) => {
            verifier_json["publicKey"] = json!({"rawBytes": STANDARD.encode(der)});
        }
    }
    canonical(&json!({
        "apiVersion": "0.0.2",
        "kind": "hashedrekord",
        "spec": {
            "hashedRekordV002": {
                "data": {"algorithm": algorithm, "digest": STANDARD.encode(digest)},
                "signature": {"content": signature.to_base64(), "verifier": verifier_json},
            },
        },
    }))
}

/// The verifier of a Rekor v2 entry: DER bytes of either kind.
#[derive(Debug, Clone, Copy)]
pub(crate) enum V2Verifier<'a> {
    Certificate(&'a [u8]),
    PublicKey(&'a [u8]),
}

/// The canonical body of a `dsse` 0.0.1 entry as Rekor stores it: hashes of
/// the submitted envelope and of its payload, and each signature with its
/// verifier PEM.
pub(crate) fn dsse_body(
    envelope_json: &str,
    payload: &[u8],
    signature: &SignatureBytes,
    verifier_pem: &str,
) -> Vec<u8> {
    canonical(&json!({
        "apiVersion": "0.0.1",
        "kind": "dsse",
        "spec": {
            "envelopeHash": {
                "algorithm": "sha256",
                "value": sigstore_crypto::sha256(envelope_json.as_bytes()).to_hex(),
            },
            "payloadHash": {
                "algorithm": "sha256",
                "value": sigstore_crypto::sha256(payload).to_hex(),
            },
            "signatures": [{
                "signature": signature.to_base64(),
                "verifier": STANDARD.encode(verifier_pem),
            }],
        },
    }))
}

fn canonical(value: &serde_json::Value) -> Vec<u8> {
    serde_json_canonicalizer::to_vec(value).expect("canonicalize entry body")
}
