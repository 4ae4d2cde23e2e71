//! `mcp-verify tools check|pin|scan`: the tool surface of a server — rug
//! pulls against the pin in a manifest, writing that pin, and scanning tool
//! metadata for poisoning. The work is in `mcp_trust::tools`; this reads
//! files, renders, and decides exit codes.

use crate::cli::output::OutputFormat;
use crate::cli::tools::{ToolsCheckArgs, ToolsPinArgs, ToolsScanArgs};
use crate::exit::Exit;
use crate::output;
use crate::report::{FileReport, ToolsCheckReport};
use anyhow::{Context, bail};
use mcp_trust::finding::{has_errors, pointer_token};
use mcp_trust::manifest::{EXTENSION_KEY, ValidateOptions, validate};
use mcp_trust::tools::listing::{Listing, ToolSource, parse_tools_file};
use mcp_trust::tools::pin::pinned_value;
use mcp_trust::tools::scan::{RULES, scan_listing};
use mcp_trust::tools::{ScanPolicy, diff, surface_digest};
use serde_json::Value;
use std::path::Path;

fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

pub fn read_listing(path: &Path) -> anyhow::Result<Listing> {
    let bytes = read(path)?;
    parse_tools_file(&bytes)
        .with_context(|| format!("cannot read a tool list from {}", path.display()))
}

/// `tools check --manifest M --tools-list L`.
pub fn check(args: &ToolsCheckArgs) -> anyhow::Result<Exit> {
    let bytes = read(&args.manifest)?;
    let report = validate(&bytes, ValidateOptions::default());
    let Some(manifest) = report.manifest else {
        let problems: Vec<String> = report
            .findings
            .iter()
            .map(|f| format!("{} at {}: {}", f.code, f.path, f.message))
            .collect();
        bail!(
            "{} is not a readable manifest:\n  {}",
            args.manifest.display(),
            problems.join("\n  ")
        );
    };
    let Some(security) = manifest.security else {
        bail!(
            "{} has no `_meta[\"{EXTENSION_KEY}\"]` extension, so it pins no tool surface; pin one with `mcp-verify tools pin LIVE.json --manifest {} --write`",
            args.manifest.display(),
            args.manifest.display()
        );
    };
    let live = read_listing(&args.tools_list)?;
    let pinned_base = format!("/_meta/{}/tools", pointer_token(EXTENSION_KEY));
    let d = diff(&security.tools, &live.tools);
    let mut findings = d.findings(&live.pointers, &pinned_base);
    mcp_trust::finding::sort(&mut findings);
    let pinned_digest = surface_digest(&security.tools)?.set;
    let live_digest = surface_digest(&live.tools)?.set;
    let report = ToolsCheckReport {
        manifest: args.manifest.display().to_string(),
        tools_list: args.tools_list.display().to_string(),
        pinned_tools: security.tools.len(),
        live_tools: live.tools.len(),
        matches: d.is_empty() && pinned_digest == live_digest,
        pinned_digest: pinned_digest.to_string(),
        live_digest: live_digest.to_string(),
        findings,
    };
    match args.output.output {
        OutputFormat::Human => output::stdout::print(output::human::tools_check(&report))?,
        OutputFormat::Json => output::stdout::println(output::json::to_string(&report)?)?,
    }
    Ok(if report.matches {
        Exit::Ok
    } else {
        Exit::Failed
    })
}

/// `tools pin LIVE [--manifest M --write]`.
pub fn pin(args: &ToolsPinArgs) -> anyhow::Result<Exit> {
    let live = read_listing(&args.tools_list)?;
    let mut seen = std::collections::BTreeSet::new();
    if let Some(dup) = live.tools.iter().find(|t| !seen.insert(t.name.as_str())) {
        bail!(
            "{} lists tool `{}` more than once; a surface with two tools of one name cannot be pinned",
            args.tools_list.display(),
            dup.name
        );
    }
    let block: Vec<Value> = live.tools.iter().map(pinned_value).collect();
    let digest = surface_digest(&live.tools)?;
    if let (Some(path), true) = (&args.manifest, args.write) {
        write_pin(path, &block)?;
        match args.output.output {
            OutputFormat::Human => output::stdout::println(format!(
                "wrote {} tool(s) into {}; surface {}",
                block.len(),
                path.display(),
                digest.set
            ))?,
            OutputFormat::Json => {
                output::stdout::println(output::json::to_string(&pin_json(&block, &digest))?)?
            }
        }
        return Ok(Exit::Ok);
    }
    match args.output.output {
        OutputFormat::Human => {
            output::stdout::println(output::json::to_string(&block)?)?;
            eprintln!("{} tool(s); surface {}", block.len(), digest.set);
        }
        OutputFormat::Json => {
            output::stdout::println(output::json::to_string(&pin_json(&block, &digest))?)?
        }
    }
    Ok(Exit::Ok)
}

