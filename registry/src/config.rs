//! Configuration: the command-line grammar, `MCP_REGISTRY_*` environment
//! variables and an optional TOML or JSON file, merged into typed settings.
//! This is the only module that reads flags, the environment or the config
//! file. Precedence: flag, then environment, then file, then default.

use crate::store::StoreConfig;
use clap::{Args, Parser, Subcommand, ValueEnum};
use jiff::SignedDuration;
use serde::Deserialize;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Signed MCP catalog registry: verifies manifests and images on publish and serves the /v0.1 API.
#[derive(Debug, Parser)]
#[command(name = "mcp-registry", version, max_term_width = 100)]
pub struct Cli {
    /// Configuration file, TOML or JSON (by extension) [env: MCP_REGISTRY_CONFIG].
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Directory of the embedded store and default catalog key [env: MCP_REGISTRY_DATA_DIR] [default: ./data].
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Use PostgreSQL instead of the embedded store [env: MCP_REGISTRY_DATABASE_URL].
    #[arg(long, global = true, value_name = "postgres://…")]
    pub database_url: Option<String>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server.
    #[command(after_help = SERVE_EXAMPLES)]
    Serve(Box<ServeArgs>),
    /// Administer namespaces, tokens and the audit log directly in the store.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Take in the versions other registries list: each goes through the checks of a
    /// publish; what does not verify is kept apart in the mirrored tier, never signed.
    #[command(subcommand, after_help = SYNC_ABOUT)]
    Sync(SyncCommand),
    /// Witness other registries' logs (c2sp.org/tlog-witness): cosign each checkpoint
    /// that extends the one witnessed before, so no log can show two histories.
    #[command(subcommand)]
    Witness(WitnessCommand),
    /// Print the completion script of a shell (bash, zsh, fish, elvish, powershell).
    #[command(
        after_help = "Examples:\n  mcp-registry completions bash > /etc/bash_completion.d/mcp-registry\n  mcp-registry completions zsh > \"${fpath[1]}/_mcp-registry\""
    )]
    Completions {
        /// The shell to complete for.
        #[arg(value_enum, value_name = "SHELL")]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), or write one page per command into a directory.
    #[command(
        after_help = "Examples:\n  mcp-registry man | man -l -\n  mcp-registry man --dir /usr/local/share/man/man1"
    )]
    Man {
        /// Write one page per command (mcp-registry.1, mcp-registry-serve.1, …) into this
        /// directory instead of printing the top-level page.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

/// Flags of `serve`; each has an `MCP_REGISTRY_*` variable and a config-file key.
#[derive(Debug, Default, Args)]
pub struct ServeArgs {
    /// Address to listen on [env: MCP_REGISTRY_LISTEN] [default: 127.0.0.1:8080].
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// Sigstore trusted root (JSON) for a private Sigstore [env: MCP_REGISTRY_TRUSTED_ROOT].
    #[arg(long, value_name = "FILE")]
    pub trusted_root: Option<PathBuf>,
    /// Directory of the catalog keys written by `admin keys init`: root.pub, keys.json,
    /// catalog.key, checkpoint.key (the root key is never read) [env: MCP_REGISTRY_CATALOG_KEYS]
    /// [default: DATA_DIR/catalog-keys, created on first start of the embedded store].
    /// After `admin keys rotate`, send the server SIGHUP to load the directory again.
    #[arg(long, value_name = "DIR")]
    pub catalog_keys: Option<PathBuf>,
    /// OCI registry host[:port] images may come from; repeat for more [env: MCP_REGISTRY_ALLOWED_REGISTRIES, comma-separated].
    #[arg(long = "allowed-registry", value_name = "HOST")]
    pub allowed_registries: Vec<String>,
    /// Allow OCI registries on loopback addresses (tests only) [env: MCP_REGISTRY_ALLOW_LOOPBACK_REGISTRIES].
    #[arg(long)]
    pub allow_loopback_registries: bool,
    /// Show the mirrored tier (upstream versions a sync could not verify, with why) on the public
    /// catalog pages [env: MCP_REGISTRY_PAGES_SHOW_MIRRORED] [default: only admins see it, at
    /// /v0.1/admin/mirrored]. File sources are shown by kind, never by path.
    #[arg(long)]
    pub pages_show_mirrored: bool,
    /// Tool-scan policy (JSON: {"error": [...], "warning": [...], "info": [...], "off": [...]}):
    /// which tool findings block a publish [env: MCP_REGISTRY_TOOL_SCAN_POLICY] [default: each rule's own severity].
    #[arg(long, value_name = "FILE")]
    pub tool_scan_policy: Option<PathBuf>,
    /// Allowed registry host[:port] reached over plain HTTP instead of HTTPS (tests, air-gapped
    /// mirrors); repeat for more [env: MCP_REGISTRY_INSECURE_REGISTRIES, comma-separated].
    #[arg(long = "insecure-registry", value_name = "HOST")]
    pub insecure_registries: Vec<String>,
    /// Proxy address or CIDR whose X-Forwarded-For is believed; repeat for more [env: MCP_REGISTRY_TRUSTED_PROXIES].
    #[arg(long = "trusted-proxy", value_name = "CIDR")]
    pub trusted_proxies: Vec<String>,
    /// Largest request body in bytes [env: MCP_REGISTRY_MAX_BODY_BYTES] [default: 1048576].
    #[arg(long, value_name = "BYTES")]
    pub max_body_bytes: Option<usize>,
    /// Requests per minute per client IP (IPv6: per /64), 0 = unlimited [env: MCP_REGISTRY_RATE_LIMIT_PER_IP] [default: 600].
    #[arg(long, value_name = "N")]
    pub rate_limit_per_ip: Option<u32>,
    /// MiB of `GET /v0.1/servers` answers kept until the store's next commit (embedded store only), 0 = none [env: MCP_REGISTRY_LIST_CACHE_MIB] [default: 16].
    #[arg(long, value_name = "MIB")]
    pub list_cache_mib: Option<usize>,
    /// Authenticated requests per minute per token, 0 = unlimited [env: MCP_REGISTRY_RATE_LIMIT_PER_TOKEN] [default: 60].
    #[arg(long, value_name = "N")]
    pub rate_limit_per_token: Option<u32>,
    /// Image verifications running at once [env: MCP_REGISTRY_VERIFY_CONCURRENCY] [default: 4].
    #[arg(long, value_name = "N")]
    pub verify_concurrency: Option<usize>,
    /// Seconds allowed to send request headers [env: MCP_REGISTRY_HEADER_TIMEOUT_SECS] [default: 10].
    #[arg(long, value_name = "SECS")]
    pub header_timeout_secs: Option<u64>,
    /// Connections served at once; past it the server stops accepting until one closes [env: MCP_REGISTRY_MAX_CONNECTIONS] [default: 1024].
    #[arg(long, value_name = "N")]
    pub max_connections: Option<usize>,
    /// Connections one client address (an IPv6 client's /64) holds at once, 0 for no cap; past it its new ones are answered 429 and closed; trusted proxies are not capped. Only for a registry that clients reach directly, not through a load balancer, NAT or sidecar [env: MCP_REGISTRY_MAX_CONNECTIONS_PER_IP] [default: 0].
    #[arg(long, value_name = "N")]
    pub max_connections_per_ip: Option<usize>,
    /// Seconds allowed to send a request body [env: MCP_REGISTRY_BODY_TIMEOUT_SECS] [default: 30].
    #[arg(long, value_name = "SECS")]
    pub body_timeout_secs: Option<u64>,
    /// Seconds one image verification may take [env: MCP_REGISTRY_VERIFY_TIMEOUT_SECS] [default: 120].
    #[arg(long, value_name = "SECS")]
    pub verify_timeout_secs: Option<u64>,
    /// Seconds in-flight requests get to finish on shutdown [env: MCP_REGISTRY_SHUTDOWN_GRACE_SECS] [default: 30].
    #[arg(long, value_name = "SECS")]
    pub shutdown_grace_secs: Option<u64>,
    /// Hours a signed catalog index is valid; gateways refuse it afterwards
    /// [env: MCP_REGISTRY_CATALOG_VALIDITY_HOURS] [default: 24].
    #[arg(long, value_name = "HOURS")]
    pub catalog_validity_hours: Option<u32>,
    /// Minutes after which an unchanged index is re-signed; at most half the validity
    /// [env: MCP_REGISTRY_CATALOG_REFRESH_MINUTES] [default: 60].
    #[arg(long, value_name = "MINUTES")]
    pub catalog_refresh_minutes: Option<u32>,
    /// Most catalog bytes of one version's entry [env: MCP_REGISTRY_MAX_ENTRY_BYTES] [default: 8192].
    #[arg(long, value_name = "BYTES")]
    pub max_entry_bytes: Option<u64>,
    /// Most catalog bytes of all versions of one server
    /// [env: MCP_REGISTRY_MAX_SERVER_ENTRY_BYTES] [default: 262144].
    #[arg(long, value_name = "BYTES")]
    pub max_server_entry_bytes: Option<u64>,
    /// Most catalog bytes of all versions of one namespace's servers
    /// [env: MCP_REGISTRY_MAX_NAMESPACE_ENTRY_BYTES] [default: 2097152].
    #[arg(long, value_name = "BYTES")]
    pub max_namespace_entry_bytes: Option<u64>,
    /// Most catalog bytes of all versions of one namespace's servers in one shard
    /// [env: MCP_REGISTRY_MAX_NAMESPACE_SHARD_BYTES] [default: 262144].
    #[arg(long, value_name = "BYTES")]
    pub max_namespace_shard_bytes: Option<u64>,
    /// Most bytes of one catalog shard; at most the default, which keeps shards below
    /// the 8 MiB gateways accept [env: MCP_REGISTRY_MAX_SHARD_BYTES] [default: 6291456].
    #[arg(long, value_name = "BYTES")]
    pub max_shard_bytes: Option<u64>,
    /// Sync from this official-API registry in the background, as `sync official URL`
    /// does (incrementally) [env: MCP_REGISTRY_SYNC_OFFICIAL].
    #[arg(long, value_name = "URL")]
    pub sync_official: Option<String>,
    /// A witness to submit each new checkpoint to, as `URL VKEY` (its submission URL, a
    /// space, its verifier key); the checkpoint is served with the cosignatures it
    /// returns; repeat for more [env: MCP_REGISTRY_WITNESSES, comma-separated].
    #[arg(long = "witness", value_name = "URL VKEY")]
    pub witnesses: Vec<String>,
    /// Minutes between background syncs (with --sync-official)
    /// [env: MCP_REGISTRY_SYNC_EVERY_MINUTES] [default: 60].
    #[arg(long, value_name = "MINUTES")]
    pub sync_every_minutes: Option<u32>,
}

/// `mcp-registry witness …`
#[derive(Debug, Subcommand)]
pub enum WitnessCommand {
    /// Create the witness's key in a directory; prints its verifier key for gateways.
    #[command(after_help = WITNESS_INIT_EXAMPLES)]
    Init {
        /// The witness's directory (key and state).
        #[arg(long, value_name = "DIR")]
        dir: PathBuf,
        /// The witness's name, usually its URL without the scheme.
        #[arg(long, value_name = "NAME")]
        name: String,
    },
    /// Serve POST /add-checkpoint for the logs followed.
    #[command(after_help = WITNESS_SERVE_EXAMPLES)]
    Serve {
        /// The witness's directory, as `witness init` made it.
        #[arg(long, value_name = "DIR")]
        dir: PathBuf,
        /// A log to follow: its checkpoint verifier key (`origin+hash+base64key`, which
        /// mcp-registry prints at start as `checkpoint_vkey`); repeat for more logs, and
        /// give a log's old and new key together while it rotates.
        #[arg(long = "log", value_name = "VKEY", required = true)]
        logs: Vec<String>,
        /// Address to listen on.
        #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8090")]
        listen: SocketAddr,
        /// Connections served at once; past it the witness stops accepting until one closes.
        #[arg(long, value_name = "N", default_value_t = 256, value_parser = clap::value_parser!(u64).range(1..65536))]
        max_connections: u64,
    },
}

const WITNESS_INIT_EXAMPLES: &str = "Examples:
  mcp-registry witness init --dir /var/lib/witness --name witness.example.org
  mcp-registry witness init --dir ./w1 --name w1.example.org > w1.vkey";

const WITNESS_SERVE_EXAMPLES: &str = "Examples:
  mcp-registry witness serve --dir /var/lib/witness --log 'registry.example.com/log+1a2b3c4d+AQ…' --listen 0.0.0.0:8090
  mcp-registry witness serve --dir ./w1 --log \"$(cat registry.vkey)\"";

/// `mcp-registry sync …`
#[derive(Debug, Subcommand)]
pub enum SyncCommand {
    /// Sync from an official-API registry (`GET /v0.1/servers`, every page, incrementally).
    #[command(after_help = SYNC_OFFICIAL_EXAMPLES)]
    Official(SyncOfficialArgs),
    /// Sync from a checkout of Docker's MCP catalog (a directory of `servers/*/server.yaml`).
    #[command(after_help = SYNC_DOCKER_EXAMPLES)]
    DockerCatalog(SyncDockerArgs),
    /// Sync from a ToolHive registry file (upstream format, or the older `servers` map).
    #[command(after_help = SYNC_TOOLHIVE_EXAMPLES)]
    Toolhive(SyncToolhiveArgs),
    /// List the mirrored tier: versions synced that did not verify, with the reasons.
    #[command(after_help = SYNC_LIST_EXAMPLES)]
    List(SyncListArgs),
    /// Open a namespace to the versions sources list of it, under a signer policy, then
    /// publish the mirrored versions of it from those sources that verify.
    #[command(after_help = SYNC_PROMOTE_EXAMPLES)]
    Promote(SyncPromoteArgs),
    /// Close a namespace to sources: their versions of it are mirrored from now on
    /// (what was published stays published).
    #[command(after_help = SYNC_CLOSE_EXAMPLES)]
    Close(SyncCloseArgs),
}

/// Arguments of `sync close`.
#[derive(Debug, Clone, Args)]
pub struct SyncCloseArgs {
    /// The namespace.
    #[arg(long, value_name = "NS")]
    pub namespace: String,
    /// The source to close it to (as for `promote --from`); repeat for more; every
    /// source when none is given.
    #[arg(long = "from", value_name = "URL|FILE|DIR")]
    pub from: Vec<String>,
}

/// What every sync source takes: how to verify, and how to report.
#[derive(Debug, Clone, Args)]
pub struct SyncCommon {
    /// Check again versions already in the mirrored tier with the same upstream bytes
    /// (by default they are skipped: a sync is cheap to repeat).
    #[arg(long)]
    pub recheck: bool,
    /// Versions checked at once (each verification is bounded by --verify-timeout-secs)
    /// [default: half the verification slots].
    #[arg(long, value_name = "N")]
    pub concurrency: Option<usize>,
    /// Output format of the report.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub output: OutputFormat,
    #[command(flatten)]
    pub verify: VerifyArgs,
}

/// The verification settings of `serve` that a sync uses (same variables and file keys).
#[derive(Debug, Default, Clone, Args)]
pub struct VerifyArgs {
    /// Sigstore trusted root (JSON) for a private Sigstore [env: MCP_REGISTRY_TRUSTED_ROOT].
    #[arg(long, value_name = "FILE")]
    pub trusted_root: Option<PathBuf>,
    /// OCI registry host[:port] images may come from; repeat for more [env: MCP_REGISTRY_ALLOWED_REGISTRIES].
    #[arg(long = "allowed-registry", value_name = "HOST")]
    pub allowed_registries: Vec<String>,
    /// Allow OCI registries on loopback addresses (tests only) [env: MCP_REGISTRY_ALLOW_LOOPBACK_REGISTRIES].
    #[arg(long)]
    pub allow_loopback_registries: bool,
    /// Allowed registry host[:port] reached over plain HTTP [env: MCP_REGISTRY_INSECURE_REGISTRIES].
    #[arg(long = "insecure-registry", value_name = "HOST")]
    pub insecure_registries: Vec<String>,
    /// Tool-scan policy file (as for `serve`) [env: MCP_REGISTRY_TOOL_SCAN_POLICY].
    #[arg(long, value_name = "FILE")]
    pub tool_scan_policy: Option<PathBuf>,
    /// Image verifications running at once [env: MCP_REGISTRY_VERIFY_CONCURRENCY] [default: 4].
    #[arg(long, value_name = "N")]
    pub verify_concurrency: Option<usize>,
    /// Seconds one image verification may take [env: MCP_REGISTRY_VERIFY_TIMEOUT_SECS] [default: 120].
    #[arg(long, value_name = "SECS")]
    pub verify_timeout_secs: Option<u64>,
}

impl VerifyArgs {
    /// The same settings as `serve` flags, the others left to the
    /// environment, the file and the defaults.
    pub fn as_serve_args(&self) -> ServeArgs {
        ServeArgs {
            trusted_root: self.trusted_root.clone(),
            allowed_registries: self.allowed_registries.clone(),
            allow_loopback_registries: self.allow_loopback_registries,
            insecure_registries: self.insecure_registries.clone(),
            tool_scan_policy: self.tool_scan_policy.clone(),
            verify_concurrency: self.verify_concurrency,
            verify_timeout_secs: self.verify_timeout_secs,
            ..ServeArgs::default()
        }
    }
}

/// Arguments of `sync official`.
#[derive(Debug, Clone, Args)]
pub struct SyncOfficialArgs {
    /// Base URL of the registry (its API is under /v0.1).
    #[arg(value_name = "URL", default_value = OFFICIAL_REGISTRY)]
    pub url: String,
    /// Read every page, not only what changed since the last complete sync of this URL.
    #[arg(long)]
    pub full: bool,
    /// Seconds one page request may take.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub timeout_secs: u64,
    /// Retries of one page after a 429, a 5xx, a timeout or a cut connection, with
    /// exponential backoff from half a second (Retry-After honoured up to a minute).
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub retries: u32,
    /// Minutes one run may read the upstream; a run stopped by it did not complete
    /// (exit 1) and the next reads again.
    #[arg(long, value_name = "MINUTES", default_value_t = 60)]
    pub deadline_minutes: u64,
    #[command(flatten)]
    pub common: SyncCommon,
}

/// The official MCP registry.
pub const OFFICIAL_REGISTRY: &str = "https://registry.modelcontextprotocol.io";

/// Arguments of `sync docker-catalog`.
#[derive(Debug, Clone, Args)]
pub struct SyncDockerArgs {
    /// The checkout's `servers` directory (or one server's directory).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Namespace the catalog's short names are placed under.
    #[arg(long, value_name = "NS", default_value = mcp_trust::import::docker_catalog::DEFAULT_NAMESPACE)]
    pub namespace: String,
    #[command(flatten)]
    pub common: SyncCommon,
}

/// Arguments of `sync toolhive`.
#[derive(Debug, Clone, Args)]
pub struct SyncToolhiveArgs {
    /// The registry file (JSON).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Namespace the older format's short names are placed under.
    #[arg(long, value_name = "NS", default_value = "io.github.stacklok")]
    pub namespace: String,
    #[command(flatten)]
    pub common: SyncCommon,
}

/// Arguments of `sync list`.
#[derive(Debug, Clone, Args)]
pub struct SyncListArgs {
    /// Only this namespace's versions.
    #[arg(long, value_name = "NS")]
    pub namespace: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Arguments of `sync promote`.
#[derive(Debug, Clone, Args)]
pub struct SyncPromoteArgs {
    /// The namespace to open to synced versions, e.g. io.github.acme.
    #[arg(long, value_name = "NS")]
    pub namespace: String,
    /// The source whose versions of the namespace may be published: the URL of an
    /// official-API registry, a ToolHive registry file or a Docker catalog directory,
    /// as given to the sync command; repeat for more.
    #[arg(long = "from", value_name = "URL|FILE|DIR", required = true)]
    pub from: Vec<String>,
    /// Regexp the signing certificate identity must match whole (anchored as ^(?:RE)$);
    /// required unless the namespace exists, whose binding then applies.
    #[arg(long, value_name = "RE", requires = "signer_issuer")]
    pub signer_identity_regexp: Option<String>,
    /// Exact OIDC issuer of the signing certificate (with --signer-identity-regexp).
    #[arg(long, value_name = "URL", requires = "signer_identity_regexp")]
    pub signer_issuer: Option<String>,
    /// Required Fulcio source repository identifier (OID 1.3.6.1.4.1.57264.1.15).
    #[arg(long, value_name = "N")]
    pub source_repository_id: Option<String>,
    /// Required Fulcio source repository owner identifier (OID 1.3.6.1.4.1.57264.1.17).
    #[arg(long, value_name = "N")]
    pub owner_id: Option<String>,
    #[command(flatten)]
    pub common: SyncCommon,
}

/// `mcp-registry admin …`
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Namespaces and their signer binding.
    #[command(subcommand)]
    Namespace(NamespaceCommand),
    /// Publish and admin tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Print the audit log.
    #[command(after_help = AUDIT_EXAMPLES)]
    Audit(AuditArgs),
    /// The offline root key and the catalog and checkpoint keys it delegates to (no store needed).
    #[command(subcommand)]
    Keys(crate::keys::KeysCommand),
}

/// `admin namespace …`
#[derive(Debug, Subcommand)]
pub enum NamespaceCommand {
    /// Create a namespace bound to a signer.
    #[command(after_help = NAMESPACE_CREATE_EXAMPLES)]
    Create(NamespaceCreateArgs),
    /// List namespaces.
    #[command(after_help = NAMESPACE_LIST_EXAMPLES)]
    List(OutputArgs),
}

/// Arguments of `admin namespace create`.
#[derive(Debug, Args)]
pub struct NamespaceCreateArgs {
    /// Reverse-DNS namespace, e.g. io.github.acme.
    pub name: String,
    /// Regexp the signing certificate identity must match whole (anchored as ^(?:RE)$).
    #[arg(long, value_name = "RE")]
    pub signer_identity_regexp: String,
    /// Exact OIDC issuer of the signing certificate.
    #[arg(long, value_name = "URL")]
    pub signer_issuer: String,
    /// Required Fulcio source repository identifier (OID 1.3.6.1.4.1.57264.1.15).
    #[arg(long, value_name = "N")]
    pub source_repository_id: Option<String>,
    /// Required Fulcio source repository owner identifier (OID 1.3.6.1.4.1.57264.1.17).
    #[arg(long, value_name = "N")]
    pub owner_id: Option<String>,
}

/// `admin token …`
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token and print it once.
    #[command(after_help = TOKEN_CREATE_EXAMPLES)]
    Create(TokenCreateArgs),
    /// Revoke a token by id.
    #[command(after_help = TOKEN_REVOKE_EXAMPLES)]
    Revoke(TokenRevokeArgs),
    /// Replace a token: create a new one with the same scope and description, print
    /// it once, then revoke the old one (which stops working at once).
    #[command(after_help = TOKEN_ROTATE_EXAMPLES)]
    Rotate(TokenRotateArgs),
    /// List tokens (ids, scopes, expiry; secrets are never stored).
    #[command(after_help = TOKEN_LIST_EXAMPLES)]
    List(OutputArgs),
}

