//! Catalog entries of real manifests stay far below the publish budget
//! (`catalog::model::MAX_ENTRY_BYTES`): the five valid manifests of
//! `testdata/manifests/valid/` and the 249 container entries of Docker's MCP catalog in
//! `testdata/corpus/`, imported. The figures in the constant's documentation
//! come from here (`cargo test -p mcp-trust --test entry_budget -- --nocapture`).

#![allow(clippy::unwrap_used)] // test helpers panic on broken fixtures by design

use mcp_trust::catalog::model::{
    KeylessSigner, MAX_ENTRY_BYTES, MAX_NAMESPACE_ENTRY_BYTES, MAX_SERVER_ENTRY_BYTES,
    MAX_SHARD_BYTES,
};
use mcp_trust::catalog::{Entry, Signer};
use mcp_trust::import::docker_catalog::{DEFAULT_NAMESPACE, import};
use mcp_trust::manifest::{ValidateOptions, validate};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata")
}

/// A realistic keyless signer: a release workflow at a tag.
fn signer() -> Signer {
    Signer::Keyless(KeylessSigner {
        identity: "https://github.com/acme-corporation/weather-forecast-server/.github/workflows/release.yml@refs/tags/v1.12.3".into(),
        issuer: "https://token.actions.githubusercontent.com".into(),
    })
}

/// The budget bytes of the entry a registry would make of `manifest`.
fn entry_bytes(mut manifest: Value) -> Option<u64> {
    // Imported manifests name images by tag; a publish pins the digest.
    let ext = &mut manifest["_meta"]["dev.mcp-trust/security"];
    if let Some(image) = ext["image"].as_str()
        && !image.contains('@')
    {
        let repo = image.rsplit_once(':').map_or(image, |(r, _)| r);
        ext["image"] = format!("{repo}@sha256:{}", "ab".repeat(32)).into();
    }
    let bytes = serde_json::to_vec(&manifest).unwrap();
    let report = validate(&bytes, ValidateOptions::default());
    let m = report.manifest?;
    let at = "2025-06-01T12:00:00.123456Z".parse().unwrap();
    let e = Entry::from_manifest(&m, signer(), false, at, 0).ok()?;
    Some(e.budget_bytes().unwrap())
}

fn stats(what: &str, mut sizes: Vec<u64>) -> (u64, u64) {
    sizes.sort_unstable();
    let (median, max) = (sizes[sizes.len() / 2], *sizes.last().unwrap());
    println!(
        "{what}: {} entries, min {} median {median} max {max} bytes",
        sizes.len(),
        sizes[0],
    );
    (median, max)
}

#[test]
fn real_entries_are_a_fraction_of_the_entry_budget() {
    let mut valid = Vec::new();
    for e in std::fs::read_dir(root().join("manifests/valid")).unwrap() {
        let text = std::fs::read(e.unwrap().path()).unwrap();
        if let Some(n) = entry_bytes(serde_json::from_slice(&text).unwrap()) {
            valid.push(n);
        }
    }
    let mut docker = Vec::new();
    let corpus = root().join("corpus/docker-mcp-registry");
    for e in std::fs::read_dir(&corpus).unwrap() {
        let dir = e.unwrap().path();
        let Ok(yaml) = std::fs::read(dir.join("server.yaml")) else {
            continue;
        };
        let tools = std::fs::read(dir.join("tools.json")).ok();
        if let Some(m) = import(&yaml, tools.as_deref(), DEFAULT_NAMESPACE).manifest
            && let Some(n) = entry_bytes(m)
        {
            docker.push(n);
        }
    }
    assert!(
        valid.len() >= 2,
        "only {} valid manifests made entries",
        valid.len()
    );
    assert!(
        docker.len() >= 240,
        "only {} Docker entries made entries",
        docker.len()
    );
    let (_, valid_max) = stats("testdata/manifests/valid", valid);
    let (median, docker_max) = stats("Docker MCP catalog", docker);
    let largest = valid_max.max(docker_max);
    assert!(
        largest * 4 <= MAX_ENTRY_BYTES,
        "the largest real entry ({largest} bytes) is over a quarter of MAX_ENTRY_BYTES"
    );
    println!(
        "at the median, a server's budget holds {} versions, a namespace's {}, a shard's {}",
        MAX_SERVER_ENTRY_BYTES / median,
        MAX_NAMESPACE_ENTRY_BYTES / median,
        MAX_SHARD_BYTES / median
    );
}
