//! Who must have signed, and the trust root to check it against: the
//! cosign / sigstore-conformance flag names, shared by `verify` and
//! `verify-bundle`. `crate::signer` turns them into a policy and a trust root.

use clap::Args;
use std::path::PathBuf;

/// Who must have signed, and the trust root to check it against: the
/// cosign / sigstore-conformance flag names, shared by `verify-bundle` and `verify`.
#[derive(Debug, Clone, Default, Args)]
pub struct SignerArgs {
    /// Use the embedded Sigstore staging trusted root instead of public-good.
    #[arg(long, conflicts_with = "trusted_root")]
    pub staging: bool,
    /// Required signer identity (certificate SAN: URI or email), exactly.
    #[arg(long, value_name = "IDENTITY", conflicts_with_all = ["certificate_identity_regexp", "key"])]
    pub certificate_identity: Option<String>,
    /// Required signer identity, as a regexp that must match the whole SAN.
    #[arg(long, value_name = "RE", conflicts_with = "key")]
    pub certificate_identity_regexp: Option<String>,
    /// Required OIDC issuer of the signing certificate, exactly.
    #[arg(long, value_name = "URL", conflicts_with_all = ["certificate_oidc_issuer_regexp", "key"])]
    pub certificate_oidc_issuer: Option<String>,
    /// Required OIDC issuer, as a regexp that must match the whole issuer.
    #[arg(long, value_name = "RE", conflicts_with = "key")]
    pub certificate_oidc_issuer_regexp: Option<String>,
    /// Verify a managed-key signature with this PEM public key instead of a certificate identity.
    #[arg(long, value_name = "PEM_FILE")]
    pub key: Option<PathBuf>,
    /// A trusted_root.json for a private Sigstore (default: the embedded public-good root).
    #[arg(long, value_name = "FILE")]
    pub trusted_root: Option<PathBuf>,
}

impl SignerArgs {
    /// True when any signer flag was given.
    pub fn any_signer(&self) -> bool {
        self.key.is_some()
            || self.certificate_identity.is_some()
            || self.certificate_identity_regexp.is_some()
            || self.certificate_oidc_issuer.is_some()
            || self.certificate_oidc_issuer_regexp.is_some()
    }
}
