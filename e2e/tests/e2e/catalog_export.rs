//! `mcp-verify catalog export` from a state pulled from the real registry:
//! the manifests come from the registry's read API and must be the ones the
//! signed entries pin; a registry that serves another manifest gets nothing
//! written.

use mcp_e2e::mcp_verify;
use mcp_registry::testing::{ALLOWED_HOST, TestServer, acme_signer, digest, manifest};
use serde_json::{Value, json};
use std::path::Path;
use std::process::{Command, Output};

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// POSTs JSON to the registry over a plain loopback connection; the status.
fn post(s: &TestServer, path: &str, token: &str, body: &Value) -> (u16, String) {
    use std::io::{Read, Write};
    let body = body.to_string();
    let mut conn = std::net::TcpStream::connect(s.addr).unwrap();
    write!(
        conn,
        "POST {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        s.addr,
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).unwrap();
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, answer)
}

fn publish(s: &TestServer, name: &str, version: &str, seed: &str) {
    let d = digest(seed);
    s.verifier.sign(&d, acme_signer());
    let (status, answer) = post(
        s,
        "/v0.1/publish",
        &s.acme_token,
        &manifest(name, version, ALLOWED_HOST, &d),
    );
    assert_eq!(status, 201, "{answer}");
}

fn pull(s: &TestServer, dir: &Path) {
    let root = dir.join("root.pub");
    std::fs::write(&root, s.catalog.keys().root().to_pem()).unwrap();
    let out = Command::new(mcp_verify())
        .args(["catalog", "pull", &s.base, "--keys"])
        .arg(&root)
        .arg("--state")
        .arg(dir.join("state"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

fn export(registry: &str, dir: &Path, format: &str, to: Option<&Path>) -> Output {
    let mut cmd = Command::new(mcp_verify());
    // From the state's parent, so a bare `--to` file name lands there.
    cmd.current_dir(dir)
        .args(["catalog", "export", "--state"])
        .arg(dir.join("state"))
        .args(["--registry", registry, "--format", format]);
    if let Some(to) = to {
        cmd.arg("--to").arg(to);
    }
    cmd.output().unwrap()
}

#[test]
fn export_writes_each_servers_latest_active_version_in_three_formats() {
    let s = TestServer::start(|_| {});
    publish(&s, "io.github.acme/weather", "1.0.0", "w1");
    publish(&s, "io.github.acme/weather", "2.0.0", "w2");
    publish(&s, "io.github.acme/files", "0.3.0", "f1");
    // A yanked version never goes out: 2.0.0 is yanked, so 1.0.0 is the latest active.
    let (status, answer) = post(
        &s,
        "/v0.1/servers/io.github.acme%2Fweather/versions/2.0.0/yank",
        &s.acme_token,
        &json!({"reason": "broken"}),
    );
    assert_eq!(status, 200, "{answer}");
    s.wait_for_catalog(6);
    let dir = tempfile::tempdir().unwrap();
    pull(&s, dir.path());

    let out = export(&s.base, dir.path(), "official", None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    let listed: Vec<(String, String)> = list["servers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["server"]["name"].as_str().unwrap().to_owned(),
                e["server"]["version"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            ("io.github.acme/files".to_owned(), "0.3.0".to_owned()),
            ("io.github.acme/weather".to_owned(), "1.0.0".to_owned())
        ]
    );

    // A bare file name: written in the current directory.
    let out = export(
        &s.base,
        dir.path(),
        "toolhive",
        Some(Path::new("registry.json")),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let file: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("registry.json")).unwrap()).unwrap();
    assert_eq!(file["data"]["servers"].as_array().unwrap().len(), 2);
    assert!(text(&out).contains("wrote 2 server(s)"), "{}", text(&out));

    let out = export(&s.base, dir.path(), "docker-mcp", None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let yaml = String::from_utf8(out.stdout.clone()).unwrap();
    assert!(yaml.contains("registry:"), "{yaml}");
    assert!(yaml.contains(&format!("@{}", digest("w1"))), "{yaml}");
    assert!(
        !yaml.contains(&digest("w2").to_string()),
        "yanked version exported: {yaml}"
    );
}

#[test]
fn a_registry_serving_another_manifest_gets_nothing_written() {
    // The state is pulled from one registry; --registry names another that
    // holds a different manifest under the same name and version.
    let honest = TestServer::start(|_| {});
    publish(&honest, "io.github.acme/weather", "1.0.0", "honest");
    honest.wait_for_catalog(3);
    let dir = tempfile::tempdir().unwrap();
    pull(&honest, dir.path());
    let forger = TestServer::start(|_| {});
    publish(&forger, "io.github.acme/weather", "1.0.0", "forged");

    let to = dir.path().join("catalog.yaml");
    let out = export(&forger.base, dir.path(), "docker-mcp", Some(&to));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let shown = text(&out);
    assert!(shown.contains("nothing written"), "{shown}");
    assert!(shown.contains("the catalog pins"), "{shown}");
    assert!(!to.exists());

    // A registry that does not answer: exit 3. No state: exit 2.
    let out = export("http://127.0.0.1:9", dir.path(), "official", None);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let empty = tempfile::tempdir().unwrap();
    let out = export(&honest.base, empty.path(), "official", None);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("no catalog has been pulled"),
        "{}",
        text(&out)
    );
}
