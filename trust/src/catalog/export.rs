//! A verified catalog, written for the gateways people already run: Docker's
//! MCP gateway (`docker mcp gateway run --catalog FILE`), ToolHive (`thv
//! config set-registry FILE.json`, the upstream registry format) and any
//! client of the official registry's API (a `ServerList` of `server.json`).
//!
//! Only what the signed catalog vouches for goes out: each server's latest
//! active version (as `mcp-verify run` picks it) whose manifest the caller
//! checked against its entry (`client::verify_manifest`), with the image by
//! digest. Each server's runtime limits travel as far as the format can carry
//! them: the Docker and ToolHive entries are the `docker-mcp` and `toolhive`
//! profiles of `mcp-verify profile`, so what a format cannot express is
//! reported the same way, as warnings.

use crate::catalog::model::{Entry, Status};
use crate::finding::Finding;
use crate::profile::{Format, ProfileError, ProfileOptions, RuntimeProfile};
use jiff::Timestamp;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// The `$schema` of an upstream registry file, as ToolHive writes it.
pub const TOOLHIVE_UPSTREAM_SCHEMA: &str = "https://raw.githubusercontent.com/stacklok/toolhive-core/main/registry/types/data/upstream-registry.schema.json";
/// Where a publisher's own extensions live in a `server.json` `_meta`.
pub const PUBLISHER_PROVIDED: &str = "io.modelcontextprotocol.registry/publisher-provided";
/// ToolHive's key under [`PUBLISHER_PROVIDED`].
pub const TOOLHIVE_EXTENSION: &str = "io.github.stacklok";
/// The `server.json` schema a ToolHive registry file's servers follow.
pub const SERVER_SCHEMA_2025_12_11: &str =
    "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json";
/// The official registry's metadata key in a `ServerResponse`.
pub const OFFICIAL_META: &str = "io.modelcontextprotocol.registry/official";

/// What to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// A Docker MCP gateway catalog (YAML, `registry:` keyed by server).
    DockerMcp,
    /// A ToolHive registry file in the upstream format (JSON).
    Toolhive,
    /// An official-API `ServerList` (JSON).
    Official,
}

impl ExportFormat {
    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            ExportFormat::DockerMcp => "docker-mcp",
            ExportFormat::Toolhive => "toolhive",
            ExportFormat::Official => "official",
        }
    }
}

/// One server to export: its catalog entry and its manifest as published,
/// already checked against the entry.
#[derive(Debug, Clone)]
pub struct ExportServer {
    /// The entry of the accepted catalog.
    pub entry: Entry,
    /// The manifest bytes (`server.json`) the entry pins.
    pub manifest: Vec<u8>,
}

/// A written export.
#[derive(Debug, Clone)]
pub struct Export {
    /// The file's text.
    pub text: String,
    /// What a format could not express, per server (code, pointer, message).
    pub warnings: Vec<(String, Finding)>,
    /// Servers written.
    pub servers: usize,
    /// Servers left out, each with why: no profile can be derived for it
    /// (a uid the operator has not approved, a value no target can carry).
    pub skipped: Vec<(String, String)>,
}

/// Why an export was refused. Nothing is written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// A server's profile could not be derived or rendered.
    #[error("{name} {version}: {source}")]
    Profile {
        /// Server name.
        name: String,
        /// Version.
        version: String,
        /// Why.
        #[source]
        source: ProfileError,
    },
    /// Two servers would take the same key in a Docker catalog.
    #[error(
        "{first} and {second} both become `{key}` in a Docker MCP catalog; export them separately"
    )]
    DuplicateKey {
        /// The key.
        key: String,
        /// One server.
        first: String,
        /// The other.
        second: String,
    },
    /// A manifest is not the JSON object it was when checked.
    #[error("{0}")]
    Manifest(String),
}

/// Each server's latest active version: the most recently published one, as
/// `mcp-verify run NAME` picks it. Yanked and revoked versions never go out.
pub fn latest_active(entries: Vec<Entry>) -> Vec<Entry> {
    let mut latest: BTreeMap<String, Entry> = BTreeMap::new();
    for e in entries.into_iter().filter(|e| e.status == Status::Active) {
        match latest.get(&e.name) {
            Some(kept) if (kept.published_at, kept.log_index) >= (e.published_at, e.log_index) => {}
            _ => {
                latest.insert(e.name.clone(), e);
            }
        }
    }
    latest.into_values().collect()
}

