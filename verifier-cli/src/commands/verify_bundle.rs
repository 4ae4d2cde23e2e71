//! `mcp-verify verify-bundle`: verify one Sigstore bundle for an artifact
//! file or a `sha256:` digest, offline, and say what it proved. Speaks the
//! sigstore-conformance CLI protocol (`--bundle`, `--certificate-identity`,
//! `--certificate-oidc-issuer`, `--key`, `--trusted-root`, `--staging`,
//! then the artifact), plus anchored regexp policies and `--output json`.

use crate::cli::{OutputArgs, OutputFormat};
use crate::exit::Exit;
use crate::output;
use anyhow::{Context, bail};
use clap::Args;
use mcp_trust::image::Digest;
use mcp_trust::signature::{self, Artifact, Matcher, Policy, TrustRoot, Verified, VerifyError};
use std::path::{Path, PathBuf};

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

/// Who must have signed, and the trust root to check it against: the
/// cosign / sigstore-conformance flag names, shared by `verify-bundle` and `verify`.
#[derive(Debug, Args)]
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

/// Verifies the bundle; a refused bundle is exit 1, unreadable input exit 2.
pub fn run(args: &VerifyBundleArgs) -> anyhow::Result<Exit> {
    let policy = policy(&args.signer)?;
    let trust_root = trust_root(&args.signer)?;
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
            Ok(v) => print!("{}", output::human::verified_bundle(&bundle_name, v)),
            Err(e) => eprint!("{}", output::human::refused_bundle(&bundle_name, e)),
        },
        OutputFormat::Json => println!(
            "{}",
            output::json::to_string(&report(&bundle_name, &outcome))?
        ),
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

/// Reads a whole file, refusing files larger than `cap` bytes.
pub fn read_capped(path: &Path, cap: usize, what: &str) -> anyhow::Result<Vec<u8>> {
    use std::io::Read;
    let file = std::fs::File::open(path)
        .with_context(|| format!("cannot read {what} {}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(cap as u64 + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {what} {}", path.display()))?;
    if bytes.len() > cap {
        bail!("{what} {} is larger than {cap} bytes", path.display());
    }
    Ok(bytes)
}
