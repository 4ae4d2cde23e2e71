//! `mcp-verify publish` against a real registry server (with its deterministic
//! test verifier): local lint first, then the registry's answer and exit code.

use mcp_e2e::mcp_verify;
use mcp_registry::testing::{ALLOWED_HOST, TestServer, acme_signer, digest, manifest};
use mcp_registry::verify::VerifyFailure;
use std::process::{Command, Output};

fn publish(s: &TestServer, manifest: &serde_json::Value, extra: &[&str]) -> (Output, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("server.json");
    std::fs::write(&file, manifest.to_string()).unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, format!("{}\n", s.acme_token)).unwrap();
    let out = Command::new(mcp_verify())
        .arg("publish")
        .arg(&file)
        .args(["--registry", &s.base, "--token-file"])
        .arg(&token)
        .args(extra)
        .env_remove("MCP_REGISTRY_TOKEN")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    (out, stdout)
}

#[test]
fn publishes_then_reports_identical_republish() {
    let s = TestServer::start(|_| {});
    let d = digest("cli");
    s.verifier.sign(&d, acme_signer());
    let m = manifest("io.github.acme/weather", "1.0.0", ALLOWED_HOST, &d);
    let (out, stdout) = publish(&s, &m, &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("published io.github.acme/weather 1.0.0"),
        "{stdout}"
    );
    let (out, stdout) = publish(&s, &m, &[]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout.contains("already published"), "{stdout}");
}

#[test]
fn renders_server_findings_like_the_linter_and_exits_1() {
    let s = TestServer::start(|_| {});
    let d = digest("evil");
    let mut evil = acme_signer();
    evil.keyless.identity =
        "https://github.com/evil/x/.github/workflows/r.yml@refs/heads/main".into();
    s.verifier.sign(&d, evil.clone());
    let mut m = manifest("io.github.acme/weather", "1.0.0", ALLOWED_HOST, &d);
    m["_meta"]["dev.mcp-trust/security"]["provenance"]["certificateIdentity"] =
        evil.keyless.identity.into();
    let (out, stdout) = publish(&s, &m, &[]);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("signer-identity-outside-namespace at (document)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("refused with 422 signer-outside-namespace"),
        "{stdout}"
    );
}

#[test]
fn lints_locally_before_sending() {
    let s = TestServer::start(|_| {});
    let mut m = manifest(
        "io.github.acme/weather",
        "1.0.0",
        ALLOWED_HOST,
        &digest("x"),
    );
    m["_meta"]["dev.mcp-trust/security"]["image"] =
        format!("{ALLOWED_HOST}/acme/weather:1.0.0").into();
    let (out, stdout) = publish(&s, &m, &["--output", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["findings"][0]["code"], "image-tag-only");
    assert_eq!(doc["status"], serde_json::Value::Null, "nothing was sent");
    assert_eq!(
        s.block_on(s.store.audit(0, 100)).unwrap().len(),
        3,
        "no publish attempt reached the registry"
    );
}

#[test]
fn unreachable_upstream_exits_3_and_missing_token_exits_2() {
    let s = TestServer::start(|_| {});
    let d = digest("down");
    s.verifier.fail(
        &d,
        VerifyFailure::Unreachable {
            message: "timeout".into(),
        },
    );
    let m = manifest("io.github.acme/weather", "1.0.0", ALLOWED_HOST, &d);
    let (out, stdout) = publish(&s, &m, &[]);
    assert_eq!(out.status.code(), Some(3), "{stdout}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("server.json");
    std::fs::write(&file, m.to_string()).unwrap();
    let out = Command::new(mcp_verify())
        .arg("publish")
        .arg(&file)
        .args(["--registry", &s.base])
        .env_remove("MCP_REGISTRY_TOKEN")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("MCP_REGISTRY_TOKEN"));
    let closed = Command::new(mcp_verify())
        .arg("publish")
        .arg(&file)
        .args(["--registry", "http://127.0.0.1:9"])
        .env("MCP_REGISTRY_TOKEN", &s.acme_token)
        .output()
        .unwrap();
    assert_eq!(closed.status.code(), Some(3));
}
