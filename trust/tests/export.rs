//! `catalog::export` checked by the consuming projects' own definitions: the
//! official `ServerList` schema (openapi.yaml) and `server.json` schema, the
//! ToolHive upstream-registry and publisher-provided schemas, and the Go
//! types Docker's MCP gateway reads its catalog into, all vendored under
//! `testdata/external/` with their licences. The servers are the test
//! manifests and every container entry of Docker's MCP catalog that imports
//! with a pinned image (real data, hostile-looking text included).

#![allow(clippy::unwrap_used)] // test helpers panic on broken fixtures by design

use jiff::Timestamp;
use mcp_trust::catalog::export::{
    ExportError, ExportFormat, ExportServer, PUBLISHER_PROVIDED, TOOLHIVE_EXTENSION, export,
    latest_active,
};
use mcp_trust::catalog::model::{KeylessSigner, Signer};
use mcp_trust::catalog::{Entry, Status};
use mcp_trust::import::docker_catalog::{DEFAULT_NAMESPACE, import};
use mcp_trust::manifest::{EXTENSION_KEY, ValidateOptions, validate};
use mcp_trust::profile::ProfileOptions;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata")
}

fn signer() -> Signer {
    Signer::Keyless(KeylessSigner {
        identity: "https://github.com/acme/weather/.github/workflows/release.yml@refs/tags/v1.0.0"
            .into(),
        issuer: "https://token.actions.githubusercontent.com".into(),
    })
}

fn server(bytes: Vec<u8>, index: u64) -> Option<ExportServer> {
    let report = validate(
        &bytes,
        ValidateOptions {
            require_extension: true,
        },
    );
    // Only what a registry would have accepted: no error finding.
    if !report.is_ok() {
        return None;
    }
    let manifest = report.manifest?;
    let entry = Entry::from_manifest(
        &manifest,
        signer(),
        false,
        Timestamp::from_second(1_767_225_600 + index as i64).unwrap(),
        index,
    )
    .ok()?;
    Some(ExportServer {
        entry,
        manifest: bytes,
    })
}

/// The test manifests with the extension, and every Docker catalog entry
/// that imports into a valid manifest with its image pinned.
fn servers() -> Vec<ExportServer> {
    let mut out = Vec::new();
    for name in ["weather.server.json", "files-and-env-secret.server.json"] {
        let bytes = std::fs::read(testdata().join("manifests/valid").join(name)).unwrap();
        out.push(server(bytes, out.len() as u64).unwrap());
    }
    let corpus = testdata().join("corpus/docker-mcp-registry");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("server.yaml").is_file())
        .collect();
    dirs.sort();
    for dir in dirs {
        let yaml = std::fs::read(dir.join("server.yaml")).unwrap();
        let tools = std::fs::read(dir.join("tools.json")).ok();
        let Some(mut manifest) = import(&yaml, tools.as_deref(), DEFAULT_NAMESPACE).manifest else {
            continue;
        };
        // Pinned as a registry would have verified it (Docker's catalog names tags).
        let image = &mut manifest["_meta"][EXTENSION_KEY]["image"];
        let Some(name) = image.as_str().and_then(|i| i.split('@').next()) else {
            continue; // a remote server: no image
        };
        let name = name.to_owned();
        let digest = mcp_trust::image::Digest::of(name.as_bytes());
        *image = json!(format!("{name}@{digest}"));
        let bytes = serde_json::to_vec(&manifest).unwrap();
        if let Some(s) = server(bytes, out.len() as u64) {
            out.push(s);
        }
    }
    out.sort_by(|a, b| a.entry.name.cmp(&b.entry.name));
    out
}

/// The catalog version, and the uid the test manifests run as (approved, as
/// `--allow-user 1000` does).
fn options() -> ProfileOptions {
    ProfileOptions {
        catalog_version: Some(7),
        allowed_user: Some(1000),
        ..ProfileOptions::default()
    }
}

fn now() -> Timestamp {
    "2026-12-05T00:00:00Z".parse().unwrap()
}

fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::options()
        .should_validate_formats(true)
        .with_retriever(Vendored)
        .build(schema)
        .unwrap()
}

#[track_caller]
fn assert_valid(validator: &jsonschema::Validator, value: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(value)
        .take(10)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:#?}");
}

/// The schemas the vendored ones refer to, from `testdata/external/`.
struct Vendored;

