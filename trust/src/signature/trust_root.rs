//! The authorities a bundle is verified against: Fulcio CAs, Rekor logs, CT
//! logs and timestamp authorities. The Sigstore public-good root ships inside
//! the binary (from `sigstore-trust-root`, never fetched at run time); a
//! private Sigstore deployment passes its own `trusted_root.json`. Parsing
//! and checking the root is done once here, so a caller verifying many
//! bundles pays for it once.

use super::error::VerifyError;
use sigstore_crypto::Keyring;
use sigstore_trust_root::TrustedRoot;
use std::fmt;

/// Largest `trusted_root.json` accepted.
pub const MAX_TRUST_ROOT_BYTES: usize = 1 << 20;

/// The media type every `trusted_root.json` starts with.
pub const TRUSTED_ROOT_MEDIA_TYPE: &str = "application/vnd.dev.sigstore.trustedroot";

/// Where a trust root came from, for reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrustRootSource {
    /// The Sigstore public-good root embedded in this build.
    PublicGood,
    /// The Sigstore staging root embedded in this build (for testing signers).
    Staging,
    /// A `trusted_root.json` given by the user.
    File,
}

/// A parsed, checked trusted root, ready to verify any number of bundles.
pub struct TrustRoot {
    pub(crate) verifier: sigstore_verify::Verifier,
    pub(crate) rekor_keys: Keyring,
    pub(crate) root: TrustedRoot,
    source: TrustRootSource,
}

impl fmt::Debug for TrustRoot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TrustRoot")
            .field("source", &self.source)
            .field("tlogs", &self.root.tlogs.len())
            .field(
                "certificate_authorities",
                &self.root.certificate_authorities.len(),
            )
            .field("ctlogs", &self.root.ctlogs.len())
            .field(
                "timestamp_authorities",
                &self.root.timestamp_authorities.len(),
            )
            .finish()
    }
}

impl TrustRoot {
    /// The Sigstore public-good root embedded in this build.
    pub fn public_good() -> Result<TrustRoot, VerifyError> {
        Self::build(
            sigstore_trust_root::SIGSTORE_PRODUCTION_TRUSTED_ROOT,
            TrustRootSource::PublicGood,
        )
    }

    /// The Sigstore staging root embedded in this build.
    pub fn staging() -> Result<TrustRoot, VerifyError> {
        Self::build(
            sigstore_trust_root::SIGSTORE_STAGING_TRUSTED_ROOT,
            TrustRootSource::Staging,
        )
    }

    /// A root from the bytes of a `trusted_root.json`.
    pub fn from_json(json: &[u8]) -> Result<TrustRoot, VerifyError> {
        if json.len() > MAX_TRUST_ROOT_BYTES {
            return Err(VerifyError::TrustRoot(format!(
                "trusted root is {} bytes, more than the {MAX_TRUST_ROOT_BYTES} accepted",
                json.len()
            )));
        }
        let text = std::str::from_utf8(json)
            .map_err(|e| VerifyError::TrustRoot(format!("trusted root is not UTF-8: {e}")))?;
        Self::build(text, TrustRootSource::File)
    }

    fn build(json: &str, source: TrustRootSource) -> Result<TrustRoot, VerifyError> {
        let root = TrustedRoot::from_json(json)
            .map_err(|e| VerifyError::TrustRoot(format!("trusted root is not valid: {e}")))?;
        // Every list of a trusted root may be absent, so any JSON object parses:
        // insist on the media type and on at least one transparency log.
        if !root.media_type.starts_with(TRUSTED_ROOT_MEDIA_TYPE) {
            return Err(VerifyError::TrustRoot(format!(
                "mediaType is `{}`, not a Sigstore trusted root (`{TRUSTED_ROOT_MEDIA_TYPE}…`)",
                root.media_type
            )));
        }
        if root.tlogs.is_empty() {
            return Err(VerifyError::TrustRoot(
                "the trusted root lists no transparency log".into(),
            ));
        }
        let verifier = sigstore_verify::Verifier::new(&root)?;
        let rekor_keys = root
            .rekor_keys()
            .map_err(|e| VerifyError::TrustRoot(format!("transparency log keys: {e}")))?;
        Ok(TrustRoot {
            verifier,
            rekor_keys,
            root,
            source,
        })
    }

    /// Where the root came from.
    pub fn source(&self) -> &TrustRootSource {
        &self.source
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signature::Stage;

    #[test]
    fn embedded_roots_load() {
        assert_eq!(
            TrustRoot::public_good().unwrap().source(),
            &TrustRootSource::PublicGood
        );
        TrustRoot::staging().unwrap();
    }

    #[test]
    fn rejects_json_that_is_not_a_trusted_root() {
        for json in [
            &b"{}"[..],
            br#"{"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json"}"#,
            br#"{"mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1"}"#,
            b"not json",
            &[0xff, 0xfe][..],
        ] {
            let err = TrustRoot::from_json(json).unwrap_err();
            assert_eq!(err.stage(), Stage::TrustRoot, "{err}");
        }
    }

    #[test]
    fn rejects_oversized_trusted_root() {
        let big = vec![b' '; MAX_TRUST_ROOT_BYTES + 1];
        assert_eq!(
            TrustRoot::from_json(&big).unwrap_err().stage(),
            Stage::TrustRoot
        );
    }
}
