//! `mcp-verify tools check|pin|scan` end to end: the built binary on files
//! from `testdata/`, asserting exit codes and what is printed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn testdata(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata")
        .join(rel)
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mcp-verify"))
        .args(args)
        .output()
        .expect("run mcp-verify")
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exit code")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// A copy of the weather manifest in a temporary directory.
fn manifest_copy(dir: &tempfile::TempDir) -> PathBuf {
    let path = dir.path().join("server.json");
    std::fs::copy(testdata("manifests/valid/weather.server.json"), &path).expect("copy manifest");
    path
}

#[test]
fn check_passes_when_live_surface_equals_the_pin() {
    let o = run(&[
        "tools",
        "check",
        "--manifest",
        s(&testdata("manifests/valid/weather.server.json")),
        "--tools-list",
        s(&testdata("tools/weather.live.json")),
    ]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert!(stdout(&o).contains("matches the pin"), "{}", stdout(&o));
}

#[test]
fn check_fails_with_a_readable_diff_on_a_rug_pull() {
    let o = run(&[
        "tools",
        "check",
        "--manifest",
        s(&testdata("manifests/valid/weather.server.json")),
        "--tools-list",
        s(&testdata("tools/weather.rugpull.pages.json")),
    ]);
    assert_eq!(code(&o), 1);
    let out = stdout(&o);
    assert!(
        out.contains("+ error   tool-added at /1/result/tools/0"),
        "{out}"
    );
    assert!(
        out.contains("~ error   tool-changed at /0/result/tools/0/description"),
        "{out}"
    );
    assert!(out.contains("IMPORTANT"), "{out}");
    assert!(
        out.contains(
            "! error   tool-annotation-weakened at /0/result/tools/0/annotations/readOnlyHint"
        ),
        "{out}"
    );
}

#[test]
fn check_json_output_carries_digests_and_findings() {
    let o = run(&[
        "tools",
        "check",
        "--output",
        "json",
        "--manifest",
        s(&testdata("manifests/valid/weather.server.json")),
        "--tools-list",
        s(&testdata("tools/weather.rugpull.pages.json")),
    ]);
    assert_eq!(code(&o), 1);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["matches"], false);
    assert_ne!(v["pinnedDigest"], v["liveDigest"]);
    assert!(v["pinnedDigest"].as_str().unwrap().starts_with("sha256:"));
    assert_eq!(v["findings"].as_array().unwrap().len(), 3);
}

#[test]
fn check_refuses_pages_whose_cursors_do_not_chain() {
    let o = run(&[
        "tools",
        "check",
        "--manifest",
        s(&testdata("manifests/valid/weather.server.json")),
        "--tools-list",
        s(&testdata("tools/broken-chain.pages.json")),
    ]);
    assert_eq!(code(&o), 2);
    assert!(String::from_utf8_lossy(&o.stderr).contains("page 0 has no nextCursor"));
}

#[test]
fn check_refuses_a_manifest_without_extension() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bare.json");
    std::fs::write(
        &path,
        r#"{"name": "io.github.acme/x", "description": "x", "version": "1.0.0"}"#,
    )
    .unwrap();
    let o = run(&[
        "tools",
        "check",
        "--manifest",
        s(&path),
        "--tools-list",
        s(&testdata("tools/weather.live.json")),
    ]);
    assert_eq!(code(&o), 2);
    assert!(String::from_utf8_lossy(&o.stderr).contains("pins no tool surface"));
}

#[test]
fn pin_prints_only_pinned_fields() {
    let o = run(&["tools", "pin", s(&testdata("tools/weather.live.json"))]);
    assert_eq!(code(&o), 0);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v[0]["name"], "get_forecast");
    assert!(v[0].get("icons").is_none());
    assert!(String::from_utf8_lossy(&o.stderr).contains("surface sha256:"));
}