/// Writes `servers` (ordered by name) in `format`, their profiles derived
/// with `options` (the catalog version that labels them, a uid the operator
/// allowed); `now` dates a ToolHive file.
pub fn export(
    format: ExportFormat,
    servers: &[ExportServer],
    options: &ProfileOptions,
    now: Timestamp,
) -> Result<Export, ExportError> {
    let mut warnings = Vec::new();
    let mut skipped = Vec::new();
    let (text, written) = match format {
        ExportFormat::DockerMcp => docker_mcp(servers, options, &mut warnings, &mut skipped)?,
        ExportFormat::Toolhive => toolhive(servers, options, now, &mut warnings, &mut skipped)?,
        ExportFormat::Official => (official(servers)?, servers.len()),
    };
    Ok(Export {
        text,
        warnings,
        servers: written,
        skipped,
    })
}

/// The server's profile rendered in `format`; `None` (and the reason in
/// `skipped`) when no profile can be derived for it. A manifest that is not
/// the one its entry pins, or an entry that is not active, refuses the whole
/// export: that is not one server's problem but the input's.
fn profile(
    server: &ExportServer,
    options: &ProfileOptions,
    format: Format,
    warnings: &mut Vec<(String, Finding)>,
    skipped: &mut Vec<(String, String)>,
) -> Result<Option<(RuntimeProfile, Value)>, ExportError> {
    let who = format!("{} {}", server.entry.name, server.entry.version);
    let derived = RuntimeProfile::from_catalog_entry(&server.entry, &server.manifest, options)
        .and_then(|profile| Ok((profile.render(format)?, profile)));
    match derived {
        Ok((rendered, profile)) => {
            warnings.extend(rendered.warnings.into_iter().map(|w| (who.clone(), w)));
            Ok(Some((profile, rendered.document)))
        }
        Err(source @ ProfileError::CatalogEntry { .. }) => Err(ExportError::Profile {
            name: server.entry.name.clone(),
            version: server.entry.version.clone(),
            source,
        }),
        Err(e) => {
            skipped.push((who, e.to_string()));
            Ok(None)
        }
    }
}

fn manifest_object(server: &ExportServer) -> Result<Map<String, Value>, ExportError> {
    match serde_json::from_slice(&server.manifest) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(ExportError::Manifest(format!(
            "{} {}: the manifest is not a JSON object",
            server.entry.name, server.entry.version
        ))),
    }
}

/// A Docker MCP gateway catalog: `registry:` maps each server's slug to its
/// entry (the gateway's `catalog.Server`): the `docker-mcp` profile's image,
/// user, command, volumes, network, secrets and env, moved from the
/// `server.yaml` layout to the catalog's flat one.
fn docker_mcp(
    servers: &[ExportServer],
    options: &ProfileOptions,
    warnings: &mut Vec<(String, Finding)>,
    skipped: &mut Vec<(String, String)>,
) -> Result<(String, usize), ExportError> {
    let mut registry = Map::new();
    let mut owners: BTreeMap<String, String> = BTreeMap::new();
    for server in servers {
        let Some((profile, doc)) = profile(server, options, Format::DockerMcp, warnings, skipped)?
        else {
            continue;
        };
        let key = profile.server.slug.clone();
        if let Some(first) = owners.insert(key.clone(), server.entry.name.clone()) {
            return Err(ExportError::DuplicateKey {
                key,
                first,
                second: server.entry.name.clone(),
            });
        }
        registry.insert(key, Value::Object(docker_catalog_server(&doc)));
    }
    let version = options
        .catalog_version
        .map_or_else(|| "?".to_owned(), |v| v.to_string());
    let header = format!(
        "# Docker MCP gateway catalog, exported by mcp-verify from signed catalog version {version}.\n\
         # Every image is pinned by digest; run with `docker mcp gateway run --catalog FILE --block-network`\n\
         # so that allowHosts is enforced. Limits, the read-only root and dropped capabilities are not\n\
         # in this format: see the warnings mcp-verify printed.\n"
    );
    let written = registry.len();
    Ok((
        header + &crate::profile::yaml::to_string(&json!({ "registry": registry })),
        written,
    ))
}

