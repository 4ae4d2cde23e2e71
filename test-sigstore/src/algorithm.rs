//! The signing algorithms of Sigstore's algorithm registry
//! (`protobuf-specs` `PublicKeyDetails`), for the leaf key of a keyless
//! signature ([`crate::Identity::with_algorithm`]) or a managed key
//! ([`crate::TestKey::generate_with`]). Keys are made and used with
//! `aws-lc-rs` directly: `sigstore-crypto` generates P-256 keys only.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    self, EcdsaKeyPair, EcdsaSigningAlgorithm, Ed25519KeyPair, KeyPair as _, RsaKeyPair,
    RsaPssSaltLength,
};
use sigstore_types::{DigestBytes, HashAlgorithm};

/// A key type and the hash it signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SigningAlgorithm {
    /// ECDSA on P-256 with SHA-256 (cosign's and Fulcio's default).
    #[default]
    EcdsaP256Sha256,
    /// ECDSA on P-384 with SHA-384.
    EcdsaP384Sha384,
    /// ECDSA on P-521 with SHA-512.
    EcdsaP521Sha512,
    /// Ed25519 (the message itself is signed, no prehash).
    Ed25519,
    /// RSA 2048 PKCS#1 v1.5 with SHA-256.
    Rsa2048Pkcs1Sha256,
    /// RSA 3072 PKCS#1 v1.5 with SHA-256.
    Rsa3072Pkcs1Sha256,
    /// RSA 4096 PKCS#1 v1.5 with SHA-256.
    Rsa4096Pkcs1Sha256,
    /// RSA 2048 PSS with SHA-256 (salt: [`PssSalt::Max`] unless changed).
    Rsa2048PssSha256,
    /// RSA 3072 PSS with SHA-256.
    Rsa3072PssSha256,
    /// RSA 4096 PSS with SHA-256.
    Rsa4096PssSha256,
}

/// The salt length of an RSA-PSS signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PssSalt {
    /// As long as the key allows: Go's `crypto/rsa` default, which
    /// sigstore-go and cosign sign with.
    #[default]
    Max,
    /// As long as the digest (32 bytes): OpenSSL's and FIPS's choice.
    Digest,
    /// No salt: a valid PSS signature no Sigstore client makes.
    Zero,
}

static RSA_PSS_SHA256_MAX_SALT: signature::RsaSignatureEncoding =
    signature::RSA_PSS_SHA256.with_pss_salt_length(RsaPssSaltLength::Max);
static RSA_PSS_SHA256_NO_SALT: signature::RsaSignatureEncoding =
    signature::RSA_PSS_SHA256.with_pss_salt_length(RsaPssSaltLength::Custom(0));

impl SigningAlgorithm {
    /// Every algorithm, in registry order.
    pub const ALL: [SigningAlgorithm; 10] = [
        SigningAlgorithm::EcdsaP256Sha256,
        SigningAlgorithm::EcdsaP384Sha384,
        SigningAlgorithm::EcdsaP521Sha512,
        SigningAlgorithm::Ed25519,
        SigningAlgorithm::Rsa2048Pkcs1Sha256,
        SigningAlgorithm::Rsa3072Pkcs1Sha256,
        SigningAlgorithm::Rsa4096Pkcs1Sha256,
        SigningAlgorithm::Rsa2048PssSha256,
        SigningAlgorithm::Rsa3072PssSha256,
        SigningAlgorithm::Rsa4096PssSha256,
    ];

