//! Checks that `sigstore-verify` does not make, run after it accepted a
//! bundle. The rule: every field of a bundle is either verified or must agree
//! with what was verified. Each check below closes a gap found by corrupting
//! real bundles field by field (see `tests/corruption.rs` and
//! `scripts/differential-sigstore-python`):
//!
//! * exactly one transparency-log entry, so what we report is what we checked;
//! * an inclusion proof's stated tree size, root hash and (Rekor v2) leaf index
//!   equal the signed checkpoint's and the entry's: the crate ignores the v2
//!   copies and never compares tree sizes, so a flipped low bit of a tree size
//!   that leaves the audit path's shape unchanged passed;
//! * the checkpoint is signed by the log the entry names (`logId`), under that
//!   log's name, not merely by some trusted log whose 4-byte hint matches;
//! * an `integratedTime` no inclusion promise signs is refused, not ignored;
//! * the canonicalized body is exactly the entry the bundle implies: its
//!   `kind`/`apiVersion` equal the bundle's `kindVersion`, no unknown fields,
//!   hash algorithms as expected, and (Rekor v2) the key details match the
//!   signing key;
//! * at most [`MAX_TIMESTAMPS`] RFC 3161 timestamps, none repeated, and every
//!   certificate a timestamp token embeds is one of the trusted timestamp
//!   authorities' own: the crate (rightly) never uses embedded certificates,
//!   so a corrupted one was carried along unchecked, where sigstore-python
//!   refuses it.

use super::error::VerifyError;
use super::trust_root::TrustRoot;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::Deserialize;
use sigstore_crypto::{KeyAlgorithm, SigningScheme};
use sigstore_types::{
    Bundle, DerPublicKey, HashAlgorithm, KindVersion, Sha256Hash, SignatureBytes, SignatureContent,
    TransparencyLogEntry,
};

/// Most RFC 3161 timestamps a bundle may carry (as sigstore-python).
pub const MAX_TIMESTAMPS: usize = 32;

