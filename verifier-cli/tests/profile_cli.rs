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
    assert!(text(&out.stderr).contains("it is under `/etc`"));
}

/// The filesystem fixture with `edit` applied, written to a temporary file.
fn edited(edit: impl FnOnce(&mut Value)) -> tempfile::NamedTempFile {
    let mut doc: Value =
        serde_json::from_slice(&std::fs::read(fixture("profiles/filesystem.server.json")).unwrap())
            .unwrap();
    edit(&mut doc);
    let f = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(f.path(), serde_json::to_vec(&doc).unwrap()).unwrap();
    f
}

fn ext(doc: &mut Value) -> &mut Value {
    &mut doc["_meta"]["dev.mcp-trust/security"]
}

#[test]
fn a_line_separator_that_would_add_a_privileged_pod_is_refused_and_nothing_is_rendered() {
    let payload = [
        "/projects",
        "---",
        "apiVersion: v1",
        "kind: Pod",
        "metadata: {name: pwn}",
        "spec: {hostPID: true, hostNetwork: true, containers: [{name: c, image: busybox, securityContext: {privileged: true}}]}",
    ]
    .join("\u{2028}");
    let f = edited(|d| d["packages"][0]["packageArguments"][0]["value"] = Value::from(payload));
    for format in ["kubernetes", "compose", "docker-mcp", "docker"] {
        let out = mcp_verify(&["profile", f.path().to_str().unwrap(), "--format", format]);
        assert_eq!(out.status.code(), Some(1), "{format}");
        assert!(out.stdout.is_empty(), "{format}: {}", text(&out.stdout));
        let stderr = text(&out.stderr);
        assert!(stderr.contains("text-character-refused"), "{stderr}");
        assert!(
            stderr.contains("/packages/0/packageArguments/0/value"),
            "{stderr}"
        );
    }
    let out = mcp_verify(&["manifest", "lint", f.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains("U+2028"));
}

#[test]
fn host_paths_under_sensitive_roots_are_refused_by_the_cli() {
    for host in [
        "/home/alice",
        "/run/user/1000",
        "/var/lib/docker/volumes",
        "/var/lib/kubelet",
        "/run/crio/crio.sock",
        "/usr/bin",
        "/run/mcp-trust/secrets/other-server",
    ] {
        // In the manifest: lint refuses it, nothing is rendered.
        let f = edited(|d| {
            ext(d)["filesystem"]["mounts"][0]["hostPath"] = Value::from(host);
        });
        let out = mcp_verify(&["profile", f.path().to_str().unwrap(), "--format", "compose"]);
        assert_eq!(out.status.code(), Some(1), "{host}");
        assert!(out.stdout.is_empty());
        assert!(text(&out.stderr).contains("mount-host-sensitive"), "{host}");
        // From the operator: a usage error naming the root.
        let f = fixture("profiles/filesystem.server.json");
        let out = mcp_verify(&[
            "profile",
            f.to_str().unwrap(),
            "--mount",
            &format!("/projects={host}"),
        ]);
        assert_eq!(out.status.code(), Some(2), "{host}");
        assert!(
            text(&out.stderr).contains("may not") || text(&out.stderr).contains("is under"),
            "{host}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn a_system_uid_needs_allow_user() {
    let f = edited(|d| ext(d)["user"] = Value::from(33));
    let path = f.path().to_str().unwrap();
    let out = mcp_verify(&["profile", path, "--format", "docker"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(
        text(&out.stderr).contains("--allow-user 33"),
        "{}",
        text(&out.stderr)
    );
    let out = mcp_verify(&["profile", path, "--format", "docker", "--allow-user", "33"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("--user 33:33"));
}

#[test]
fn servers_whose_names_differ_only_in_punctuation_get_different_objects() {
    let a = edited(|d| d["name"] = Value::from("io.github.acme-weather/_"));
    let b = edited(|d| d["name"] = Value::from("io.github.acme/weather"));
    let names: Vec<Value> = [a.path(), b.path()]
        .iter()
        .map(|p| {
            let out = mcp_verify(&[
                "profile",
                p.to_str().unwrap(),
                "--format",
                "kubernetes",
                "--output",
                "json",
            ]);
            assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
            let v: Value = serde_json::from_slice(&out.stdout).unwrap();
            v["document"][0]["metadata"]["name"].clone()
        })
        .collect();
    assert_ne!(names[0], names[1]);
    assert!(names[0].as_str().unwrap().starts_with("mcp-"), "{names:?}");
    assert!(
        names[1].as_str().unwrap().starts_with("weather-"),
        "{names:?}"
    );
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

#[test]
fn lint_names_local_egress_metadata_services_and_memory_out_of_range() {
    let f = edited(|d| {
        ext(d)["network"] =
            serde_json::json!({ "egress": ["127.0.0.1:5432", "169.254.169.254:80"] });
        ext(d)["resources"] = serde_json::json!({ "memory": "1025Gi" });
    });
    let out = mcp_verify(&[
        "manifest",
        "lint",
        f.path().to_str().unwrap(),
        "--output",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    for code in ["egress-local", "egress-metadata", "resources-invalid"] {
        assert!(report.contains(code), "{code}: {report}");
    }
    // 1Ti, the documented top of the range, is accepted.
    let f = edited(|d| ext(d)["resources"] = serde_json::json!({ "memory": "1Ti" }));
    let out = mcp_verify(&["manifest", "lint", f.path().to_str().unwrap()]);
    assert!(
        !text(&out.stdout).contains("resources-invalid"),
        "{}",
        text(&out.stdout)
    );
}
