//! Key-based signing: a long-lived ECDSA P-256 key pair, as `cosign sign
//! --key` uses, whose PEM public key a `--key` policy pins.

use sigstore_crypto::KeyPair;
use sigstore_types::DerPublicKey;

/// An ECDSA P-256 signing key and its public key.
#[derive(Debug)]
pub struct TestKey {
    pub(crate) key: KeyPair,
    public_key: DerPublicKey,
}

impl TestKey {
    /// A fresh key pair.
    pub fn generate() -> Self {
        let key = KeyPair::generate_ecdsa_p256().expect("generate signing key");
        let public_key = key.public_key_der().expect("encode public key");
        Self { key, public_key }
    }

    /// The public key as PEM (`-----BEGIN PUBLIC KEY-----`).
    pub fn public_key_pem(&self) -> String {
        crate::pem::public_key(&self.public_key)
    }

    /// The public key, DER SubjectPublicKeyInfo.
    pub fn public_key_der(&self) -> &DerPublicKey {
        &self.public_key
    }
}
