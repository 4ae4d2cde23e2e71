//! The grammar of `mcp-verify run` and `mcp-verify guard`: the enforcement
//! options both share, then each command's own.

use super::signer::SignerArgs;
use clap::{Args, ValueEnum};
use std::ffi::OsString;
use std::path::PathBuf;

/// The long help of `guard`.
pub const GUARD_ABOUT: &str = "\
Run an MCP server that is not a container (npm, PyPI, a local binary) behind the tool-surface \
guard: stdin and stdout of this command are the server's MCP stdio transport, so a client \
uses `mcp-verify guard … -- COMMAND ARGS…` as the server's command.
Enforced on every message: a tools/list answer is compared tool by tool with the pinned \
surface (--pin, or the tools of --manifest); a tool that is not pinned or whose pinned fields \
changed is withheld and reported, and with --on-drift block (the default) every call is \
refused until restart. Every listed tool is scanned; one with an error finding is withheld. A \
tools/call for a tool outside the approved surface or --allow-tools is answered with a \
JSON-RPC error and never reaches the server. Malformed or oversized messages are refused \
(client) or dropped (server). With --audit FILE each call is appended as one JSON line before \
its answer is forwarded (schemas/guard-audit.v1.schema.json).
Diagnostics go to stderr; the server's own stderr passes through. Exit codes: 2 usage error \
or unreadable pin, 126 the command cannot be executed, 127 it is not found; once the server \
has started, its own exit status.";

/// Examples of `guard`.
pub const GUARD_EXAMPLES: &str = "Examples:
  # pin the surface once (after reviewing it), then guard every start
  mcp-verify tools pin tools-list.json > everything.pin.json
  mcp-verify guard --pin everything.pin.json -- npx -y @modelcontextprotocol/server-everything
  # only two tools, every call audited
  mcp-verify guard --manifest server.json --allow-tools read_file,list_directory \\
      --audit /var/log/mcp/filesystem.jsonl -- npx -y @modelcontextprotocol/server-filesystem /srv/docs";

/// The long help of `run`.
pub const RUN_ABOUT: &str = "\
Verify a container image, then run it under its least-privilege profile behind the \
tool-surface guard: stdin and stdout of this command are the server's MCP stdio transport, so \
a client uses `mcp-verify run …` as the server's command.
Two forms. `run IMAGE@sha256:… --manifest server.json`: the image is verified exactly as \
`mcp-verify IMAGE@sha256:…` does, with the signer policy of the manifest (or the signer \
flags), and must be the manifest's image. `run NAME[@VERSION] --catalog-state DIR --manifest \
server.json`: the entry comes from a catalog pulled and verified with `catalog pull --state \
DIR` (latest active version when VERSION is omitted); the manifest's canonical hash must be the \
entry's, yanked and revoked entries do not start, and the image must verify with a signature \
whose signer is the one the catalog lists.
Any failure: the container runtime is never invoked, requests the client already sent are \
answered with a JSON-RPC error, exit 1. Otherwise the profile is rendered for docker and run \
with podman or docker (--runtime, found on PATH when omitted): read-only root, every \
capability dropped, no new privileges, the profile's limits, no network unless the manifest \
declares egress, and each --secret NAME=FILE copied into a private directory and bind-mounted \
read-only as a file owned by the server's user (never in the environment). Then every message \
passes through the same guard as `mcp-verify guard` (see its help).
Not run: servers whose transport is not stdio, and servers with an egress allowlist (a \
container gets no network or a full one; render the profile with `mcp-verify profile` and \
provide the egress proxy it names).
Exit codes: 1 verification, catalog or policy refused the start; 2 usage error or unreadable \
input; 3 a registry could not be reached; once the server has started, the runtime's exit \
status.";

/// Examples of `run`.
pub const RUN_EXAMPLES: &str = "Examples:
  mcp-verify run ghcr.io/acme/weather@sha256:6c3c… --manifest server.json \\
      --secret API_TOKEN=/etc/mcp/weather.token --audit /var/log/mcp/weather.jsonl
  # an entry of a catalog pulled with `mcp-verify catalog pull --state /var/lib/mcp/catalog`
  mcp-verify run io.github.acme/weather@1.4.2 --catalog-state /var/lib/mcp/catalog \\
      --manifest weather-1.4.2.json
  # show the runtime command without starting anything
  mcp-verify run ghcr.io/acme/weather@sha256:6c3c… --manifest server.json --dry-run";

