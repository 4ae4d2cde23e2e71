//! The grammar of `mcp-verify verify-bundle`, with its long help. Its flags
//! are the sigstore-conformance CLI protocol's (`--bundle`, the signer flags,
//! then the artifact), plus `--output json`.

use super::output::OutputArgs;
use super::signer::SignerArgs;
use clap::Args;
use std::path::PathBuf;

/// The long help of `verify-bundle`: what is checked, the policies, the exit codes.
pub const LONG_ABOUT: &str =
    "Verify one Sigstore bundle (v0.1, v0.2 or v0.3; message signature or DSSE \
in-toto statement) for an artifact file or a sha256: digest, offline.

Every stage must pass: certificate chain to a trusted Fulcio CA at the verified signing time, \
SCT, transparency-log inclusion (proof + signed checkpoint, or inclusion promise), RFC 3161 \
timestamps, the signature, the artifact binding, the agreement of every bundle field with what \
was verified, and last the signer policy. The signing time comes from the log or a timestamp \
authority, never from the clock: a certificate valid for ten minutes years ago still verifies.

Keyless policy: one of --certificate-identity / --certificate-identity-regexp AND one of \
--certificate-oidc-issuer / --certificate-oidc-issuer-regexp. Regexps must match the WHOLE value \
(compiled as ^(?:RE)$), which is stricter than cosign's unanchored flags.
Managed-key policy: --key PEM instead.

Exit codes: 0 verified; 1 verification or policy failed (the failing stage is named); \
2 usage error or unreadable input. Stages and flags: docs/verification.md.";

/// Examples shown after the flags in `verify-bundle --help`.
pub const EXAMPLES: &str = "Examples:
  mcp-verify verify-bundle --bundle image.sigstore.json \\
      --certificate-identity https://github.com/acme/srv/.github/workflows/release.yml@refs/tags/v1.2.0 \\
      --certificate-oidc-issuer https://token.actions.githubusercontent.com \\
      sha256:c811d58de79c92f03214e63aa339484e488d694ae8a6283b5f3f17a9faf50172

  mcp-verify verify-bundle --bundle a.txt.sigstore.json \\
      --certificate-identity-regexp 'https://github.com/acme/[^/]+/\\.github/workflows/release\\.yml@refs/tags/v.*' \\
      --certificate-oidc-issuer https://token.actions.githubusercontent.com --output json a.txt

  mcp-verify verify-bundle --bundle blob.sigstore.json --key cosign.pub --trusted-root trusted_root.json blob";

/// Arguments of `verify-bundle`.
#[derive(Debug, Args)]
pub struct VerifyBundleArgs {
    /// The Sigstore bundle (JSON) to verify.
    #[arg(long, value_name = "FILE")]
    pub bundle: PathBuf,
    #[command(flatten)]
    pub signer: SignerArgs,
    /// The artifact file, or its digest as `sha256:<64 lowercase hex>` (a digest that is
    /// also an existing path is read as a path).
    #[arg(value_name = "FILE_OR_DIGEST")]
    pub artifact: String,
    #[command(flatten)]
    pub output: OutputArgs,
}
