//! The `trusted_root.json` naming the test authorities, in the Sigstore
//! trusted-root format (`application/vnd.dev.sigstore.trustedroot+json;version=0.1`).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;
use sigstore_types::DerCertificate;

use crate::ca::{self, CertificateAuthority};
use crate::ct::CtLog;
use crate::rekor::{LOG_NAME, TransparencyLog};
use crate::tsa::TimestampAuthority;

/// Media type of a trusted root.
pub const TRUSTED_ROOT_MEDIA_TYPE: &str =
    "application/vnd.dev.sigstore.trustedroot+json;version=0.1";

/// A `validFor` window: from `start`, until `end` when set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrustWindow {
    /// First instant the authority may be used.
    pub start: jiff::Timestamp,
    /// Last instant, or open-ended.
    pub end: Option<jiff::Timestamp>,
}

impl TrustWindow {
    /// A window from `start` (RFC 3339) to `end` (RFC 3339, if any).
    ///
    /// # Panics
    /// If a bound is not an RFC 3339 timestamp.
    pub fn new(start: &str, end: Option<&str>) -> Self {
        Self {
            start: ca::timestamp(start),
            end: end.map(ca::timestamp),
        }
    }

    fn to_json(self) -> serde_json::Value {
        let mut window = json!({"start": self.start.to_string()});
        if let Some(end) = self.end {
            window["end"] = json!(end.to_string());
        }
        window
    }
}

/// The `validFor` windows of the three authorities in the trusted root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrustWindows {
    /// The certificate authority.
    pub ca: TrustWindow,
    /// The transparency log key.
    pub tlog: TrustWindow,
    /// The CT log key.
    pub ctlog: TrustWindow,
    /// The timestamp authority.
    pub tsa: TrustWindow,
}

impl Default for TrustWindows {
    /// Every authority valid from 2025-01-01, open-ended.
    fn default() -> Self {
        let open = TrustWindow::new("2025-01-01T00:00:00Z", None);
        Self {
            ca: open,
            tlog: open,
            ctlog: open,
            tsa: open,
        }
    }
}

pub(crate) fn trusted_root_json(
    ca: &CertificateAuthority,
    tlog: &TransparencyLog,
    ctlog: &CtLog,
    tsa: &TimestampAuthority,
    windows: &TrustWindows,
) -> String {
    let b64 = |bytes: &[u8]| STANDARD.encode(bytes);
    let cert = |cert: &DerCertificate| json!({"rawBytes": cert.to_base64()});
    let root = json!({
        "mediaType": TRUSTED_ROOT_MEDIA_TYPE,
        "tlogs": [{
            "baseUrl": format!("https://{LOG_NAME}"),
            "hashAlgorithm": "SHA2_256",
            "publicKey": {
                "rawBytes": b64(tlog.public_key_der()),
                "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                "validFor": windows.tlog.to_json(),
            },
            "logId": {"keyId": b64(&tlog.log_id())},
        }],
        "certificateAuthorities": [{
            "subject": {
                "organization": ca::ORGANIZATION,
                "commonName": ca::ROOT_COMMON_NAME,
            },
            "uri": "https://fulcio.sigstore.test",
            "certChain": {"certificates": [cert(ca.intermediate()), cert(ca.root())]},
            "validFor": windows.ca.to_json(),
        }],
        "ctlogs": [{
            "baseUrl": "https://ctfe.sigstore.test",
            "hashAlgorithm": "SHA2_256",
            "publicKey": {
                "rawBytes": b64(ctlog.public_key_der()),
                "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                "validFor": windows.ctlog.to_json(),
            },
            "logId": {"keyId": b64(&ctlog.log_id())},
        }],
        "timestampAuthorities": [{
            "subject": {"organization": ca::ORGANIZATION, "commonName": "sigstore-tsa"},
            "uri": "https://timestamp.sigstore.test",
            "certChain": {"certificates": [cert(tsa.leaf()), cert(tsa.root())]},
            "validFor": windows.tsa.to_json(),
        }],
    });
    serde_json::to_string_pretty(&root).expect("serialize trusted root")
}
