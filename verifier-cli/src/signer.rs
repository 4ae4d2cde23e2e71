//! What the signer flags mean: the signature policy (an exact or anchored
//! identity and issuer, or a managed key) and the trust root to verify
//! against. `verify` and `verify-bundle` both take `cli::signer::SignerArgs`
//! and turn them into a policy here, once.

use crate::cli::signer::SignerArgs;
use crate::input::read_capped;
use anyhow::{Context, bail};
use mcp_trust::signature::{self, Matcher, Policy, TrustRoot};

/// The signer policy the flags describe.
pub fn policy(args: &SignerArgs) -> anyhow::Result<Policy> {
    if let Some(key) = &args.key {
        let pem = read_capped(key, 64 << 10, "public key")?;
        let pem = String::from_utf8(pem)
            .with_context(|| format!("public key {} is not text", key.display()))?;
        return Policy::public_key_pem(&pem)
            .with_context(|| format!("public key {}", key.display()));
    }
    let identity = match (
        &args.certificate_identity,
        &args.certificate_identity_regexp,
    ) {
        (Some(exact), None) => Matcher::exact(exact, "certificate identity")?,
        (None, Some(re)) => Matcher::regex(re).context("--certificate-identity-regexp")?,
        _ => bail!(
            "a signer identity is required: give --certificate-identity or \
             --certificate-identity-regexp (or --key for a managed-key bundle)"
        ),
    };
    let issuer = match (
        &args.certificate_oidc_issuer,
        &args.certificate_oidc_issuer_regexp,
    ) {
        (Some(exact), None) => Matcher::exact(exact, "OIDC issuer")?,
        (None, Some(re)) => Matcher::regex(re).context("--certificate-oidc-issuer-regexp")?,
        _ => bail!(
            "an OIDC issuer is required: give --certificate-oidc-issuer or \
             --certificate-oidc-issuer-regexp"
        ),
    };
    Ok(Policy::keyless(identity, issuer))
}

/// The trust root the flags name (embedded public-good by default).
pub fn trust_root(args: &SignerArgs) -> anyhow::Result<TrustRoot> {
    match &args.trusted_root {
        Some(path) => {
            let json = read_capped(path, signature::MAX_TRUST_ROOT_BYTES, "trusted root")?;
            TrustRoot::from_json(&json).with_context(|| format!("trusted root {}", path.display()))
        }
        None if args.staging => Ok(TrustRoot::staging()?),
        None => Ok(TrustRoot::public_good()?),
    }
}
