//! `mcp-verify catalog pull` against the real registry server: what a
//! gateway runs, pinned to the registry's root key, over HTTP.

use mcp_e2e::mcp_verify;
use mcp_registry::testing::{ALLOWED_HOST, TestServer, acme_signer, digest, manifest};
use std::path::Path;
use std::process::{Command, Output};

fn publish(s: &TestServer, dir: &Path, version: &str) {
    let d = digest(version);
    s.verifier.sign(&d, acme_signer());
    let file = dir.join(format!("server-{version}.json"));
    std::fs::write(
        &file,
        manifest("io.github.acme/weather", version, ALLOWED_HOST, &d).to_string(),
    )
    .unwrap();
    let token = dir.join("token");
    std::fs::write(&token, &s.acme_token).unwrap();
    let out = Command::new(mcp_verify())
        .arg("publish")
        .arg(&file)
        .args(["--registry", &s.base, "--token-file"])
        .arg(&token)
        .env_remove("MCP_REGISTRY_TOKEN")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn pull(s: &TestServer, root: &Path, state: &Path, extra: &[&str]) -> Output {
    Command::new(mcp_verify())
        .args(["catalog", "pull", &s.base, "--keys"])
        .arg(root)
        .arg("--state")
        .arg(state)
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn pull_verifies_the_registry_catalog_and_reports_each_publish() {
    let s = TestServer::start(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root.pub");
    std::fs::write(&root, s.catalog.keys().root().to_pem()).unwrap();
    let state = dir.path().join("state");

    publish(&s, dir.path(), "1.0.0");
    s.wait_for_catalog(3);
    let out = pull(&s, &root, &state, &["--output", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["initial"], true);
    assert_eq!(report["summary"]["treeSize"], 3, "{report}");
    assert_eq!(report["summary"]["active"], 1, "{report}");

    publish(&s, dir.path(), "2.0.0");
    s.wait_for_catalog(4);
    let out = pull(&s, &root, &state, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let shown = text(&out);
    assert!(
        shown.contains("+ added    io.github.acme/weather 2.0.0"),
        "{shown}"
    );

    // A gateway pinned to another root key refuses the registry's catalog.
    let other = dir.path().join("other.pub");
    std::fs::write(
        &other,
        mcp_trust::keys::SigningKey::generate()
            .unwrap()
            .public_key()
            .to_pem(),
    )
    .unwrap();
    let out = pull(&s, &other, &dir.path().join("other-state"), &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
}