#[test]
fn pin_write_then_check_round_trips_and_keeps_the_rest_of_the_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest_copy(&dir);
    let o = run(&[
        "tools",
        "pin",
        s(&testdata("tools/weather.rugpull.pages.json")),
        "--manifest",
        s(&manifest),
        "--write",
    ]);
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&manifest).unwrap()).unwrap();
    let ext = &written["_meta"]["dev.mcp-trust/security"];
    assert_eq!(ext["tools"].as_array().unwrap().len(), 2);
    assert_eq!(ext["network"]["egress"][0], "api.acme-weather.example:443");
    assert_eq!(
        written["repository"]["url"],
        "https://github.com/acme/weather"
    );
    let o = run(&[
        "tools",
        "check",
        "--manifest",
        s(&manifest),
        "--tools-list",
        s(&testdata("tools/weather.rugpull.pages.json")),
    ]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
}

#[test]
fn pin_write_needs_a_manifest_with_extension() {
    let o = run(&[
        "tools",
        "pin",
        s(&testdata("tools/weather.live.json")),
        "--write",
    ]);
    assert_eq!(code(&o), 2, "--write without --manifest is a usage error");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bare.json");
    std::fs::write(
        &path,
        r#"{"name": "io.github.acme/x", "description": "x", "version": "1.0.0"}"#,
    )
    .unwrap();
    let o = run(&[
        "tools",
        "pin",
        s(&testdata("tools/weather.live.json")),
        "--manifest",
        s(&path),
        "--write",
    ]);
    assert_eq!(code(&o), 2);
    assert!(String::from_utf8_lossy(&o.stderr).contains("add the extension"));
}

#[test]
fn scan_of_real_docker_tool_lists_passes() {
    for server in ["buildkite", "astro-docs", "wix", "arm-mcp"] {
        let o = run(&[
            "tools",
            "scan",
            s(&testdata(&format!("tools/docker/{server}/tools.json"))),
        ]);
        assert_eq!(code(&o), 0, "{server}: {}", stdout(&o));
    }
}

#[test]
fn scan_flags_poisoned_tools_with_exit_1() {
    let o = run(&[
        "tools",
        "scan",
        "--output",
        "json",
        s(&testdata("tools/poisoned.tools.json")),
    ]);
    assert_eq!(code(&o), 1);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["source"], "tools-list-result");
    let codes: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"tool-prompt-injection"), "{codes:?}");
    assert!(codes.contains(&"tool-secret-exfiltration"), "{codes:?}");
}

#[test]
fn scan_reads_manifests_and_human_output_names_paths() {
    let o = run(&["tools", "scan", s(&testdata("tools/poisoned.tools.json"))]);
    assert_eq!(code(&o), 1);
    assert!(
        stdout(&o).contains("tool-prompt-injection at /tools/0/description"),
        "{}",
        stdout(&o)
    );
    let o = run(&[
        "tools",
        "scan",
        s(&testdata("manifests/valid/weather.server.json")),
    ]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
}

#[test]
fn scan_policy_can_relevel_codes_and_refuses_unknown_ones() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.json");
    std::fs::write(
        &policy,
        r#"{"warning": ["tool-prompt-injection", "tool-secret-exfiltration"]}"#,
    )
    .unwrap();
    let o = run(&[
        "tools",
        "scan",
        "--policy",
        s(&policy),
        s(&testdata("tools/poisoned.tools.json")),
    ]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    std::fs::write(&policy, r#"{"off": ["tool-promt-injection"]}"#).unwrap();
    let o = run(&[
        "tools",
        "scan",
        "--policy",
        s(&policy),
        s(&testdata("tools/poisoned.tools.json")),
    ]);
    assert_eq!(code(&o), 2);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("unknown finding code `tool-promt-injection`")
    );
}

#[test]
fn scan_of_unreadable_input_exits_2() {
    let o = run(&["tools", "scan", "/nonexistent/tools.json"]);
    assert_eq!(code(&o), 2);
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"tools\": [").unwrap();
    let o = run(&["tools", "scan", s(&bad)]);
    assert_eq!(code(&o), 2);
    assert!(String::from_utf8_lossy(&o.stderr).contains("not valid JSON"));
}
