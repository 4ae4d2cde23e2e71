//! `mcp-verify manifest lint`: validate manifests and print every finding.

use crate::cli::manifest::LintArgs;
use crate::cli::output::OutputFormat;
use crate::exit::Exit;
use crate::output;
use crate::report::FileReport;
use anyhow::Context;
use mcp_trust::finding::has_errors;
use mcp_trust::manifest::{ValidateOptions, validate};

/// Lints every file; unreadable files are a usage error (exit 2) after all readable ones are reported.
pub fn lint(args: &LintArgs) -> anyhow::Result<Exit> {
    let options = ValidateOptions {
        require_extension: args.require_extension,
    };
    let mut reports = Vec::new();
    let mut unreadable = Vec::new();
    for path in &args.files {
        match std::fs::read(path).with_context(|| format!("cannot read {}", path.display())) {
            Ok(bytes) => reports.push(FileReport {
                file: path.display().to_string(),
                findings: validate(&bytes, options).findings,
            }),
            Err(e) => unreadable.push(e),
        }
    }
    match args.output.output {
        OutputFormat::Human => output::stdout::print(output::human::lint(&reports))?,
        OutputFormat::Json => output::stdout::println(output::json::to_string(
            &serde_json::json!({ "files": reports }),
        )?)?,
    }
    if let Some(first) = unreadable.into_iter().next() {
        return Err(first);
    }
    Ok(if reports.iter().any(|r| has_errors(&r.findings)) {
        Exit::Failed
    } else {
        Exit::Ok
    })
}