    /// The registry's name (`PublicKeyDetails`).
    pub fn name(self) -> &'static str {
        match self {
            SigningAlgorithm::EcdsaP256Sha256 => "PKIX_ECDSA_P256_SHA_256",
            SigningAlgorithm::EcdsaP384Sha384 => "PKIX_ECDSA_P384_SHA_384",
            SigningAlgorithm::EcdsaP521Sha512 => "PKIX_ECDSA_P521_SHA_512",
            SigningAlgorithm::Ed25519 => "PKIX_ED25519",
            SigningAlgorithm::Rsa2048Pkcs1Sha256 => "PKIX_RSA_PKCS1V15_2048_SHA256",
            SigningAlgorithm::Rsa3072Pkcs1Sha256 => "PKIX_RSA_PKCS1V15_3072_SHA256",
            SigningAlgorithm::Rsa4096Pkcs1Sha256 => "PKIX_RSA_PKCS1V15_4096_SHA256",
            SigningAlgorithm::Rsa2048PssSha256 => "PKIX_RSA_PSS_2048_SHA256",
            SigningAlgorithm::Rsa3072PssSha256 => "PKIX_RSA_PSS_3072_SHA256",
            SigningAlgorithm::Rsa4096PssSha256 => "PKIX_RSA_PSS_4096_SHA256",
        }
    }

    /// The hash of a message signature's `messageDigest` and of its
    /// `hashedrekord` entry: the one the key signs with (SHA-256 for Ed25519,
    /// which signs the message itself).
    pub fn digest_algorithm(self) -> HashAlgorithm {
        match self {
            SigningAlgorithm::EcdsaP384Sha384 => HashAlgorithm::Sha2384,
            SigningAlgorithm::EcdsaP521Sha512 => HashAlgorithm::Sha2512,
            _ => HashAlgorithm::Sha2256,
        }
    }

    /// The `keyDetails` a Rekor v2 entry names for this key, as Sigstore
    /// clients write them: the registry name, except `PKIX_ED25519_PH` for
    /// Ed25519, since a v2 entry logs a digest.
    pub fn rekor_v2_key_details(self) -> &'static str {
        match self {
            SigningAlgorithm::Ed25519 => "PKIX_ED25519_PH",
            other => other.name(),
        }
    }

    /// The hash of a Rekor v2 entry's digest for this key (its `data.algorithm`
    /// is this hash's name, `SHA2_256`…): the one it signs with, and SHA-512
    /// for Ed25519, logged as Ed25519ph.
    pub fn rekor_v2_hash(self) -> HashAlgorithm {
        match self {
            SigningAlgorithm::Ed25519 => HashAlgorithm::Sha2512,
            other => other.digest_algorithm(),
        }
    }

    /// `data`'s digest as a Rekor v2 entry logs it for this key.
    pub fn v2_digest(self, data: &[u8]) -> Vec<u8> {
        let mut hasher =
            sigstore_crypto::ArtifactHasher::new(self.rekor_v2_hash()).expect("a SHA-2 hasher");
        hasher.update(data);
        hasher.finalize().as_bytes().to_vec()
    }

    /// `data`'s digest under [`Self::digest_algorithm`], and the algorithm's
    /// name as Rekor writes it (`sha256`, `sha384`, `sha512`).
    pub fn digest(self, data: &[u8]) -> (DigestBytes, &'static str) {
        match self.digest_algorithm() {
            HashAlgorithm::Sha2384 => (sigstore_crypto::sha384(data).into(), "sha384"),
            HashAlgorithm::Sha2512 => (sigstore_crypto::sha512(data).into(), "sha512"),
            _ => (sigstore_crypto::sha256(data).into(), "sha256"),
        }
    }
}

/// A key pair of any [`SigningAlgorithm`].
pub(crate) struct AnyKeyPair {
    algorithm: SigningAlgorithm,
    key: Key,
    pss_salt: PssSalt,
}

enum Key {
    Ecdsa(EcdsaKeyPair),
    Ed25519(Ed25519KeyPair),
    Rsa(RsaKeyPair),
}

impl std::fmt::Debug for AnyKeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnyKeyPair")
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

fn ecdsa(algorithm: &'static EcdsaSigningAlgorithm) -> Key {
    Key::Ecdsa(EcdsaKeyPair::generate(algorithm).expect("generate ECDSA key"))
}

