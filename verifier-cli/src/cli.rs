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
    /// Pin, check and scan MCP tool surfaces: rug pulls, tool poisoning, hidden text.
    #[command(subcommand)]
    Tools(ToolsCommand),
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

/// `mcp-verify tools …`
#[derive(Debug, Subcommand)]
pub enum ToolsCommand {
    /// Compare a live tools/list result with the tool surface pinned in a manifest.
    ///
    /// Accepts a single result ({"tools": [...], "nextCursor": ...}), a JSON-RPC response
    /// wrapping one, or a JSON array of pages in cursor order. Exit 0 when the live surface
    /// equals the pin, 1 with a readable diff on any difference, 2 when a file cannot be read.
    Check(ToolsCheckArgs),
    /// Print (or write into a manifest) the tools block of a live tools/list result.
    ///
    /// Only the pinned fields are kept: name, title, description, inputSchema, outputSchema,
    /// annotations.
    Pin(ToolsPinArgs),
    /// Scan tools for poisoning: hidden characters and markup, instructions aimed at the
    /// model, secrets, exfiltration sinks, encoded payloads, contradicting annotations.
    ///
    /// FILE is a tools/list result, a bare array of tools (Docker's tools.json, whose
    /// `arguments` lists are read as inputSchema), or a server.json manifest. Exit 1 when a
    /// finding has error severity, 2 when the input cannot be read. Codes are explained in
    /// docs/findings.md.
    Scan(ToolsScanArgs),
}

/// Arguments of `tools check`.
#[derive(Debug, Args)]
pub struct ToolsCheckArgs {
    /// server.json whose security extension pins the tool surface.
    #[arg(long, value_name = "FILE")]
    pub manifest: PathBuf,
    /// The live tools/list result (or pages) to check.
    #[arg(long = "tools-list", value_name = "FILE")]
    pub tools_list: PathBuf,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Arguments of `tools pin`.
#[derive(Debug, Args)]
pub struct ToolsPinArgs {
    /// The live tools/list result (or pages) to pin.
    #[arg(value_name = "FILE")]
    pub tools_list: PathBuf,
    /// Manifest to write the tools block into (with --write).
    #[arg(long, value_name = "FILE", requires = "write")]
    pub manifest: Option<PathBuf>,
    /// Write the tools block into the manifest's security extension instead of printing it.
    #[arg(long, requires = "manifest")]
    pub write: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Arguments of `tools scan`.
#[derive(Debug, Args)]
pub struct ToolsScanArgs {
    /// Tool list or manifest to scan.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Scan policy (JSON: {"error": [...], "warning": [...], "info": [...], "off": [...]}).
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
}