/// Reaction to a tool surface that differs from the pin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnDriftArg {
    /// Withhold the drifted tools and refuse every call until restart.
    Block,
    /// Withhold only the drifted tools.
    Hide,
}

/// Format of the diagnostics on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum LogFormat {
    /// One readable line per event.
    #[default]
    Human,
    /// One JSON object per line.
    Json,
}

/// The enforcement options `run` and `guard` share.
#[derive(Debug, Args)]
pub struct EnforceArgs {
    /// Only these pinned tools may be listed and called (comma-separated).
    #[arg(long, value_name = "TOOL,…", value_delimiter = ',')]
    pub allow_tools: Vec<String>,
    /// What a tool surface that differs from the pin does.
    #[arg(long, value_enum, default_value_t = OnDriftArg::Block)]
    pub on_drift: OnDriftArg,
    /// Append one JSON line per tool call to this file (created with mode 0600).
    #[arg(long, value_name = "FILE")]
    pub audit: Option<PathBuf>,
    /// Also write the arguments of each call into the audit log (they may hold secrets).
    #[arg(long, requires = "audit")]
    pub audit_arguments: bool,
    /// Scan policy for listed tools (JSON, as for `tools scan --policy`).
    #[arg(long, value_name = "FILE")]
    pub scan_policy: Option<PathBuf>,
    /// Largest message accepted from either side, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = mcp_trust::guard::DEFAULT_MAX_MESSAGE_BYTES)]
    pub max_message_bytes: usize,
    /// Format of the diagnostics on stderr.
    #[arg(long, value_enum, default_value_t = LogFormat::Human)]
    pub log_format: LogFormat,
    /// Seconds the server has to stop after the client closes its input, before it is killed.
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    pub stop_timeout: u64,
}

/// Arguments of `guard`.
#[derive(Debug, Args)]
pub struct GuardArgs {
    /// The approved tool surface: a file written by `tools pin`, a tools/list result, or a
    /// server.json with pinned tools.
    #[arg(long, value_name = "FILE", required_unless_present = "manifest")]
    pub pin: Option<PathBuf>,
    /// A server.json whose security extension pins the tool surface (its name and version
    /// go into the audit log).
    #[arg(long, value_name = "SERVER_JSON", conflicts_with = "pin")]
    pub manifest: Option<PathBuf>,
    /// The server's name in diagnostics and the audit log (default: the manifest's name,
    /// else the command).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    #[command(flatten)]
    pub enforce: EnforceArgs,
    /// The server's command and its arguments, after `--`.
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<OsString>,
}

/// Container runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RuntimeArg {
    /// podman.
    Podman,
    /// docker.
    Docker,
}

/// Arguments of `run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// `IMAGE@sha256:<digest>`, or with --catalog-state `NAME[@VERSION]`. Optional with
    /// --manifest alone (the manifest's image is run).
    #[arg(value_name = "IMAGE|NAME")]
    pub target: Option<String>,
    /// The server's manifest: its profile is what runs, its pinned tools what the guard approves.
    #[arg(long, value_name = "SERVER_JSON")]
    pub manifest: PathBuf,
    /// A state directory of `catalog pull --state`: TARGET names an entry of that catalog.
    #[arg(long, value_name = "DIR", requires = "target")]
    pub catalog_state: Option<PathBuf>,
    /// Clock-skew tolerance for the catalog state's expiry, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub skew: u32,
    #[command(flatten)]
    pub signer: SignerArgs,
    /// Registry host (host[:port]) to reach over plain HTTP, for verification and for the
    /// runtime's pull. Repeatable.
    #[arg(long = "allow-insecure-registry", value_name = "HOST")]
    pub insecure_registries: Vec<String>,
    /// Deadline for each registry operation during verification, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub timeout: u64,
    /// Container runtime (default: podman if on PATH, else docker).
    #[arg(long, value_enum)]
    pub runtime: Option<RuntimeArg>,
    /// A declared secret's value, from a file: NAME=FILE. Repeatable.
    #[arg(long = "secret", value_name = "NAME=FILE")]
    pub secrets: Vec<String>,
    /// Host path for a declared mount: CONTAINER_PATH=HOST_PATH. Repeatable.
    #[arg(long = "mount", value_name = "CONTAINER_PATH=HOST_PATH")]
    pub mounts: Vec<String>,
    /// Approve a declared uid that is a host account's (see `profile --help`).
    #[arg(long, value_name = "UID")]
    pub allow_user: Option<u32>,
    /// Verify and render, print the runtime's command line (JSON) on stdout, start nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub enforce: EnforceArgs,
}
