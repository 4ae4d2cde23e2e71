//! The grammar of `mcp-verify publish`.

use super::output::OutputArgs;
use clap::Args;
use std::path::PathBuf;

pub const EXAMPLES: &str = "Examples:
  mcp-verify publish server.json --registry https://registry.example.com --token-file token
  MCP_REGISTRY_TOKEN=… mcp-verify publish server.json --registry https://registry.example.com
  mcp-verify publish server.json --registry http://127.0.0.1:8080 --token-file token --output json";

/// Arguments of `publish`.
#[derive(Debug, Args)]
pub struct PublishArgs {
    /// The server.json to publish.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Base URL of the registry, e.g. https://registry.example (plain http only
    /// to a loopback address: the token is never sent in cleartext).
    #[arg(long, value_name = "URL")]
    pub registry: String,
    /// File holding the publish token (otherwise MCP_REGISTRY_TOKEN).
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
}
