//! Runtime profiles: the least privilege a server gets, derived from what its
//! validated manifest declares, in one neutral [`RuntimeProfile`] that every
//! renderer (docker, Compose, Kubernetes, ToolHive, Docker's MCP catalog)
//! turns into its own format. Hardening that never depends on the manifest
//! (non-root, read-only root, no capabilities, `no-new-privileges`, default
//! seccomp, a size-capped `/tmp`) is fixed here, so no renderer can forget it;
//! what a target cannot express is reported as a finding, never dropped silently.

mod compose;
mod derive;
mod docker;
mod docker_mcp;
mod kubernetes;
mod toolhive;
pub(crate) mod yaml;

pub use derive::{MAX_ACCOUNT_UID, ProfileOptions};
pub use docker::shell_quote;

use crate::finding::Finding;
use crate::image::PinnedImage;
use crate::manifest::egress::EgressRule;
use serde::{Serialize, Serializer};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;
use thiserror::Error;

/// `schemas/runtime-profile.v1.schema.json`: the neutral profile's published shape.
pub const PROFILE_SCHEMA: &str = include_str!("../../../schemas/runtime-profile.v1.schema.json");
/// Version of the neutral profile format.
pub const PROFILE_VERSION: u32 = 1;
/// Size cap of the tmpfs mounted at `/tmp`: 64 MiB.
pub const TMP_SIZE_BYTES: u64 = 64 << 20;
/// Mode of a secret file on docker, podman and Compose: owner read only.
pub const SECRET_FILE_MODE: u32 = 0o400;
/// Mode of secret files in a Kubernetes secret volume: owner and `fsGroup` read.
pub const KUBERNETES_SECRET_MODE: u32 = 0o440;
/// Where secret files live on the gateway's host when no `--secret NAME=FILE` names one.
pub const DEFAULT_SECRET_DIR: &str = "/run/mcp-trust/secrets";
/// Network a docker or Compose server with an egress allowlist is attached to:
/// internal (no route out), its only exit the gateway's egress proxy.
pub const EGRESS_NETWORK: &str = "mcp-egress";
/// Network an HTTP-transport server without egress is attached to: internal,
/// shared with the gateway only, so the gateway can reach the server.
pub const INTERNAL_NETWORK: &str = "mcp-internal";
/// Network a docker or Compose server that may reach any host is attached
/// to (suffixed with its identifier): its own, inter-container traffic off.
pub const OPEN_NETWORK: &str = "mcp-open";
/// Label/annotation key prefix owned by this project.
pub const LABEL_PREFIX: &str = "dev.mcp-trust/";

/// Stable finding codes a profile carries (documented in `docs/findings.md`).
pub mod codes {
    /// A secret is delivered through the environment because the server cannot read a file.
    pub const SECRET_ENV: &str = "profile-secret-env";
    /// A target format cannot express a restriction; the finding says how the gateway enforces it.
    pub const CANNOT_EXPRESS: &str = "profile-cannot-express";
    /// A read-write mount is mounted read-only because every tool is read-only.
    pub const MOUNT_FORCED_READ_ONLY: &str = "profile-mount-forced-read-only";
    /// A variable or argument needs a value from the user; the profile leaves it out.
    pub const INPUT_REQUIRED: &str = "profile-input-required";
    /// A package marks a variable or argument secret that the extension does not declare.
    pub const SECRET_UNDECLARED: &str = "profile-secret-undeclared";
    /// Setup the gateway's host must do before the rendered profile can start.
    pub const HOST_SETUP: &str = "profile-host-setup";
}

