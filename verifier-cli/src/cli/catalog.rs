//! The grammar of `mcp-verify catalog pull|verify`, with the long help that
//! lists every check a catalog passes.

use super::output::OutputArgs;
use clap::{Args, Subcommand};
use std::path::PathBuf;

/// `mcp-verify catalog …`
#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// Fetch the signed catalog from a registry, verify it, and remember it.
    #[command(long_about = PULL_ABOUT, after_help = EXAMPLES)]
    Pull(PullArgs),
    /// Verify a directory holding one catalog snapshot, offline.
    #[command(long_about = VERIFY_ABOUT, after_help = EXAMPLES)]
    Verify(VerifyDirArgs),
    /// Write the verified catalog for Docker's MCP gateway, ToolHive or an official-API client.
    #[command(long_about = EXPORT_ABOUT, after_help = EXPORT_EXAMPLES)]
    Export(ExportArgs),
    /// Pull, then report every entry of a namespace signed outside the expected signer,
    /// every status change and every key rotation since the last run (exit 1 when any).
    #[command(long_about = MONITOR_ABOUT, after_help = MONITOR_EXAMPLES)]
    Monitor(MonitorArgs),
}

/// The long help of `catalog monitor`.
pub const MONITOR_ABOUT: &str = "\
Pull the catalog as `catalog pull` does (every check, the state in --state updated), then hold \
what was added since the last run against the signer a publisher expects of its namespace: each \
new version of a server in --namespace whose verified signer identity does not match --identity \
(whole, as ^(?:RE)$) or whose issuer is not --issuer, each yank or revocation in the namespace, \
and each rotation of the catalog or checkpoint key. The first run (no state yet) checks every \
entry of the namespace. Run it from cron or CI: exit 0 nothing to report, 1 something reported \
(or the catalog failed verification), 2 bad usage, 3 registry unreachable. --output json prints \
{registry, catalogVersion, namespace, initial, alerts: [{kind, name, version, detail}]}.";

/// Examples of `catalog monitor`.
pub const MONITOR_EXAMPLES: &str = "Examples:
  mcp-verify catalog monitor https://registry.example.com --keys root.pub --state ./monitor \\
      --namespace io.github.acme --issuer https://token.actions.githubusercontent.com \\
      --identity 'https://github\\.com/acme/[^/]+/\\.github/workflows/release\\.yml@refs/tags/v.+'
  mcp-verify catalog monitor https://registry.example.com --keys root.pub --state ./monitor \\
      --namespace io.github.acme --identity '.+' --issuer https://token.actions.githubusercontent.com --output json";

/// Arguments of `catalog monitor`.
#[derive(Debug, Args)]
pub struct MonitorArgs {
    /// Base URL of the registry.
    #[arg(value_name = "URL")]
    pub url: String,
    #[command(flatten)]
    pub trust: TrustArgs,
    /// The namespace watched, e.g. io.github.acme.
    #[arg(long, value_name = "NS")]
    pub namespace: String,
    /// The certificate identity every entry of the namespace must carry, a regexp matched whole.
    #[arg(long, value_name = "RE")]
    pub identity: String,
    /// The exact OIDC issuer every entry of the namespace must carry.
    #[arg(long, value_name = "URL")]
    pub issuer: String,
    /// Deadline for each request, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub timeout: u64,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// The long help of `catalog export`.
pub const EXPORT_ABOUT: &str = "\
Write the catalog accepted in a state directory (kept by `catalog pull --state DIR`) in a format \
another gateway reads: each server's latest active version, image pinned by digest.

Formats: docker-mcp, a Docker MCP gateway catalog (`docker mcp gateway run --catalog FILE`; YAML, \
`registry:` keyed by server, with the user, command, volumes, network, secrets and env of the \
docker-mcp profile); toolhive, a ToolHive registry file in the upstream format (`thv config \
set-registry FILE.json`; each server.json with its OCI package pinned, ToolHive's permission \
profile and the certificate issuer ToolHive checks); official, an official-API ServerList of the \
server.json files as published.

The manifests come from the registry's read API (--registry) and each must be the one its signed \
entry pins (canonical SHA-256, name, version, image, tool surface); one that is not refuses the \
whole export and nothing is written. A catalog expired beyond --skew is refused. What a format \
cannot express (limits, read-only root, dropped capabilities...) is listed on stderr. Exit codes: 0 \
written; 1 a manifest did not match its entry or a profile was refused; 2 usage error or \
unreadable state; 3 the registry could not be reached.";

/// Examples of `catalog export`.
pub const EXPORT_EXAMPLES: &str = "Examples:
  mcp-verify catalog pull https://registry.example.com --keys root.pub --state ./state
  mcp-verify catalog export --state ./state --registry https://registry.example.com \\
      --format docker-mcp --to ~/.docker/mcp/catalogs/verified.yaml
  mcp-verify catalog export --state ./state --registry https://registry.example.com --format toolhive --to registry.json
  mcp-verify catalog export --state ./state --registry https://registry.example.com --format official | jq '.servers[].server.name'";

/// What `catalog export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormatArg {
    /// Docker MCP gateway catalog (YAML).
    DockerMcp,
    /// ToolHive registry file, upstream format (JSON).
    Toolhive,
    /// Official-API ServerList (JSON).
    Official,
}

/// Arguments of `catalog export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// State directory of an accepted catalog (`catalog pull --state DIR`).
    #[arg(long, value_name = "DIR")]
    pub state: PathBuf,
    /// Base URL of the registry the catalog was pulled from; the manifests are read from its
    /// `/v0.1/servers/{name}/versions/{version}` and checked against their entries.
    #[arg(long, value_name = "URL")]
    pub registry: String,
    /// Output format.
    #[arg(long, value_enum)]
    pub format: ExportFormatArg,
    /// Write here (atomically: a temporary file renamed over it) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub to: Option<PathBuf>,
    /// Approve running servers as this uid, as for `profile --allow-user`: without it a server
    /// whose manifest declares a `user` in the range of the host's accounts refuses the export.
    #[arg(long, value_name = "UID")]
    pub allow_user: Option<u32>,
    /// Clock-skew tolerance in seconds for the catalog's expiry.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub skew: u32,
    /// Deadline for each request, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub timeout: u64,
    /// No warnings on stderr (what a format cannot express).
    #[arg(long, short)]
    pub quiet: bool,
}