/// Arguments of `admin token create`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("scope").required(true).args(["namespace", "admin"])))]
pub struct TokenCreateArgs {
    /// Namespace the token may publish, yank and unyank in.
    #[arg(long, value_name = "NAMESPACE")]
    pub namespace: Option<String>,
    /// An admin token (namespaces, tokens, revocation, audit).
    #[arg(long)]
    pub admin: bool,
    /// Free text kept with the token.
    #[arg(long, default_value = "")]
    pub description: String,
    #[command(flatten)]
    pub expires: ExpiresArgs,
}

/// `--expires` of `admin token create` and `admin token rotate`.
#[derive(Debug, Clone, Args)]
pub struct ExpiresArgs {
    /// When the token expires: a duration from now (`90d`, `12h`, `30m`), an RFC 3339
    /// timestamp (`2026-01-31T00:00:00Z`), or `never`. Tokens expire by default, after
    /// 90 days; an expired token is refused with 401 until it is rotated.
    #[arg(long = "expires", value_name = "WHEN", default_value = crate::auth::DEFAULT_EXPIRY, value_parser = parse_expires)]
    pub expires: crate::auth::Expiry,
}

/// Parses `--expires WHEN`, refusing a zero duration and a time not in the future.
pub fn parse_expires(s: &str) -> Result<crate::auth::Expiry, String> {
    let expiry = crate::auth::Expiry::parse(s)?;
    expiry.resolve(crate::time::now())?;
    Ok(expiry)
}

