//! A Certificate Transparency log that issues embedded SCTs, as RFC 6962.
//!
//! Fulcio submits a precertificate to its CT log and embeds the returned
//! Signed Certificate Timestamp in the final certificate. Verifiers rebuild
//! the precertificate's TBS by removing the SCT-list extension from the final
//! certificate and check the log's signature over the RFC 6962 §3.2
//! `digitally-signed` structure for a `precert_entry`. This module writes
//! both TLS structures byte by byte so the encoding is visible here.

use sigstore_crypto::KeyPair;
use x509_cert::der::Encode;
use x509_cert::der::asn1::OctetString;

/// OID of the embedded precertificate SCT list extension (RFC 6962 §3.3).
pub(crate) const SCT_LIST_OID: &str = "1.3.6.1.4.1.11129.2.4.2";

/// `SignatureAndHashAlgorithm` (RFC 5246 §7.4.1.4.1): sha256 (4), ecdsa (3).
const ECDSA_WITH_SHA256: [u8; 2] = [4, 3];

/// A CT log: an ECDSA P-256 key whose log ID is the SHA-256 of its DER key.
#[derive(Debug)]
pub(crate) struct CtLog {
    key: KeyPair,
    public_key_der: Vec<u8>,
    log_id: [u8; 32],
}

impl CtLog {
    /// A CT log with a fresh key.
    pub(crate) fn generate() -> Self {
        let key = KeyPair::generate_ecdsa_p256().expect("generate CT log key");
        let public_key_der = key
            .public_key_der()
            .expect("encode CT log public key")
            .as_bytes()
            .to_vec();
        let log_id = *sigstore_crypto::sha256(&public_key_der).as_bytes();
        Self {
            key,
            public_key_der,
            log_id,
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

    /// A TLS-encoded SCT (RFC 6962 §3.2) over a precertificate.
    ///
    /// `precert_tbs_der` is the leaf's TBSCertificate without the SCT-list
    /// extension; `issuer_spki_der` is the issuing CA's SubjectPublicKeyInfo.
    pub(crate) fn sign_precert(
        &self,
        precert_tbs_der: &[u8],
        issuer_spki_der: &[u8],
        timestamp_ms: u64,
    ) -> Vec<u8> {
        let signed = precert_signed_data(precert_tbs_der, issuer_spki_der, timestamp_ms);
        let signature = self.key.sign(&signed).expect("sign SCT");
        encode_sct(&self.log_id, timestamp_ms, signature.as_bytes())
    }
}

/// The RFC 6962 §3.2 `digitally-signed` input for a `precert_entry`:
/// version, signature type, timestamp, entry type, issuer key hash,
/// `opaque TBSCertificate<1..2^24-1>`, `CtExtensions<0..2^16-1>`.
fn precert_signed_data(
    precert_tbs_der: &[u8],
    issuer_spki_der: &[u8],
    timestamp_ms: u64,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(precert_tbs_der.len() + 50);
    out.push(0); // Version v1
    out.push(0); // SignatureType certificate_timestamp
    out.extend_from_slice(&timestamp_ms.to_be_bytes());
    out.extend_from_slice(&1u16.to_be_bytes()); // LogEntryType precert_entry
    out.extend_from_slice(sigstore_crypto::sha256(issuer_spki_der).as_bytes());
    let len = u32::try_from(precert_tbs_der.len()).expect("TBS fits in 24 bits");
    assert!(len < 1 << 24, "TBS certificate longer than 2^24-1 bytes");
    out.extend_from_slice(&len.to_be_bytes()[1..]);
    out.extend_from_slice(precert_tbs_der);
    out.extend_from_slice(&0u16.to_be_bytes()); // no CtExtensions
    out
}

/// One `SignedCertificateTimestamp` (RFC 6962 §3.2), TLS-encoded.
fn encode_sct(log_id: &[u8; 32], timestamp_ms: u64, signature: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(signature.len() + 47);
    out.push(0); // Version v1
    out.extend_from_slice(log_id);
    out.extend_from_slice(&timestamp_ms.to_be_bytes());
    out.extend_from_slice(&0u16.to_be_bytes()); // no CtExtensions
    out.extend_from_slice(&ECDSA_WITH_SHA256);
    out.extend_from_slice(&u16_len(signature.len()).to_be_bytes());
    out.extend_from_slice(signature);
    out
}

/// The DER `extnValue` contents of an SCT-list extension holding `scts`:
/// an OCTET STRING wrapping the TLS `SignedCertificateTimestampList`
/// (RFC 6962 §3.3), each SCT prefixed by its u16 length.
pub(crate) fn sct_list_extension_value(scts: &[Vec<u8>]) -> Vec<u8> {
    let mut list = Vec::new();
    for sct in scts {
        list.extend_from_slice(&u16_len(sct.len()).to_be_bytes());
        list.extend_from_slice(sct);
    }
    let mut tls = u16_len(list.len()).to_be_bytes().to_vec();
    tls.extend_from_slice(&list);
    OctetString::new(tls)
        .and_then(|octets| octets.to_der())
        .expect("encode SCT list")
}

fn u16_len(len: usize) -> u16 {
    u16::try_from(len).expect("TLS vector fits in u16")
}
