//! `mcp-verify IMAGE@sha256:…` (also `mcp-verify verify …`): discover the
//! image's signatures in its registry, verify them under the signer policy
//! (flags, or the manifest's `_meta`), and require SLSA provenance when
//! asked. The exit code is what CI trusts: 0 only when a signature passed
//! every stage.

use crate::cli::output::OutputFormat;
use crate::cli::verify::VerifyArgs;
use crate::exit::{Exit, Unreachable};
use crate::input::read_capped;
use crate::{config, output, signer};
use anyhow::{Context, bail};
use mcp_trust::image::{ImageRef, PinnedImage};
use mcp_trust::manifest::{ValidateOptions, validate};
use mcp_trust::oci::client::Limits;
use mcp_trust::oci::{ClientConfig, Credentials, OciClient};
use mcp_trust::provenance::SlsaRequirements;
use mcp_trust::verification::{ImageError, ImagePolicy, verify_image};
use std::time::Duration;

/// Runs the verification.
pub fn run(args: &VerifyArgs) -> anyhow::Result<Exit> {
    let (image, outcome) = check(args)?;
    match args.output.output {
        OutputFormat::Human => match &outcome {
            Ok(report) => output::stdout::print(output::human::image_verified(report))?,
            Err(e) => eprint!("{}", output::human::image_refused(&image, e)),
        },
        OutputFormat::Json => {
            output::stdout::println(output::json::to_string(&json_report(&image, &outcome))?)?
        }
    }
    Ok(if outcome.is_ok() {
        Exit::Ok
    } else {
        Exit::Failed
    })
}

/// Verifies the image `args` name under their policy: the pinned image and
/// the outcome, or an error when the inputs are unusable or the registry
/// cannot be reached (an [`Unreachable`] in the chain).
pub fn check(
    args: &VerifyArgs,
) -> anyhow::Result<(
    PinnedImage,
    Result<mcp_trust::verification::ImageReport, ImageError>,
)> {
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
    check_with(args, manifest)
}

/// [`check`] with the manifest's security extension already read (so a
/// caller that checked the manifest verifies under exactly what it checked,
/// not what the file holds a moment later); `args.manifest` is not read.
pub fn check_with(
    args: &VerifyArgs,
    manifest: Option<mcp_trust::manifest::SecurityExtension>,
) -> anyhow::Result<(
    PinnedImage,
    Result<mcp_trust::verification::ImageReport, ImageError>,
)> {
    let reference = match (&args.image, &manifest) {
        (Some(i), _) => i.clone(),
        (None, Some(sec)) => sec.image.clone(),
        (None, None) => {
            bail!("give an IMAGE@sha256:<digest> to verify (or --manifest server.json)")
        }
    };
    let policy = image_policy(args, manifest.as_ref())?;
    let trust_root = signer::trust_root(&args.signer)?;
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
    Ok((image, outcome))
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
        Some(m) => (signer::policy(&args.signer)?, m.provenance),
        None => (signer::policy(&args.signer)?, None),
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