impl AnyKeyPair {
    /// A fresh key pair.
    pub(crate) fn generate(algorithm: SigningAlgorithm) -> Self {
        let rsa = |size| Key::Rsa(RsaKeyPair::generate(size).expect("generate RSA key"));
        let key = match algorithm {
            SigningAlgorithm::EcdsaP256Sha256 => ecdsa(&signature::ECDSA_P256_SHA256_ASN1_SIGNING),
            SigningAlgorithm::EcdsaP384Sha384 => ecdsa(&signature::ECDSA_P384_SHA384_ASN1_SIGNING),
            SigningAlgorithm::EcdsaP521Sha512 => ecdsa(&signature::ECDSA_P521_SHA512_ASN1_SIGNING),
            SigningAlgorithm::Ed25519 => {
                Key::Ed25519(Ed25519KeyPair::generate().expect("generate Ed25519 key"))
            }
            SigningAlgorithm::Rsa2048Pkcs1Sha256 | SigningAlgorithm::Rsa2048PssSha256 => {
                rsa(KeySize::Rsa2048)
            }
            SigningAlgorithm::Rsa3072Pkcs1Sha256 | SigningAlgorithm::Rsa3072PssSha256 => {
                rsa(KeySize::Rsa3072)
            }
            SigningAlgorithm::Rsa4096Pkcs1Sha256 | SigningAlgorithm::Rsa4096PssSha256 => {
                rsa(KeySize::Rsa4096)
            }
        };
        Self {
            algorithm,
            key,
            pss_salt: PssSalt::default(),
        }
    }

    /// Sign with this salt length from now on (PSS algorithms only).
    pub(crate) fn set_pss_salt(&mut self, salt: PssSalt) {
        self.pss_salt = salt;
    }

    /// The algorithm.
    pub(crate) fn algorithm(&self) -> SigningAlgorithm {
        self.algorithm
    }

    /// The public key, DER SubjectPublicKeyInfo.
    pub(crate) fn public_key_der(&self) -> Vec<u8> {
        let der = match &self.key {
            Key::Ecdsa(k) => k.public_key().as_der().map(|d| d.as_ref().to_vec()),
            Key::Ed25519(k) => k.public_key().as_der().map(|d| d.as_ref().to_vec()),
            Key::Rsa(k) => k.public_key().as_der().map(|d| d.as_ref().to_vec()),
        };
        der.expect("encode public key")
    }

    /// A signature over `data` (hashed with the algorithm's hash, or whole
    /// for Ed25519), in the encoding Sigstore uses (ASN.1 DER for ECDSA).
    pub(crate) fn sign(&self, data: &[u8]) -> Vec<u8> {
        let rng = SystemRandom::new();
        match &self.key {
            Key::Ecdsa(k) => k.sign(&rng, data).expect("ECDSA sign").as_ref().to_vec(),
            Key::Ed25519(k) => k.sign(data).as_ref().to_vec(),
            Key::Rsa(k) => {
                let encoding: &'static dyn signature::RsaEncoding =
                    match (self.algorithm, self.pss_salt) {
                        (
                            SigningAlgorithm::Rsa2048Pkcs1Sha256
                            | SigningAlgorithm::Rsa3072Pkcs1Sha256
                            | SigningAlgorithm::Rsa4096Pkcs1Sha256,
                            _,
                        ) => &signature::RSA_PKCS1_SHA256,
                        (_, PssSalt::Max) => &RSA_PSS_SHA256_MAX_SALT,
                        (_, PssSalt::Digest) => &signature::RSA_PSS_SHA256,
                        (_, PssSalt::Zero) => &RSA_PSS_SHA256_NO_SALT,
                    };
                let mut out = vec![0; k.public_modulus_len()];
                k.sign(encoding, &rng, data, &mut out).expect("RSA sign");
                out
            }
        }
    }
}
