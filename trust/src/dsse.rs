//! DSSE envelopes (Dead Simple Signing Envelope) signed with Ed25519: the
//! wrapper of the catalog index and of key statements. The envelope is a
//! closed JSON object; the signature covers the pre-authentication encoding
//! of the payload type and payload, so neither can be swapped. It sits below
//! the catalog, with the keys it signs with, so that anything that signs a
//! statement can use it.

use crate::keys::{PublicKey, SigningKey};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Most signatures an envelope may carry.
pub const MAX_SIGNATURES: usize = 16;

/// Why an envelope did not open.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DsseError {
    /// Not a DSSE envelope, or its payload is not base64.
    #[error("not a DSSE envelope: {0}")]
    Malformed(String),
    /// The payload type is not the one expected here.
    #[error("payload type is `{got}`, expected `{expected}`")]
    PayloadType {
        /// What was expected.
        expected: String,
        /// What the envelope says.
        got: String,
    },
    /// No signature is from the expected key.
    #[error("no signature by key {expected}; the envelope is signed by [{found}]")]
    UnknownKey {
        /// The expected key id.
        expected: String,
        /// The key ids present.
        found: String,
    },
    /// A signature from the expected key does not verify.
    #[error("the signature by key {keyid} does not verify")]
    BadSignature {
        /// The key id.
        keyid: String,
    },
}

/// A DSSE envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Envelope {
    /// Base64 of the payload bytes.
    pub payload: String,
    /// Media type of the payload.
    pub payload_type: String,
    /// Signatures over the PAE of type and payload.
    pub signatures: Vec<Signature>,
}

/// One signature of an envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signature {
    /// Hex SHA-256 of the signer's raw public key.
    pub keyid: String,
    /// Base64 of the Ed25519 signature.
    pub sig: String,
}

impl Envelope {
    /// Compact JSON bytes, as served.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Parses envelope bytes (closed shape).
    pub fn from_bytes(bytes: &[u8]) -> Result<Envelope, DsseError> {
        serde_json::from_slice(bytes).map_err(|e| DsseError::Malformed(e.to_string()))
    }

    /// The payload bytes, unverified.
    pub fn payload_bytes(&self) -> Result<Vec<u8>, DsseError> {
        B64.decode(&self.payload)
            .map_err(|e| DsseError::Malformed(format!("payload is not base64: {e}")))
    }
}

/// Signs `payload` as `payload_type` with `key`.
pub fn sign(payload_type: &str, payload: &[u8], key: &SigningKey) -> Envelope {
    let pae = sigstore_types::dsse::pae(payload_type, payload);
    Envelope {
        payload: B64.encode(payload),
        payload_type: payload_type.to_owned(),
        signatures: vec![Signature {
            keyid: key.public_key().keyid(),
            sig: B64.encode(key.sign(&pae)),
        }],
    }
}

/// Checks the payload type and the signature of `key`; returns the payload.
pub fn open(
    envelope: &Envelope,
    payload_type: &str,
    key: &PublicKey,
) -> Result<Vec<u8>, DsseError> {
    if envelope.payload_type != payload_type {
        return Err(DsseError::PayloadType {
            expected: payload_type.to_owned(),
            got: envelope.payload_type.clone(),
        });
    }
    if envelope.signatures.len() > MAX_SIGNATURES {
        return Err(DsseError::Malformed(format!(
            "{} signatures; at most {MAX_SIGNATURES} are read",
            envelope.signatures.len()
        )));
    }
    let payload = envelope.payload_bytes()?;
    let keyid = key.keyid();
    let mine: Vec<&Signature> = envelope
        .signatures
        .iter()
        .filter(|s| s.keyid == keyid)
        .collect();
    if mine.is_empty() {
        return Err(DsseError::UnknownKey {
            expected: keyid,
            found: envelope
                .signatures
                .iter()
                .map(|s| s.keyid.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    let pae = sigstore_types::dsse::pae(payload_type, &payload);
    let verified = mine.iter().any(|s| {
        B64.decode(&s.sig)
            .map(|sig| key.verify(&pae, &sig))
            .unwrap_or(false)
    });
    if !verified {
        return Err(DsseError::BadSignature { keyid });
    }
    Ok(payload)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_what_it_signs_and_nothing_else() {
        let k = SigningKey::generate().unwrap();
        let e = sign("application/x-test", b"hello", &k);
        assert_eq!(
            open(&e, "application/x-test", &k.public_key()).unwrap(),
            b"hello"
        );
        assert!(matches!(
            open(&e, "application/x-other", &k.public_key()),
            Err(DsseError::PayloadType { .. })
        ));
        let other = SigningKey::generate().unwrap();
        assert!(matches!(
            open(&e, "application/x-test", &other.public_key()),
            Err(DsseError::UnknownKey { .. })
        ));
        let mut tampered = e.clone();
        tampered.payload = B64.encode(b"hellO");
        assert!(matches!(
            open(&tampered, "application/x-test", &k.public_key()),
            Err(DsseError::BadSignature { .. })
        ));
    }

    #[test]
    fn rejects_unknown_envelope_fields() {
        let k = SigningKey::generate().unwrap();
        let mut v = serde_json::to_value(sign("t", b"x", &k)).unwrap();
        v["extra"] = serde_json::json!(1);
        assert!(matches!(
            Envelope::from_bytes(&serde_json::to_vec(&v).unwrap()),
            Err(DsseError::Malformed(_))
        ));
    }
}