impl jsonschema::Retrieve for Vendored {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let file = match uri.as_str() {
            "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json" => {
                "official-registry/server.schema.2025-12-11.json"
            }
            // Skills and plugins: never written by the export, so the
            // (unvendored) schemas of those optional lists accept anything.
            u if u.ends_with("/skill.schema.json") || u.ends_with("/plugin.schema.json") => {
                return Ok(json!(true));
            }
            other => return Err(format!("no vendored schema for {other}").into()),
        };
        let text = std::fs::read_to_string(testdata().join("external").join(file))?;
        Ok(serde_json::from_str(&text)?)
    }
}

fn external_json(file: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(testdata().join("external").join(file)).unwrap())
        .unwrap()
}

#[test]
fn there_are_enough_real_servers_to_mean_something() {
    let servers = servers();
    assert!(servers.len() >= 200, "{} servers", servers.len());
}

#[test]
fn official_export_is_a_server_list_of_valid_server_json() {
    let servers = servers();
    let out = export(ExportFormat::Official, &servers, &options(), now()).unwrap();
    let doc: Value = serde_json::from_str(&out.text).unwrap();
    // The official API document's own ServerList schema.
    let openapi: Value = serde_norway::from_str(
        &std::fs::read_to_string(testdata().join("external/official-registry/openapi.yaml"))
            .unwrap(),
    )
    .unwrap();
    let mut list_schema = openapi.clone();
    list_schema["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
    list_schema["$ref"] = json!("#/components/schemas/ServerList");
    assert_valid(&validator(&list_schema), &doc, "ServerList");
    let server_schema = validator(&external_json(
        "official-registry/server.schema.2025-12-11.json",
    ));
    let listed = doc["servers"].as_array().unwrap();
    assert_eq!(listed.len(), servers.len());
    assert_eq!(doc["metadata"]["count"], servers.len());
    for (item, s) in listed.iter().zip(&servers) {
        assert_valid(&server_schema, &item["server"], &s.entry.name);
        // The manifest exactly as published: its canonical hash is the entry's.
        assert_eq!(
            mcp_trust::catalog::model::manifest_digest(&item["server"]).unwrap(),
            s.entry.manifest_sha256
        );
        let official = &item["_meta"]["io.modelcontextprotocol.registry/official"];
        assert_eq!(official["status"], "active");
        assert_eq!(official["isLatest"], true);
        let verification = &item["_meta"]["dev.mcp-trust/verification"];
        assert_eq!(verification["image"], s.entry.image.as_str());
        assert_eq!(
            verification["manifestSha256"],
            s.entry.manifest_sha256.to_string()
        );
    }
}

#[test]
fn toolhive_export_is_an_upstream_registry_file_thv_accepts() {
    let servers = servers();
    let out = export(ExportFormat::Toolhive, &servers, &options(), now()).unwrap();
    let doc: Value = serde_json::from_str(&out.text).unwrap();
    assert_valid(
        &validator(&external_json("toolhive/upstream-registry.schema.json")),
        &doc,
        "upstream registry",
    );
    // The `read`/`write` patterns are `^(/[^/\0]+)+/?$`: `\0` (NUL) is
    // ECMA-262 regex syntax the Rust engine spells `\x00`; the same regex.
    let text = std::fs::read_to_string(
        testdata().join("external/toolhive/publisher-provided.schema.json"),
    )
    .unwrap();
    assert_eq!(text.matches(r"[^/\\0]").count(), 2);
    let text = text.replace(r"[^/\\0]", r"[^/\\x00]");
    let extension_schema = validator(&serde_json::from_str(&text).unwrap());
    let listed = doc["data"]["servers"].as_array().unwrap();
    assert_eq!(listed.len() + out.skipped.len(), servers.len());
    assert_eq!(listed.len(), out.servers);
    let by_name: BTreeMap<&str, &ExportServer> =
        servers.iter().map(|s| (s.entry.name.as_str(), s)).collect();
    for item in listed {
        let s = by_name[item["name"].as_str().unwrap()];
        let name = &s.entry.name;
        // What ToolHive's converter requires: exactly one OCI package, run
        // from the image that was verified, by digest.
        let oci: Vec<&Value> = item["packages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["registryType"] == "oci")
            .collect();
        assert_eq!(oci.len(), 1, "{name}");
        assert_eq!(oci[0]["identifier"], s.entry.image.as_str(), "{name}");
        assert!(s.entry.image.contains("@sha256:"), "{name}");
        // Rebuilt, not passed through: one package, no remotes, and no
        // `_meta` but ToolHive's extension.
        assert_eq!(item["packages"].as_array().unwrap().len(), 1, "{name}");
        assert!(item.get("remotes").is_none(), "{name}");
        assert_eq!(item["_meta"].as_object().unwrap().len(), 1, "{name}");
        let provided = &item["_meta"][PUBLISHER_PROVIDED];
        assert_valid(&extension_schema, provided, name);
        let extension = &provided[TOOLHIVE_EXTENSION][s.entry.image.as_str()];
        assert_eq!(extension["status"], "active", "{name}");
        assert_eq!(extension["permissions"]["privileged"], false, "{name}");
        assert_eq!(
            extension["provenance"]["cert_issuer"],
            "https://token.actions.githubusercontent.com"
        );
        // Network: none unless the manifest declares egress.
        let outbound = &extension["permissions"]["network"]["outbound"];
        assert_ne!(outbound["insecure_allow_all"], Value::Null, "{name}");
    }
}

/// The yaml key and Go type of each field of `type NAME struct` in types.go.
fn go_fields(source: &str, name: &str) -> BTreeMap<String, String> {
    let start = source.find(&format!("type {name} struct {{")).unwrap();
    let body = &source[start..start + source[start..].find("\n}").unwrap()];
    let field = regex::Regex::new(r#"(?m)^\s+(\w+)\s+(\S+)\s+`yaml:"([^",]*)"#).unwrap();
    field
        .captures_iter(body)
        .map(|c| {
            let key = if c[3].is_empty() {
                c[1].to_lowercase()
            } else {
                c[3].to_owned()
            };
            (key, c[2].to_owned())
        })
        .collect()
}

fn check_go_type(value: &Value, go: &str, types: &str, at: &str) {
    match (go, value) {
        ("string", Value::String(_)) | ("bool", Value::Bool(_)) => {}
        ("[]string", Value::Array(a)) => {
            assert!(a.iter().all(Value::is_string), "{at}: not []string");
        }
        ("[]Secret" | "[]Env", Value::Array(a)) => {
            let fields = go_fields(types, go.trim_start_matches("[]"));
            for item in a {
                let item = item.as_object().unwrap();
                assert_eq!(
                    item.keys().collect::<BTreeSet<_>>(),
                    fields.keys().collect::<BTreeSet<_>>(),
                    "{at}"
                );
                for (k, v) in item {
                    check_go_type(v, &fields[k], types, &format!("{at}.{k}"));
                }
            }
        }
        _ => panic!("{at}: {value} is not a Go {go}"),
    }
}

#[test]
fn docker_mcp_export_reads_into_the_gateways_catalog_types() {
    let servers = servers();
    let out = export(ExportFormat::DockerMcp, &servers, &options(), now()).unwrap();
    let doc: Value = serde_norway::from_str(&out.text).unwrap();
    let types =
        std::fs::read_to_string(testdata().join("external/docker-mcp-gateway/types.go")).unwrap();
    let fields = go_fields(&types, "Server");
    assert!(fields.contains_key("allowHosts") && fields.contains_key("disableNetwork"));
    let registry = doc["registry"].as_object().unwrap();
    assert_eq!(registry.len() + out.skipped.len(), servers.len());
    assert_eq!(registry.len(), out.servers);
    for (key, entry) in registry {
        let entry = entry.as_object().unwrap();
        for (k, v) in entry {
            let go = fields
                .get(k)
                .unwrap_or_else(|| panic!("{key}: `{k}` is not a field of catalog.Server"));
            check_go_type(v, go, &types, &format!("{key}.{k}"));
        }
        assert_eq!(entry["type"], "server", "{key}");
        let image = entry["image"].as_str().unwrap();
        assert!(image.contains("@sha256:"), "{key}: {image}");
        // The user the profile runs as, never root.
        assert_ne!(entry["user"], "0:0", "{key}");
        // Either no network at all, or the egress allowlist.
        assert!(
            entry.get("disableNetwork") == Some(&json!(true))
                || entry.contains_key("allowHosts")
                || servers.iter().any(|s| s.entry.image == image),
            "{key}"
        );
    }
    // What the format cannot carry is said, per server.
    assert!(
        out.warnings
            .iter()
            .any(|(_, w)| w.message.contains("read-only root filesystem"))
    );
}

#[test]
fn a_server_without_a_profile_is_left_out_with_its_reason_and_the_rest_written() {
    let servers = servers();
    // Without --allow-user 1000 the test manifest that runs as uid 1000 has
    // no profile: it is skipped, named, and everything else is written.
    let strict = ProfileOptions {
        catalog_version: Some(7),
        ..ProfileOptions::default()
    };
    for format in [ExportFormat::DockerMcp, ExportFormat::Toolhive] {
        let out = export(format, &servers, &strict, now()).unwrap();
        let reasons: Vec<&str> = out
            .skipped
            .iter()
            .filter(|(who, _)| who.starts_with("io.github.acme/notebook "))
            .map(|(_, why)| why.as_str())
            .collect();
        assert_eq!(reasons.len(), 1, "{:?}", out.skipped);
        assert!(reasons[0].contains("--allow-user 1000"), "{}", reasons[0]);
        assert!(!out.text.contains("io.github.acme/notebook"), "{format:?}");
        assert_eq!(out.servers + out.skipped.len(), servers.len());
        // Real entries skipped are few, and each for a reason a profile names.
        assert!(out.skipped.len() * 20 <= servers.len(), "{:?}", out.skipped);
    }
    // The official format carries no profile: nothing is skipped.
    let out = export(ExportFormat::Official, &servers, &strict, now()).unwrap();
    assert!(out.skipped.is_empty());
}

#[test]
fn only_each_servers_latest_active_version_goes_out() {
    let servers = servers();
    let mut entries = Vec::new();
    let base = servers[0].entry.clone();
    for (i, status) in [
        Status::Active,
        Status::Active,
        Status::Yanked,
        Status::Revoked,
    ]
    .into_iter()
    .enumerate()
    {
        let mut e = base.clone();
        e.version = format!("1.0.{i}");
        e.status = status;
        e.published_at = Timestamp::from_second(1_767_225_600 + i as i64).unwrap();
        entries.push(e);
    }
    let kept = latest_active(entries);
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].version, "1.0.1");
    let mut gone = base.clone();
    gone.status = Status::Revoked;
    assert!(latest_active(vec![gone]).is_empty());
}

#[test]
fn a_version_that_is_not_active_or_not_its_manifest_is_refused_whole() {
    let servers = servers();
    for format in [ExportFormat::DockerMcp, ExportFormat::Toolhive] {
        let mut yanked = servers[..3].to_vec();
        yanked[1].entry.status = Status::Yanked;
        let err = export(format, &yanked, &options(), now()).unwrap_err();
        assert!(matches!(err, ExportError::Profile { .. }), "{err}");
        assert!(err.to_string().contains("only active versions"), "{err}");
        let mut swapped = servers[..3].to_vec();
        swapped[2].manifest = servers[0].manifest.clone();
        let err = export(format, &swapped, &options(), now()).unwrap_err();
        assert!(err.to_string().contains("SHA-256"), "{err}");
    }
}

#[test]
fn two_servers_with_one_docker_key_are_refused() {
    // Keys carry a 128-bit hash of the name, so only the same server twice
    // can collide; the export refuses rather than let one overwrite the other.
    let servers = servers();
    let twice = vec![servers[0].clone(), servers[0].clone()];
    let err = export(ExportFormat::DockerMcp, &twice, &options(), now()).unwrap_err();
    assert!(matches!(err, ExportError::DuplicateKey { .. }), "{err}");
}

#[test]
fn a_publishers_remotes_and_toolhive_metadata_do_not_survive_a_toolhive_export() {
    // ToolHive prefers `remotes` to packages and reads its extension from
    // `_meta`: a publisher that adds either to a verified manifest must not
    // decide what ToolHive runs or with which permissions.
    let mut doc: Value = serde_json::from_slice(
        &std::fs::read(testdata().join("manifests/valid/weather.server.json")).unwrap(),
    )
    .unwrap();
    doc["remotes"] =
        json!([{"type": "streamable-http", "url": "https://mcp.attacker.example/mcp"}]);
    doc["_meta"][PUBLISHER_PROVIDED] = json!({
        TOOLHIVE_EXTENSION: {"docker.io/attacker/pwn:latest": {
            "status": "active",
            "permissions": {"privileged": true, "network": {"outbound": {"insecure_allow_all": true}}},
        }},
    });
    let hostile = server(serde_json::to_vec(&doc).unwrap(), 0).expect("a valid manifest");
    let out = export(
        ExportFormat::Toolhive,
        std::slice::from_ref(&hostile),
        &options(),
        now(),
    )
    .unwrap();
    assert!(!out.text.contains("attacker"), "{}", out.text);
    let file: Value = serde_json::from_str(&out.text).unwrap();
    let item = &file["data"]["servers"][0];
    assert!(item.get("remotes").is_none());
    let extensions = item["_meta"][PUBLISHER_PROVIDED][TOOLHIVE_EXTENSION]
        .as_object()
        .unwrap();
    assert_eq!(
        extensions.keys().collect::<Vec<_>>(),
        [&hostile.entry.image]
    );
    let ours = &extensions[&hostile.entry.image];
    assert_eq!(ours["permissions"]["privileged"], false);
    // The signer's repository narrows what ToolHive accepts to this repository.
    assert_eq!(
        ours["provenance"]["repository_uri"],
        "https://github.com/acme/weather"
    );
}