fn pin_json(block: &[Value], digest: &mcp_trust::tools::SurfaceDigest) -> Value {
    serde_json::json!({
        "tools": block,
        "surfaceDigest": digest.set.as_str(),
        "toolDigests": digest.tools.iter().map(|(name, d)| serde_json::json!({"name": name, "digest": d.as_str()})).collect::<Vec<_>>(),
    })
}

/// Sets `_meta[EXTENSION_KEY].tools` in the manifest, keeping everything else, and replaces the file atomically.
fn write_pin(path: &Path, block: &[Value]) -> anyhow::Result<()> {
    let bytes = read(path)?;
    let mut doc: Value = serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is not JSON", path.display()))?;
    let ext = doc
        .get_mut("_meta")
        .and_then(|m| m.get_mut(EXTENSION_KEY))
        .and_then(Value::as_object_mut)
        .with_context(|| {
            format!("{} has no `_meta[\"{EXTENSION_KEY}\"]` object; add the extension with at least `image` first (docs/manifest.md)", path.display())
        })?;
    ext.insert("tools".into(), Value::Array(block.to_vec()));
    let mut text = serde_json::to_string_pretty(&doc)?;
    text.push('\n');
    let report = validate(text.as_bytes(), ValidateOptions::default());
    let tools_path = format!("/_meta/{}/tools", pointer_token(EXTENSION_KEY));
    let problems: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.severity == mcp_trust::Severity::Error && f.path.starts_with(&tools_path))
        .map(|f| format!("{} at {}: {}", f.code, f.path, f.message))
        .collect();
    if !problems.is_empty() {
        bail!(
            "the pinned tools would make {} invalid; nothing written:\n  {}",
            path.display(),
            problems.join("\n  ")
        );
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.pin-tmp",
        path.file_name()
            .map_or("manifest".into(), |n| n.to_string_lossy())
    ));
    std::fs::write(&tmp, text).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot replace {}", path.display()))?;
    Ok(())
}

/// The scan policy in `path` (checked against the rule codes), or the default.
pub fn scan_policy(path: Option<&Path>) -> anyhow::Result<ScanPolicy> {
    let Some(p) = path else {
        return Ok(ScanPolicy::default());
    };
    let policy: ScanPolicy = serde_json::from_slice(&read(p)?)
        .with_context(|| format!("{} is not a scan policy", p.display()))?;
    let known: Vec<&str> = RULES.iter().map(|r| r.code).collect();
    policy
        .check(&known)
        .with_context(|| format!("in {}", p.display()))?;
    Ok(policy)
}

/// `tools scan FILE [--policy P]`.
pub fn scan(args: &ToolsScanArgs) -> anyhow::Result<Exit> {
    let policy = scan_policy(args.policy.as_deref())?;
    let listing = read_listing(&args.file)?;
    let findings = scan_listing(&listing, &policy);
    let failed = has_errors(&findings);
    match args.output.output {
        OutputFormat::Human => output::stdout::print(output::human::lint(&[FileReport {
            file: args.file.display().to_string(),
            findings,
        }]))?,
        OutputFormat::Json => {
            output::stdout::println(output::json::to_string(&serde_json::json!({
                "file": args.file.display().to_string(),
                "source": source_name(listing.source),
                "tools": listing.tools.len(),
                "findings": findings,
            }))?)?
        }
    }
    Ok(if failed { Exit::Failed } else { Exit::Ok })
}

fn source_name(s: ToolSource) -> &'static str {
    match s {
        ToolSource::ListResult => "tools-list-result",
        ToolSource::JsonRpc => "json-rpc-response",
        ToolSource::Pages(_) => "pages",
        ToolSource::BareArray => "tool-array",
        ToolSource::Manifest => "manifest",
    }
}
