//! PEM as Go's `encoding/pem`, Python's `cryptography` and so Rekor and
//! cosign write it: 64-column base64 lines ending in LF.
//!
//! `sigstore-types`' `to_pem` ends lines in CRLF; a Rekor body holding such a
//! PEM is not what Rekor stores, and verifiers that rebuild the expected
//! body from the bundle (sigstore-python does) reject it.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// Encode `der` as a PEM block with `label` (e.g. `CERTIFICATE`).
pub(crate) fn encode(label: &str, der: &[u8]) -> String {
    let base64 = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in base64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// A certificate as PEM.
pub(crate) fn certificate(cert: &sigstore_types::DerCertificate) -> String {
    encode("CERTIFICATE", cert.as_bytes())
}

/// A public key (SubjectPublicKeyInfo) as PEM.
pub(crate) fn public_key(key: &sigstore_types::DerPublicKey) -> String {
    encode("PUBLIC KEY", key.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_64_columns_with_lf_and_round_trips() {
        let der: Vec<u8> = (0..=255).collect();
        let pem = encode("CERTIFICATE", &der);
        assert!(!pem.contains('\r'));
        assert!(pem.lines().all(|line| line.len() <= 64));
        assert!(pem.ends_with("-----END CERTIFICATE-----\n"));
        let parsed = sigstore_types::DerCertificate::from_pem(&pem).unwrap();
        assert_eq!(parsed.as_bytes(), der.as_slice());
    }
}
