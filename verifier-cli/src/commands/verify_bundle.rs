//! `mcp-verify verify-bundle`: verify one Sigstore bundle for an artifact
//! file or a `sha256:` digest, offline, and say what it proved. Speaks the
//! sigstore-conformance CLI protocol (grammar in `cli::verify_bundle`), plus
//! anchored regexp policies and `--output json`.

use crate::cli::output::OutputFormat;
use crate::cli::verify_bundle::VerifyBundleArgs;
use crate::exit::Exit;
use crate::input::read_capped;
use crate::{output, signer};
use anyhow::Context;
use mcp_trust::image::Digest;
use mcp_trust::signature::{self, Artifact, Verified, VerifyError};
use std::path::Path;

/// Verifies the bundle; a refused bundle is exit 1, unreadable input exit 2.
pub fn run(args: &VerifyBundleArgs) -> anyhow::Result<Exit> {
    let policy = signer::policy(&args.signer)?;
    let trust_root = signer::trust_root(&args.signer)?;
    let bundle = read_capped(&args.bundle, signature::MAX_BUNDLE_BYTES, "bundle")?;
    let artifact_bytes;
    let digest;
    let artifact = match artifact_digest(&args.artifact) {
        Some(d) => {
            digest = d;
            Artifact::Digest(&digest)
        }
        None => {
            artifact_bytes = std::fs::read(&args.artifact)
                .with_context(|| format!("cannot read artifact {}", args.artifact))?;
            Artifact::Bytes(&artifact_bytes)
        }
    };
    let outcome = signature::verify(&bundle, artifact, &policy, &trust_root);
    let bundle_name = args.bundle.display().to_string();
    match args.output.output {
        OutputFormat::Human => match &outcome {
            Ok(v) => output::stdout::print(output::human::verified_bundle(&bundle_name, v))?,
            Err(e) => eprint!("{}", output::human::refused_bundle(&bundle_name, e)),
        },
        OutputFormat::Json => {
            output::stdout::println(output::json::to_string(&report(&bundle_name, &outcome))?)?
        }
    }
    Ok(if outcome.is_ok() {
        Exit::Ok
    } else {
        Exit::Failed
    })
}

/// The JSON document printed for `--output json`.
fn report(bundle: &str, outcome: &Result<Verified, VerifyError>) -> serde_json::Value {
    match outcome {
        Ok(v) => serde_json::json!({ "bundle": bundle, "verified": true, "result": v }),
        Err(e) => serde_json::json!({
            "bundle": bundle,
            "verified": false,
            "stage": e.stage(),
            "error": e.to_string(),
        }),
    }
}

/// `sha256:<hex>` that is not an existing path, per the conformance protocol.
fn artifact_digest(arg: &str) -> Option<Digest> {
    Digest::parse(arg).filter(|_| !Path::new(arg).exists())
}