/// Why a profile could not be derived or rendered.
#[derive(Debug, Error)]
pub enum ProfileError {
    /// Validation found errors: nothing is rendered from a manifest that is refused.
    #[error("the manifest has {} error finding(s); nothing is rendered from a refused manifest (run `mcp-verify manifest lint` to see them)", .findings.iter().filter(|f| f.severity == crate::Severity::Error).count())]
    ManifestInvalid {
        /// Every finding validation produced.
        findings: Vec<Finding>,
    },
    /// The manifest is not the one the catalog entry pins, or the entry may not be installed.
    #[error("catalog entry {name} {version}: {reason}")]
    CatalogEntry {
        /// The entry's server name.
        name: String,
        /// The entry's version.
        version: String,
        /// Why the profile is refused.
        reason: String,
    },
    /// No security extension: there is no pinned image or declared privilege to derive from.
    #[error(
        "the manifest has no `_meta[\"dev.mcp-trust/security\"]` extension: no pinned image and no declared privileges to derive a profile from"
    )]
    ExtensionMissing,
    /// `--secret` names a secret the manifest does not declare.
    #[error("--secret {name}: the manifest declares no secret `{name}` (declared: {declared})")]
    SecretUnknown {
        /// The name given.
        name: String,
        /// The declared names, comma-separated.
        declared: String,
    },
    /// `--mount` names a container path the manifest does not declare.
    #[error(
        "--mount {container_path}: the manifest declares no mount at `{container_path}` (declared: {declared}); a profile never adds mounts"
    )]
    MountUnknown {
        /// The container path given.
        container_path: String,
        /// The declared container paths, comma-separated.
        declared: String,
    },
    /// A `--secret` or `--mount` value is unusable.
    #[error("{flag} {value}: {reason}")]
    OverrideInvalid {
        /// `--secret` or `--mount`.
        flag: &'static str,
        /// The value given.
        value: String,
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// The declared uid would own files of the host's system accounts or of the
    /// rendering user; the operator must approve it with `--allow-user UID`.
    #[error(
        "the manifest runs the server as uid {uid}, and {why}: through a bind mount it would own that account's files; pass --allow-user {uid} if that is intended"
    )]
    UserNeedsApproval {
        /// The declared uid.
        uid: u32,
        /// Why it needs approval.
        why: String,
    },
    /// A manifest value that validation accepts but no target can carry safely.
    #[error("cannot render {path}: {reason}")]
    Unrenderable {
        /// JSON pointer into the manifest.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// Serializing the rendered document failed.
    #[error("rendering {format} failed: {reason}")]
    Serialize {
        /// The target format.
        format: Format,
        /// The serializer's message.
        reason: String,
    },
}

/// The neutral runtime profile: what a gateway must enforce when it runs the server.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuntimeProfile {
    /// Always [`PROFILE_VERSION`].
    pub profile_version: u32,
    /// Which server and version this profile is for.
    pub server: ServerRef,
    /// The image, by digest only.
    #[serde(serialize_with = "serialize_display")]
    pub image: PinnedImage,
    /// How the gateway talks to the server.
    pub transport: TransportKind,
    /// Numeric uid and gid the server runs as; never 0.
    pub user: UserSpec,
    /// Read-only root filesystem and the tmpfs mounts on it.
    pub filesystem: RootFilesystem,
    /// Capabilities, privilege escalation, seccomp.
    pub security: SecurityOptions,
    /// CPU, memory and process limits.
    pub resources: Limits,
    /// No network, or an egress allowlist.
    pub network: NetworkPolicy,
    /// Declared mounts, with the access they actually get.
    pub mounts: Vec<ProfileMount>,
    /// Declared secrets and how each is delivered.
    pub secrets: Vec<ProfileSecret>,
    /// Non-secret configuration with fixed values, in manifest order.
    pub env: Vec<EnvVar>,
    /// Fixed program arguments (publisher `runtimeArguments` are never rendered).
    pub args: Vec<String>,
    /// Labels carrying the server, signer, digest and catalog version.
    pub labels: BTreeMap<String, String>,
    /// What the derivation noticed that the user should know.
    pub warnings: Vec<Finding>,
}

fn serialize_display<T: fmt::Display, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

/// Server identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerRef {
    /// Reverse-DNS server name.
    pub name: String,
    /// Exact version.
    pub version: String,
    /// Display title, when the manifest has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Description from the manifest.
    pub description: String,
    /// Source repository URL, when the manifest names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// Name usable as a container, service, Pod or catalog name (DNS label).
    pub slug: String,
}

/// MCP transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TransportKind {
    /// JSON-RPC over stdin/stdout: the container needs stdin attached.
    Stdio,
    /// Streamable HTTP: the gateway connects to the container.
    StreamableHttp,
    /// Server-sent events: the gateway connects to the container.
    Sse,
}

impl TransportKind {
    /// True for stdio: stdin must be kept open (`-i`).
    pub fn is_stdio(self) -> bool {
        self == TransportKind::Stdio
    }
}

/// uid and gid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct UserSpec {
    /// User id, never 0.
    pub uid: u32,
    /// Group id (equal to uid).
    pub gid: u32,
}

/// Root filesystem policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RootFilesystem {
    /// Always true.
    pub read_only: bool,
    /// Writable scratch space: `/tmp` only.
    pub tmpfs: Vec<Tmpfs>,
}

/// A size-capped tmpfs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tmpfs {
    /// Mount point.
    pub path: String,
    /// Size cap in bytes.
    pub size_bytes: u64,
    /// Mount options: always `noexec`, `nosuid`, `nodev`.
    pub options: Vec<String>,
}

impl Tmpfs {
    /// `rw,noexec,nosuid,nodev,size=N` as docker and Compose take it.
    pub fn option_string(&self) -> String {
        let mut parts = vec!["rw".to_owned()];
        parts.extend(self.options.iter().cloned());
        parts.push(format!("size={}", self.size_bytes));
        parts.join(",")
    }
}