/// Arguments of `admin token revoke`.
#[derive(Debug, Args)]
pub struct TokenRevokeArgs {
    /// Token id (the 16 hex digits after `mcpr_`).
    pub id: String,
}

/// Arguments of `admin token rotate`.
#[derive(Debug, Args)]
pub struct TokenRotateArgs {
    /// Id of the token to replace (the 16 hex digits after `mcpr_`); it must not be revoked.
    pub id: String,
    #[command(flatten)]
    pub expires: ExpiresArgs,
}

/// Arguments of `admin audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Print records after this sequence number.
    #[arg(long, default_value_t = 0)]
    pub after: u64,
    /// Most records to print.
    #[arg(long, default_value_t = 100)]
    pub limit: usize,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `--output` for admin commands.
#[derive(Debug, Clone, Args)]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub output: OutputFormat,
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Readable text.
    Human,
    /// JSON.
    Json,
}

/// A configuration problem, naming the flag, variable or file key at fault.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// Request limits and timeouts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest request body (413 above).
    pub max_body_bytes: usize,
    /// Requests per minute per client IP (0: unlimited).
    pub rate_limit_per_ip: u32,
    /// Authenticated requests per minute per token (0: unlimited).
    pub rate_limit_per_token: u32,
    /// Verifications running at once.
    pub verify_concurrency: usize,
    /// Time to send request headers.
    pub header_timeout: Duration,
    /// Connections served at once.
    pub max_connections: usize,
    /// Connections one client address holds at once (0: no cap).
    pub max_connections_per_ip: usize,
    /// Time to send a request body.
    pub body_timeout: Duration,
    /// Time one verification may take (waiting for a slot included).
    pub verify_timeout: Duration,
    /// Time in-flight requests get on shutdown.
    pub shutdown_grace: Duration,
    /// Largest page of a listing.
    pub max_page_size: usize,
    /// Bytes of listing answers kept (0: none).
    pub list_cache_bytes: usize,
    /// Catalog bytes publishes may take per entry, server, namespace and shard.
    pub budget: crate::store::EntryBudget,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_body_bytes: 1024 * 1024,
            rate_limit_per_ip: 600,
            rate_limit_per_token: 60,
            verify_concurrency: 4,
            header_timeout: Duration::from_secs(10),
            max_connections: 1024,
            max_connections_per_ip: 0,
            body_timeout: Duration::from_secs(30),
            verify_timeout: Duration::from_secs(120),
            shutdown_grace: Duration::from_secs(30),
            max_page_size: 100,
            list_cache_bytes: crate::handlers::page_cache::MAX_BYTES,
            budget: crate::store::EntryBudget::default(),
        }
    }
}