/// The long help of `catalog pull`: every check, in order, and the exit codes.
pub const PULL_ABOUT: &str = "\
Fetch the signed catalog from a registry and verify it against the pinned root key.

Checked, in order: the key statements are signed by the root key and unexpired; the index \
is signed by the catalog key they delegate, not expired, not issued in the future (both \
within --skew), its version is not lower than the last one accepted and the same version has \
the same bytes; the checkpoint is signed by the checkpoint key and matches the index; the log \
is consistent with the last checkpoint seen (consistency proof) and the new log records \
recompute the new tree; every changed shard matches the hash and size the index names; no \
entry disappeared or changed its published content, statuses only move forward, and every \
change appears in the log.

With --state DIR the accepted catalog is remembered there (state.json and the shards) and \
the next pull fetches only what changed; without it every pull starts from nothing and \
nothing is written. Exit codes: 0 verified; 1 verification failed (the failing check is \
named); 2 usage error or unreadable state or key; 3 the registry could not be reached or \
sent an incomplete or oversized response.";

/// The long help of `catalog verify`.
pub const VERIFY_ABOUT: &str = "\
Verify a directory holding one catalog snapshot (keys.json, index.json, shards/, \
checkpoint, log/entries.json; see docs/catalog.md), offline, with every check `pull` makes.

With --state DIR the snapshot is also checked against the catalog accepted there (rollback, \
freeze, split view); the state is read, never written. Exit codes as for `pull`.";

/// Examples shown after the flags of `catalog pull` and `catalog verify`.
pub const EXAMPLES: &str = "Examples:
  mcp-verify catalog pull https://registry.example.com --keys root.pub --state /var/lib/gateway/catalog
  mcp-verify catalog pull https://registry.example.com --keys root.pub --state ./state --output json
  mcp-verify catalog verify ./snapshot --keys root.pub";

/// Flags shared by `pull` and `verify`.
#[derive(Debug, Args)]
pub struct TrustArgs {
    /// The registry's root public key (PEM), pinned out of band.
    #[arg(long = "keys", value_name = "ROOT_PUB")]
    pub keys: PathBuf,
    /// Directory where the last accepted catalog is remembered.
    #[arg(long, value_name = "DIR")]
    pub state: Option<PathBuf>,
    /// Clock-skew tolerance in seconds, applied to every expiry and issue time.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub skew: u32,
    /// No progress on stderr (a counter of shards and log records fetched on a
    /// terminal; elsewhere a line every 10 s of a long pull).
    #[arg(long, short)]
    pub quiet: bool,
    /// A witness whose cosignature counts (its verifier key, `name+keyid+base64key`, as
    /// `mcp-registry witness init` prints it), pinned out of band; repeat for more.
    #[arg(long = "witness", value_name = "VKEY")]
    pub witnesses: Vec<String>,
    /// How many of the --witness keys must have cosigned the checkpoint
    /// [default: all of them].
    #[arg(long, value_name = "K", requires = "witnesses")]
    pub witness_threshold: Option<usize>,
}

/// Arguments of `catalog pull`.
#[derive(Debug, Args)]
pub struct PullArgs {
    /// Base URL of the registry (`https://host[:port]`); paths under /v0.1/ are added.
    #[arg(value_name = "URL")]
    pub url: String,
    #[command(flatten)]
    pub trust: TrustArgs,
    /// Deadline for each request, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub timeout: u64,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Arguments of `catalog verify`.
#[derive(Debug, Args)]
pub struct VerifyDirArgs {
    /// The snapshot directory.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    #[command(flatten)]
    pub trust: TrustArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}
