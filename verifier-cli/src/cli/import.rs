//! The grammar of `mcp-verify import …`.

use super::output::OutputArgs;
use clap::{Args, Subcommand};
use std::path::PathBuf;

/// `mcp-verify import …`
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Convert Docker MCP catalog entries (server.yaml, with tools.json beside it) into manifests.
    ///
    /// PATH is a server.yaml, a directory holding one, or a directory of such directories
    /// (a checkout of Docker's catalog). Docker's servers read secrets from environment
    /// variables, so secrets import in env mode (a warning); images are not pinned there,
    /// so every converted manifest reports `image-tag-only` or `image-latest` until you pin
    /// the digest. Exit 0 when every entry converted to a manifest without error findings,
    /// 1 otherwise, 2 when PATH cannot be read.
    #[command(after_help = DOCKER_EXAMPLES)]
    DockerCatalog(DockerCatalogArgs),
}

const DOCKER_EXAMPLES: &str = "Examples:
  mcp-verify import docker-catalog ./mcp-registry/servers --out-dir ./manifests
  mcp-verify import docker-catalog ./mcp-registry/servers/markitdown/server.yaml
  mcp-verify import docker-catalog ./mcp-registry/servers --output json";

/// Arguments of `import docker-catalog`.
#[derive(Debug, Args)]
pub struct DockerCatalogArgs {
    /// A server.yaml, a directory holding one, or a directory of such directories.
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
    /// Write one `<name>.server.json` per converted entry into this directory.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// Reverse-DNS namespace for the imported names (`NAMESPACE/<docker name>`).
    #[arg(long, default_value = mcp_trust::import::docker_catalog::DEFAULT_NAMESPACE)]
    pub namespace: String,
    /// No progress on stderr (a bar on a terminal; elsewhere a line every 10 s of a
    /// long import).
    #[arg(long, short)]
    pub quiet: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}