/// Where the catalog keys live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogKeyConfig {
    /// The directory `admin keys init` wrote.
    pub dir: PathBuf,
    /// Create the keys when missing (only for the embedded default: replicas share keys).
    pub create_if_missing: bool,
}

/// Default directory of the catalog keys under the data directory.
pub fn default_keys_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("catalog-keys")
}

/// Timing of the catalog's signer: validity, refresh and polling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogOptions {
    /// How long a signed index is valid.
    pub validity: SignedDuration,
    /// Re-sign an unchanged index once it is this old.
    pub refresh_every: SignedDuration,
    /// How often to look for changes signed elsewhere (other replicas) and
    /// for a due refresh; a change made here is signed at once.
    pub poll: Duration,
    /// Least time from the start of one signing round to the next: a burst
    /// of publishes is signed in rounds, each covering every change stored
    /// since the last, instead of one signing (and one durable commit) per
    /// publish. A change after a quiet spell is signed at once.
    pub min_interval: Duration,
}

impl Default for CatalogOptions {
    fn default() -> Self {
        CatalogOptions {
            validity: SignedDuration::from_hours(24),
            refresh_every: SignedDuration::from_hours(1),
            poll: Duration::from_secs(2),
            min_interval: Duration::from_millis(25),
        }
    }
}

/// A trusted proxy: an address and prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Parses `addr` or `addr/prefix`.
    pub fn parse(s: &str) -> Option<Cidr> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a.parse::<IpAddr>().ok()?, Some(p.parse::<u8>().ok()?)),
            None => (s.parse::<IpAddr>().ok()?, None),
        };
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(Cidr { addr, prefix })
    }

    /// True when `ip` is inside the range.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.addr, ip) {
            (IpAddr::V4(a), IpAddr::V4(b)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(a) & mask == u32::from(b) & mask
            }
            (IpAddr::V6(a), IpAddr::V6(b)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(a) & mask == u128::from(b) & mask
            }
            _ => false,
        }
    }
}

/// Everything `serve` needs, resolved and checked.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Listen address.
    pub listen: SocketAddr,
    /// Which store.
    pub store: StoreConfig,
    /// Sigstore trusted root for the verifier, when not the public-good one.
    pub trusted_root: Option<PathBuf>,
    /// Catalog keys.
    pub catalog_keys: CatalogKeyConfig,
    /// Catalog validity, refresh and polling.
    pub catalog: CatalogOptions,
    /// Allowed OCI registry hosts.
    pub allowed_registries: Vec<String>,
    /// Whether loopback registries are allowed (tests).
    pub allow_loopback_registries: bool,
    /// Whether the public pages show the mirrored tier.
    pub pages_show_mirrored: bool,
    /// Allowed registries reached over plain HTTP.
    pub insecure_registries: Vec<String>,
    /// Which tool findings block a publish.
    pub scan_policy: mcp_trust::tools::ScanPolicy,
    /// Proxies whose X-Forwarded-For is believed.
    pub trusted_proxies: Vec<Cidr>,
    /// Limits and timeouts.
    pub limits: Limits,
    /// The background sync: an official-API registry and the time between runs.
    pub sync: Option<(String, Duration)>,
    /// Witnesses each new checkpoint is submitted to.
    pub witnesses: Vec<WitnessConfig>,
}

impl ServeConfig {
    /// Defaults around a given store, for embedding the server (tests, benchmarks).
    pub fn new(store: StoreConfig, data_dir: &Path) -> ServeConfig {
        ServeConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            store,
            trusted_root: None,
            catalog_keys: CatalogKeyConfig {
                dir: default_keys_dir(data_dir),
                create_if_missing: true,
            },
            catalog: CatalogOptions::default(),
            allowed_registries: Vec::new(),
            allow_loopback_registries: false,
            pages_show_mirrored: false,
            insecure_registries: Vec::new(),
            scan_policy: mcp_trust::tools::ScanPolicy::default(),
            trusted_proxies: Vec::new(),
            limits: Limits::default(),
            sync: None,
            witnesses: Vec::new(),
        }
    }
}

const DEFAULT_POOL_SIZE: usize = 8;

/// The optional configuration file; every key is optional and unknown keys are refused.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
struct FileConfig {
    listen: Option<SocketAddr>,
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    database_pool_size: Option<usize>,
    store_cache_mib: Option<usize>,
    trusted_root: Option<PathBuf>,
    catalog_keys: Option<PathBuf>,
    allowed_registries: Option<Vec<String>>,
    allow_loopback_registries: Option<bool>,
    pages_show_mirrored: Option<bool>,
    insecure_registries: Option<Vec<String>>,
    tool_scan_policy: Option<PathBuf>,
    catalog_validity_hours: Option<u32>,
    catalog_refresh_minutes: Option<u32>,
    trusted_proxies: Option<Vec<String>>,
    sync_official: Option<String>,
    sync_every_minutes: Option<u32>,
    witnesses: Option<Vec<String>>,
    #[serde(default)]
    limits: FileLimits,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
struct FileLimits {
    max_body_bytes: Option<usize>,
    rate_limit_per_ip: Option<u32>,
    rate_limit_per_token: Option<u32>,
    list_cache_mib: Option<usize>,
    verify_concurrency: Option<usize>,
    header_timeout_secs: Option<u64>,
    max_connections: Option<usize>,
    max_connections_per_ip: Option<usize>,
    body_timeout_secs: Option<u64>,
    verify_timeout_secs: Option<u64>,
    shutdown_grace_secs: Option<u64>,
    max_entry_bytes: Option<u64>,
    max_server_entry_bytes: Option<u64>,
    max_namespace_entry_bytes: Option<u64>,
    max_namespace_shard_bytes: Option<u64>,
    max_shard_bytes: Option<u64>,
}

/// Whether the environment already sets glibc's allocator (arenas, mmap
/// threshold or any `glibc.malloc` tunable): then the server leaves it as
/// the operator set it.
pub fn malloc_set_by_environment() -> bool {
    std::env::var_os("MALLOC_ARENA_MAX").is_some()
        || std::env::var_os("MALLOC_MMAP_THRESHOLD_").is_some()
        || std::env::var_os("GLIBC_TUNABLES")
            .is_some_and(|t| t.to_string_lossy().contains("glibc.malloc."))
}

/// Reads the command line and the process environment.
pub fn from_process() -> (Cli, Environment) {
    (Cli::parse(), Environment(|k| std::env::var(k).ok()))
}

/// Source of `MCP_REGISTRY_*` variables (the process environment, or a map in tests).
#[derive(Clone, Copy)]
pub struct Environment(pub fn(&str) -> Option<String>);

impl std::fmt::Debug for Environment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Environment")
    }
}

