//! Command-line grammar. Only argument shapes live here; each command's
//! behaviour is in `commands/`.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Verify MCP server images, manifests and catalogs; render least-privilege runtime profiles.
///
/// Exit codes: 0 verified or clean, 1 verification or policy failed (or findings at
/// error severity), 2 usage error or unreadable input, 3 network or registry unreachable.
#[derive(Debug, Parser)]
#[command(
    name = "mcp-verify",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Output format shared by every command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum OutputFormat {
    /// Readable text for a terminal.
    #[default]
    Human,
    /// One JSON document on stdout (schemas in `schemas/`).
    Json,
}

/// `--output` flag shared by every command.
#[derive(Debug, Clone, Args)]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub output: OutputFormat,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check server.json manifests: JSON Schema and semantic rules, every finding at once.
    #[command(subcommand)]
    Manifest(ManifestCommand),
    /// Lint a manifest locally, then publish it to an mcp-registry (`POST /v0.1/publish`).
    ///
    /// The token comes from --token-file or MCP_REGISTRY_TOKEN. Exit 0 when published (or
    /// already published with the same bytes), 1 when refused, 2 on a usage error, 3 when
    /// the registry or the image's registry cannot be reached.
    Publish(PublishArgs),
}

/// Arguments of `publish`.
#[derive(Debug, Args)]
pub struct PublishArgs {
    /// The server.json to publish.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Base URL of the registry, e.g. https://registry.example.
    #[arg(long, value_name = "URL")]
    pub registry: String,
    /// File holding the publish token (otherwise MCP_REGISTRY_TOKEN).
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `mcp-verify manifest …`
#[derive(Debug, Subcommand)]
pub enum ManifestCommand {
    /// Lint manifests and print every finding with its file, JSON path, code, message and fix.
    ///
    /// Exit 0 when no finding has error severity, 1 when one does, 2 when a file cannot
    /// be read. Codes are explained in docs/findings.md.
    Lint(LintArgs),
}

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
