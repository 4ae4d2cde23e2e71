//! The manifest as serde types: the official MCP `server.json` (2025-12-11),
//! whose unknown fields are kept on round trip, and this project's security
//! extension under `_meta["dev.mcp-trust/security"]`, whose unknown fields are
//! refused (a typo in a security policy must not pass silently).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The `_meta` key that holds this project's security extension.
pub const EXTENSION_KEY: &str = "dev.mcp-trust/security";

/// The official `server.json`. Fields this project does not interpret are kept
/// in `extra` and written back unchanged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerJson {
    /// The `$schema` URI, when given.
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Reverse-DNS name with exactly one `/`, e.g. `io.github.acme/weather`.
    pub name: String,
    /// Human-readable description.
    pub description: String,
    /// Exact version of this server.
    pub version: String,
    /// Display title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Installable packages.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub packages: Vec<Package>,
    /// Remote endpoints (never verified by this project).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remotes: Vec<Value>,
    /// Vendor extensions, including this project's under [`EXTENSION_KEY`].
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Map<String, Value>>,
    /// Official fields this project does not interpret, preserved.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One entry of `packages[]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Package {
    /// `oci`, `npm`, `pypi`, …
    pub registry_type: String,
    /// Package name or image reference.
    pub identifier: String,
    /// Package version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Transport (`stdio`, `streamable-http`, `sse`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transport: Option<Transport>,
    /// Publisher-chosen arguments for the runtime (`docker run …`): reported, never rendered.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub runtime_arguments: Vec<Argument>,
    /// Arguments for the server program.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub package_arguments: Vec<Argument>,
    /// Environment variables the server reads.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub environment_variables: Vec<KeyValueInput>,
    /// Fields not interpreted here, preserved.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A package's transport.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transport {
    /// `stdio`, `streamable-http` or `sse`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Endpoint URL template for HTTP transports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Fields not interpreted here, preserved.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A positional or named command-line argument.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Argument {
    /// `positional` or `named`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Flag name for named arguments (`--port`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Fixed value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Default value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// Fields not interpreted here, preserved.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An environment variable or header input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyValueInput {
    /// Variable name.
    pub name: String,
    /// Fixed value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Default value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// Whether the value is a secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_secret: Option<bool>,
    /// Fields not interpreted here, preserved.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// This project's security extension: what the registry verifies and what a
/// gateway needs to run the server with least privilege.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SecurityExtension {
    /// `repository@sha256:<64 hex>`; a tag beside the digest is ignored.
    pub image: String,
    /// Who must have signed the image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<ProvenancePolicy>,
    /// The tool surface, pinned by hash.
    #[serde(default)]
    pub tools: Vec<Tool>,
    /// Egress policy; absent means no network.
    #[serde(default)]
    pub network: Network,
    /// Mounts the server needs.
    #[serde(default, skip_serializing_if = "Filesystem::is_empty")]
    pub filesystem: Filesystem,
    /// Secrets the server reads.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<Secret>,
    /// CPU, memory and process limits.
    #[serde(default, skip_serializing_if = "Resources::is_empty")]
    pub resources: Resources,
    /// Numeric uid:gid the server runs as (never 0); 65532 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<u32>,
}

/// Signer policy for the image.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProvenancePolicy {
    /// Exact certificate identity (SAN), e.g. a workflow URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_identity: Option<String>,
    /// Identity regexp, matched anchored (`^(?:RE)$`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_identity_regexp: Option<String>,
    /// Exact OIDC issuer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_oidc_issuer: Option<String>,
    /// OIDC issuer regexp, matched anchored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_oidc_issuer_regexp: Option<String>,
    /// PEM public key, instead of keyless identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<String>,
    /// Required SLSA provenance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slsa: Option<SlsaPolicy>,
}

/// Required SLSA provenance facts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SlsaPolicy {
    /// Source repository URI, e.g. `https://github.com/acme/weather`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_repository: Option<String>,
    /// Source ref, e.g. `refs/tags/v1.2.0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_ref: Option<String>,
    /// Builder id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub builder_id: Option<String>,
}

/// One MCP tool as the server announces it in `tools/list`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Tool {
    /// Tool name.
    pub name: String,
    /// Display title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Description shown to the model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// JSON Schema of the arguments.
    #[serde(default = "default_input_schema")]
    pub input_schema: Value,
    /// JSON Schema of structured results.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_schema: Option<Value>,
    /// MCP behaviour hints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<ToolAnnotations>,
}

fn default_input_schema() -> Value {
    serde_json::json!({"type": "object"})
}

/// MCP tool annotations as declared (each hint optional).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ToolAnnotations {
    /// Display title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The tool does not modify its environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only_hint: Option<bool>,
    /// The tool may perform destructive updates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destructive_hint: Option<bool>,
    /// Repeated calls with the same arguments have no extra effect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotent_hint: Option<bool>,
    /// The tool interacts with an open world of external entities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_world_hint: Option<bool>,
}

/// Annotations with the MCP defaults applied: what every rule and hash sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EffectiveAnnotations {
    /// Default false.
    pub read_only_hint: bool,
    /// Default true.
    pub destructive_hint: bool,
    /// Default false.
    pub idempotent_hint: bool,
    /// Default true.
    pub open_world_hint: bool,
}

impl ToolAnnotations {
    /// Applies the MCP defaults: readOnly false, destructive true, idempotent false, openWorld true.
    pub fn effective(&self) -> EffectiveAnnotations {
        EffectiveAnnotations {
            read_only_hint: self.read_only_hint.unwrap_or(false),
            destructive_hint: self.destructive_hint.unwrap_or(true),
            idempotent_hint: self.idempotent_hint.unwrap_or(false),
            open_world_hint: self.open_world_hint.unwrap_or(true),
        }
    }
}