struct Sources<'a> {
    env: &'a dyn Fn(&str) -> Option<String>,
    file: FileConfig,
}

impl Sources<'_> {
    fn env<T: std::str::FromStr>(&self, key: &str) -> Result<Option<T>, ConfigError>
    where
        T::Err: std::fmt::Display,
    {
        let name = format!("MCP_REGISTRY_{key}");
        match (self.env)(&name) {
            None => Ok(None),
            Some(v) if v.is_empty() => Ok(None),
            Some(v) => v
                .parse()
                .map(Some)
                .map_err(|e| ConfigError(format!("{name}=`{v}` is invalid: {e}"))),
        }
    }

    fn env_list(&self, key: &str) -> Option<Vec<String>> {
        (self.env)(&format!("MCP_REGISTRY_{key}")).map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
    }
}

fn load_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError(format!("cannot read config file {}: {e}", path.display())))?;
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if is_json {
        serde_json::from_str(&text)
            .map_err(|e| ConfigError(format!("config file {}: {e}", path.display())))
    } else {
        toml::from_str(&text)
            .map_err(|e| ConfigError(format!("config file {}: {e}", path.display())))
    }
}

fn sources<'a>(
    cli: &Cli,
    env: &'a dyn Fn(&str) -> Option<String>,
) -> Result<Sources<'a>, ConfigError> {
    let path = cli.config.clone().or_else(|| {
        env("MCP_REGISTRY_CONFIG")
            .filter(|s| !s.is_empty())
            .map(PathBuf::from)
    });
    let file = match path {
        Some(p) => load_file(&p)?,
        None => FileConfig::default(),
    };
    Ok(Sources { env, file })
}

/// Resolves which store to open (shared by `serve` and the admin commands).
pub fn store(cli: &Cli, env: Environment) -> Result<(StoreConfig, PathBuf), ConfigError> {
    let env_fn = env.0;
    let s = sources(cli, &env_fn)?;
    store_from(cli, &s)
}

fn store_from(cli: &Cli, s: &Sources<'_>) -> Result<(StoreConfig, PathBuf), ConfigError> {
    let data_dir = cli
        .data_dir
        .clone()
        .or(s.env::<PathBuf>("DATA_DIR")?)
        .or(s.file.data_dir.clone())
        .unwrap_or_else(|| PathBuf::from("./data"));
    let url = cli
        .database_url
        .clone()
        .or(s.env::<String>("DATABASE_URL")?)
        .or(s.file.database_url.clone());
    let store = match url {
        Some(url) => {
            if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
                return Err(ConfigError(
                    "the database URL must start with postgres:// or postgresql://".into(),
                ));
            }
            let pool_size = s
                .env::<usize>("DATABASE_POOL_SIZE")?
                .or(s.file.database_pool_size)
                .unwrap_or(DEFAULT_POOL_SIZE);
            StoreConfig::Postgres { url, pool_size }
        }
        None => StoreConfig::Embedded {
            path: data_dir.join("registry.redb"),
            cache_bytes: match s
                .env::<usize>("STORE_CACHE_MIB")?
                .or(s.file.store_cache_mib)
            {
                None => crate::store::DEFAULT_EMBEDDED_CACHE_BYTES,
                Some(mib) => cache_bytes(mib)?,
            },
        },
    };
    Ok((store, data_dir))
}

/// The embedded store's page cache of `mib` MiB: at least 1 and at most
/// 1,048,576 (1 TiB), or an error naming the setting.
fn cache_bytes(mib: usize) -> Result<usize, ConfigError> {
    if !(1..=1 << 20).contains(&mib) {
        return Err(ConfigError(format!(
            "MCP_REGISTRY_STORE_CACHE_MIB / store_cache_mib is {mib}: give the page cache in MiB, from 1 to 1048576"
        )));
    }
    Ok(mib << 20)
}

/// Resolves the settings of `serve`.
pub fn serve(cli: &Cli, args: &ServeArgs, env: Environment) -> Result<ServeConfig, ConfigError> {
    resolve(cli, args, env, true)
}

/// Resolves the settings a sync verifies with: those of `serve`, without
/// catalog keys (a sync stores versions; the server signs them).
pub fn sync(cli: &Cli, args: &VerifyArgs, env: Environment) -> Result<ServeConfig, ConfigError> {
    resolve(cli, &args.as_serve_args(), env, false)
}