/// The key that signed, as the log entry must name it.
pub(crate) enum SigningKey<'a> {
    /// A Fulcio certificate (DER).
    Certificate(&'a [u8]),
    /// A managed public key (DER SubjectPublicKeyInfo).
    PublicKey(&'a [u8]),
}

/// Checks among the bundle's own fields, run before any cryptography so that
/// a contradiction is reported as such whatever else is wrong.
pub(crate) fn check_structure(bundle: &Bundle) -> Result<(), VerifyError> {
    check_timestamps(bundle)?;
    let entry = single_entry(bundle)?;
    check_integrated_time(entry)?;
    check_proof_fields(entry)
}

/// Checks of the bundle against what `sigstore-verify` verified, run after
/// it accepted: `artifact_sha256` is the digest the signature binds, and
/// `artifact_bytes` the artifact itself when the caller has it (an entry
/// hashed with SHA-384 or SHA-512 can only be checked against the bytes).
pub(crate) fn check_verified(
    bundle: &Bundle,
    artifact_sha256: &Sha256Hash,
    artifact_bytes: Option<&[u8]>,
    key: &SigningKey<'_>,
    public_key: &DerPublicKey,
    trust_root: &TrustRoot,
) -> Result<(), VerifyError> {
    let entry = single_entry(bundle)?;
    check_timestamp_certificates(bundle, trust_root)?;
    check_checkpoint_signer(entry, trust_root)?;
    check_body(
        bundle,
        entry,
        artifact_sha256,
        artifact_bytes,
        key,
        public_key,
    )
}

/// The bundle's only log entry.
pub(crate) fn single_entry(bundle: &Bundle) -> Result<&TransparencyLogEntry, VerifyError> {
    match bundle.verification_material.tlog_entries.as_slice() {
        [entry] => Ok(entry),
        entries => Err(VerifyError::Consistency(format!(
            "a bundle must carry exactly one transparency-log entry; this one has {}",
            entries.len()
        ))),
    }
}

fn check_timestamps(bundle: &Bundle) -> Result<(), VerifyError> {
    let stamps = &bundle
        .verification_material
        .timestamp_verification_data
        .rfc3161_timestamps;
    if stamps.len() > MAX_TIMESTAMPS {
        return Err(VerifyError::Timestamp(format!(
            "{} RFC 3161 timestamps; at most {MAX_TIMESTAMPS} are accepted",
            stamps.len()
        )));
    }
    for (i, a) in stamps.iter().enumerate() {
        if stamps[..i].contains(a) {
            return Err(VerifyError::Timestamp(format!(
                "RFC 3161 timestamp {i} repeats an earlier one"
            )));
        }
    }
    Ok(())
}

fn check_timestamp_certificates(
    bundle: &Bundle,
    trust_root: &TrustRoot,
) -> Result<(), VerifyError> {
    let stamps = &bundle
        .verification_material
        .timestamp_verification_data
        .rfc3161_timestamps;
    for (i, stamp) in stamps.iter().enumerate() {
        for cert in embedded_certificates(stamp.signed_timestamp.as_bytes())
            .map_err(|e| VerifyError::Timestamp(format!("RFC 3161 timestamp {i}: {e}")))?
        {
            let trusted = trust_root.root.timestamp_authorities.iter().any(|tsa| {
                tsa.cert_chain
                    .certificates
                    .iter()
                    .any(|c| c.raw_bytes.as_bytes() == cert.as_slice())
            });
            if !trusted {
                return Err(VerifyError::Timestamp(format!(
                    "RFC 3161 timestamp {i} embeds a certificate that is not one of the \
                     trusted timestamp authorities' certificates"
                )));
            }
        }
    }
    Ok(())
}

/// The DER certificates a timestamp token (a `TimeStampResp` or a bare
/// `TimeStampToken`) carries in its SignedData.
fn embedded_certificates(token: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    use cms::cert::CertificateChoices;
    use cms::content_info::ContentInfo;
    use cms::signed_data::SignedData;
    use der::{Decode, Encode};

    let content_info = match ContentInfo::from_der(token) {
        Ok(ci) => ci,
        Err(_) => {
            // TimeStampResp ::= SEQUENCE { status PKIStatusInfo, timeStampToken ContentInfo OPTIONAL }
            let resp: Vec<der::Any> =
                Vec::from_der(token).map_err(|e| format!("not a timestamp response: {e}"))?;
            let token = resp
                .get(1)
                .ok_or("the timestamp response holds no token")?
                .to_der()
                .map_err(|e| e.to_string())?;
            ContentInfo::from_der(&token).map_err(|e| format!("not a timestamp token: {e}"))?
        }
    };
    let signed_data = content_info
        .content
        .decode_as::<SignedData>()
        .map_err(|e| format!("not CMS SignedData: {e}"))?;
    let Some(set) = signed_data.certificates else {
        return Ok(Vec::new());
    };
    set.0
        .iter()
        .map(|choice| match choice {
            CertificateChoices::Certificate(cert) => cert.to_der().map_err(|e| e.to_string()),
            CertificateChoices::Other(_) => Err("it embeds a non-X.509 certificate".to_owned()),
        })
        .collect()
}

fn check_integrated_time(entry: &TransparencyLogEntry) -> Result<(), VerifyError> {
    if entry.integrated_time.is_some() && entry.inclusion_promise.is_none() {
        return Err(VerifyError::Consistency(
            "the log entry states an integratedTime that no inclusion promise signs".into(),
        ));
    }
    Ok(())
}

fn check_proof_fields(entry: &TransparencyLogEntry) -> Result<(), VerifyError> {
    let Some(proof) = &entry.inclusion_proof else {
        return Ok(());
    };
    let Some(checkpoint) = proof.checkpoint.checkpoint() else {
        return Err(VerifyError::Checkpoint(
            "the inclusion proof carries no checkpoint".into(),
        ));
    };
    if proof.tree_size != checkpoint.tree_size() {
        return Err(VerifyError::Checkpoint(format!(
            "the inclusion proof states tree size {} but the checkpoint has {}",
            proof.tree_size,
            checkpoint.tree_size()
        )));
    }
    if proof.root_hash != *checkpoint.root_hash() {
        return Err(VerifyError::Checkpoint(format!(
            "the inclusion proof states root hash {} but the checkpoint has {}",
            proof.root_hash.to_hex(),
            checkpoint.root_hash().to_hex()
        )));
    }
    if entry.kind_version == KindVersion::HashedRekordV002
        && proof.log_index.get() != entry.log_index.get()
    {
        return Err(VerifyError::TransparencyLog(format!(
            "the inclusion proof states leaf index {} but the entry has log index {}",
            proof.log_index.get(),
            entry.log_index.get()
        )));
    }
    Ok(())
}

fn check_checkpoint_signer(
    entry: &TransparencyLogEntry,
    trust_root: &TrustRoot,
) -> Result<(), VerifyError> {
    let Some(checkpoint) = entry
        .inclusion_proof
        .as_ref()
        .and_then(|p| p.checkpoint.checkpoint())
    else {
        return Ok(());
    };
    // The checkpoint must be signed by the log the entry names, under its name.
    let log_id = Sha256Hash::try_from(entry.log_id.key_id.as_bytes()).map_err(|e| {
        VerifyError::TransparencyLog(format!("the entry's log id is not a SHA-256 key id: {e}"))
    })?;
    let log = trust_root
        .root
        .tlogs
        .iter()
        .find(|t| t.log_id.key_id.as_bytes() == log_id.as_bytes())
        .ok_or_else(|| {
            VerifyError::TransparencyLog(format!(
                "the entry names log {}, which the trusted root does not list",
                entry.log_id.key_id
            ))
        })?;
    let key = trust_root.rekor_keys.key(&log_id).ok_or_else(|| {
        VerifyError::TransparencyLog(format!(
            "the trusted root has no usable key for log {}",
            entry.log_id.key_id
        ))
    })?;
    let name = log_name(&log.base_url);
    let signed = checkpoint.signatures().iter().any(|sig| {
        sig.key_id.as_bytes()[..] == log_id.as_bytes()[..4]
            && sig.name == name
            && key.verify(checkpoint.signed_data(), &sig.signature).is_ok()
    });
    if !signed {
        return Err(VerifyError::Checkpoint(format!(
            "the checkpoint carries no valid signature by the log the entry names ({name}, {})",
            entry.log_id.key_id
        )));
    }
    Ok(())
}

/// The name a log signs its checkpoints with: its base URL's host and port.
fn log_name(base_url: &str) -> &str {
    let rest = base_url
        .split_once("://")
        .map_or(base_url, |(_, rest)| rest);
    rest.split('/').next().unwrap_or(rest)
}

// ---- canonicalized bodies, parsed strictly -------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Body<S> {
    api_version: String,
    kind: String,
    spec: S,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HexHash {
    algorithm: String,
    value: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HashedRekordV001 {
    data: HashedRekordV001Data,
    signature: HashedRekordV001Signature,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HashedRekordV001Data {
    hash: HexHash,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct HashedRekordV001Signature {
    content: String,
    public_key: PemContent,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PemContent {
    content: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct DsseV001 {
    envelope_hash: HexHash,
    payload_hash: HexHash,
    signatures: Vec<DsseV001Signature>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DsseV001Signature {
    signature: String,
    verifier: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct HashedRekordV002Spec {
    hashed_rekord_v002: HashedRekordV002,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HashedRekordV002 {
    data: HashedRekordV002Data,
    signature: HashedRekordV002Signature,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HashedRekordV002Data {
    algorithm: String,
    digest: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HashedRekordV002Signature {
    content: String,
    verifier: V002Verifier,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct V002Verifier {
    #[serde(default)]
    x509_certificate: Option<RawBytes>,
    #[serde(default)]
    public_key: Option<RawBytes>,
    key_details: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawBytes {
    raw_bytes: String,
}

fn mismatch(what: impl Into<String>) -> VerifyError {
    VerifyError::Consistency(format!("log entry body: {}", what.into()))
}

fn parse_body<S: for<'de> Deserialize<'de>>(
    bytes: &[u8],
    kind_version: KindVersion,
) -> Result<S, VerifyError> {
    let body: Body<S> = serde_json::from_slice(bytes).map_err(|e| {
        mismatch(format!(
            "not the expected {}/{} shape: {e}",
            kind_version.kind(),
            kind_version.version()
        ))
    })?;
    if body.kind != kind_version.kind() || body.api_version != kind_version.version() {
        return Err(mismatch(format!(
            "the body is {}/{} but the bundle says {}/{}",
            body.kind,
            body.api_version,
            kind_version.kind(),
            kind_version.version()
        )));
    }
    Ok(body.spec)
}

fn b64(field: &str, value: &str) -> Result<Vec<u8>, VerifyError> {
    B64.decode(value)
        .map_err(|e| mismatch(format!("{field} is not base64: {e}")))
}

fn expect_hex_sha256(field: &str, hash: &HexHash, expected: &[u8]) -> Result<(), VerifyError> {
    if hash.algorithm != "sha256" {
        return Err(mismatch(format!(
            "{field} uses algorithm `{}`, expected `sha256`",
            hash.algorithm
        )));
    }
    expect_hex(field, hash, expected)
}

/// `hash.value` is exactly the lowercase hex of `expected`.
fn expect_hex(field: &str, hash: &HexHash, expected: &[u8]) -> Result<(), VerifyError> {
    if hash.value != hex::encode(expected) {
        return Err(mismatch(format!(
            "{field} is {}, expected {}",
            hash.value,
            hex::encode(expected)
        )));
    }
    Ok(())
}

/// The signing key or certificate named by a base64 PEM in a v0.0.1 body must be ours.
fn expect_pem(field: &str, b64_pem: &str, key: &SigningKey<'_>) -> Result<(), VerifyError> {
    let pem = b64(field, b64_pem)?;
    let pem =
        std::str::from_utf8(&pem).map_err(|_| mismatch(format!("{field} is not PEM text")))?;
    let same = match key {
        SigningKey::Certificate(der) => {
            sigstore_types::DerCertificate::from_pem(pem).is_ok_and(|c| c.as_bytes() == *der)
        }
        SigningKey::PublicKey(der) => {
            sigstore_types::DerPublicKey::from_pem(pem).is_ok_and(|k| k.as_bytes() == *der)
        }
    };
    if same {
        Ok(())
    } else {
        Err(mismatch(format!("{field} is not the bundle's signing key")))
    }
}

fn bundle_signature(bundle: &Bundle) -> &[u8] {
    match &bundle.content {
        SignatureContent::MessageSignature(m) => m.signature.as_bytes(),
        SignatureContent::DsseEnvelope(e) => e.signature.sig.as_bytes(),
        _ => &[],
    }
}

fn check_body(
    bundle: &Bundle,
    entry: &TransparencyLogEntry,
    artifact_sha256: &Sha256Hash,
    artifact_bytes: Option<&[u8]>,
    key: &SigningKey<'_>,
    public_key: &DerPublicKey,
) -> Result<(), VerifyError> {
    let body = entry.canonicalized_body.as_bytes();
    let signature = bundle_signature(bundle);
    match entry.kind_version {
        KindVersion::HashedRekordV001 => {
            let spec: HashedRekordV001 = parse_body(body, entry.kind_version)?;
            // A message signature's entry is hashed as its key signs: SHA-256,
            // or SHA-384 / SHA-512 (P-384, P-521), and then only a check
            // against the artifact's bytes says the entry names them.
            match (
                spec.data.hash.algorithm.as_str(),
                &bundle.content,
                artifact_bytes,
            ) {
                ("sha384", SignatureContent::MessageSignature(_), Some(bytes)) => expect_hex(
                    "spec.data.hash",
                    &spec.data.hash,
                    sigstore_crypto::sha384(bytes).as_bytes(),
                )?,
                ("sha512", SignatureContent::MessageSignature(_), Some(bytes)) => expect_hex(
                    "spec.data.hash",
                    &spec.data.hash,
                    sigstore_crypto::sha512(bytes).as_bytes(),
                )?,
                _ => expect_hex_sha256(
                    "spec.data.hash",
                    &spec.data.hash,
                    artifact_sha256.as_bytes(),
                )?,
            }
            if b64("spec.signature.content", &spec.signature.content)? != signature {
                return Err(mismatch(
                    "spec.signature.content is not the bundle's signature",
                ));
            }
            expect_pem(
                "spec.signature.publicKey.content",
                &spec.signature.public_key.content,
                key,
            )
        }
        KindVersion::DsseV001 => {
            let SignatureContent::DsseEnvelope(envelope) = &bundle.content else {
                return Err(mismatch(
                    "a dsse entry for a bundle without a DSSE envelope",
                ));
            };
            let spec: DsseV001 = parse_body(body, entry.kind_version)?;
            expect_hex_sha256(
                "spec.payloadHash",
                &spec.payload_hash,
                sigstore_crypto::sha256(envelope.payload.as_bytes()).as_bytes(),
            )?;
            // The envelope hash covers the envelope exactly as first submitted,
            // which a bundle does not keep; its form is all that can be checked.
            if spec.envelope_hash.algorithm != "sha256"
                || spec.envelope_hash.value.len() != 64
                || !spec
                    .envelope_hash
                    .value
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            {
                return Err(mismatch("spec.envelopeHash is not a sha256 hex digest"));
            }
            let [sig] = spec.signatures.as_slice() else {
                return Err(mismatch(format!(
                    "{} signatures, expected exactly one",
                    spec.signatures.len()
                )));
            };
            if b64("spec.signatures[0].signature", &sig.signature)? != signature {
                return Err(mismatch(
                    "spec.signatures[0].signature is not the envelope's signature",
                ));
            }
            expect_pem("spec.signatures[0].verifier", &sig.verifier, key)
        }
        KindVersion::HashedRekordV002 => {
            let spec: HashedRekordV002Spec = parse_body(body, entry.kind_version)?;
            let logged = spec.hashed_rekord_v002;
            let verifier = &logged.signature.verifier;
            let algorithm = RekorV2Algorithm::named(&verifier.key_details)?;
            algorithm.describes(public_key)?;
            if logged.data.algorithm != algorithm.hash.to_string() {
                return Err(mismatch(format!(
                    "data.algorithm is `{}`, but {} signs with `{}`",
                    logged.data.algorithm, verifier.key_details, algorithm.hash
                )));
            }
            // The digest the key signed: of the message, which only its
            // bytes give under SHA-384/512, or of the DSSE envelope's PAE.
            let expected_digest: Vec<u8> = match (&bundle.content, algorithm.hash) {
                (SignatureContent::MessageSignature(_), HashAlgorithm::Sha2256) => {
                    artifact_sha256.as_bytes().to_vec()
                }
                (SignatureContent::MessageSignature(_), hash) => match artifact_bytes {
                    Some(bytes) => digest(hash, bytes)?,
                    None => {
                        return Err(mismatch(format!(
                            "data.digest is {hash} and can only be checked against the artifact's bytes"
                        )));
                    }
                },
                (SignatureContent::DsseEnvelope(e), hash) => digest(hash, &e.pae())?,
                _ => return Err(mismatch("unsupported bundle content")),
            };
            if b64("data.digest", &logged.data.digest)? != expected_digest {
                return Err(mismatch("data.digest is not the digest that was signed"));
            }
            if b64("signature.content", &logged.signature.content)? != signature {
                return Err(mismatch("signature.content is not the bundle's signature"));
            }
            let (logged_key, expected): (&Option<RawBytes>, &[u8]) = match key {
                SigningKey::Certificate(der) => (&verifier.x509_certificate, der),
                SigningKey::PublicKey(der) => (&verifier.public_key, der),
            };
            let other = match key {
                SigningKey::Certificate(_) => &verifier.public_key,
                SigningKey::PublicKey(_) => &verifier.x509_certificate,
            };
            match logged_key {
                Some(raw) if other.is_none() => {
                    if b64("signature.verifier", &raw.raw_bytes)? != expected {
                        return Err(mismatch(
                            "signature.verifier is not the bundle's signing key",
                        ));
                    }
                }
                _ => {
                    return Err(mismatch(
                        "signature.verifier does not hold exactly the bundle's kind of key",
                    ));
                }
            }
            // The signature verified under the scheme the crate chose from
            // the key; keyDetails names one scheme exactly (RSA PKCS#1 v1.5
            // or PSS), and the logged digest must verify under it.
            sigstore_crypto::verify_signature_prehashed(
                public_key,
                &expected_digest,
                &SignatureBytes::new(signature.to_vec()),
                algorithm.scheme,
            )
            .map_err(|e| {
                mismatch(format!(
                    "the signature does not verify as {}: {e}",
                    verifier.key_details
                ))
            })
        }
        KindVersion::IntotoV002 => {
            // The crate binds payload hash, payload type, signature and key;
            // the kind and version are what is left to agree.
            parse_body::<serde_json::Value>(body, entry.kind_version).map(|_| ())
        }
        other => Err(mismatch(format!(
            "unsupported entry kind {}/{}",
            other.kind(),
            other.version()
        ))),
    }
}

/// A Rekor v2 `keyDetails` name of Sigstore's algorithm registry: the key,
/// its RSA modulus size, the scheme and the hash of the logged digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct RekorV2Algorithm {
    key: KeyAlgorithm,
    rsa_bits: Option<usize>,
    scheme: SigningScheme,
    hash: HashAlgorithm,
}

impl RekorV2Algorithm {
    /// The algorithm `details` names. A name that is not a signing algorithm
    /// with a digest to log is refused, each with the reason.
    fn named(details: &str) -> Result<Self, VerifyError> {
        let ecdsa = |key, scheme, hash| Self {
            key,
            rsa_bits: None,
            scheme,
            hash,
        };
        let rsa = |bits, scheme| Self {
            key: KeyAlgorithm::Rsa,
            rsa_bits: Some(bits),
            scheme,
            hash: HashAlgorithm::Sha2256,
        };
        Ok(match details {
            "PKIX_ECDSA_P256_SHA_256" => ecdsa(
                KeyAlgorithm::EcdsaP256,
                SigningScheme::EcdsaP256Sha256,
                HashAlgorithm::Sha2256,
            ),
            "PKIX_ECDSA_P384_SHA_384" => ecdsa(
                KeyAlgorithm::EcdsaP384,
                SigningScheme::EcdsaP384Sha384,
                HashAlgorithm::Sha2384,
            ),
            "PKIX_ECDSA_P521_SHA_512" => ecdsa(
                KeyAlgorithm::EcdsaP521,
                SigningScheme::EcdsaP521Sha512,
                HashAlgorithm::Sha2512,
            ),
            "PKIX_RSA_PKCS1V15_2048_SHA256" => rsa(2048, SigningScheme::RsaPkcs1Sha256),
            "PKIX_RSA_PKCS1V15_3072_SHA256" => rsa(3072, SigningScheme::RsaPkcs1Sha256),
            "PKIX_RSA_PKCS1V15_4096_SHA256" => rsa(4096, SigningScheme::RsaPkcs1Sha256),
            "PKIX_RSA_PSS_2048_SHA256" => rsa(2048, SigningScheme::RsaPssSha256),
            "PKIX_RSA_PSS_3072_SHA256" => rsa(3072, SigningScheme::RsaPssSha256),
            "PKIX_RSA_PSS_4096_SHA256" => rsa(4096, SigningScheme::RsaPssSha256),
            "PKIX_ED25519" => {
                return Err(mismatch(
                    "signature.verifier.keyDetails is `PKIX_ED25519`, which signs the message \
                     itself and has no digest to log (Rekor v2 logs Ed25519 keys as PKIX_ED25519_PH)",
                ));
            }
            "PKIX_ED25519_PH" => {
                return Err(mismatch(
                    "signature.verifier.keyDetails is `PKIX_ED25519_PH`: Ed25519ph signatures \
                     are not supported",
                ));
            }
            other => {
                return Err(mismatch(format!(
                    "signature.verifier.keyDetails `{other}` is not a Rekor v2 signing algorithm"
                )));
            }
        })
    }

    /// Whether `key` is this algorithm's kind of key, of its size for RSA.
    fn describes(self, key: &DerPublicKey) -> Result<(), VerifyError> {
        let algorithm =
            KeyAlgorithm::from_spki(key).map_err(|e| mismatch(format!("the signing key: {e}")))?;
        if algorithm != self.key {
            return Err(mismatch(format!(
                "signature.verifier.keyDetails names a {:?} key; the signing key is {algorithm:?}",
                self.key
            )));
        }
        if let Some(bits) = self.rsa_bits {
            let actual = aws_lc_rs::rsa::PublicEncryptingKey::from_der(key.as_bytes())
                .map_err(|e| mismatch(format!("the signing key is not a usable RSA key: {e}")))?
                .key_size_bits();
            if actual != bits {
                return Err(mismatch(format!(
                    "signature.verifier.keyDetails names a {bits}-bit RSA key; the signing key has {actual} bits"
                )));
            }
        }
        Ok(())
    }
}

/// `data`'s digest under `hash`.
fn digest(hash: HashAlgorithm, data: &[u8]) -> Result<Vec<u8>, VerifyError> {
    let mut hasher = sigstore_crypto::ArtifactHasher::new(hash)
        .map_err(|e| mismatch(format!("data.algorithm `{hash}`: {e}")))?;
    hasher.update(data);
    Ok(hasher.finalize().as_bytes().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    const ARTIFACT: &[u8] =
        include_bytes!("../../../testdata/sigstore-conformance/bundle-verify/a.txt");
    const V2: &str = include_str!(
        "../../../testdata/sigstore-conformance/bundle-verify/rekor2-happy-path/bundle.sigstore.json"
    );
    const V1: &str = include_str!(
        "../../../testdata/sigstore-conformance/bundle-verify/happy-path-v0.3/bundle.sigstore.json"
    );

    /// Runs the body check on `bundle` with its body rewritten by `edit`.
    fn body_check(bundle: &str, edit: impl FnOnce(&mut Value)) -> Result<(), VerifyError> {
        body_check_with(bundle, Some(ARTIFACT), edit)
    }

    /// [`body_check`] with the artifact's bytes given or not.
    fn body_check_with(
        bundle: &str,
        bytes: Option<&[u8]>,
        edit: impl FnOnce(&mut Value),
    ) -> Result<(), VerifyError> {
        let mut bundle = Bundle::from_json(bundle).unwrap();
        let entry = &mut bundle.verification_material.tlog_entries[0];
        let mut body: Value = serde_json::from_slice(entry.canonicalized_body.as_bytes()).unwrap();
        edit(&mut body);
        entry.canonicalized_body =
            sigstore_types::CanonicalizedBody::new(serde_json::to_vec(&body).unwrap());
        let cert = bundle.signing_certificate().unwrap().clone();
        let spki = sigstore_crypto::parse_certificate_info(&cert)
            .unwrap()
            .public_key;
        let entry = single_entry(&bundle).unwrap();
        check_body(
            &bundle,
            entry,
            &sigstore_crypto::sha256(ARTIFACT),
            bytes,
            &SigningKey::Certificate(cert.as_bytes()),
            &spki,
        )
    }

    fn is_consistency(r: Result<(), VerifyError>) -> bool {
        matches!(r, Err(VerifyError::Consistency(_)))
    }

    /// The refusal's text, for a check that must fail.
    fn refusal(r: Result<(), VerifyError>) -> String {
        match r {
            Err(VerifyError::Consistency(e)) => e,
            other => panic!("expected a consistency refusal, got {other:?}"),
        }
    }

    #[test]
    fn rekor_v2_key_details_name_one_scheme_with_a_digest() {
        let named = |n: &str| RekorV2Algorithm::named(n).unwrap();
        assert_eq!(
            named("PKIX_ECDSA_P384_SHA_384").hash.to_string(),
            "SHA2_384"
        );
        assert_eq!(
            named("PKIX_ECDSA_P521_SHA_512").hash.to_string(),
            "SHA2_512"
        );
        let pss = named("PKIX_RSA_PSS_3072_SHA256");
        assert_eq!(
            (pss.rsa_bits, pss.scheme, pss.hash.to_string().as_str()),
            (Some(3072), SigningScheme::RsaPssSha256, "SHA2_256")
        );
        let pkcs1 = named("PKIX_RSA_PKCS1V15_4096_SHA256");
        assert_eq!(
            (pkcs1.rsa_bits, pkcs1.scheme),
            (Some(4096), SigningScheme::RsaPkcs1Sha256)
        );
        for (name, reason) in [
            ("PKIX_ED25519", "has no digest to log"),
            ("PKIX_ED25519_PH", "Ed25519ph signatures are not supported"),
            ("ML_DSA_65", "is not a Rekor v2 signing algorithm"),
            (
                "PKIX_RSA_PKCS1V15_1024_SHA256",
                "is not a Rekor v2 signing algorithm",
            ),
            (
                "pkix_ecdsa_p256_sha_256",
                "is not a Rekor v2 signing algorithm",
            ),
            (
                "PKIX_ECDSA_P256_SHA_256 ",
                "is not a Rekor v2 signing algorithm",
            ),
        ] {
            let e = refusal(RekorV2Algorithm::named(name).map(|_| ()));
            assert!(e.contains(reason), "{name}: {e}");
        }
    }

    /// [`check_body`] on the v0.0.1 bundle with its body edited, with the
    /// artifact's bytes or without them.
    fn body_check_bytes(
        bytes: Option<&[u8]>,
        edit: impl FnOnce(&mut Value),
    ) -> Result<(), VerifyError> {
        body_check_with(V1, bytes, edit)
    }

    #[test]
    fn sha384_and_sha512_entries_need_the_bytes_and_exact_lowercase_hex() {
        let h384 = hex::encode(sigstore_crypto::sha384(ARTIFACT).as_bytes());
        let h512 = hex::encode(sigstore_crypto::sha512(ARTIFACT).as_bytes());
        let set = |alg: &'static str, v: String| {
            move |b: &mut Value| {
                b["spec"]["data"]["hash"]["algorithm"] = alg.into();
                b["spec"]["data"]["hash"]["value"] = v.into();
            }
        };
        // Alone, a right SHA-384/512 entry passes this check...
        body_check_bytes(Some(ARTIFACT), set("sha384", h384.clone())).unwrap();
        body_check_bytes(Some(ARTIFACT), set("sha512", h512.clone())).unwrap();
        // ...and no spelling, length or artifact other than the exact one does.
        for r in [
            body_check_bytes(None, set("sha384", h384.clone())),
            body_check_bytes(None, set("sha512", h512.clone())),
            body_check_bytes(Some(ARTIFACT), set("sha384", h384.to_uppercase())),
            body_check_bytes(Some(ARTIFACT), set("SHA384", h384.clone())),
            body_check_bytes(Some(ARTIFACT), set("sha-512", h512.clone())),
            body_check_bytes(Some(ARTIFACT), set("sha512", h384.clone())),
            body_check_bytes(Some(ARTIFACT), set("sha384", h512[..96].to_string())),
            body_check_bytes(Some(b"other"), set("sha512", h512.clone())),
            body_check_bytes(Some(ARTIFACT), set("sha512", String::new())),
        ] {
            assert!(is_consistency(r));
        }
    }

    #[test]
    fn genuine_bodies_agree_with_their_bundles() {
        body_check(V1, |_| {}).unwrap();
        body_check(V2, |_| {}).unwrap();
    }

    #[test]
    fn body_kind_or_version_must_equal_the_bundles_kind_version() {
        assert!(is_consistency(
            body_check(V1, |b| b["kind"] = "rekord".into())
        ));
        assert!(is_consistency(
            body_check(V1, |b| b["apiVersion"] = "0.0.2".into())
        ));
        assert!(is_consistency(
            body_check(V2, |b| b["apiVersion"] = "0.0.1".into())
        ));
    }

    #[test]
    fn body_with_unknown_fields_is_refused() {
        assert!(is_consistency(
            body_check(V1, |b| b["spec"]["extra"] = 1.into())
        ));
        assert!(is_consistency(body_check(V2, |b| {
            b["spec"]["hashedRekordV002"]["signature"]["extra"] = 1.into()
        })));
    }

    #[test]
    fn body_hash_algorithm_and_key_details_must_fit() {
        assert!(is_consistency(body_check(V1, |b| {
            b["spec"]["data"]["hash"]["algorithm"] = "sha512".into()
        })));
        let v2 = |edit: fn(&mut Value)| refusal(body_check(V2, edit));
        assert_eq!(
            v2(|b| b["spec"]["hashedRekordV002"]["data"]["algorithm"] = "SHA2_384".into()),
            "log entry body: data.algorithm is `SHA2_384`, but PKIX_ECDSA_P256_SHA_256 signs with `SHA2_256`"
        );
        fn details(b: &mut Value, d: &str) {
            b["spec"]["hashedRekordV002"]["signature"]["verifier"]["keyDetails"] = d.into();
        }
        assert!(v2(|b| details(b, "PKIX_ED25519")).contains("has no digest to log"));
        assert_eq!(
            v2(|b| details(b, "PKIX_ECDSA_P384_SHA_384")),
            "log entry body: signature.verifier.keyDetails names a EcdsaP384 key; the signing key is EcdsaP256"
        );
        assert_eq!(
            v2(|b| details(b, "PKIX_RSA_PSS_2048_SHA256")),
            "log entry body: signature.verifier.keyDetails names a Rsa key; the signing key is EcdsaP256"
        );
    }

    #[test]
    fn body_naming_another_signature_or_key_is_refused() {
        assert!(is_consistency(body_check(V1, |b| {
            b["spec"]["signature"]["content"] = "AAAA".into()
        })));
        assert!(is_consistency(body_check(V2, |b| {
            let v = &mut b["spec"]["hashedRekordV002"]["signature"]["verifier"];
            v["publicKey"] = v["x509Certificate"].clone();
        })));
    }

    #[test]
    fn log_name_is_host_and_port() {
        assert_eq!(log_name("https://rekor.sigstore.dev"), "rekor.sigstore.dev");
        assert_eq!(
            log_name("https://log2025-1.rekor.sigstore.dev/"),
            "log2025-1.rekor.sigstore.dev"
        );
        assert_eq!(log_name("http://localhost:8000/api"), "localhost:8000");
    }
}
