//! A private Sigstore for tests: a certificate authority, a CT log, a
//! transparency log and a trusted root, all in memory, that produce
//! genuinely signed bundles offline.
//!
//! There is no public Sigstore to call from tests, so this crate plays
//! Fulcio, the CT log and Rekor. Everything it emits verifies with
//! `sigstore-verify` against [`TestSigstore::trusted_root_json`]; each knob
//! on [`Identity`] that makes a signature wrong, and each [`Tamper`], fails
//! one named verification stage (the crate README has the table).
//!
//! ```
//! use test_sigstore::{GitHubWorkflow, Identity, TestSigstore};
//!
//! let mut sigstore = TestSigstore::new();
//! let workflow = GitHubWorkflow::new("acme/weather", ".github/workflows/release.yml", "refs/tags/v1.0.0");
//! let bundle_json = sigstore.sign_blob(b"hello", &Identity::github(&workflow));
//! let trusted_root_json = sigstore.trusted_root_json();
//! # let _ = (bundle_json, trusted_root_json);
//! ```
//!
//! Times are fixed, not read from the clock: certificates are issued at
//! [`TestSigstore::signing_time`] (2026-01-01T00:00:00Z unless changed) and
//! valid for 10 minutes, and the log integrates each entry one second later,
//! so verification runs against the log's integrated time. Keys are fresh
//! for each [`TestSigstore`], so bundles differ between runs while their
//! structure and times do not.
//!
//! Fixture construction never fails on input the types allow; it panics on
//! a malformed digest string (the test wrote it) and on internal encoding
//! errors (a bug here).

mod algorithm;
mod ca;
mod ct;
mod identity;
mod key;
mod legacy;
mod merkle;
mod pem;
mod rekor;
mod statement;
mod tamper;
mod trust_root;
mod tsa;

use std::path::{Path, PathBuf};

use sigstore_bundle::{BundleV03, VerificationMaterialV03};
use sigstore_types::bundle::{MessageDigest, MessageSignature};
use sigstore_types::{
    DerCertificate, DsseEnvelope, DsseSignature, KeyId, KindVersion, PayloadBytes, Sha256Hash,
    SignatureBytes, SignatureContent, TransparencyLogEntry,
};

pub use algorithm::{PssSalt, SigningAlgorithm};
pub use identity::{
    Authority, CertValidity, GITHUB_ACTIONS_ISSUER, GitHubWorkflow, Identity, IssuerEncoding, San,
    Sct, claim,
};
pub use jiff::Timestamp;
pub use key::TestKey;
pub use legacy::{
    BUNDLE_ANNOTATION, CERTIFICATE_ANNOTATION, CHAIN_ANNOTATION, LegacySig, SIGNATURE_ANNOTATION,
    SIMPLE_SIGNING_MEDIA_TYPE, simple_signing_payload,
};
pub use statement::{
    BUNDLE_CONTENT_ANNOTATION, BUNDLE_PREDICATE_TYPE_ANNOTATION, BUNDLE_V03_MEDIA_TYPE,
    COSIGN_SIGN_PREDICATE_TYPE, GITHUB_WORKFLOW_BUILD_TYPE, IN_TOTO_PAYLOAD_TYPE,
    SLSA_PROVENANCE_V1_PREDICATE_TYPE, STATEMENT_V1, SlsaFacts, cosign_sign_statement,
    slsa_provenance_statement,
};
pub use tamper::{Tamper, tamper};
pub use trust_root::{TRUSTED_ROOT_MEDIA_TYPE, TrustWindow, TrustWindows};

/// Default signing time of every fixture.
pub const DEFAULT_SIGNING_TIME: &str = "2026-01-01T00:00:00Z";
/// Lifetime of a leaf certificate, as Fulcio issues them.
const LEAF_LIFETIME_SECONDS: i64 = 600;
/// Delay between certificate issuance and log integration.
const INTEGRATION_DELAY_SECONDS: i64 = 1;

/// Who signs: a keyless [`Identity`] (ephemeral key, certificate) or a
/// long-lived [`TestKey`].
#[derive(Debug, Clone, Copy)]
pub enum Signer<'a> {
    /// Keyless: an ephemeral key certified by the test CA.
    Keyless(&'a Identity),
    /// Key-based: the bundle names the key by hint only.
    Key(&'a TestKey),
}

impl<'a> From<&'a Identity> for Signer<'a> {
    fn from(identity: &'a Identity) -> Self {
        Self::Keyless(identity)
    }
}