fn resolve(
    cli: &Cli,
    args: &ServeArgs,
    env: Environment,
    needs_keys: bool,
) -> Result<ServeConfig, ConfigError> {
    let env_fn = env.0;
    let s = sources(cli, &env_fn)?;
    let (store, data_dir) = store_from(cli, &s)?;
    let embedded = matches!(store, StoreConfig::Embedded { .. });
    let f = &s.file;
    let mut config = ServeConfig::new(store, &data_dir);
    if let Some(listen) = args.listen.or(s.env("LISTEN")?).or(f.listen) {
        config.listen = listen;
    }
    config.trusted_root = args
        .trusted_root
        .clone()
        .or(s.env("TRUSTED_ROOT")?)
        .or(f.trusted_root.clone());
    match args
        .catalog_keys
        .clone()
        .or(s.env("CATALOG_KEYS")?)
        .or(f.catalog_keys.clone())
    {
        Some(dir) => {
            config.catalog_keys = CatalogKeyConfig {
                dir,
                create_if_missing: false,
            }
        }
        None if embedded || !needs_keys => {}
        None => {
            return Err(ConfigError(
                "with --database-url, give --catalog-keys DIR (MCP_REGISTRY_CATALOG_KEYS), made by `mcp-registry admin keys init`: replicas share the keys and none generates its own".into(),
            ));
        }
    }
    config.allowed_registries = if args.allowed_registries.is_empty() {
        s.env_list("ALLOWED_REGISTRIES")
            .or(f.allowed_registries.clone())
            .unwrap_or_default()
    } else {
        args.allowed_registries.clone()
    };
    config.allow_loopback_registries = args.allow_loopback_registries
        || s.env::<bool>("ALLOW_LOOPBACK_REGISTRIES")?.unwrap_or(false)
        || f.allow_loopback_registries.unwrap_or(false);
    config.pages_show_mirrored = args.pages_show_mirrored
        || s.env::<bool>("PAGES_SHOW_MIRRORED")?.unwrap_or(false)
        || f.pages_show_mirrored.unwrap_or(false);
    config.insecure_registries = if args.insecure_registries.is_empty() {
        s.env_list("INSECURE_REGISTRIES")
            .or(f.insecure_registries.clone())
            .unwrap_or_default()
    } else {
        args.insecure_registries.clone()
    };
    let policy_file = args
        .tool_scan_policy
        .clone()
        .or(s.env::<PathBuf>("TOOL_SCAN_POLICY")?)
        .or(f.tool_scan_policy.clone());
    if let Some(path) = policy_file {
        let bytes = std::fs::read(&path)
            .map_err(|e| ConfigError(format!("tool scan policy {}: {e}", path.display())))?;
        let policy: mcp_trust::tools::ScanPolicy = serde_json::from_slice(&bytes)
            .map_err(|e| ConfigError(format!("tool scan policy {}: {e}", path.display())))?;
        policy
            .check(&mcp_trust::tools::all_codes())
            .map_err(|e| ConfigError(format!("tool scan policy {}: {e}", path.display())))?;
        config.scan_policy = policy;
    }
    if let Some(h) = config
        .insecure_registries
        .iter()
        .find(|h| !config.allowed_registries.contains(h))
    {
        return Err(ConfigError(format!(
            "insecure registry `{h}` is not an allowed registry (--allowed-registry)"
        )));
    }
    let proxies = if args.trusted_proxies.is_empty() {
        s.env_list("TRUSTED_PROXIES")
            .or(f.trusted_proxies.clone())
            .unwrap_or_default()
    } else {
        args.trusted_proxies.clone()
    };
    config.trusted_proxies = proxies
        .iter()
        .map(|p| {
            Cidr::parse(p).ok_or_else(|| {
                ConfigError(format!(
                    "trusted proxy `{p}` is not an IP address or CIDR range"
                ))
            })
        })
        .collect::<Result<_, _>>()?;
    let l = &f.limits;
    let d = Limits::default();
    let secs = Duration::from_secs;
    config.limits = Limits {
        max_body_bytes: args
            .max_body_bytes
            .or(s.env("MAX_BODY_BYTES")?)
            .or(l.max_body_bytes)
            .unwrap_or(d.max_body_bytes),
        rate_limit_per_ip: args
            .rate_limit_per_ip
            .or(s.env("RATE_LIMIT_PER_IP")?)
            .or(l.rate_limit_per_ip)
            .unwrap_or(d.rate_limit_per_ip),
        rate_limit_per_token: args
            .rate_limit_per_token
            .or(s.env("RATE_LIMIT_PER_TOKEN")?)
            .or(l.rate_limit_per_token)
            .unwrap_or(d.rate_limit_per_token),
        verify_concurrency: args
            .verify_concurrency
            .or(s.env("VERIFY_CONCURRENCY")?)
            .or(l.verify_concurrency)
            .unwrap_or(d.verify_concurrency)
            .max(1),
        header_timeout: args
            .header_timeout_secs
            .or(s.env("HEADER_TIMEOUT_SECS")?)
            .or(l.header_timeout_secs)
            .map_or(d.header_timeout, secs),
        max_connections: args
            .max_connections
            .or(s.env("MAX_CONNECTIONS")?)
            .or(l.max_connections)
            .unwrap_or(d.max_connections)
            .max(1),
        max_connections_per_ip: args
            .max_connections_per_ip
            .or(s.env("MAX_CONNECTIONS_PER_IP")?)
            .or(l.max_connections_per_ip)
            .unwrap_or(d.max_connections_per_ip),
        body_timeout: args
            .body_timeout_secs
            .or(s.env("BODY_TIMEOUT_SECS")?)
            .or(l.body_timeout_secs)
            .map_or(d.body_timeout, secs),
        verify_timeout: args
            .verify_timeout_secs
            .or(s.env("VERIFY_TIMEOUT_SECS")?)
            .or(l.verify_timeout_secs)
            .map_or(d.verify_timeout, secs),
        shutdown_grace: args
            .shutdown_grace_secs
            .or(s.env("SHUTDOWN_GRACE_SECS")?)
            .or(l.shutdown_grace_secs)
            .map_or(d.shutdown_grace, secs),
        max_page_size: d.max_page_size,
        list_cache_bytes: match args
            .list_cache_mib
            .or(s.env("LIST_CACHE_MIB")?)
            .or(l.list_cache_mib)
        {
            None => d.list_cache_bytes,
            Some(mib) if mib <= 4096 => mib << 20,
            Some(mib) => {
                return Err(ConfigError(format!(
                    "list cache of {mib} MiB: at most 4096 (--list-cache-mib, \
                     MCP_REGISTRY_LIST_CACHE_MIB or limits.list_cache_mib)"
                )));
            }
        },
        budget: crate::store::EntryBudget {
            entry: args
                .max_entry_bytes
                .or(s.env("MAX_ENTRY_BYTES")?)
                .or(l.max_entry_bytes)
                .unwrap_or(d.budget.entry),
            server: args
                .max_server_entry_bytes
                .or(s.env("MAX_SERVER_ENTRY_BYTES")?)
                .or(l.max_server_entry_bytes)
                .unwrap_or(d.budget.server),
            namespace: args
                .max_namespace_entry_bytes
                .or(s.env("MAX_NAMESPACE_ENTRY_BYTES")?)
                .or(l.max_namespace_entry_bytes)
                .unwrap_or(d.budget.namespace),
            namespace_shard: args
                .max_namespace_shard_bytes
                .or(s.env("MAX_NAMESPACE_SHARD_BYTES")?)
                .or(l.max_namespace_shard_bytes)
                .unwrap_or(d.budget.namespace_shard),
            shard: args
                .max_shard_bytes
                .or(s.env("MAX_SHARD_BYTES")?)
                .or(l.max_shard_bytes)
                .unwrap_or(d.budget.shard),
        },
    };
    config
        .limits
        .budget
        .check()
        .map_err(|e| ConfigError(format!("catalog budgets (--max-*-bytes): {e}")))?;
    let validity = args
        .catalog_validity_hours
        .or(s.env("CATALOG_VALIDITY_HOURS")?)
        .or(f.catalog_validity_hours)
        .unwrap_or(24);
    let refresh = args
        .catalog_refresh_minutes
        .or(s.env("CATALOG_REFRESH_MINUTES")?)
        .or(f.catalog_refresh_minutes)
        .unwrap_or(60);
    if validity == 0 || refresh == 0 || u64::from(refresh) * 2 > u64::from(validity) * 60 {
        return Err(ConfigError(format!(
            "catalog validity {validity} h and refresh {refresh} min: both must be positive and the refresh at most half the validity, so an index is re-signed well before gateways refuse it"
        )));
    }
    let sync_url = args
        .sync_official
        .clone()
        .or(s.env("SYNC_OFFICIAL")?)
        .or(f.sync_official.clone());
    let sync_every = args
        .sync_every_minutes
        .or(s.env("SYNC_EVERY_MINUTES")?)
        .or(f.sync_every_minutes);
    config.sync = match (sync_url, sync_every) {
        (None, None) => None,
        (None, Some(_)) => {
            return Err(ConfigError(
                "--sync-every-minutes needs --sync-official URL (MCP_REGISTRY_SYNC_OFFICIAL), the registry to sync from".into(),
            ));
        }
        (Some(_), Some(0)) => {
            return Err(ConfigError(
                "--sync-every-minutes must be at least 1".into(),
            ));
        }
        (Some(url), every) => {
            official_label(&url).map_err(|e| ConfigError(format!("--sync-official: {e}")))?;
            Some((
                url,
                Duration::from_secs(u64::from(every.unwrap_or(60)) * 60),
            ))
        }
    };
    let witnesses = if args.witnesses.is_empty() {
        s.env_list("WITNESSES")
            .or(f.witnesses.clone())
            .unwrap_or_default()
    } else {
        args.witnesses.clone()
    };
    config.witnesses = witnesses
        .iter()
        .map(|w| WitnessConfig::parse(w).map_err(ConfigError))
        .collect::<Result<_, _>>()?;
    config.catalog.validity = jiff::SignedDuration::from_hours(i64::from(validity));
    config.catalog.refresh_every = jiff::SignedDuration::from_mins(i64::from(refresh));
    if config.allowed_registries.is_empty() {
        tracing::warn!(
            "no OCI registry is allowed (--allowed-registry): every publish will be refused"
        );
    }
    Ok(config)
}

/// A witness the registry submits to: its submission URL and its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessConfig {
    /// Base URL; the request goes to `<url>/add-checkpoint`.
    pub url: String,
    /// Its verifier key.
    pub key: mcp_trust::log::cosignature::WitnessKey,
}

impl WitnessConfig {
    /// Parses `URL VKEY` (the witness's submission URL, a space, its verifier key).
    pub fn parse(s: &str) -> Result<WitnessConfig, String> {
        let (url, vkey) = s.trim().split_once(char::is_whitespace).ok_or_else(|| {
            format!("witness `{s}`: give `URL VKEY` (its URL, a space, its verifier key)")
        })?;
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(format!("witness `{s}`: `{url}` is not an http(s) URL"));
        }
        let key = mcp_trust::log::cosignature::WitnessKey::parse(vkey.trim())
            .map_err(|e| format!("witness `{s}`: {e}"))?;
        Ok(WitnessConfig {
            url: url.trim_end_matches('/').to_owned(),
            key,
        })
    }
}

