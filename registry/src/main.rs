//! `mcp-registry`: the signed MCP catalog registry.

use clap::Parser;

/// Signed MCP catalog registry: verifies manifests and images on publish and serves a signed catalog.
#[derive(Debug, Parser)]
#[command(name = "mcp-registry", version)]
struct Cli {}

fn main() {
    let _ = Cli::parse();
}
