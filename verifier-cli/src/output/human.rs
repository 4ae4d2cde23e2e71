//! Human output: one block per file, one line per finding with its JSON
//! path, then the message and the fix indented below it.

use crate::report::{EntryReport, FileReport, ImportSummary, ToolsCheckReport};
use mcp_trust::Severity;
use std::fmt::Write;

/// Renders lint reports for a terminal.
pub fn lint(reports: &[FileReport]) -> String {
    let mut out = String::new();
    let (mut errors, mut warnings) = (0, 0);
    for r in reports {
        if r.findings.is_empty() {
            let _ = writeln!(out, "{}: ok", r.file);
            continue;
        }
        let _ = writeln!(out, "{}:", r.file);
        for f in &r.findings {
            match f.severity {
                Severity::Error => errors += 1,
                Severity::Warning => warnings += 1,
                Severity::Info => {}
            }
            let path = if f.path.is_empty() {
                "(document)"
            } else {
                &f.path
            };
            let _ = writeln!(out, "  {:<7} {} at {}", f.severity, f.code, path);
            let _ = writeln!(out, "          {}", f.message);
            if !f.hint.is_empty() {
                let _ = writeln!(out, "          fix: {}", f.hint);
            }
        }
    }
    let _ = writeln!(
        out,
        "{} file(s): {errors} error(s), {warnings} warning(s)",
        reports.len()
    );
    out
}

/// Renders import results: one line per entry, findings indented, then totals by code.
pub fn import(reports: &[EntryReport], summary: &ImportSummary) -> String {
    let mut out = String::new();
    for r in reports {
        let name = r.name.as_deref().unwrap_or("(unnamed)");
        let state = match (&r.written_to, r.converted) {
            (Some(to), _) => format!("converted -> {to}"),
            (None, true) => "converted".to_owned(),
            (None, false) => "REJECTED".to_owned(),
        };
        let _ = writeln!(out, "{name} ({}): {state}", r.source);
        for (label, list) in [
            ("server.yaml", &r.import_findings),
            ("manifest", &r.manifest_findings),
        ] {
            for f in list {
                let path = if f.path.is_empty() {
                    "(document)"
                } else {
                    &f.path
                };
                let _ = writeln!(
                    out,
                    "  {:<7} {} at {label} {path}: {}",
                    f.severity, f.code, f.message
                );
            }
        }
    }
    let _ = writeln!(
        out,
        "{} entries: {} converted ({} without errors), {} rejected",
        summary.entries, summary.converted, summary.clean, summary.rejected
    );
    for (code, n) in &summary.by_code {
        let _ = writeln!(out, "  {n:>5}  {code}");
    }
    out
}

