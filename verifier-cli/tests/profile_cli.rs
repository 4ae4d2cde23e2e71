//! `mcp-verify profile` as a user meets it: the document on stdout (pipeable),
//! warnings on stderr, exit codes 0 / 1 (refused manifest) / 2 (bad input).

// Test helpers outside #[test] functions: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn fixture(rel: &str) -> PathBuf {
    root().join("testdata/manifests").join(rel)
}

fn mcp_verify(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mcp-verify"))
        .args(args)
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8(b.to_vec()).unwrap()
}

#[test]
fn docker_document_goes_to_stdout_and_warnings_to_stderr() {
    let f = fixture("profiles/github-official.server.json");
    let out = mcp_verify(&["profile", f.to_str().unwrap(), "--format", "docker"]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    let stderr = text(&out.stderr);
    assert!(stdout.contains("docker run --rm -i --read-only"));
    assert!(stderr.contains(
        "warning: secret `github.personal_access_token` reaches the server as environment variable"
    ));
    assert!(stderr.contains("[profile-cannot-express]"));
    // Every stdout line is a comment or part of the command: the output can be piped to sh.
    assert!(
        stdout
            .lines()
            .all(|l| l.starts_with('#') || l.starts_with("docker run") || l.starts_with("  "))
    );
}

#[test]
fn json_output_is_one_document_with_argv_and_warnings() {
    let f = fixture("profiles/duckduckgo.server.json");
    let out = mcp_verify(&[
        "profile",
        f.to_str().unwrap(),
        "--format",
        "docker",
        "--output",
        "json",
        "--catalog-version",
        "9",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["format"], "docker");
    let argv = v["document"].as_array().unwrap();
    assert_eq!(argv[0], "docker");
    assert!(argv.iter().any(|a| a == "dev.mcp-trust/catalog-version=9"));
    assert!(
        v["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["code"] == "profile-cannot-express")
    );
}

#[test]
fn default_format_is_the_neutral_profile() {
    let f = fixture("valid/weather.server.json");
    let out = mcp_verify(&["profile", f.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["profileVersion"], 1);
    assert_eq!(v["security"]["capabilitiesDrop"][0], "ALL");
}

#[test]
fn refused_manifest_exits_1_and_renders_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut doc: Value =
        serde_json::from_slice(&std::fs::read(fixture("valid/weather.server.json")).unwrap())
            .unwrap();
    doc["_meta"]["dev.mcp-trust/security"]["image"] = Value::from("ghcr.io/acme/weather:1.4.2");
    let path = dir.path().join("server.json");
    std::fs::write(&path, serde_json::to_vec(&doc).unwrap()).unwrap();
    let out = mcp_verify(&["profile", path.to_str().unwrap(), "--format", "docker"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = text(&out.stderr);
    assert!(stderr.contains("image-tag-only"), "{stderr}");
    assert!(stderr.contains("nothing is rendered"), "{stderr}");

    let out = mcp_verify(&["profile", path.to_str().unwrap(), "--output", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "image-tag-only")
    );
}

#[test]
fn secret_for_undeclared_name_is_a_usage_error() {
    let f = fixture("valid/weather.server.json");
    let out = mcp_verify(&["profile", f.to_str().unwrap(), "--secret", "NOPE=/srv/x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(text(&out.stderr).contains("declares no secret `NOPE`"));
}

#[test]
fn relative_secret_path_is_made_absolute() {
    let f = fixture("valid/weather.server.json");
    let out = Command::new(env!("CARGO_BIN_EXE_mcp-verify"))
        .args([
            "profile",
            f.to_str().unwrap(),
            "--format",
            "docker",
            "--output",
            "json",
        ])
        .args(["--secret", "ACME_WEATHER_API_KEY=keys/weather"])
        .current_dir("/tmp")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["document"].as_array().unwrap().iter().any(|a| a
        == "type=bind,source=/tmp/keys/weather,target=/run/secrets/ACME_WEATHER_API_KEY,readonly"));
}

#[test]
fn sensitive_mount_source_is_refused() {
    let f = fixture("profiles/filesystem.server.json");
    let out = mcp_verify(&["profile", f.to_str().unwrap(), "--mount", "/projects=/etc"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("exposes the host system"));
}

#[test]
fn unreadable_file_is_a_usage_error() {
    let out = mcp_verify(&["profile", "/nonexistent/server.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot read /nonexistent/server.json"));
}

#[test]
fn help_teaches_the_hardening_and_the_formats() {
    let out = mcp_verify(&["profile", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = text(&out.stdout);
    for needle in [
        "refused and nothing is rendered",
        "every capability dropped",
        "/run/secrets/NAME",
        "--format kubernetes",
        "docker-mcp",
        "CONTAINER_PATH=HOST_PATH",
    ] {
        assert!(help.contains(needle), "missing {needle:?} in help");
    }
}

#[test]
fn catalog_entry_gates_the_profile() {
    use mcp_trust::catalog::model::KeylessSigner;
    use mcp_trust::catalog::{Entry, Signer, Status};
    let manifest_path = root().join("testdata/manifests/valid/weather.server.json");
    let bytes = std::fs::read(&manifest_path).unwrap();
    let manifest = mcp_trust::manifest::validate(&bytes, Default::default())
        .manifest
        .unwrap();
    let signer = Signer::Keyless(KeylessSigner {
        identity: "id".into(),
        issuer: "iss".into(),
    });
    let mut entry =
        Entry::from_manifest(&manifest, signer, false, jiff::Timestamp::UNIX_EPOCH, 0).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let entry_path = dir.path().join("entry.json");
    let m = manifest_path.to_str().unwrap();
    std::fs::write(&entry_path, serde_json::to_vec(&entry).unwrap()).unwrap();
    let out = mcp_verify(&[
        "profile",
        m,
        "--format",
        "docker",
        "--catalog-entry",
        entry_path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    entry.status = Status::Revoked;
    std::fs::write(&entry_path, serde_json::to_vec(&entry).unwrap()).unwrap();
    let out = mcp_verify(&[
        "profile",
        m,
        "--format",
        "docker",
        "--catalog-entry",
        entry_path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "nothing rendered");
    assert!(
        text(&out.stderr).contains("only active versions"),
        "{}",
        text(&out.stderr)
    );
}
