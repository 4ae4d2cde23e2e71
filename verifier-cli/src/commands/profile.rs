//! `mcp-verify profile`: validate a manifest, derive its runtime profile and
//! render it for one target. The document goes to stdout untouched so it can
//! be piped; warnings go to stderr.

use crate::cli::output::OutputFormat;
use crate::cli::profile::ProfileArgs;
use crate::exit::Exit;
use crate::output;
use crate::report::FileReport;
use anyhow::{Context, bail};
use mcp_trust::Severity;
use mcp_trust::catalog::client::StateDir;
use mcp_trust::manifest::{ValidateOptions, validate};
use mcp_trust::profile::{ProfileError, ProfileOptions, RuntimeProfile};
use serde_json::json;
use std::path::Path;

/// Splits `KEY=PATH` and makes the path absolute (relative to the working directory).
pub fn key_and_path(flag: &str, value: &str) -> anyhow::Result<(String, String)> {
    let Some((key, path)) = value.split_once('=') else {
        bail!("{flag} {value}: expected {flag} KEY=PATH");
    };
    if key.is_empty() || path.is_empty() {
        bail!("{flag} {value}: both sides of `=` must be given");
    }
    let abs = std::path::absolute(Path::new(path))
        .with_context(|| format!("{flag} {value}: cannot make `{path}` absolute"))?;
    let abs = abs
        .to_str()
        .with_context(|| format!("{flag} {value}: the path is not UTF-8"))?
        .to_owned();
    Ok((key.to_owned(), abs))
}

/// The uid this process runs as: the owner of `/proc/self` (Linux), else unknown.
pub fn rendering_uid() -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").ok().map(|m| m.uid())
}

fn options(args: &ProfileArgs) -> anyhow::Result<ProfileOptions> {
    let mut o = ProfileOptions {
        catalog_version: args.catalog_version,
        allowed_user: args.allow_user,
        rendering_uid: rendering_uid(),
        ..Default::default()
    };
    for s in &args.secrets {
        let (k, v) = key_and_path("--secret", s)?;
        if o.secret_files.insert(k.clone(), v).is_some() {
            bail!("--secret {k} is given twice");
        }
    }
    for m in &args.mounts {
        let (k, v) = key_and_path("--mount", m)?;
        if o.mount_sources.insert(k.clone(), v).is_some() {
            bail!("--mount {k} is given twice");
        }
    }
    Ok(o)
}

/// The entry of the manifest's name and version in the catalog accepted in
/// `dir`, and that catalog's version; or why there is none (not pulled,
/// expired, not listed).
fn entry_in_state(dir: &Path, manifest: &[u8]) -> Result<(mcp_trust::catalog::Entry, u64), String> {
    let doc: serde_json::Value =
        serde_json::from_slice(manifest).map_err(|e| format!("not JSON: {e}"))?;
    let (Some(name), Some(version)) = (doc["name"].as_str(), doc["version"].as_str()) else {
        return Err("the manifest has no name and version to look up".into());
    };
    let state = StateDir::open(dir).map_err(|e| format!("catalog state {}: {e}", dir.display()))?;
    let accepted = state
        .load()
        .map_err(|e| format!("catalog state {}: {e}", dir.display()))?
        .map_or(0, |s| s.catalog_version);
    let entry = state
        .versions(name, jiff::Timestamp::now(), CATALOG_SKEW)
        .map_err(|e| format!("catalog state {}: {e}", dir.display()))?
        .into_iter()
        .find(|e| e.version == version)
        .ok_or_else(|| {
            format!(
                "{name} {version} is not in the catalog accepted in {}",
                dir.display()
            )
        })?;
    Ok((entry, accepted))
}

/// Clock-skew tolerance on the accepted catalog's expiry (as `catalog pull`'s default).
const CATALOG_SKEW: jiff::SignedDuration = jiff::SignedDuration::from_secs(300);

/// Renders the profile; refused manifests exit 1 with their findings, bad flags exit 2.
pub fn run(args: &ProfileArgs) -> anyhow::Result<Exit> {
    let options = options(args)?;
    let file = args.file.display().to_string();
    let bytes = std::fs::read(&args.file).with_context(|| format!("cannot read {file}"))?;
    let report = validate(
        &bytes,
        ValidateOptions {
            require_extension: true,
        },
    );
    let json_out = args.output.output == OutputFormat::Json;
    let mut options = options;
    let entry = match (&args.catalog_entry, &args.catalog_state) {
        (Some(path), _) => {
            let text = std::fs::read(path)
                .with_context(|| format!("cannot read catalog entry {}", path.display()))?;
            let entry: mcp_trust::catalog::Entry = serde_json::from_slice(&text)
                .with_context(|| format!("{} is not a catalog entry", path.display()))?;
            Some(entry)
        }
        (None, Some(dir)) => match entry_in_state(dir, &bytes) {
            Ok((entry, catalog_version)) => {
                options.catalog_version.get_or_insert(catalog_version);
                Some(entry)
            }
            Err(message) => {
                if json_out {
                    output::stdout::println(output::json::to_string(
                        &json!({ "file": file, "error": message }),
                    )?)?;
                } else {
                    eprintln!("error: {file}: {message}");
                }
                return Ok(Exit::Failed);
            }
        },
        (None, None) => None,
    };
    let derived = match &entry {
        Some(entry) => RuntimeProfile::from_catalog_entry(entry, &bytes, &options),
        None => RuntimeProfile::from_report(&report, &options),
    };
    let profile = match derived {
        Err(e @ (ProfileError::CatalogEntry { .. } | ProfileError::UserNeedsApproval { .. })) => {
            if json_out {
                output::stdout::println(output::json::to_string(
                    &json!({ "file": file, "error": e.to_string() }),
                )?)?;
            } else {
                eprintln!("error: {file}: {e}");
            }
            return Ok(Exit::Failed);
        }
        other => other,
    };
    let profile = match profile {
        Ok(p) => p,
        Err(ProfileError::ManifestInvalid { findings }) => {
            let message = ProfileError::ManifestInvalid {
                findings: findings.clone(),
            }
            .to_string();
            if json_out {
                output::stdout::println(output::json::to_string(&json!({
                    "file": file,
                    "error": message,
                    "findings": findings,
                }))?)?;
            } else {
                eprint!(
                    "{}",
                    output::human::lint(&[FileReport {
                        file: file.clone(),
                        findings,
                    }])
                );
                eprintln!("error: {file}: {message}");
            }
            return Ok(Exit::Failed);
        }
        Err(e) => return Err(anyhow::Error::new(e).context(format!("cannot render {file}"))),
    };
    let rendered = profile
        .render(args.format.0)
        .with_context(|| format!("cannot render {file}"))?;
    let lint_warnings = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Warning)
        .count();
    if json_out {
        output::stdout::println(output::json::to_string(&json!({
            "file": file,
            "format": rendered.format.name(),
            "warnings": rendered.warnings,
            "document": rendered.document,
            "text": rendered.text,
        }))?)?;
    } else {
        output::stdout::print(rendered.text)?;
        eprint!(
            "{}",
            output::human::profile_warnings(&file, &rendered.warnings, lint_warnings)
        );
    }
    Ok(Exit::Ok)
}
