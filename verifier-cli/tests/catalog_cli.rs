//! `mcp-verify catalog pull|verify` as a user runs it: a catalog signed in
//! memory, written as a snapshot directory or served over loopback HTTP,
//! checked with the root key in a PEM file; exit codes and JSON reports.

#![allow(clippy::unwrap_used)] // test helpers panic on broken fixtures by design

mod support;

use jiff::Timestamp;
use mcp_trust::catalog::memory::{MemoryRegistry, synthetic_entry};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};
use support::catalog_server::CatalogServer;

fn registry(n: u64) -> MemoryRegistry {
    let now = Timestamp::now();
    let entries = (0..n).map(|i| synthetic_entry(i, now)).collect();
    MemoryRegistry::with_entries("registry.test/log", now, entries).unwrap()
}

fn mcp_verify(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mcp-verify"))
        .args(args)
        .output()
        .unwrap()
}

/// The JSON report, checked against `schemas/catalog-pull-report.schema.json`.
fn json(out: &Output) -> Value {
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let schema: Value = serde_json::from_str(include_str!(
        "../../schemas/catalog-pull-report.schema.json"
    ))
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(
        errors.is_empty(),
        "report does not match its schema: {errors:?}\n{doc}"
    );
    doc
}

fn write_root(reg: &MemoryRegistry, dir: &Path) -> String {
    let path = dir.join("root.pub");
    std::fs::write(&path, reg.root_public_key().to_pem()).unwrap();
    path.display().to_string()
}

