//! `mcp-verify catalog monitor` and `catalog pull --witness` against the
//! real registry: a publisher hears of every entry of its namespace signed
//! outside the signer it expects, of every status change, and of nothing
//! else; a gateway that requires witness cosignatures refuses a checkpoint
//! without them.

use mcp_e2e::mcp_verify;
use mcp_registry::testing::{ALLOWED_HOST, ISSUER, TestServer, acme_signer, digest, manifest};
use serde_json::{Value, json};
use std::path::Path;
use std::process::{Command, Output};

const NAME: &str = "io.github.acme/weather";
const POLICY: &str = r"https://github\.com/acme/weather/\.github/workflows/release\.yml@.+";

fn post(s: &TestServer, path: &str, body: &Value) -> u16 {
    use std::io::{Read, Write};
    let body = body.to_string();
    let mut conn = std::net::TcpStream::connect(s.addr).unwrap();
    write!(
        conn,
        "POST {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        s.addr,
        s.acme_token,
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).unwrap();
    answer
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

/// Publishes `version` signed by acme's `workflow`.
fn publish(s: &TestServer, version: &str, workflow: &str) {
    let d = digest(version);
    let mut signer = acme_signer();
    signer.keyless.identity =
        format!("https://github.com/acme/weather/.github/workflows/{workflow}@refs/heads/main");
    s.verifier.sign(&d, signer);
    let mut m = manifest(NAME, version, ALLOWED_HOST, &d);
    m["_meta"]["dev.mcp-trust/security"]["provenance"] = json!({
        "certificateIdentityRegexp": r"https://github\.com/acme/.+",
        "certificateOidcIssuer": ISSUER,
    });
    assert_eq!(post(s, "/v0.1/publish", &m), 201);
    s.wait_for_catalog(s.catalog.snapshot().map_or(0, |c| c.tree_size) + 1);
}

fn monitor(s: &TestServer, dir: &Path) -> (Option<i32>, Value) {
    let root = dir.join("root.pub");
    std::fs::write(&root, s.catalog.keys().root().to_pem()).unwrap();
    let out: Output = Command::new(mcp_verify())
        .args(["catalog", "monitor", &s.base, "--keys"])
        .arg(&root)
        .arg("--state")
        .arg(dir.join("state"))
        .args([
            "--namespace",
            "io.github.acme",
            "--identity",
            POLICY,
            "--issuer",
            ISSUER,
        ])
        .args(["--output", "json"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code(), report)
}

#[test]
fn the_monitor_reports_foreign_signers_and_status_changes_once() {
    let s = TestServer::start(|_| {});
    let dir = tempfile::tempdir().unwrap();
    publish(&s, "1.0.0", "release.yml");
    publish(&s, "1.1.0", "ci.yml");

    let (code, report) = monitor(&s, dir.path());
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(report["initial"], true);
    let alerts = report["alerts"].as_array().unwrap();
    assert_eq!(alerts.len(), 1, "{report}");
    assert_eq!(alerts[0]["kind"], "signer-outside-policy");
    assert_eq!(alerts[0]["version"], "1.1.0");
    assert!(alerts[0]["detail"].as_str().unwrap().contains("ci.yml"));

    // Nothing new: nothing to say.
    let (code, report) = monitor(&s, dir.path());
    assert_eq!(
        (code, report["alerts"].clone()),
        (Some(0), json!([])),
        "{report}"
    );

    // A new version by the expected signer, and a yank.
    publish(&s, "1.2.0", "release.yml");
    let size = s.catalog.snapshot().unwrap().tree_size;
    let yank = "/v0.1/servers/io.github.acme%2Fweather/versions/1.0.0/yank";
    assert_eq!(post(&s, yank, &json!({"reason": "superseded"})), 200);
    s.wait_for_catalog(size + 1);
    let (code, report) = monitor(&s, dir.path());
    assert_eq!(code, Some(1), "{report}");
    let alerts = report["alerts"].as_array().unwrap();
    assert_eq!(alerts.len(), 1, "{report}");
    assert_eq!(
        (
            alerts[0]["kind"].as_str(),
            alerts[0]["version"].as_str(),
            alerts[0]["detail"].as_str()
        ),
        (Some("status-changed"), Some("1.0.0"), Some("yanked"))
    );
}

#[test]
fn a_gateway_requiring_cosignatures_refuses_a_registry_without_witnesses() {
    let s = TestServer::start(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root.pub");
    std::fs::write(&root, s.catalog.keys().root().to_pem()).unwrap();
    let w = mcp_registry::witness::init(&dir.path().join("w"), "witness.example").unwrap();
    let pull = |extra: &[&str]| {
        Command::new(mcp_verify())
            .args(["catalog", "pull", &s.base, "--keys"])
            .arg(&root)
            .args(extra)
            .output()
            .unwrap()
    };
    let out = pull(&["--witness", &w, "--output", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["stage"], "witness");
    assert!(
        report["error"]
            .as_str()
            .unwrap()
            .contains("0 of the 1 known witnesses")
    );
    let out = pull(&["--witness", &w, "--witness-threshold", "2"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("a witness threshold of 2 with 1 witness key")
    );
    let out = pull(&["--witness", "not-a-key"]);
    assert_eq!(out.status.code(), Some(2));
    // Without the requirement, the same catalog verifies.
    assert_eq!(pull(&[]).status.code(), Some(0));
}