/// The source label of an official-API registry at `url`: `official URL`.
/// Plain http is refused except on loopback: anyone on the path could
/// rewrite the listings, whose manifests a namespace open to the source
/// publishes.
pub fn official_label(url: &str) -> Result<String, String> {
    let not_url =
        || format!("{url} is not an http(s) URL such as https://registry.modelcontextprotocol.io");
    let uri: axum::http::Uri = url.trim().parse().map_err(|_| not_url())?;
    let scheme = uri.scheme_str().ok_or_else(not_url)?.to_ascii_lowercase();
    let authority = uri.authority().ok_or_else(not_url)?;
    if authority.as_str().contains('@') {
        return Err(format!(
            "{url}: credentials in the URL are not accepted (they would be kept in labels and audit records)"
        ));
    }
    if uri.query().is_some() || url.contains('#') {
        return Err(format!(
            "{url}: give the registry's base URL, without a query or a fragment"
        ));
    }
    let host = authority.host().to_ascii_lowercase();
    let bare_host = host.trim_start_matches('[').trim_end_matches(']');
    if !matches!(scheme.as_str(), "http" | "https") || bare_host.is_empty() {
        return Err(not_url());
    }
    if scheme == "http" && !is_loopback_host(bare_host) {
        return Err(format!(
            "{url}: plain http can be rewritten by anyone on the path, and a namespace open to this source publishes what it lists; use https (plain http is accepted on loopback only)"
        ));
    }
    // One source, one label: scheme and host in lower case, the default
    // port dropped, no trailing slash.
    let port = match (authority.port_u16(), scheme.as_str()) {
        (Some(80), "http") | (Some(443), "https") | (None, _) => String::new(),
        (Some(p), _) => format!(":{p}"),
    };
    let path = uri.path().trim_end_matches('/');
    Ok(format!("official {scheme}://{host}{port}{path}"))
}

