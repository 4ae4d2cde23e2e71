//! Ed25519 public and private keys: key ids, the base64 and PEM forms they
//! travel in, signing and verifying. One representation of a key, used by
//! DSSE envelopes, signed-note checkpoints and key statements alike.

use super::KeyError;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use std::fmt;

/// An Ed25519 public key.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PublicKey([u8; 32]);

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.keyid())
    }
}

/// DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410), before the 32 key bytes.
const ED25519_SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

impl PublicKey {
    /// From the 32 raw key bytes.
    pub fn from_raw(bytes: [u8; 32]) -> Self {
        PublicKey(bytes)
    }

    /// The 32 raw key bytes.
    pub fn raw(&self) -> &[u8; 32] {
        &self.0
    }

    /// Key id: lowercase hex SHA-256 of the 32 raw key bytes.
    pub fn keyid(&self) -> String {
        hex::encode(sigstore_crypto::sha256(&self.0).as_bytes())
    }

    /// Base64 of the raw key bytes, as carried in key statements.
    pub fn to_base64(&self) -> String {
        B64.encode(self.0)
    }

    /// Parses base64 of 32 raw key bytes.
    pub fn from_base64(s: &str) -> Result<Self, KeyError> {
        let bytes = B64.decode(s).map_err(|e| KeyError::BadKey {
            kind: "public key",
            reason: format!("not base64: {e}"),
        })?;
        let raw: [u8; 32] = bytes.try_into().map_err(|v: Vec<u8>| KeyError::BadKey {
            kind: "public key",
            reason: format!("{} bytes instead of 32", v.len()),
        })?;
        Ok(PublicKey(raw))
    }

    /// PEM `PUBLIC KEY` (SubjectPublicKeyInfo).
    pub fn to_pem(&self) -> String {
        let mut der = ED25519_SPKI_PREFIX.to_vec();
        der.extend_from_slice(&self.0);
        pem_encode("PUBLIC KEY", &der)
    }

    /// Parses a PEM `PUBLIC KEY` holding an Ed25519 key.
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let der = pem_decode(pem, "PUBLIC KEY").map_err(|reason| KeyError::BadKey {
            kind: "public key",
            reason,
        })?;
        let raw = der
            .strip_prefix(&ED25519_SPKI_PREFIX[..])
            .and_then(|k| <[u8; 32]>::try_from(k).ok())
            .ok_or_else(|| KeyError::BadKey {
                kind: "public key",
                reason: "the SubjectPublicKeyInfo is not an Ed25519 key (RFC 8410)".into(),
            })?;
        Ok(PublicKey(raw))
    }

    /// True when `sig` is this key's Ed25519 signature over `msg`.
    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        use aws_lc_rs::signature::{ED25519, UnparsedPublicKey};
        UnparsedPublicKey::new(&ED25519, &self.0)
            .verify(msg, sig)
            .is_ok()
    }
}

/// An Ed25519 private key.
pub struct SigningKey {
    pair: aws_lc_rs::signature::Ed25519KeyPair,
    public: PublicKey,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey({})", self.public.keyid())
    }
}

impl SigningKey {
    /// A fresh random key.
    pub fn generate() -> Result<Self, KeyError> {
        let pair = aws_lc_rs::signature::Ed25519KeyPair::generate()
            .map_err(|_| KeyError::Crypto("Ed25519 key generation failed".into()))?;
        Ok(Self::from_pair(pair))
    }

    /// The key of a 32-byte Ed25519 seed (test vectors, deterministic fixtures).
    pub fn from_seed(seed: &[u8]) -> Result<Self, KeyError> {
        let pair =
            aws_lc_rs::signature::Ed25519KeyPair::from_seed_unchecked(seed).map_err(|e| {
                KeyError::BadKey {
                    kind: "private key",
                    reason: format!("not an Ed25519 seed: {e}"),
                }
            })?;
        Ok(Self::from_pair(pair))
    }

    fn from_pair(pair: aws_lc_rs::signature::Ed25519KeyPair) -> Self {
        use aws_lc_rs::signature::KeyPair;
        let mut raw = [0u8; 32];
        raw.copy_from_slice(pair.public_key().as_ref());
        SigningKey {
            pair,
            public: PublicKey(raw),
        }
    }

    /// The public half.
    pub fn public_key(&self) -> PublicKey {
        self.public
    }

    /// Ed25519 signature over `msg`.
    pub fn sign(&self, msg: &[u8]) -> Vec<u8> {
        self.pair.sign(msg).as_ref().to_vec()
    }

    /// PEM `PRIVATE KEY` (PKCS#8).
    pub fn to_pem(&self) -> Result<String, KeyError> {
        let doc = self
            .pair
            .to_pkcs8()
            .map_err(|_| KeyError::Crypto("cannot encode the key as PKCS#8".into()))?;
        Ok(pem_encode("PRIVATE KEY", doc.as_ref()))
    }

    /// Parses a PEM `PRIVATE KEY` (PKCS#8) holding an Ed25519 key.
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let der = pem_decode(pem, "PRIVATE KEY").map_err(|reason| KeyError::BadKey {
            kind: "private key",
            reason,
        })?;
        let pair = aws_lc_rs::signature::Ed25519KeyPair::from_pkcs8(&der).map_err(|e| {
            KeyError::BadKey {
                kind: "private key",
                reason: format!("not an Ed25519 PKCS#8 key: {e}"),
            }
        })?;
        Ok(Self::from_pair(pair))
    }
}

fn pem_encode(label: &str, der: &[u8]) -> String {
    let b64 = B64.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

fn pem_decode(pem: &str, label: &str) -> Result<Vec<u8>, String> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let text = pem.trim();
    let body = text
        .strip_prefix(begin.as_str())
        .and_then(|rest| rest.strip_suffix(end.as_str()))
        .ok_or_else(|| format!("expected one `{begin}` … `{end}` block"))?;
    let b64: String = body.split_whitespace().collect();
    B64.decode(b64.as_bytes())
        .map_err(|e| format!("the PEM body is not base64: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_key_round_trips_through_pem_and_signs() {
        let k = SigningKey::generate().unwrap();
        let back = SigningKey::from_pem(&k.to_pem().unwrap()).unwrap();
        assert_eq!(back.public_key(), k.public_key());
        let sig = back.sign(b"m");
        assert!(k.public_key().verify(b"m", &sig));
        assert!(!k.public_key().verify(b"n", &sig));
    }

    #[test]
    fn public_key_round_trips_through_spki_pem() {
        let k = SigningKey::generate().unwrap().public_key();
        assert_eq!(PublicKey::from_pem(&k.to_pem()).unwrap(), k);
    }

    #[test]
    fn rejects_a_p256_public_key_pem() {
        let p256 = sigstore_crypto::KeyPair::generate_ecdsa_p256().unwrap();
        let pem = p256.public_key_der().unwrap().to_pem();
        assert!(matches!(
            PublicKey::from_pem(&pem),
            Err(KeyError::BadKey {
                kind: "public key",
                ..
            })
        ));
    }
}