impl Tool {
    /// The tool's top-level parameters (`inputSchema.properties`), each
    /// with its schema.
    pub fn parameters(&self) -> impl Iterator<Item = (&str, &serde_json::Value)> {
        self.input_schema
            .get("properties")
            .and_then(|p| p.as_object())
            .into_iter()
            .flat_map(|p| p.iter().map(|(k, v)| (k.as_str(), v)))
    }

    /// The names of the tool's top-level parameters (`inputSchema.properties`).
    pub fn parameter_names(&self) -> impl Iterator<Item = &str> {
        self.parameters().map(|(name, _)| name)
    }

    /// The tool's annotations with MCP defaults applied.
    pub fn effective_annotations(&self) -> EffectiveAnnotations {
        self.annotations.clone().unwrap_or_default().effective()
    }
}

/// Network policy: `"none"` or `{"egress": [...]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(from = "NetworkRepr", into = "NetworkRepr")]
pub enum Network {
    /// No network at all (the default).
    #[default]
    None,
    /// Egress only to these destinations (grammar: `host`, `host:port`, `*.domain[:port]`, `*:port`, `*`).
    Egress(Vec<String>),
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(untagged)]
enum NetworkRepr {
    Keyword(NetworkKeyword),
    Egress(EgressRepr),
}

#[derive(Clone, Copy, Serialize, Deserialize)]
enum NetworkKeyword {
    #[serde(rename = "none")]
    None,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct EgressRepr {
    egress: Vec<String>,
}

impl From<NetworkRepr> for Network {
    fn from(r: NetworkRepr) -> Self {
        match r {
            NetworkRepr::Keyword(NetworkKeyword::None) => Network::None,
            NetworkRepr::Egress(e) => Network::Egress(e.egress),
        }
    }
}

impl From<Network> for NetworkRepr {
    fn from(n: Network) -> Self {
        match n {
            Network::None => NetworkRepr::Keyword(NetworkKeyword::None),
            Network::Egress(egress) => NetworkRepr::Egress(EgressRepr { egress }),
        }
    }
}

/// Mounts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Filesystem {
    /// The mounts, in order.
    #[serde(default)]
    pub mounts: Vec<Mount>,
}

impl Filesystem {
    fn is_empty(&self) -> bool {
        self.mounts.is_empty()
    }
}

/// One mount. The host side is chosen by whoever runs the server unless given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Mount {
    /// Absolute path inside the container.
    pub container_path: String,
    /// Suggested host path; the gateway decides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_path: Option<String>,
    /// `read-only` (default) or `read-write`.
    #[serde(default)]
    pub access: Access,
    /// What the mount is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Mount access.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Access {
    /// Read-only (default).
    #[default]
    ReadOnly,
    /// Read-write.
    ReadWrite,
}

/// A secret the server needs. Never a value: only where the server reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Secret {
    /// Secret name, `[A-Za-z_][A-Za-z0-9_.-]*`.
    pub name: String,
    /// `file` (default) or `env` for servers that can only read their environment.
    #[serde(default)]
    pub mode: SecretMode,
    /// File path for file mode; default `/run/secrets/NAME`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Environment variable for env mode; default the secret's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<String>,
    /// What the secret is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether the server refuses to start without it (default true).
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub required: bool,
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

impl Secret {
    /// Where the file-mode secret is mounted.
    pub fn file_path(&self) -> String {
        self.path
            .clone()
            .unwrap_or_else(|| format!("/run/secrets/{}", self.name))
    }

    /// Which variable the env-mode secret fills.
    pub fn env_var(&self) -> &str {
        self.env.as_deref().unwrap_or(&self.name)
    }
}

/// How a server reads a secret.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SecretMode {
    /// A file readable by the server's user only (default).
    #[default]
    File,
    /// An environment variable the gateway fills at run time (a warning).
    Env,
}

/// Resource limits; defaults apply when absent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Resources {
    /// CPUs, e.g. `0.5`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpus: Option<f64>,
    /// Memory, e.g. `256Mi`, `1Gi`, `512m`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<String>,
    /// Maximum processes/threads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pids: Option<u32>,
}

impl Resources {
    fn is_empty(&self) -> bool {
        self.cpus.is_none() && self.memory.is_none() && self.pids.is_none()
    }
}

/// Default CPU limit when the manifest is silent.
pub const DEFAULT_CPUS: f64 = 1.0;
/// Default memory limit (bytes) when the manifest is silent: 512 MiB.
pub const DEFAULT_MEMORY_BYTES: u64 = 512 * 1024 * 1024;
/// Default pids limit when the manifest is silent.
pub const DEFAULT_PIDS: u32 = 128;
/// Default uid/gid when the manifest is silent.
pub const DEFAULT_USER: u32 = 65532;

/// Parses a memory size: plain bytes, or a number with `k`/`m`/`g` (powers of 1024,
/// as docker does) or `Ki`/`Mi`/`Gi`.
pub fn parse_memory(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: u64 = num.parse().ok()?;
    let mult: u64 = match unit {
        "" | "b" | "B" => 1,
        "k" | "K" | "Ki" | "kb" | "KB" => 1 << 10,
        "m" | "M" | "Mi" | "mb" | "MB" => 1 << 20,
        "g" | "G" | "Gi" | "gb" | "GB" => 1 << 30,
        "t" | "T" | "Ti" | "tb" | "TB" => 1 << 40,
        _ => return None,
    };
    n.checked_mul(mult)
}