impl<'a> From<&'a TestKey> for Signer<'a> {
    fn from(key: &'a TestKey) -> Self {
        Self::Key(key)
    }
}

/// One set of authorities: CA, CT log, transparency log and timestamp
/// authority.
#[derive(Debug)]
struct Authorities {
    ca: ca::CertificateAuthority,
    ct: ct::CtLog,
    log: rekor::TransparencyLog,
    tsa: tsa::TimestampAuthority,
}

impl Authorities {
    fn generate(ca_algorithm: SigningAlgorithm) -> Self {
        Self {
            ca: ca::CertificateAuthority::generate(ca_algorithm),
            ct: ct::CtLog::generate(),
            log: rekor::TransparencyLog::generate(),
            tsa: tsa::TimestampAuthority::generate(SigningAlgorithm::default()),
        }
    }
}

/// The verifier-side material of one signature: a certificate or a key.
enum Material {
    Certificate(DerCertificate),
    PublicKey(sigstore_types::DerPublicKey),
}

impl Material {
    fn pem(&self) -> String {
        match self {
            Self::Certificate(cert) => pem::certificate(cert),
            Self::PublicKey(key) => pem::public_key(key),
        }
    }

    fn bundle_material(&self) -> VerificationMaterialV03 {
        match self {
            Self::Certificate(cert) => VerificationMaterialV03::Certificate(cert.clone()),
            Self::PublicKey(key) => VerificationMaterialV03::PublicKey {
                hint: sigstore_crypto::sha256(key.as_bytes()).to_base64(),
            },
        }
    }
}

/// A signature over some bytes, with what verifies it and the log to use.
struct Signature {
    material: Material,
    signature: SignatureBytes,
    log: Authority,
}

/// The test Sigstore: trusted authorities, look-alike untrusted ones for
/// negative tests, a fixed signing time, and the log's growing tree.
#[derive(Debug)]
pub struct TestSigstore {
    trusted: Authorities,
    untrusted: Authorities,
    signing_time: Timestamp,
    next_serial: u64,
}

impl Default for TestSigstore {
    fn default() -> Self {
        Self::new()
    }
}

impl TestSigstore {
    /// Fresh keys for every authority; signing time [`DEFAULT_SIGNING_TIME`].
    pub fn new() -> Self {
        Self::with_ca_algorithm(SigningAlgorithm::default())
    }

    /// Like [`Self::new`], with root and intermediate CA keys of `algorithm`
    /// that sign certificates with it (ECDSA with the curve's hash, Ed25519,
    /// or RSA PKCS#1 v1.5 with SHA-256).
    ///
    /// # Panics
    /// For an RSA-PSS algorithm: this CA writes no PSS identifiers.
    pub fn with_ca_algorithm(algorithm: SigningAlgorithm) -> Self {
        Self {
            trusted: Authorities::generate(algorithm),
            untrusted: Authorities::generate(algorithm),
            signing_time: ca::timestamp(DEFAULT_SIGNING_TIME),
            next_serial: 1000,
        }
    }

    /// Signing keys of `algorithm` for the trusted and the look-alike
    /// timestamp authorities (ECDSA P-256 unless changed), with roots of
    /// the same algorithm (PKCS#1 v1.5 for a PSS leaf).
    pub fn set_tsa_algorithm(&mut self, algorithm: SigningAlgorithm) {
        self.trusted.tsa = tsa::TimestampAuthority::generate(algorithm);
        self.untrusted.tsa = tsa::TimestampAuthority::generate(algorithm);
    }

    /// Make the trusted timestamp authority write `oid` (dotted) as its
    /// signer's signature algorithm in later tokens instead of its key's
    /// own; `None` restores it. The signature itself is unchanged.
    pub fn set_tsa_signature_algorithm(&mut self, oid: Option<&'static str>) {
        self.trusted.tsa.set_signature_oid(oid);
    }

    /// When certificates are issued (and SCTs timestamped).
    pub fn signing_time(&self) -> Timestamp {
        self.signing_time
    }

