//! `mcp-verify manifest lint` as users run it: the real binary, its output
//! (snapshots) and its exit codes.

#![allow(clippy::unwrap_used)] // test helpers panic on broken fixtures by design

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn testdata(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/manifests")
        .join(rel)
}

fn lint(args: &[&str], files: &[&str]) -> Output {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    Command::new(env!("CARGO_BIN_EXE_mcp-verify"))
        .current_dir(&root)
        .args(["manifest", "lint"])
        .args(args)
        .args(files.iter().map(|f| format!("testdata/manifests/{f}")))
        .output()
        .unwrap()
}

#[test]
fn clean_manifest_exits_zero() {
    let out = lint(&[], &["valid/weather.server.json"]);
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!(String::from_utf8(out.stdout).unwrap());
}

#[test]
fn findings_at_error_severity_exit_one_with_every_finding_shown() {
    let out = lint(
        &[],
        &[
            "invalid/many-problems.json",
            "valid/official-with-remote.server.json",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(String::from_utf8(out.stdout).unwrap());
}

#[test]
fn json_output_lists_every_finding() {
    let out = lint(&["--output", "json"], &["invalid/many-problems.json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    insta::assert_json_snapshot!(v);
}

#[test]
fn unreadable_file_exits_two_after_reporting_the_others() {
    let out = lint(&[], &["valid/weather.server.json", "does-not-exist.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("weather.server.json: ok"));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("cannot read testdata/manifests/does-not-exist.json")
    );
}

#[test]
fn invalid_json_is_a_finding_not_a_crash() {
    let out = lint(&[], &["invalid/truncated-json.json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("json-invalid"));
}

#[test]
fn every_invalid_testdata_file_fails() {
    let dir = testdata("invalid");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| format!("invalid/{}", e.unwrap().file_name().to_str().unwrap()))
        .collect();
    files.sort();
    let refs: Vec<&str> = files.iter().map(String::as_str).collect();
    let out = lint(&["--output", "json"], &refs);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for f in v["files"].as_array().unwrap() {
        assert!(
            f["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["severity"] == "error"),
            "{} has no error",
            f["file"]
        );
    }
}

#[test]
fn usage_error_exits_two() {
    let out = Command::new(env!("CARGO_BIN_EXE_mcp-verify"))
        .args(["manifest", "lint"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn json_output_matches_its_published_schema() {
    let schema: serde_json::Value = serde_json::from_slice(
        &std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas/findings.v1.schema.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let out = lint(
        &["--output", "json"],
        &[
            "invalid/many-problems.json",
            "valid/official-with-package.server.json",
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors: Vec<String> = validator.iter_errors(&v).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
}