/// Renders what a verified bundle proved.
pub fn verified_bundle(bundle: &str, v: &mcp_trust::signature::Verified) -> String {
    use mcp_trust::signature::{SignedContent, Signer};
    let mut out = String::new();
    let _ = writeln!(out, "{bundle}: verified");
    let _ = writeln!(out, "  artifact      {}", v.artifact);
    match &v.signer {
        Signer::Certificate(c) => {
            let kind = match c.identity_kind {
                mcp_trust::signature::IdentityKind::Uri => "URI",
                mcp_trust::signature::IdentityKind::Email => "email",
            };
            let _ = writeln!(out, "  identity      {} ({kind})", c.identity);
            let _ = writeln!(out, "  issuer        {}", c.issuer);
            let claims = &c.claims;
            if let Some(repo) = &claims.source_repository_uri {
                let _ = write!(out, "  source        {repo}");
                if let Some(r) = &claims.source_repository_ref {
                    let _ = write!(out, " @ {r}");
                }
                if let Some(d) = &claims.source_repository_digest {
                    let _ = write!(out, " ({d})");
                }
                let _ = writeln!(out);
            }
            if let (Some(repo_id), Some(owner_id)) = (
                &claims.source_repository_identifier,
                &claims.source_repository_owner_identifier,
            ) {
                let _ = writeln!(out, "  repository id {repo_id} (owner id {owner_id})");
            }
            if let Some(b) = &claims.build_signer_uri {
                let _ = writeln!(out, "  build signer  {b}");
            }
            let _ = writeln!(
                out,
                "  certificate   valid {} to {}",
                c.not_before, c.not_after
            );
        }
        Signer::PublicKey { fingerprint } => {
            let _ = writeln!(out, "  key           {fingerprint}");
        }
    }
    if let SignedContent::Dsse {
        payload_type,
        predicate_type,
        ..
    } = &v.content
    {
        let _ = writeln!(
            out,
            "  content       DSSE {payload_type}{}",
            predicate_type
                .as_deref()
                .map(|p| format!(", predicate {p}"))
                .unwrap_or_default()
        );
    }
    let index = v
        .log
        .log_index
        .map_or_else(|| "index not signed".to_owned(), |i| format!("index {i}"));
    let origin = v
        .log
        .checkpoint
        .as_ref()
        .map_or_else(|| v.log.log_id.clone(), |c| c.origin.clone());
    let _ = writeln!(out, "  log entry     {origin}, {index} ({})", v.log.kind);
    if v.times.is_empty() {
        let _ = writeln!(
            out,
            "  signed at     (no verified time; not needed for a key)"
        );
    }
    for t in &v.times {
        let _ = writeln!(out, "  signed at     {} ({})", t.time, t.source.describe());
    }
    out
}

/// Renders a profile's warnings for stderr: one line per finding, its fix below.
pub fn profile_warnings(
    file: &str,
    warnings: &[mcp_trust::Finding],
    lint_warnings: usize,
) -> String {
    let mut out = String::new();
    for f in warnings {
        let _ = writeln!(out, "{}: {} [{}]", f.severity, f.message, f.code);
        if !f.hint.is_empty() {
            let _ = writeln!(out, "  fix: {}", f.hint);
        }
    }
    if lint_warnings > 0 {
        let _ = writeln!(
            out,
            "note: the manifest has {lint_warnings} lint warning(s); see `mcp-verify manifest lint {file}`"
        );
    }
    out
}

/// Renders a `tools check` result: one line per difference, then both digests.
pub fn tools_check(r: &ToolsCheckReport) -> String {
    let mut out = String::new();
    if r.matches {
        let _ = writeln!(
            out,
            "{}: the live tool surface matches the pin in {} ({} tools, {})",
            r.tools_list, r.manifest, r.live_tools, r.live_digest
        );
        return out;
    }
    let _ = writeln!(
        out,
        "{}: the live tool surface differs from the pin in {}:",
        r.tools_list, r.manifest
    );
    for f in &r.findings {
        let mark = match f.code.as_str() {
            "tool-added" => "+",
            "tool-removed" => "-",
            "tool-annotation-weakened" => "!",
            _ => "~",
        };
        let _ = writeln!(
            out,
            "  {mark} {:<7} {} at {}",
            f.severity.to_string(),
            f.code,
            f.path
        );
        let _ = writeln!(out, "            {}", f.message);
    }
    let _ = writeln!(out, "  pinned {} tools {}", r.pinned_tools, r.pinned_digest);
    let _ = writeln!(out, "  live   {} tools {}", r.live_tools, r.live_digest);
    let _ = writeln!(
        out,
        "do not run this surface until it is reviewed; re-pin with `mcp-verify tools pin {} --manifest {} --write`",
        r.tools_list, r.manifest
    );
    out
}

/// Renders why a bundle was refused.
pub fn refused_bundle(bundle: &str, e: &mcp_trust::signature::VerifyError) -> String {
    format!(
        "{bundle}: NOT verified\n  stage         {}\n  reason        {e}\n",
        e.stage()
    )
}