/// Process privileges.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SecurityOptions {
    /// Capabilities dropped: always `["ALL"]`.
    pub capabilities_drop: Vec<String>,
    /// Capabilities added: always empty.
    pub capabilities_add: Vec<String>,
    /// Always true: setuid binaries and file capabilities grant nothing.
    pub no_new_privileges: bool,
    /// Always `runtime-default`: the engine's default seccomp filter, never unconfined.
    pub seccomp: String,
    /// Always false.
    pub privileged: bool,
}

/// Resource limits (manifest values, or the defaults when it is silent).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Limits {
    /// CPUs.
    pub cpus: f64,
    /// Memory in bytes; swap is not added on top.
    pub memory_bytes: u64,
    /// Processes and threads.
    pub pids: u32,
}

/// Network policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "mode", rename_all = "lowercase")]
pub enum NetworkPolicy {
    /// No network interface but loopback.
    None,
    /// Egress only to these destinations.
    Egress {
        /// The allowlist, parsed.
        allow: Vec<EgressAllow>,
    },
}

/// One allowlist entry, as written and parsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EgressAllow {
    /// Canonical text (`host`, `host:port`, `*.domain[:port]`, `*:port`, `*`).
    pub rule: String,
    /// Parsed form.
    #[serde(flatten)]
    pub parsed: EgressRule,
}

/// A mount as rendered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileMount {
    /// Absolute path in the container.
    pub container_path: String,
    /// Where the data comes from.
    pub source: MountSource,
    /// Whether the mount is read-only (after the all-tools-read-only rule).
    pub read_only: bool,
    /// What the manifest declared.
    pub declared: crate::manifest::Access,
    /// What the mount is for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Mount source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum MountSource {
    /// A host directory or file (`--mount`, or the manifest's suggestion).
    HostPath(String),
    /// A named volume the engine creates empty when missing.
    Volume(String),
}

/// A secret and how it reaches the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileSecret {
    /// Secret name.
    pub name: String,
    /// Whether the server refuses to start without it.
    pub required: bool,
    /// File or environment delivery.
    #[serde(flatten)]
    pub delivery: SecretDelivery,
}

/// How a secret is delivered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "mode", rename_all = "lowercase")]
pub enum SecretDelivery {
    /// A read-only file readable by the server's user only.
    #[serde(rename_all = "camelCase")]
    File {
        /// Path in the container.
        path: String,
        /// File on the gateway's host holding the value.
        host_file: String,
        /// Owner of the file (the server's uid).
        uid: u32,
        /// Owner group (the server's gid).
        gid: u32,
        /// Permission bits, [`SECRET_FILE_MODE`].
        #[serde(serialize_with = "serialize_octal")]
        file_mode: u32,
    },
    /// An environment variable filled by the gateway at run time, never a literal.
    #[serde(rename_all = "camelCase")]
    Env {
        /// Variable name.
        variable: String,
        /// Env file (`VARIABLE=value`) the gateway writes from its secret store.
        env_file: String,
    },
}

fn serialize_octal<S: Serializer>(mode: &u32, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&format_args!("{mode:04o}"))
}

/// A non-secret variable with a fixed value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnvVar {
    /// Variable name.
    pub name: String,
    /// Fixed value from the manifest.
    pub value: String,
}

/// Target formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// `docker run` arguments (also run by podman).
    Docker,
    /// A Compose service.
    Compose,
    /// A Pod and its NetworkPolicy.
    Kubernetes,
    /// A ToolHive permission profile.
    Toolhive,
    /// An entry of Docker's MCP catalog (`server.yaml`).
    DockerMcp,
    /// The neutral [`RuntimeProfile`] as JSON.
    Json,
}

impl Format {
    /// Every format, in documentation order.
    pub const ALL: [Format; 6] = [
        Format::Docker,
        Format::Compose,
        Format::Kubernetes,
        Format::Toolhive,
        Format::DockerMcp,
        Format::Json,
    ];