    /// Change the signing time of later signatures; a time in the future
    /// makes the log's integrated time fail the "not in the future" check.
    pub fn set_signing_time(&mut self, time: Timestamp) {
        self.signing_time = time;
    }

    /// When the log integrates a signature made now: one second after
    /// [`Self::signing_time`].
    pub fn integrated_time(&self) -> Timestamp {
        self.signing_time + jiff::SignedDuration::from_secs(INTEGRATION_DELAY_SECONDS)
    }

    /// A v0.3 bundle (JSON) with a message signature over `blob` and a
    /// `hashedrekord` 0.0.1 log entry. The message digest and the entry's
    /// hash use the signer's hash (SHA-384 for P-384, SHA-512 for P-521,
    /// SHA-256 otherwise), as Sigstore clients write them.
    pub fn sign_blob<'a>(&mut self, blob: &[u8], signer: impl Into<Signer<'a>>) -> String {
        let signer = signer.into();
        let algorithm = signer_algorithm(signer);
        let signed = self.sign(signer, blob);
        let (digest, rekor_algorithm) = algorithm.digest(blob);
        let body = rekor::hashedrekord_body(
            rekor_algorithm,
            &hex::encode(digest.as_bytes()),
            &signed.signature,
            &signed.material.pem(),
        );
        let entry = self.log(signed.log, KindVersion::HashedRekordV001, body);
        let content = SignatureContent::MessageSignature(
            MessageSignature::new(signed.signature.clone())
                .with_message_digest(MessageDigest::new(algorithm.digest_algorithm(), digest)),
        );
        bundle_json(&signed, content, entry)
    }

    /// Like [`Self::sign_blob`], but the `hashedrekord` 0.0.1 entry says
    /// `rekor_algorithm` and `hash_hex` verbatim and the bundle carries
    /// `message_digest` (or none): genuinely logged near misses of the entry
    /// body, which editing a signed bundle cannot make.
    pub fn sign_blob_logged_as<'a>(
        &mut self,
        blob: &[u8],
        signer: impl Into<Signer<'a>>,
        rekor_algorithm: &str,
        hash_hex: &str,
        message_digest: Option<(sigstore_types::HashAlgorithm, Vec<u8>)>,
    ) -> String {
        let signed = self.sign(signer.into(), blob);
        let body = rekor::hashedrekord_body(
            rekor_algorithm,
            hash_hex,
            &signed.signature,
            &signed.material.pem(),
        );
        let entry = self.log(signed.log, KindVersion::HashedRekordV001, body);
        let mut signature = MessageSignature::new(signed.signature.clone());
        if let Some((algorithm, digest)) = message_digest {
            signature = signature.with_message_digest(MessageDigest::new(
                algorithm,
                sigstore_types::DigestBytes::new(digest),
            ));
        }
        bundle_json(
            &signed,
            SignatureContent::MessageSignature(signature),
            entry,
        )
    }

    /// A v0.3 bundle (JSON) with a message signature over `blob` and a
    /// Rekor v2 `hashedrekord` 0.0.2 entry, written as `logged` says
    /// ([`LoggedAs::default`]: as Sigstore clients write it). The entry has
    /// no integrated time; the bundle carries an RFC 3161 timestamp of its
    /// signature from the authority [`LoggedAs::stamp`] names.
    pub fn sign_blob_v2<'a>(
        &mut self,
        blob: &[u8],
        signer: impl Into<Signer<'a>>,
        logged: &LoggedAs,
    ) -> String {
        let signer = signer.into();
        let algorithm = signer_algorithm(signer);
        let signed = self.sign(signer, blob);
        let entry = self.log_v2(&signed, algorithm, blob, logged);
        let (digest, _) = algorithm.digest(blob);
        let content = SignatureContent::MessageSignature(
            MessageSignature::new(signed.signature.clone())
                .with_message_digest(MessageDigest::new(algorithm.digest_algorithm(), digest)),
        );
        let stamp = self.stamp(&signed, logged.stamp);
        bundle_json_stamped(&signed, content, entry, stamp)
    }

    /// A v0.3 bundle (JSON) with a DSSE envelope over the cosign v3 image
    /// signature statement for `digest`, logged in Rekor v2 as a
    /// `hashedrekord` 0.0.2 entry of the envelope's PAE (as sigstore-go logs
    /// DSSE to Rekor v2), written as `logged` says.
    pub fn sign_image_dsse_v2<'a>(
        &mut self,
        digest: &str,
        signer: impl Into<Signer<'a>>,
        logged: &LoggedAs,
    ) -> String {
        let signer = signer.into();
        let algorithm = signer_algorithm(signer);
        let statement = cosign_sign_statement(digest);
        let pae = sigstore_types::pae(IN_TOTO_PAYLOAD_TYPE, &statement);
        let signed = self.sign(signer, &pae);
        let entry = self.log_v2(&signed, algorithm, &pae, logged);
        let envelope = DsseEnvelope::new(
            IN_TOTO_PAYLOAD_TYPE,
            PayloadBytes::from_bytes(&statement),
            DsseSignature::new(signed.signature.clone(), KeyId::default()),
        );
        let stamp = self.stamp(&signed, logged.stamp);
        bundle_json_stamped(
            &signed,
            SignatureContent::DsseEnvelope(envelope),
            entry,
            stamp,
        )
    }

    /// A v0.3 bundle (JSON) with a DSSE envelope over the cosign v3 image
    /// signature statement for `digest` (`sha256:<hex>`), logged as `dsse`
    /// 0.0.1. Verify it with the artifact digest `digest`.
    pub fn sign_image_dsse<'a>(&mut self, digest: &str, signer: impl Into<Signer<'a>>) -> String {
        self.sign_statement(&cosign_sign_statement(digest), signer)
    }

    /// A v0.3 bundle (JSON) with a DSSE envelope over a SLSA v1 provenance
    /// statement for `digest`, logged as `dsse` 0.0.1.
    pub fn sign_provenance<'a>(
        &mut self,
        digest: &str,
        signer: impl Into<Signer<'a>>,
        facts: &SlsaFacts,
    ) -> String {
        self.sign_statement(&slsa_provenance_statement(digest, facts), signer)
    }

    /// A v0.3 bundle (JSON) with a DSSE envelope (payload type in-toto)
    /// over `statement`, whatever it says, logged as `dsse` 0.0.1.
    pub fn sign_statement<'a>(
        &mut self,
        statement: &[u8],
        signer: impl Into<Signer<'a>>,
    ) -> String {
        let pae = sigstore_types::pae(IN_TOTO_PAYLOAD_TYPE, statement);
        let signed = self.sign(signer.into(), &pae);
        let envelope = DsseEnvelope::new(
            IN_TOTO_PAYLOAD_TYPE,
            PayloadBytes::from_bytes(statement),
            DsseSignature::new(signed.signature.clone(), KeyId::default()),
        );
        let envelope_json = serde_json::to_string(&envelope).expect("serialize envelope");
        let body = rekor::dsse_body(
            &envelope_json,
            statement,
            &signed.signature,
            &signed.material.pem(),
        );
        let entry = self.log(signed.log, KindVersion::DsseV001, body);
        bundle_json(&signed, SignatureContent::DsseEnvelope(envelope), entry)
    }

    /// The material of a legacy cosign `.sig` layer for `image_ref` at
    /// `digest`: simple-signing payload, signature, certificate and chain,
    /// and the Rekor bundle of its `hashedrekord` entry.
    pub fn legacy_cosign_sig<'a>(
        &mut self,
        image_ref: &str,
        digest: &str,
        signer: impl Into<Signer<'a>>,
    ) -> LegacySig {
        let signer = signer.into();
        let payload = simple_signing_payload(image_ref, digest);
        let signed = self.sign(signer, &payload);
        let entry = self.log_hashedrekord(&signed, &sigstore_crypto::sha256(&payload));
        let (certificate_pem, chain_pem) = match (&signed.material, signer) {
            (Material::Certificate(cert), Signer::Keyless(identity)) => {
                let ca = &self.authorities(identity.ca).ca;
                (
                    Some(pem::certificate(cert)),
                    Some(format!(
                        "{}{}",
                        pem::certificate(ca.intermediate()),
                        pem::certificate(ca.root())
                    )),
                )
            }
            _ => (None, None),
        };
        LegacySig {
            signature: signed.signature.to_base64(),
            payload,
            certificate_pem,
            chain_pem,
            rekor_bundle: legacy::rekor_bundle(&entry),
        }
    }

    /// The trusted root naming the trusted CA, log and CT log, every one
    /// valid from 2025-01-01 on.
    pub fn trusted_root_json(&self) -> String {
        self.trusted_root_json_with(&TrustWindows::default())
    }

    /// The trusted root with the given `validFor` windows.
    pub fn trusted_root_json_with(&self, windows: &TrustWindows) -> String {
        trust_root::trusted_root_json(
            &self.trusted.ca,
            &self.trusted.log,
            &self.trusted.ct,
            &self.trusted.tsa,
            windows,
        )
    }

    /// Write [`Self::trusted_root_json`] to `dir/trusted_root.json`.
    ///
    /// # Panics
    /// If the file cannot be written.
    pub fn write_trusted_root(&self, dir: &Path) -> PathBuf {
        let path = dir.join("trusted_root.json");
        std::fs::write(&path, self.trusted_root_json())
            .unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        path
    }

    /// PEM of the trusted intermediate then root, as in a cosign chain.
    pub fn ca_chain_pem(&self) -> String {
        format!(
            "{}{}",
            pem::certificate(self.trusted.ca.intermediate()),
            pem::certificate(self.trusted.ca.root())
        )
    }

    /// Hex log ID of the trusted transparency log.
    pub fn log_id_hex(&self) -> String {
        hex::encode(self.trusted.log.log_id())
    }

    fn authorities(&self, authority: Authority) -> &Authorities {
        match authority {
            Authority::Trusted => &self.trusted,
            Authority::Untrusted => &self.untrusted,
        }
    }

    /// Sign `data` as `signer`: for an identity, with an ephemeral key and a
    /// freshly issued certificate; for a key, with the key.
    fn sign(&mut self, signer: Signer<'_>, data: &[u8]) -> Signature {
        match signer {
            Signer::Key(key) => Signature {
                material: Material::PublicKey(key.public_key_der().clone()),
                signature: SignatureBytes::new(key.key.sign(data)),
                log: Authority::Trusted,
            },
            Signer::Keyless(identity) => {
                let ephemeral = algorithm::AnyKeyPair::generate(identity.algorithm);
                let certificate = self.issue_certificate(identity, &ephemeral.public_key_der());
                Signature {
                    material: Material::Certificate(certificate),
                    signature: SignatureBytes::new(ephemeral.sign(data)),
                    log: identity.log,
                }
            }
        }
    }

    fn issue_certificate(&mut self, identity: &Identity, public_key_der: &[u8]) -> DerCertificate {
        let lifetime = jiff::SignedDuration::from_secs(LEAF_LIFETIME_SECONDS);
        let issued = self.signing_time;
        let not_before = match identity.validity {
            CertValidity::Valid => issued,
            CertValidity::Expired => issued - lifetime - lifetime,
            CertValidity::NotYetValid => issued + lifetime,
        };
        let not_after = not_before + lifetime;
        self.next_serial += 1;
        let request = ca::LeafRequest {
            public_key_der,
            san: &identity.san,
            issuer: &identity.issuer,
            issuer_encoding: identity.issuer_encoding,
            claims: &identity.claims,
            code_signing: identity.code_signing,
            not_before,
            not_after,
            serial: self.next_serial,
        };
        let sct = match identity.sct {
            Sct::Embedded => ca::SctPlan::Valid(&self.trusted.ct),
            Sct::Missing => ca::SctPlan::None,
            Sct::UnknownLog => ca::SctPlan::Valid(&self.untrusted.ct),
            Sct::BadSignature => ca::SctPlan::OverOtherPrecert(&self.trusted.ct),
        };
        self.authorities(identity.ca).ca.issue(&request, sct)
    }

    fn log_hashedrekord(
        &mut self,
        signed: &Signature,
        digest: &Sha256Hash,
    ) -> TransparencyLogEntry {
        let body = rekor::hashedrekord_body(
            "sha256",
            &digest.to_hex(),
            &signed.signature,
            &signed.material.pem(),
        );
        self.log(signed.log, KindVersion::HashedRekordV001, body)
    }

    /// An RFC 3161 token over `signed`'s signature at the integrated time,
    /// from the authority `stamp` names.
    fn stamp(&mut self, signed: &Signature, stamp: Stamp) -> Option<Vec<u8>> {
        let time = self.integrated_time();
        self.next_serial += 1;
        let serial = self.next_serial;
        let tsa = match stamp {
            Stamp::Trusted => &self.trusted.tsa,
            Stamp::Untrusted => &self.untrusted.tsa,
            Stamp::None => return None,
        };
        Some(tsa.timestamp(signed.signature.as_bytes(), time, serial))
    }

    /// Log `signed` (over `signed_data`) as a `hashedrekord` 0.0.2 entry.
    fn log_v2(
        &mut self,
        signed: &Signature,
        algorithm: SigningAlgorithm,
        signed_data: &[u8],
        logged: &LoggedAs,
    ) -> TransparencyLogEntry {
        let digest = logged
            .digest
            .clone()
            .unwrap_or_else(|| algorithm.v2_digest(signed_data));
        let verifier = match &signed.material {
            Material::Certificate(cert) => rekor::V2Verifier::Certificate(cert.as_bytes()),
            Material::PublicKey(key) => rekor::V2Verifier::PublicKey(key.as_bytes()),
        };
        let hash_name = algorithm.rekor_v2_hash().to_string();
        let body = rekor::hashedrekord_v002_body(
            logged.algorithm.unwrap_or(&hash_name),
            &digest,
            &signed.signature,
            verifier,
            logged
                .key_details
                .unwrap_or_else(|| algorithm.rekor_v2_key_details()),
        );
        match signed.log {
            Authority::Trusted => self.trusted.log.append_v2(body),
            Authority::Untrusted => self.untrusted.log.append_v2(body),
        }
    }

    fn log(&mut self, log: Authority, kind: KindVersion, body: Vec<u8>) -> TransparencyLogEntry {
        let integrated_time = self.integrated_time();
        let authorities = match log {
            Authority::Trusted => &mut self.trusted,
            Authority::Untrusted => &mut self.untrusted,
        };
        authorities.log.append(kind, body, integrated_time)
    }
}