/// One `catalog.Server` from a rendered `server.yaml` document.
fn docker_catalog_server(doc: &Value) -> Map<String, Value> {
    let mut out = Map::new();
    let mut copy = |to: &str, from: Option<&Value>| {
        if let Some(v) = from {
            out.insert(to.to_owned(), v.clone());
        }
    };
    copy("name", doc.get("name"));
    copy("type", doc.get("type"));
    copy("image", doc.get("image"));
    copy("title", doc.pointer("/about/title"));
    copy("description", doc.pointer("/about/description"));
    let run = doc.get("run");
    for key in ["command", "volumes", "user", "disableNetwork", "allowHosts"] {
        copy(key, run.and_then(|r| r.get(key)));
    }
    if let Some(secrets) = doc.pointer("/config/secrets").and_then(Value::as_array) {
        let secrets: Vec<Value> = secrets
            .iter()
            .map(|s| json!({ "name": s["name"], "env": s["env"] }))
            .collect();
        copy("secrets", Some(&Value::Array(secrets)));
    }
    copy("env", doc.pointer("/config/env"));
    out
}

/// A ToolHive registry file in the upstream format: each server's
/// `server.json` as published, its OCI package pinned to the verified digest,
/// and under `_meta` the ToolHive extension with status, the `toolhive`
/// permission profile and the provenance ToolHive checks at `thv run`.
fn toolhive(
    servers: &[ExportServer],
    options: &ProfileOptions,
    now: Timestamp,
    warnings: &mut Vec<(String, Finding)>,
    skipped: &mut Vec<(String, String)>,
) -> Result<(String, usize), ExportError> {
    let mut out = Vec::new();
    for server in servers {
        let Some((profile, mut permissions)) =
            profile(server, options, Format::Toolhive, warnings, skipped)?
        else {
            continue;
        };
        leave_mounts_to_the_operator(&mut permissions, server, warnings);
        let manifest = manifest_object(server)?;
        let image = server.entry.image.clone();
        let Some(package) = oci_package(&manifest, &image, &profile) else {
            skipped.push((
                format!("{} {}", server.entry.name, server.entry.version),
                "it speaks HTTP and names no URL in an OCI package; ToolHive would not know how to reach it".into(),
            ));
            continue;
        };
        let mut extension = json!({
            "status": "active",
            "permissions": permissions,
        });
        if !profile.args.is_empty() {
            extension["args"] = json!(profile.args);
        }
        if let Some(provenance) = provenance(&server.entry.signer) {
            extension["provenance"] = provenance;
        }
        let mut rebuilt = Map::new();
        rebuilt.insert("$schema".into(), json!(SERVER_SCHEMA_2025_12_11));
        for key in ["name", "title", "description", "version", "websiteUrl"] {
            if let Some(Value::String(v)) = manifest.get(key) {
                rebuilt.insert(key.into(), json!(v));
            }
        }
        if let Some(Value::Object(repo)) = manifest.get("repository") {
            let repo: Map<String, Value> = ["url", "source", "id", "subfolder"]
                .into_iter()
                .filter_map(|k| match repo.get(k) {
                    Some(Value::String(v)) => Some((k.to_owned(), json!(v))),
                    _ => None,
                })
                .collect();
            if repo.contains_key("url") && repo.contains_key("source") {
                rebuilt.insert("repository".into(), Value::Object(repo));
            }
        }
        rebuilt.insert("packages".into(), json!([package]));
        rebuilt.insert(
            "_meta".into(),
            json!({ PUBLISHER_PROVIDED: { TOOLHIVE_EXTENSION: { image: extension } } }),
        );
        let manifest = rebuilt;
        out.push(Value::Object(manifest));
    }
    let written = out.len();
    let doc = json!({
        "$schema": TOOLHIVE_UPSTREAM_SCHEMA,
        "version": "1.0.0",
        "meta": { "last_updated": now.strftime("%Y-%m-%dT%H:%M:%SZ").to_string() },
        "data": { "servers": out },
    });
    Ok((pretty(&doc), written))
}

/// A registry file's `permissions.read`/`write` are bare absolute paths
/// (ToolHive's schema), which `thv run` binds from the same host path. The
/// profile's mounts name a host file or a volume of the server's own; bound
/// from the same path on the host they would expose whatever the host keeps
/// there. So they are left out, and said so: the operator gives them with
/// `thv run --volume` (or a permission profile from `mcp-verify profile
/// --format toolhive`).
fn leave_mounts_to_the_operator(
    permissions: &mut Value,
    server: &ExportServer,
    warnings: &mut Vec<(String, Finding)>,
) {
    let mut left_out = Vec::new();
    for key in ["read", "write"] {
        if let Some(Value::Array(mounts)) = permissions.get_mut(key) {
            left_out.extend(
                mounts
                    .drain(..)
                    .filter_map(|m| m.as_str().map(str::to_owned)),
            );
        }
    }
    if !left_out.is_empty() {
        warnings.push((
            format!("{} {}", server.entry.name, server.entry.version),
            Finding::warning(
                "export-mounts-left-out",
                "/_meta/dev.mcp-trust~1security/mounts",
                format!(
                    "a ToolHive registry file names mounts by container path only and binds the same host path; left out: {} (give them with `thv run --volume`, or use `mcp-verify profile --format toolhive`)",
                    left_out.join(", ")
                ),
            ),
        ));
    }
}

