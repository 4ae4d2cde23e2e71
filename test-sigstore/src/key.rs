//! Key-based signing: a long-lived key pair, as `cosign sign --key` uses,
//! whose PEM public key a `--key` policy pins. ECDSA P-256 unless another
//! [`SigningAlgorithm`] is asked for.

use crate::algorithm::{AnyKeyPair, PssSalt, SigningAlgorithm};
use sigstore_types::DerPublicKey;

/// A signing key and its public key.
#[derive(Debug)]
pub struct TestKey {
    pub(crate) key: AnyKeyPair,
    public_key: DerPublicKey,
}

impl TestKey {
    /// A fresh ECDSA P-256 key pair.
    pub fn generate() -> Self {
        Self::generate_with(SigningAlgorithm::EcdsaP256Sha256)
    }

    /// A fresh key pair of `algorithm`.
    pub fn generate_with(algorithm: SigningAlgorithm) -> Self {
        let key = AnyKeyPair::generate(algorithm);
        let public_key = DerPublicKey::new(key.public_key_der());
        Self { key, public_key }
    }

    /// The same key, signing RSA-PSS with `salt` ([`PssSalt::Max`] unless
    /// changed); no effect on other algorithms.
    pub fn with_pss_salt(mut self, salt: PssSalt) -> Self {
        self.key.set_pss_salt(salt);
        self
    }

    /// The key's algorithm.
    pub fn algorithm(&self) -> SigningAlgorithm {
        self.key.algorithm()
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