#[test]
fn verify_a_snapshot_directory_exits_0_with_a_json_report() {
    let reg = registry(40);
    let tmp = tempfile::tempdir().unwrap();
    let root = write_root(&reg, tmp.path());
    let snap = tmp.path().join("snap");
    reg.mirror().write(&snap).unwrap();
    let out = mcp_verify(&[
        "catalog",
        "verify",
        snap.to_str().unwrap(),
        "--keys",
        &root,
        "--output",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json(&out);
    assert_eq!(report["verified"], true);
    assert_eq!(report["summary"]["entries"], 40);
    assert_eq!(report["summary"]["catalogVersion"], 1);
    assert_eq!(report["stateUpdated"], false);
}

#[test]
fn verify_a_snapshot_with_a_tampered_shard_exits_1_naming_the_check() {
    let reg = registry(40);
    let tmp = tempfile::tempdir().unwrap();
    let root = write_root(&reg, tmp.path());
    let snap = tmp.path().join("snap");
    reg.mirror().write(&snap).unwrap();
    let shard = snap.join(format!(
        "shards/{}.json",
        reg.shards()[3].reference.sha256.hex()
    ));
    let mut bytes = std::fs::read(&shard).unwrap();
    bytes[10] ^= 1;
    std::fs::write(&shard, bytes).unwrap();
    let out = mcp_verify(&[
        "catalog",
        "verify",
        snap.to_str().unwrap(),
        "--keys",
        &root,
        "--output",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out);
    assert_eq!(report["verified"], false);
    assert_eq!(report["stage"], "shard");
    let human = mcp_verify(&["catalog", "verify", snap.to_str().unwrap(), "--keys", &root]);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains("catalog NOT accepted") && text.contains("shard 3"),
        "{text}"
    );
}

#[test]
fn verify_with_the_wrong_root_key_exits_1() {
    let reg = registry(5);
    let other = registry(1);
    let tmp = tempfile::tempdir().unwrap();
    let root = write_root(&other, tmp.path());
    let snap = tmp.path().join("snap");
    reg.mirror().write(&snap).unwrap();
    let out = mcp_verify(&[
        "catalog",
        "verify",
        snap.to_str().unwrap(),
        "--keys",
        &root,
        "--output",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json(&out)["stage"], "keys");
}

#[test]
fn pull_remembers_state_and_reports_what_changed() {
    let mut reg = registry(60);
    let server = CatalogServer::start(&reg);
    let tmp = tempfile::tempdir().unwrap();
    let root = write_root(&reg, tmp.path());
    let state = tmp.path().join("state");
    let state = state.to_str().unwrap();
    let pull = |extra: &[&str]| {
        let mut args = vec![
            "catalog",
            "pull",
            server.base.as_str(),
            "--keys",
            root.as_str(),
            "--state",
            state,
        ];
        args.extend_from_slice(extra);
        mcp_verify(&args)
    };
    let out = pull(&["--output", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(json(&out)["initial"], true);
    assert!(Path::new(state).join("state.json").is_file());

    let now = Timestamp::now();
    let mut changed = synthetic_entry(500, now);
    changed.tools_changed = true;
    reg.publish(changed.clone(), now).unwrap();
    let victim = synthetic_entry(7, now);
    reg.set_status(
        &victim.name,
        &victim.version,
        mcp_trust::catalog::Status::Revoked,
        now,
    )
    .unwrap();
    server.update(&reg);
    let out = pull(&[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("verified catalog version 3 (was 1)"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "+ added    {} 1.0.0: tool surface changed, re-approval needed",
            changed.name
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "! revoked  {} 1.0.0: stop running it",
            victim.name
        )),
        "{text}"
    );
    assert!(
        text.contains("fetched       2 shard(s), 2 log record(s)"),
        "{text}"
    );
}

#[test]
fn pull_of_an_older_catalog_than_remembered_exits_1_as_rollback() {
    let mut reg = registry(10);
    let server = CatalogServer::start(&reg);
    let old = tempfile::tempdir().unwrap();
    reg.mirror().write(old.path()).unwrap();
    reg.publish(synthetic_entry(99, Timestamp::now()), Timestamp::now())
        .unwrap();
    server.update(&reg);
    let tmp = tempfile::tempdir().unwrap();
    let root = write_root(&reg, tmp.path());
    let state = tmp.path().join("state");
    let args = |src: &str| {
        vec![
            "catalog".to_owned(),
            "pull".into(),
            src.into(),
            "--keys".into(),
            root.clone(),
            "--state".into(),
            state.display().to_string(),
            "--output".into(),
            "json".into(),
        ]
    };
    let out = Command::new(env!("CARGO_BIN_EXE_mcp-verify"))
        .args(args(&server.base))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    // The registry (or a mirror in front of it) now serves the older snapshot.
    server.serve(old);
    let out = Command::new(env!("CARGO_BIN_EXE_mcp-verify"))
        .args(args(&server.base))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out);
    assert_eq!(report["stage"], "rollback");
    assert_eq!(report["stateUpdated"], false);
}

#[test]
fn pull_from_an_unreachable_registry_exits_3() {
    let reg = registry(1);
    let tmp = tempfile::tempdir().unwrap();
    let root = write_root(&reg, tmp.path());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let out = mcp_verify(&["catalog", "pull", &url, "--keys", &root, "--output", "json"]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(json(&out)["stage"], "fetch");
}

#[test]
fn a_missing_root_key_file_exits_2() {
    let tmp = tempfile::tempdir().unwrap();
    let out = mcp_verify(&[
        "catalog",
        "verify",
        tmp.path().to_str().unwrap(),
        "--keys",
        "/nonexistent/root.pub",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("root key"));
}

#[test]
fn with_stdout_closed_a_pull_keeps_its_state_and_a_rollback_still_exits_1() {
    // `mcp-verify catalog pull … | head -1` once head has had enough: the
    // state is written as when the report is read, and a refusal is still
    // a refusal, silently.
    let mut reg = registry(10);
    let server = CatalogServer::start(&reg);
    let old = tempfile::tempdir().unwrap();
    reg.mirror().write(old.path()).unwrap();
    reg.publish(synthetic_entry(99, Timestamp::now()), Timestamp::now())
        .unwrap();
    server.update(&reg);
    let tmp = tempfile::tempdir().unwrap();
    let root = write_root(&reg, tmp.path());
    let state = tmp.path().join("state");
    let pull = |output: &str| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_mcp-verify"));
        cmd.args(["catalog", "pull", &server.base, "--keys", &root, "--state"])
            .arg(&state)
            .args(["--output", output]);
        support::process::reader_gone(&mut cmd)
    };
    for output in ["human", "json"] {
        let out = pull(output);
        assert_eq!(out.status.code(), Some(0), "{output}");
        assert!(
            out.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert!(state.join("state.json").is_file(), "the state was not kept");
    server.serve(old);
    for output in ["human", "json"] {
        let out = pull(output);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{output}: the rollback was not refused"
        );
        assert!(
            out.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn profile_from_the_pulled_state_renders_only_a_listed_unexpired_version() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/manifests/valid/weather.server.json");
    let reg = support::probe::catalog_of(
        &manifest,
        "https://github.com/acme/weather/.github/workflows/release.yml@refs/tags/v1.0.0",
    );
    let server = CatalogServer::start(&reg);
    let tmp = tempfile::tempdir().unwrap();
    let root = write_root(&reg, tmp.path());
    let state = tmp.path().join("state");
    let state_arg = state.to_str().unwrap();
    let profile = |file: &Path| {
        mcp_verify(&[
            "profile",
            file.to_str().unwrap(),
            "--format",
            "docker",
            "--catalog-state",
            state_arg,
        ])
    };
    // Nothing pulled yet.
    let out = profile(&manifest);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no catalog has been pulled"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pulled = mcp_verify(&[
        "catalog",
        "pull",
        &server.base,
        "--keys",
        &root,
        "--state",
        state_arg,
    ]);
    assert_eq!(
        pulled.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&pulled.stderr)
    );
    // Listed and active: rendered, labelled with the accepted catalog's version.
    let out = profile(&manifest);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("docker run"));
    // Another version of the same server is not in the catalog.
    let mut doc: Value = serde_json::from_slice(&std::fs::read(&manifest).unwrap()).unwrap();
    doc["version"] = "9.9.9".into();
    let other = tmp.path().join("other.server.json");
    std::fs::write(&other, serde_json::to_vec(&doc).unwrap()).unwrap();
    let out = profile(&other);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("9.9.9 is not in the catalog accepted"));
    // The listed version with another description is not the manifest the entry pins.
    let mut doc: Value = serde_json::from_slice(&std::fs::read(&manifest).unwrap()).unwrap();
    doc["description"] = "Changed after it was verified.".into();
    std::fs::write(&other, serde_json::to_vec(&doc).unwrap()).unwrap();
    let out = profile(&other);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    // An accepted catalog that has since expired is a freeze: refused.
    let path = state.join("state.json");
    let mut saved: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    saved["expires"] = "2020-01-01T00:00:00Z".into();
    std::fs::write(&path, serde_json::to_vec(&saved).unwrap()).unwrap();
    let out = profile(&manifest);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("expired"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