/// Renders a verified image: who signed, where it was logged and when, provenance, and what else was found.
pub fn image_verified(r: &mcp_trust::verification::ImageReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}: verified", r.image);
    for s in &r.signatures {
        let v = &s.verified;
        match v.certificate() {
            Some(c) => {
                let _ = writeln!(out, "  signed by     {}", c.identity);
                let _ = writeln!(out, "  issuer        {}", c.issuer);
                if let Some(repo) = &c.claims.source_repository_uri {
                    let _ = writeln!(
                        out,
                        "  source        {repo}{}",
                        c.claims
                            .source_repository_ref
                            .as_deref()
                            .map(|r| format!(" @ {r}"))
                            .unwrap_or_default()
                    );
                }
            }
            None => {
                let _ = writeln!(out, "  signed by     the key given");
            }
        }
        if let Some(i) = v.log.log_index {
            let _ = writeln!(out, "  log index     {i}");
        }
        if let Some(t) = v.signed_at() {
            let _ = writeln!(out, "  signed at     {} ({})", t.time, t.source.describe());
        }
    }
    for p in &r.provenance {
        let _ = writeln!(
            out,
            "  provenance    {} @ {} commit {}",
            p.facts.source_repository.as_deref().unwrap_or("?"),
            p.facts.source_ref.as_deref().unwrap_or("?"),
            p.facts.source_commit.as_deref().unwrap_or("?")
        );
    }
    for x in &r.refused {
        let _ = writeln!(out, "  also found    refused at {}: {}", x.stage, x.reason);
    }
    out
}

/// Renders why an image did not verify, item by item.
pub fn image_refused(
    image: &mcp_trust::image::PinnedImage,
    e: &mcp_trust::verification::ImageError,
) -> String {
    let mut out = format!("{image}: NOT verified\n  reason        {e}\n");
    if let Some(r) = e.report() {
        if r.signatures.is_empty() && r.refused.is_empty() {
            out.push_str("  found         no signature at all\n");
        }
        for x in &r.refused {
            let _ = writeln!(out, "  refused at {:<18} {}", x.stage.to_string(), x.reason);
        }
    }
    out
}

/// Renders an accepted catalog: version, figures, then one line per change.
pub fn catalog_pulled(
    source: &str,
    p: &mcp_trust::catalog::client::Pulled,
    state_updated: bool,
) -> String {
    use mcp_trust::catalog::client::ChangeKind;
    let s = &p.summary;
    let mut out = String::new();
    let was = s
        .previous_version
        .map(|v| format!(" (was {v})"))
        .unwrap_or_else(|| " (first pull)".to_owned());
    let _ = writeln!(
        out,
        "{source}: verified catalog version {}{was}",
        s.catalog_version
    );
    let _ = writeln!(out, "  expires       {}", s.expires);
    let _ = writeln!(
        out,
        "  entries       {} ({} active, {} yanked, {} revoked)",
        s.entries, s.active, s.yanked, s.revoked
    );
    let _ = writeln!(out, "  log           {} records, consistent", s.tree_size);
    let _ = writeln!(
        out,
        "  fetched       {} shard(s), {} log record(s), {} bytes",
        s.shards_fetched, s.log_records_fetched, s.bytes_fetched
    );
    if p.changes.is_empty() && !p.initial {
        let _ = writeln!(out, "  no changes");
    }
    for c in &p.changes {
        let line = match c.change {
            ChangeKind::Added if c.reapproval_needed => format!(
                "+ added    {} {}: tool surface changed, re-approval needed",
                c.name, c.version
            ),
            ChangeKind::Added => format!("+ added    {} {}", c.name, c.version),
            ChangeKind::Yanked => format!("- yanked   {} {}: no new installs", c.name, c.version),
            ChangeKind::Revoked => format!("! revoked  {} {}: stop running it", c.name, c.version),
        };
        let _ = writeln!(out, "  {line}");
    }
    if !state_updated {
        let _ = writeln!(
            out,
            "  (not remembered: `catalog pull --state DIR` keeps it and reports later changes)"
        );
    }
    out
}

/// Renders why a catalog was refused.
pub fn catalog_refused(source: &str, e: &mcp_trust::catalog::client::ClientError) -> String {
    format!(
        "{source}: catalog NOT accepted\n  check         {}\n  reason        {e}\n",
        e.stage()
    )
}
