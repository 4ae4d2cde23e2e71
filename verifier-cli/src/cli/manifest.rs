//! The grammar of `mcp-verify manifest …`.

use super::output::OutputArgs;
use clap::{Args, Subcommand};
use std::path::PathBuf;

/// `mcp-verify manifest …`
#[derive(Debug, Subcommand)]
pub enum ManifestCommand {
    /// Lint manifests and print every finding with its file, JSON path, code, message and fix.
    ///
    /// Exit 0 when no finding has error severity, 1 when one does, 2 when a file cannot
    /// be read. Codes are explained in docs/findings.md.
    #[command(after_help = LINT_EXAMPLES)]
    Lint(LintArgs),
}

const LINT_EXAMPLES: &str = "Examples:
  mcp-verify manifest lint server.json
  mcp-verify manifest lint --require-extension servers/*.json
  mcp-verify manifest lint server.json --output json";

/// Arguments of `manifest lint`.
#[derive(Debug, Args)]
pub struct LintArgs {
    /// server.json files to check.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Treat a missing security extension as an error (as the registry does on publish).
    #[arg(long)]
    pub require_extension: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}