pub(crate) fn is_loopback_host(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

const SERVE_EXAMPLES: &str = "Examples:
  mcp-registry --data-dir /var/lib/mcp-registry serve --listen 0.0.0.0:8080
  mcp-registry --database-url postgres://registry@db/registry serve --catalog-keys /etc/mcp-registry/keys
  mcp-registry --config /etc/mcp-registry/config.toml serve";

const SYNC_ABOUT: &str = "A synced version becomes a verified entry, signed into the catalog, only when its \
namespace is open to sync (`sync promote`) and its image, pinned by digest, verifies against the \
signer it declares, inside the namespace's binding. Anything else is kept in the mirrored tier \
(`sync list`) with the reasons. Every attempt is in the audit log. With the embedded store, stop \
the server first (it holds the file); with PostgreSQL, run it beside the servers, whose signer \
picks the new versions up within seconds.";

const SYNC_OFFICIAL_EXAMPLES: &str = "Examples:
  mcp-registry sync official --allowed-registry ghcr.io
  mcp-registry sync official https://registry.example.com --full --output json";

const SYNC_DOCKER_EXAMPLES: &str = "Examples:
  git clone --depth 1 https://github.com/docker/mcp-registry
  mcp-registry sync docker-catalog mcp-registry/servers --allowed-registry docker.io
  mcp-registry sync docker-catalog mcp-registry/servers --namespace io.docker.mcp --output json";

const SYNC_TOOLHIVE_EXAMPLES: &str = "Examples:
  mcp-registry sync toolhive registry.json --allowed-registry ghcr.io
  mcp-registry sync toolhive thv-registry.json --namespace io.github.stacklok --recheck";

const SYNC_LIST_EXAMPLES: &str = "Examples:
  mcp-registry sync list
  mcp-registry sync list --namespace io.github.acme --output json";

const SYNC_CLOSE_EXAMPLES: &str = "Examples:
  mcp-registry sync close --namespace io.github.acme --from https://registry.modelcontextprotocol.io
  mcp-registry sync close --namespace io.github.acme   # every source";

const SYNC_PROMOTE_EXAMPLES: &str = "Examples:
  mcp-registry sync promote --namespace io.github.acme --from https://registry.modelcontextprotocol.io \\
    --allowed-registry ghcr.io \\
    --signer-identity-regexp 'https://github\\.com/acme/.+/\\.github/workflows/release\\.yml@refs/tags/v.+' \\
    --signer-issuer https://token.actions.githubusercontent.com
  mcp-registry sync promote --namespace io.github.acme --from ./thv-registry.json --allowed-registry ghcr.io   # an existing namespace, its binding";

const AUDIT_EXAMPLES: &str = "Examples:
  mcp-registry admin audit --limit 20
  mcp-registry admin audit --after 1200 --output json";

const NAMESPACE_CREATE_EXAMPLES: &str = "Examples:
  mcp-registry admin namespace create io.github.acme \\
    --signer-identity-regexp 'https://github\\.com/acme/.+/\\.github/workflows/release\\.yml@refs/tags/v.+' \\
    --signer-issuer https://token.actions.githubusercontent.com --source-repository-id 123456
  mcp-registry --database-url postgres://registry@db/registry admin namespace create io.github.acme …";

const NAMESPACE_LIST_EXAMPLES: &str = "Examples:
  mcp-registry admin namespace list
  mcp-registry admin namespace list --output json";

const TOKEN_CREATE_EXAMPLES: &str = "Examples:
  mcp-registry admin token create --namespace io.github.acme --description 'release CI' > token
  mcp-registry admin token create --admin --expires 12h";

const TOKEN_REVOKE_EXAMPLES: &str = "Examples:
  mcp-registry admin token revoke 0f3c9a1b2d4e5f60
  mcp-registry admin token list    # ids, to find the one to revoke";

const TOKEN_ROTATE_EXAMPLES: &str = "Examples:
  mcp-registry admin token rotate 0f3c9a1b2d4e5f60 > token
  mcp-registry admin token rotate 0f3c9a1b2d4e5f60 --expires 30d";

const TOKEN_LIST_EXAMPLES: &str = "Examples:
  mcp-registry admin token list
  mcp-registry admin token list --output json";

#[cfg(test)]
mod tests {
    use super::*;

    fn cli(args: &[&str]) -> (Cli, ServeArgs) {
        let mut cli = Cli::parse_from(args);
        let serve = match std::mem::replace(&mut cli.command, Command::Serve(Box::default())) {
            Command::Serve(a) => *a,
            _ => panic!("not serve"),
        };
        (cli, serve)
    }

    fn env_with_listen(k: &str) -> Option<String> {
        match k {
            "MCP_REGISTRY_LISTEN" => Some("127.0.0.1:9000".into()),
            "MCP_REGISTRY_ALLOWED_REGISTRIES" => Some("ghcr.io, quay.io".into()),
            _ => None,
        }
    }

    #[test]
    fn the_store_cache_is_bounded_and_a_nonsense_size_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        let cache = |text: &str| {
            std::fs::write(&file, text).unwrap();
            let (c, a) = cli(&["mcp-registry", "--config", file.to_str().unwrap(), "serve"]);
            serve(&c, &a, Environment(|_| None)).map(|cfg| match cfg.store {
                StoreConfig::Embedded { cache_bytes, .. } => cache_bytes,
                StoreConfig::Postgres { .. } => panic!("embedded expected"),
            })
        };
        assert_eq!(
            cache("").unwrap(),
            crate::store::DEFAULT_EMBEDDED_CACHE_BYTES
        );
        assert_eq!(cache("store_cache_mib = 64\n").unwrap(), 64 << 20);
        for bad in ["0", "1048577", "17592186044416"] {
            let err = cache(&format!("store_cache_mib = {bad}\n")).unwrap_err().0;
            assert!(err.contains("from 1 to 1048576"), "{bad}: {err}");
        }
    }

    #[test]
    fn the_list_cache_defaults_to_16_mib_and_may_be_turned_off() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        let bytes = |text: &str, flags: &[&str]| {
            std::fs::write(&file, text).unwrap();
            let mut argv = vec!["mcp-registry", "--config", file.to_str().unwrap(), "serve"];
            argv.extend_from_slice(flags);
            let (c, a) = cli(&argv);
            serve(&c, &a, Environment(|_| None)).map(|cfg| cfg.limits.list_cache_bytes)
        };
        assert_eq!(bytes("", &[]).unwrap(), 16 << 20);
        assert_eq!(bytes("[limits]\nlist_cache_mib = 0\n", &[]).unwrap(), 0);
        assert_eq!(
            bytes("[limits]\nlist_cache_mib = 0\n", &["--list-cache-mib", "2"]).unwrap(),
            2 << 20
        );
        let err = bytes("", &["--list-cache-mib", "4097"]).unwrap_err().0;
        assert!(err.contains("at most 4096"), "{err}");
    }

    #[test]
    fn flag_beats_environment_beats_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "listen = \"127.0.0.1:7000\"\nallowed_registries = [\"docker.io\"]\n[limits]\nmax_body_bytes = 10\n").unwrap();
        let (c, a) = cli(&["mcp-registry", "--config", file.to_str().unwrap(), "serve"]);
        let cfg = serve(&c, &a, Environment(env_with_listen)).unwrap();
        assert_eq!(cfg.listen.port(), 9000);
        assert_eq!(cfg.allowed_registries, ["ghcr.io", "quay.io"]);
        assert_eq!(cfg.limits.max_body_bytes, 10);
        let (c, a) = cli(&[
            "mcp-registry",
            "--config",
            file.to_str().unwrap(),
            "serve",
            "--listen",
            "127.0.0.1:1",
        ]);
        assert_eq!(
            serve(&c, &a, Environment(env_with_listen))
                .unwrap()
                .listen
                .port(),
            1
        );
    }

    #[test]
    fn refuses_unknown_file_keys_and_postgres_without_key() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.json");
        std::fs::write(&file, r#"{"listne": "127.0.0.1:1"}"#).unwrap();
        let (c, a) = cli(&["mcp-registry", "--config", file.to_str().unwrap(), "serve"]);
        assert!(
            serve(&c, &a, Environment(|_| None))
                .unwrap_err()
                .0
                .contains("listne")
        );
        let (c, a) = cli(&["mcp-registry", "--database-url", "postgres://x/y", "serve"]);
        assert!(
            serve(&c, &a, Environment(|_| None))
                .unwrap_err()
                .0
                .contains("--catalog-keys DIR")
        );
    }

    #[test]
    fn catalog_timing_defaults_and_refuses_a_refresh_that_comes_too_late() {
        let (c, a) = cli(&["mcp-registry", "serve"]);
        let cfg = serve(&c, &a, Environment(|_| None)).unwrap();
        assert_eq!(cfg.catalog.validity, jiff::SignedDuration::from_hours(24));
        assert_eq!(
            cfg.catalog.refresh_every,
            jiff::SignedDuration::from_hours(1)
        );
        let (c, a) = cli(&[
            "mcp-registry",
            "serve",
            "--catalog-validity-hours",
            "2",
            "--catalog-refresh-minutes",
            "60",
        ]);
        let cfg = serve(&c, &a, Environment(|_| None)).unwrap();
        assert_eq!(cfg.catalog.validity, jiff::SignedDuration::from_hours(2));
        for bad in [["2", "61"], ["0", "1"], ["1", "0"]] {
            let (c, a) = cli(&[
                "mcp-registry",
                "serve",
                "--catalog-validity-hours",
                bad[0],
                "--catalog-refresh-minutes",
                bad[1],
            ]);
            let err = serve(&c, &a, Environment(|_| None)).unwrap_err().0;
            assert!(err.contains("at most half the validity"), "{err}");
        }
    }

    #[test]
    fn entry_budgets_default_to_the_catalog_constants_and_never_exceed_the_shard_cap() {
        use mcp_trust::catalog::model as m;
        let (c, a) = cli(&["mcp-registry", "serve"]);
        let b = serve(&c, &a, Environment(|_| None)).unwrap().limits.budget;
        assert_eq!(
            (b.entry, b.server, b.namespace, b.namespace_shard, b.shard),
            (
                m::MAX_ENTRY_BYTES,
                m::MAX_SERVER_ENTRY_BYTES,
                m::MAX_NAMESPACE_ENTRY_BYTES,
                m::MAX_NAMESPACE_SHARD_BYTES,
                m::MAX_SHARD_BYTES
            )
        );
        let (c, a) = cli(&[
            "mcp-registry",
            "serve",
            "--max-entry-bytes",
            "1000",
            "--max-server-entry-bytes",
            "3000",
            "--max-namespace-entry-bytes",
            "5000",
            "--max-namespace-shard-bytes",
            "4000",
            "--max-shard-bytes",
            "9000",
        ]);
        let b = serve(&c, &a, Environment(|_| None)).unwrap().limits.budget;
        assert_eq!(
            (b.entry, b.server, b.namespace, b.namespace_shard, b.shard),
            (1000, 3000, 5000, 4000, 9000)
        );
        for bad in [
            ["--max-shard-bytes", "8388608"],
            ["--max-namespace-entry-bytes", "6291456"],
            ["--max-entry-bytes", "0"],
            ["--max-server-entry-bytes", "4096"],
            // A namespace's part of a shard below one server's budget.
            ["--max-namespace-shard-bytes", "131072"],
        ] {
            let (c, a) = cli(&["mcp-registry", "serve", bad[0], bad[1]]);
            let err = serve(&c, &a, Environment(|_| None)).unwrap_err().0;
            assert!(err.contains("catalog budgets"), "{bad:?}: {err}");
        }
    }

    #[test]
    fn cidr_matching() {
        let c = Cidr::parse("10.0.0.0/8").unwrap();
        assert!(c.contains("10.2.3.4".parse().unwrap()));
        assert!(c.contains("::ffff:10.2.3.4".parse().unwrap()));
        assert!(!c.contains("11.0.0.1".parse().unwrap()));
        assert!(Cidr::parse("::1").unwrap().contains("::1".parse().unwrap()));
        assert!(Cidr::parse("10.0.0.0/33").is_none());
        assert!(
            Cidr::parse("0.0.0.0/0")
                .unwrap()
                .contains("8.8.8.8".parse().unwrap())
        );
    }

    fn token_command(args: &[&str]) -> Result<TokenCommand, clap::Error> {
        let mut argv = vec!["mcp-registry", "admin", "token"];
        argv.extend_from_slice(args);
        match Cli::try_parse_from(argv)?.command {
            Command::Admin(AdminCommand::Token(t)) => Ok(t),
            other => panic!("not a token command: {other:?}"),
        }
    }

    #[test]
    fn tokens_expire_after_90_days_unless_told_otherwise() {
        use crate::auth::Expiry;
        let day = jiff::SignedDuration::from_hours(24);
        match token_command(&["create", "--namespace", "io.github.acme"]).unwrap() {
            TokenCommand::Create(a) => assert_eq!(a.expires.expires, Expiry::After(day * 90)),
            other => panic!("{other:?}"),
        }
        match token_command(&["rotate", "0011223344556677"]).unwrap() {
            TokenCommand::Rotate(a) => {
                assert_eq!(a.id, "0011223344556677");
                assert_eq!(a.expires.expires, Expiry::After(day * 90));
            }
            other => panic!("{other:?}"),
        }
        for (when, expected) in [
            ("never", Expiry::Never),
            ("12h", Expiry::After(jiff::SignedDuration::from_hours(12))),
            ("30m", Expiry::After(jiff::SignedDuration::from_mins(30))),
            (
                "2999-01-31T00:00:00Z",
                Expiry::At("2999-01-31T00:00:00Z".parse().unwrap()),
            ),
        ] {
            match token_command(&["create", "--admin", "--expires", when]).unwrap() {
                TokenCommand::Create(a) => assert_eq!(a.expires.expires, expected, "{when}"),
                other => panic!("{other:?}"),
            }
        }
        for (when, why) in [
            ("0d", "zero duration"),
            ("2020-01-01T00:00:00Z", "not in the future"),
            ("soon", "is not a duration"),
            ("7", "is not a duration"),
        ] {
            for command in [
                &["create", "--admin", "--expires", when][..],
                &["rotate", "0011223344556677", "--expires", when][..],
            ] {
                let e = token_command(command).unwrap_err();
                assert_eq!(e.kind(), clap::error::ErrorKind::ValueValidation, "{when}");
                let text = e.to_string();
                assert!(
                    text.contains("--expires") && text.contains(why),
                    "{when}: {text}"
                );
            }
        }
    }
}
