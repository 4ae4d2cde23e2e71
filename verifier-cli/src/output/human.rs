//! Human output: one block per file, one line per finding with its JSON
//! path, then the message and the fix indented below it.

use crate::commands::lint::FileReport;
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

/// Renders why a bundle was refused.
pub fn refused_bundle(bundle: &str, e: &mcp_trust::signature::VerifyError) -> String {
    format!(
        "{bundle}: NOT verified\n  stage         {}\n  reason        {e}\n",
        e.stage()
    )
}