    /// The name used on the command line and in snapshots.
    pub fn name(self) -> &'static str {
        match self {
            Format::Docker => "docker",
            Format::Compose => "compose",
            Format::Kubernetes => "kubernetes",
            Format::Toolhive => "toolhive",
            Format::DockerMcp => "docker-mcp",
            Format::Json => "json",
        }
    }

    /// What the format is, in one line (the command line's help shows it).
    pub fn description(self) -> &'static str {
        match self {
            Format::Docker => "`docker run` arguments (podman accepts them too), shell-quoted",
            Format::Compose => "A Compose file with one service",
            Format::Kubernetes => "A Pod with a hardened securityContext, and its NetworkPolicy",
            Format::Toolhive => "A ToolHive permission profile (`thv run --permission-profile`)",
            Format::DockerMcp => "An entry of Docker's MCP catalog (server.yaml), pinned by digest",
            Format::Json => "The neutral runtime profile (schemas/runtime-profile.v1.schema.json)",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A profile rendered for one target.
#[derive(Debug, Clone, Serialize)]
pub struct Rendered {
    /// The target format.
    #[serde(serialize_with = "serialize_display")]
    pub format: Format,
    /// Exactly what goes to stdout: the document, with comments where the format has them.
    pub text: String,
    /// The document as data: the argv array for docker, the parsed document otherwise.
    pub document: Value,
    /// The profile's warnings plus what this target cannot express.
    pub warnings: Vec<Finding>,
}

impl RuntimeProfile {
    /// Renders the profile for one target.
    pub fn render(&self, format: Format) -> Result<Rendered, ProfileError> {
        let mut warnings = self.warnings.clone();
        let (text, document) = match format {
            Format::Docker => docker::render(self, &mut warnings),
            Format::Compose => compose::render(self, &mut warnings)?,
            Format::Kubernetes => kubernetes::render(self, &mut warnings)?,
            Format::Toolhive => toolhive::render(self, &mut warnings)?,
            Format::DockerMcp => docker_mcp::render(self, &mut warnings)?,
            Format::Json => {
                let doc = serde_json::to_value(self).map_err(|e| ProfileError::Serialize {
                    format,
                    reason: e.to_string(),
                })?;
                let text =
                    serde_json::to_string_pretty(&doc).map_err(|e| ProfileError::Serialize {
                        format,
                        reason: e.to_string(),
                    })? + "\n";
                (text, doc)
            }
        };
        Ok(Rendered {
            format,
            text,
            document,
            warnings,
        })
    }

    /// True when any mount is read-write.
    pub fn has_writable_mount(&self) -> bool {
        self.mounts.iter().any(|m| !m.read_only)
    }

    /// `uid:gid`.
    pub fn user_string(&self) -> String {
        format!("{}:{}", self.user.uid, self.user.gid)
    }

    /// Pointer to the security extension in the manifest, for findings.
    pub(crate) fn ext_pointer(sub: &str) -> String {
        format!(
            "/_meta/{}{sub}",
            crate::finding::pointer_token(crate::manifest::EXTENSION_KEY)
        )
    }
}

/// The compiled profile schema, built on first use.
pub fn profile_validator() -> &'static jsonschema::Validator {
    static V: OnceLock<jsonschema::Validator> = OnceLock::new();
    V.get_or_init(|| {
        let schema: Value = serde_json::from_str(PROFILE_SCHEMA)
            .unwrap_or_else(|e| panic!("built-in profile schema is not JSON: {e}"));
        jsonschema::options()
            .build(&schema)
            .unwrap_or_else(|e| panic!("built-in profile schema does not compile: {e}"))
    })
}

/// `# `-prefixed comment lines: the profile header, then one line per warning.
pub(crate) fn comment_header(
    profile: &RuntimeProfile,
    target: &str,
    warnings: &[Finding],
) -> String {
    let mut out = format!(
        "# Runtime profile for {} {} ({target}), derived from its manifest by mcp-verify.\n# Image pinned by digest: {}\n",
        comment_safe(&profile.server.name),
        comment_safe(&profile.server.version),
        comment_safe(&profile.image.to_string())
    );
    for w in warnings {
        out.push_str(&format!(
            "# {}: {} [{}]\n",
            w.severity,
            comment_safe(&w.message),
            comment_safe(&w.code)
        ));
    }
    out
}

/// Text safe inside one `#` comment line, in every format that has comments.
/// A comment ends at a line break, and what counts as one differs: a shell
/// stops at `\n`, YAML 1.1 parsers (libyaml, PyYAML, Go's yaml) also at
/// U+0085, U+2028 and U+2029, and the rest of the line is then read as YAML.
/// So every character outside printable ASCII is written as its `\u{…}`
/// escape: the comment stays one line to any parser, and invisible or
/// right-to-left characters cannot make it read differently than it parses.
pub(crate) fn comment_safe(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c == ' ' || c.is_ascii_graphic() {
            out.push(c);
        } else {
            out.extend(c.escape_unicode());
        }
    }
    out
}

/// A warning that `target` cannot express a restriction; `how` says how the gateway enforces it.
pub(crate) fn cannot_express(target: &str, path: String, what: &str, how: &str) -> Finding {
    Finding::warning(
        codes::CANNOT_EXPRESS,
        path,
        format!("{target} cannot express {what}; {how}"),
    )
}

/// Kubernetes-style CPU quantity: `500m`, `1`, `2`.
pub(crate) fn cpu_millis(cpus: f64) -> u64 {
    (cpus * 1000.0).round().max(1.0) as u64
}

#[cfg(test)]
mod tests;