/// How a Rekor v2 entry is written: each field left `None` is as Sigstore
/// clients write it (the key's `keyDetails`, its hash, the digest of what
/// was signed); one set makes a genuinely logged near miss.
#[derive(Debug, Clone, Default)]
pub struct LoggedAs {
    /// `data.algorithm`, e.g. `SHA2_384`.
    pub algorithm: Option<&'static str>,
    /// `data.digest`'s bytes.
    pub digest: Option<Vec<u8>>,
    /// `signature.verifier.keyDetails`.
    pub key_details: Option<&'static str>,
    /// Which timestamp authority stamps the bundle's signature.
    pub stamp: Stamp,
}

/// Which timestamp authority stamps a Rekor v2 bundle (a v2 entry has no
/// integrated time, so a keyless signature is dated by the stamp alone).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Stamp {
    /// The trusted root's authority, at [`TestSigstore::integrated_time`].
    #[default]
    Trusted,
    /// A look-alike authority the trusted root does not name.
    Untrusted,
    /// No RFC 3161 timestamp.
    None,
}

fn signer_algorithm(signer: Signer<'_>) -> SigningAlgorithm {
    match signer {
        Signer::Keyless(identity) => identity.algorithm,
        Signer::Key(key) => key.algorithm(),
    }
}

fn bundle_json(
    signed: &Signature,
    content: SignatureContent,
    entry: TransparencyLogEntry,
) -> String {
    bundle_json_stamped(signed, content, entry, None)
}

fn bundle_json_stamped(
    signed: &Signature,
    content: SignatureContent,
    entry: TransparencyLogEntry,
    stamp: Option<Vec<u8>>,
) -> String {
    let mut bundle =
        BundleV03::new(signed.material.bundle_material(), content).with_tlog_entry(entry);
    if let Some(token) = stamp {
        bundle = bundle.with_rfc3161_timestamp(sigstore_types::TimestampToken::new(token));
    }
    bundle.into_bundle().to_json().expect("serialize bundle")
}
