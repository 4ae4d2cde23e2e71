//! Command-line grammar. Only argument shapes live here; each command's
//! behaviour is in `commands/`.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Verify MCP server images, manifests and catalogs; render least-privilege runtime profiles.
///
/// `mcp-verify IMAGE@sha256:<digest> [policy flags]` verifies an image (the same as
/// `mcp-verify verify …`; see `mcp-verify verify --help`).
///
/// Exit codes: 0 verified or clean, 1 verification or policy failed (or findings at
/// error severity), 2 usage error or unreadable input, 3 network or registry unreachable.
#[derive(Debug, Parser)]
#[command(
    name = "mcp-verify",
    version,
    propagate_version = true,
    max_term_width = 100,
    args_conflicts_with_subcommands = true,
    after_help = crate::commands::verify::EXAMPLES
)]
pub struct Cli {
    /// What to do; without a subcommand, verify IMAGE.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// `mcp-verify IMAGE@sha256:…`: the arguments of `verify`.
    #[command(flatten)]
    pub verify: crate::commands::verify::VerifyArgs,
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
    /// Verify an image pinned by digest against its Sigstore signatures (and SLSA provenance).
    #[command(long_about = crate::commands::verify::LONG_ABOUT, after_help = crate::commands::verify::EXAMPLES)]
    Verify(crate::commands::verify::VerifyArgs),
    /// Check server.json manifests: JSON Schema and semantic rules, every finding at once.
    #[command(subcommand)]
    Manifest(ManifestCommand),
    /// Convert other catalogs into manifests.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Render the least-privilege runtime profile of a server for docker, Compose,
    /// Kubernetes, ToolHive or Docker's MCP catalog.
    #[command(long_about = PROFILE_ABOUT, after_long_help = PROFILE_EXAMPLES)]
    Profile(ProfileArgs),
    /// Pin, check and scan MCP tool surfaces: rug pulls, tool poisoning, hidden text.
    #[command(subcommand)]
    Tools(ToolsCommand),
    /// Verify one Sigstore bundle for an artifact file or a sha256: digest, offline.
    #[command(long_about = crate::commands::verify_bundle::LONG_ABOUT, after_help = crate::commands::verify_bundle::EXAMPLES)]
    VerifyBundle(crate::commands::verify_bundle::VerifyBundleArgs),
    /// Lint a manifest locally, then publish it to an mcp-registry (`POST /v0.1/publish`).
    ///
    /// The token comes from --token-file or MCP_REGISTRY_TOKEN. Exit 0 when published (or
    /// already published with the same bytes), 1 when refused, 2 on a usage error, 3 when
    /// the registry or the image's registry cannot be reached.
    Publish(PublishArgs),
    /// Fetch and verify a registry's signed catalog and transparency log: rollback,
    /// freeze, mix-and-match and split view are refused.
    #[command(subcommand)]
    Catalog(crate::commands::catalog::CatalogCommand),
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
    DockerCatalog(DockerCatalogArgs),
}

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

const PROFILE_ABOUT: &str = "\
Render the least-privilege runtime profile of a server from its manifest.

The manifest is validated first (as `manifest lint --require-extension` does); a
manifest with any error finding is refused and nothing is rendered (exit 1).
The profile then always has: the image by digest only; a non-root user (65532
unless the manifest declares one); a read-only root filesystem with a 64 MiB
tmpfs at /tmp; every capability dropped; no-new-privileges; the default seccomp
filter; CPU, memory and pids limits (1 CPU, 512 MiB, 128 when the manifest is
silent); no network, or only the declared egress allowlist; mounts read-only
unless declared read-write, and all read-only when every tool is read-only;
secrets as files under /run/secrets/NAME readable by the server's user only.
A secret the manifest declares env-only becomes a reference the gateway fills
at run time (an --env-file, a Kubernetes secretKeyRef), never a value.
Publisher runtimeArguments are never rendered.

The rendered document goes to stdout, so it can be piped or saved. Warnings go
to stderr: env-mode secrets, and every restriction the chosen target cannot
express, with how the gateway enforces it instead (docs/profiles.md).";

const PROFILE_EXAMPLES: &str = "\
Examples:
  # docker run arguments, with the secret file the gateway prepared
  mcp-verify profile server.json --format docker --secret API_KEY=/srv/mcp/api_key

  # a Compose service; the declared /data mount comes from a host directory
  mcp-verify profile server.json --format compose --mount /data=/srv/mcp/data > compose.yaml

  # a Pod and its NetworkPolicy, validated by the cluster
  mcp-verify profile server.json --format kubernetes | kubectl apply --dry-run=server -f -

  # the neutral profile (schemas/runtime-profile.v1.schema.json) for a gateway
  mcp-verify profile server.json --format json

  # the docker argv as a JSON array, with the warnings, for a program to run
  mcp-verify profile server.json --format docker --output json | jq -c .document";

/// Target of `profile --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProfileFormat {
    /// `docker run` arguments (podman accepts them too), shell-quoted.
    Docker,
    /// A Compose file with one service.
    Compose,
    /// A Pod with a hardened securityContext, and its NetworkPolicy.
    Kubernetes,
    /// A ToolHive permission profile (`thv run --permission-profile`).
    Toolhive,
    /// An entry of Docker's MCP catalog (server.yaml), pinned by digest.
    DockerMcp,
    /// The neutral runtime profile (schemas/runtime-profile.v1.schema.json).
    Json,
}

/// Arguments of `profile`.
#[derive(Debug, Args)]
pub struct ProfileArgs {
    /// The server.json to derive the profile from.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// What to render.
    #[arg(long, value_enum, default_value_t = ProfileFormat::Json)]
    pub format: ProfileFormat,
    /// Host file holding a declared secret (for an env-mode secret: an env file with
    /// `VARIABLE=value`). Default: /run/mcp-trust/secrets/<server>/NAME[.env]. Repeatable.
    #[arg(long = "secret", value_name = "NAME=FILE")]
    pub secrets: Vec<String>,
    /// Host directory for a declared mount; without it the manifest's suggestion or a
    /// named volume is used. A profile never adds mounts. Repeatable.
    #[arg(long = "mount", value_name = "CONTAINER_PATH=HOST_PATH")]
    pub mounts: Vec<String>,
    /// Version of the signed catalog the manifest came from, carried as a label.
    #[arg(long, value_name = "N")]
    pub catalog_version: Option<u64>,
    /// Approve running the server as this uid. Without it a declared `user` in the range of
    /// the host's accounts (up to 60000), 65534 (`nobody`) or equal to your own uid is refused
    /// (exit 1): through a bind mount the server would own that account's files.
    #[arg(long, value_name = "UID")]
    pub allow_user: Option<u32>,
    /// The catalog entry (JSON, as listed in a verified catalog shard) this manifest must
    /// be: its canonical SHA-256, name, version and image must match, and the version must
    /// be active (a yanked or revoked version gets no profile; exit 1).
    #[arg(long, value_name = "ENTRY_JSON")]
    pub catalog_entry: Option<std::path::PathBuf>,
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
