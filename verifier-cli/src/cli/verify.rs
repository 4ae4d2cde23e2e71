//! The grammar of `mcp-verify verify` (and of `mcp-verify IMAGE@sha256:…`,
//! which takes the same arguments), with its long help.

use super::output::OutputArgs;
use super::signer::SignerArgs;
use clap::Args;
use std::path::PathBuf;

/// The long help of `verify`.
pub const LONG_ABOUT: &str =
    "Verify a container image, pinned by digest, against its Sigstore signatures.

Signatures are discovered in the image's own registry: the OCI 1.1 referrers API (or its \
sha256-<hex> tag fallback) for cosign v3 bundles, and the legacy cosign sha256-<hex>.sig tag. \
Only a DSSE statement with predicate https://sigstore.dev/cosign/sign/v1, or a legacy \
simple-signing payload naming this exact digest, counts as a signature; other attestations \
are reported, legacy .att attestations are reported as unsupported, never as verified. Each \
signature is verified offline against the trusted root (embedded public-good by default): \
certificate chain, SCT, transparency log, signature, artifact, then the signer policy. The \
image passes when at least one signature passes every stage. Only the given digest is \
verified: an image index is never walked to its platform manifests.

Policy: --certificate-identity[-regexp] and --certificate-oidc-issuer[-regexp] (regexps \
match the WHOLE value, ^(?:RE)$, stricter than cosign), or --key; or --manifest to take it \
from the manifest's security extension. --require-provenance also demands SLSA provenance for \
the digest, signed under the same policy, whose source agrees with the signing certificate.

Everything read from the registry is capped (manifest and referrer list 4 MiB, blob 16 MiB, \
64 signatures) and every request has a deadline. Credentials come from ~/.docker/config.json \
(or $DOCKER_CONFIG) for the matching host only; plain HTTP only for hosts named with \
--allow-insecure-registry.

Exit codes: 0 verified; 1 verification or policy failed; 2 usage error or unreadable input \
(a tag without a digest, unless --resolve); 3 registry unreachable.";

/// Examples shown after the flags.
pub const EXAMPLES: &str = "Examples:
  mcp-verify ghcr.io/acme/weather@sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b \\
      --certificate-identity https://github.com/acme/weather/.github/workflows/release.yml@refs/tags/v1.4.2 \\
      --certificate-oidc-issuer https://token.actions.githubusercontent.com

  # GitHub Actions keyless, any tag of one workflow, with provenance from the same repository
  mcp-verify ghcr.io/acme/weather@sha256:6c3c… \\
      --certificate-identity-regexp 'https://github\\.com/acme/weather/\\.github/workflows/release\\.yml@refs/tags/v.+' \\
      --certificate-oidc-issuer https://token.actions.githubusercontent.com \\
      --require-provenance --source-repository https://github.com/acme/weather

  # The policy from the manifest (its image is used when IMAGE is omitted)
  mcp-verify verify --manifest server.json --output json";

/// Arguments of `verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The image, `registry/repository@sha256:<64 hex>` (a tag beside the digest is ignored).
    #[arg(value_name = "IMAGE")]
    pub image: Option<String>,
    #[command(flatten)]
    pub signer: SignerArgs,
    /// Take the signer and provenance policy (and the image, when IMAGE is omitted) from this
    /// manifest's security extension; flags given as well take precedence.
    #[arg(long, value_name = "SERVER_JSON")]
    pub manifest: Option<PathBuf>,
    /// Also require SLSA provenance for the digest, signed under the same policy.
    #[arg(long)]
    pub require_provenance: bool,
    /// Required provenance source repository, e.g. https://github.com/acme/weather.
    #[arg(long, value_name = "URI", requires = "require_provenance")]
    pub source_repository: Option<String>,
    /// Required provenance source ref, e.g. refs/tags/v1.4.2.
    #[arg(long, value_name = "REF", requires = "require_provenance")]
    pub source_ref: Option<String>,
    /// Required provenance builder id.
    #[arg(long, value_name = "ID", requires = "require_provenance")]
    pub builder_id: Option<String>,
    /// Accept a tag: resolve it to the digest it names now, print that digest, verify the digest.
    #[arg(long)]
    pub resolve: bool,
    /// Registry host (host[:port]) to reach over plain HTTP. Repeatable.
    #[arg(long = "allow-insecure-registry", value_name = "HOST")]
    pub insecure_registries: Vec<String>,
    /// Deadline for each registry operation, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub timeout: u64,
    #[command(flatten)]
    pub output: OutputArgs,
}
