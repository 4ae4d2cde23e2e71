//! The grammar of `mcp-verify tools …`.

use super::output::OutputArgs;
use clap::{Args, Subcommand};
use std::path::PathBuf;

/// `mcp-verify tools …`
#[derive(Debug, Subcommand)]
pub enum ToolsCommand {
    /// Compare a live tools/list result with the tool surface pinned in a manifest.
    ///
    /// Accepts a single result ({"tools": [...], "nextCursor": ...}), a JSON-RPC response
    /// wrapping one, or a JSON array of pages in cursor order. Exit 0 when the live surface
    /// equals the pin, 1 with a readable diff on any difference, 2 when a file cannot be read.
    #[command(after_help = CHECK_EXAMPLES)]
    Check(ToolsCheckArgs),
    /// Print (or write into a manifest) the tools block of a live tools/list result.
    ///
    /// Only the pinned fields are kept: name, title, description, inputSchema, outputSchema,
    /// annotations.
    #[command(after_help = PIN_EXAMPLES)]
    Pin(ToolsPinArgs),
    /// Scan tools for poisoning: hidden characters and markup, instructions aimed at the
    /// model, secrets, exfiltration sinks, encoded payloads, contradicting annotations.
    ///
    /// FILE is a tools/list result, a bare array of tools (Docker's tools.json, whose
    /// `arguments` lists are read as inputSchema), or a server.json manifest. Exit 1 when a
    /// finding has error severity, 2 when the input cannot be read. Codes are explained in
    /// docs/findings.md.
    #[command(after_help = SCAN_EXAMPLES)]
    Scan(ToolsScanArgs),
}

const CHECK_EXAMPLES: &str = "Examples:
  mcp-verify tools check --manifest server.json --tools-list live.json
  mcp-verify tools check --manifest server.json --tools-list pages.json --output json";

const PIN_EXAMPLES: &str = "Examples:
  mcp-verify tools pin live.json > tools.json
  mcp-verify tools pin live.json --manifest server.json --write";

const SCAN_EXAMPLES: &str = "Examples:
  mcp-verify tools scan live.json
  mcp-verify tools scan server.json --output json
  mcp-verify tools scan tools.json    # Docker's catalog format";

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
