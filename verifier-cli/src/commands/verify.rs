//! `mcp-verify IMAGE@sha256:…` (also `mcp-verify verify …`): discover the
//! image's signatures in its registry, verify them under the signer policy
//! (flags, or the manifest's `_meta`), and require SLSA provenance when
//! asked. The exit code is what CI trusts: 0 only when a signature passed
//! every stage.

use super::verify_bundle::{SignerArgs, policy, read_capped, trust_root};
use crate::cli::{OutputArgs, OutputFormat};
use crate::exit::{Exit, Unreachable};
use crate::{config, output};
use anyhow::{Context, bail};
use clap::Args;
use mcp_trust::image::{ImageRef, PinnedImage};
use mcp_trust::manifest::{ValidateOptions, validate};
use mcp_trust::oci::client::Limits;
use mcp_trust::oci::{ClientConfig, Credentials, OciClient};
use mcp_trust::provenance::SlsaRequirements;
use mcp_trust::verification::{ImageError, ImagePolicy, verify_image};
use std::path::PathBuf;
use std::time::Duration;

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

/// Runs the verification.
pub fn run(args: &VerifyArgs) -> anyhow::Result<Exit> {
    let manifest = match &args.manifest {
        Some(path) => {
            let bytes = read_capped(
                path,
                mcp_trust::manifest::validate::MAX_MANIFEST_BYTES,
                "manifest",
            )?;
            let report = validate(
                &bytes,
                ValidateOptions {
                    require_extension: true,
                },
            );
            let Some(m) = report
                .manifest
                .filter(|_| !mcp_trust::finding::has_errors(&report.findings))
            else {
                bail!(
                    "manifest {} has errors; run `mcp-verify manifest lint {}`",
                    path.display(),
                    path.display()
                );
            };
            m.security
        }
        None => None,
    };
    let reference = match (&args.image, &manifest) {
        (Some(i), _) => i.clone(),
        (None, Some(sec)) => sec.image.clone(),
        (None, None) => {
            bail!("give an IMAGE@sha256:<digest> to verify (or --manifest server.json)")
        }
    };
    let policy = image_policy(args, manifest.as_ref())?;
    let trust_root = trust_root(&args.signer)?;
    let credentials = match config::docker_config_path() {
        Some(path) => {
            let bytes = read_capped(&path, 1 << 20, "Docker config")?;
            Credentials::from_docker_config(&bytes)
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?
        }
        None => Credentials::anonymous(),
    };
    let client = OciClient::new(ClientConfig {
        limits: Limits {
            operation_deadline: Duration::from_secs(args.timeout.max(1)),
            ..Limits::default()
        },
        insecure_hosts: args.insecure_registries.iter().cloned().collect(),
        credentials,
        host_policy: Default::default(),
    })?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let image = runtime.block_on(pin(&client, &reference, args.resolve))?;
    let outcome = runtime.block_on(verify_image(&client, &image, &policy, &trust_root));
    if let Err(ImageError::Registry(e)) = &outcome
        && e.is_unreachable()
    {
        return Err(Unreachable(e.to_string())).context(format!("cannot verify {image}"));
    }
    match args.output.output {
        OutputFormat::Human => match &outcome {
            Ok(report) => print!("{}", output::human::image_verified(report)),
            Err(e) => eprint!("{}", output::human::image_refused(&image, e)),
        },
        OutputFormat::Json => println!(
            "{}",
            output::json::to_string(&json_report(&image, &outcome))?
        ),
    }
    Ok(if outcome.is_ok() {
        Exit::Ok
    } else {
        Exit::Failed
    })
}

fn json_report(
    image: &PinnedImage,
    outcome: &Result<mcp_trust::verification::ImageReport, ImageError>,
) -> serde_json::Value {
    match outcome {
        Ok(r) => serde_json::json!({"image": image.to_string(), "verified": true, "report": r}),
        Err(e) => {
            serde_json::json!({"image": image.to_string(), "verified": false, "error": e.to_string(), "report": e.report()})
        }
    }
}

async fn pin(client: &OciClient, reference: &str, resolve: bool) -> anyhow::Result<PinnedImage> {
    let parsed = ImageRef::parse(reference)?;
    if parsed.digest.is_some() {
        return Ok(parsed.pinned(reference)?);
    }
    if !resolve {
        bail!(
            "`{reference}` names no digest: a tag can move after you verify it. Pin `IMAGE@sha256:<digest>`, or pass --resolve to verify the digest the tag names now"
        );
    }
    let tag = parsed.tag.clone().unwrap_or_else(|| "latest".into());
    let digest = client
        .resolve_tag(&parsed.registry, &parsed.repository, &tag)
        .await
        .map_err(|e| {
            if e.is_unreachable() {
                anyhow::Error::new(Unreachable(e.to_string()))
            } else {
                anyhow::Error::new(e)
            }
        })?;
    let pinned = PinnedImage {
        registry: parsed.registry,
        repository: parsed.repository,
        digest,
        tag: Some(tag),
    };
    eprintln!("resolved {reference} to {pinned}");
    Ok(pinned)
}

fn image_policy(
    args: &VerifyArgs,
    manifest: Option<&mcp_trust::manifest::SecurityExtension>,
) -> anyhow::Result<ImagePolicy> {
    // The manifest's policy, unless signer flags are given; provenance flags refine its requirements.
    let from_manifest = match manifest.and_then(|m| m.provenance.as_ref()) {
        Some(p) => Some(ImagePolicy::from_manifest(p).context("the manifest's provenance policy")?),
        None => None,
    };
    let (signer, manifest_slsa) = match from_manifest {
        Some(m) if !args.signer.any_signer() => (m.signer, m.provenance),
        Some(m) => (policy(&args.signer)?, m.provenance),
        None => (policy(&args.signer)?, None),
    };
    let provenance = if args.require_provenance || manifest_slsa.is_some() {
        let base = manifest_slsa.unwrap_or_default();
        Some(SlsaRequirements {
            source_repository: args.source_repository.clone().or(base.source_repository),
            source_ref: args.source_ref.clone().or(base.source_ref),
            builder_id: args.builder_id.clone().or(base.builder_id),
        })
    } else {
        None
    };
    Ok(ImagePolicy { signer, provenance })
}