/// The one OCI package ToolHive runs, built here rather than passed
/// through: the verified image by digest, the transport the profile speaks,
/// and the environment the profile delivers (secrets by name only, fixed
/// values as defaults). Nothing else of the publisher's packages goes out:
/// Go's decoder reads keys case-insensitively and ToolHive prefers `remotes`
/// to packages, so anything passed through could name another image or URL.
/// `None` for an HTTP server whose OCI package names no URL to reach it.
fn oci_package(
    manifest: &Map<String, Value>,
    image: &str,
    profile: &RuntimeProfile,
) -> Option<Value> {
    use crate::profile::{SecretDelivery, TransportKind};
    let declared_url = manifest
        .get("packages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|p| p.get("registryType").and_then(Value::as_str) == Some("oci"))
        .and_then(|p| p.pointer("/transport/url"))
        .and_then(Value::as_str);
    let transport = match profile.transport {
        TransportKind::Stdio => json!({ "type": "stdio" }),
        TransportKind::StreamableHttp => json!({ "type": "streamable-http", "url": declared_url? }),
        TransportKind::Sse => json!({ "type": "sse", "url": declared_url? }),
    };
    let mut env = Vec::new();
    for secret in &profile.secrets {
        if let SecretDelivery::Env { variable, .. } = &secret.delivery {
            env.push(json!({
                "name": variable,
                "description": format!("secret `{}`", secret.name),
                "isRequired": secret.required,
                "isSecret": true,
            }));
        }
    }
    for e in &profile.env {
        env.push(json!({ "name": e.name, "default": e.value }));
    }
    let mut package = json!({
        "registryType": "oci",
        "identifier": image,
        "transport": transport,
    });
    if !env.is_empty() {
        package["environmentVariables"] = Value::Array(env);
    }
    Some(package)
}

/// What ToolHive checks against the image's Sigstore certificate at `thv
/// run --image-verification enabled`: the issuer the catalog pins, and for a
/// GitHub Actions identity its repository, so that a signature from another
/// repository on the same issuer does not pass.
fn provenance(signer: &crate::catalog::model::Signer) -> Option<Value> {
    let crate::catalog::model::Signer::Keyless(k) = signer else {
        return None;
    };
    let mut provenance = json!({ "cert_issuer": k.issuer });
    if k.issuer == "https://token.actions.githubusercontent.com"
        && let Some(rest) = k.identity.strip_prefix("https://github.com/")
        && let Some((repo, _)) = rest.split_once("/.github/workflows/")
        && repo.split('/').count() == 2
        && repo.split('/').all(|part| !part.is_empty())
    {
        provenance["repository_uri"] = json!(format!("https://github.com/{repo}"));
    }
    Some(provenance)
}

/// An official `ServerList`: each `server.json` as published, with the
/// official metadata (`active`, `isLatest`, when it was published) and, as
/// the registry's read API has it, `dev.mcp-trust/verification` with the
/// image by digest that verified and the manifest's canonical hash.
fn official(servers: &[ExportServer]) -> Result<String, ExportError> {
    let mut out = Vec::new();
    for server in servers {
        let published = server
            .entry
            .published_at
            .strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string();
        out.push(json!({
            "server": Value::Object(manifest_object(server)?),
            "_meta": {
                OFFICIAL_META: {
                    "status": "active",
                    "publishedAt": published,
                    "updatedAt": published,
                    "isLatest": true,
                },
                // What the signed catalog pins: the packages above are as
                // published (a tag, maybe); this is the image that verified.
                "dev.mcp-trust/verification": {
                    "verified": true,
                    "image": server.entry.image,
                    "manifestSha256": server.entry.manifest_sha256.to_string(),
                },
            },
        }));
    }
    let count = out.len();
    Ok(pretty(
        &json!({ "servers": out, "metadata": { "count": count } }),
    ))
}

fn pretty(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}
