//! The `mcp-registry` binary: admin commands on the embedded store, and
//! `serve` as shipped, which has no signature verifier wired in and so must
//! refuse every publish (fail closed).

use crate::support::{get, post_json};
use mcp_registry::testing::{ALLOWED_HOST, digest, manifest};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_mcp-registry");

fn admin(data: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--data-dir")
        .arg(data)
        .arg("admin")
        .args(args)
        .env_remove("MCP_REGISTRY_DATABASE_URL")
        .env_remove("MCP_REGISTRY_CONFIG")
        .output()
        .unwrap()
}

#[test]
fn admin_commands_manage_namespaces_tokens_and_print_the_audit_log() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = admin(
        d,
        &[
            "namespace",
            "create",
            "io.github.acme",
            "--signer-identity-regexp",
            "^https://github.com/acme/.+$",
            "--signer-issuer",
            "https://token.actions.githubusercontent.com",
            "--source-repository-id",
            "123",
            "--owner-id",
            "42",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dup = admin(
        d,
        &[
            "namespace",
            "create",
            "io.github.acme",
            "--signer-identity-regexp",
            "x",
            "--signer-issuer",
            "https://x",
        ],
    );
    assert!(!dup.status.success());
    assert!(String::from_utf8_lossy(&dup.stderr).contains("already exists"));
    let out = admin(d, &["token", "create", "--namespace", "io.github.acme"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(
        token.starts_with("mcpr_") && token.len() == 5 + 16 + 1 + 43,
        "{token}"
    );
    let id = &token[5..21];
    let out = admin(d, &["token", "list", "--output", "json"]);
    let listed = String::from_utf8(out.stdout).unwrap();
    assert!(
        listed.contains(id) && !listed.contains(&token[22..]),
        "the secret is never stored"
    );
    assert!(admin(d, &["token", "revoke", id]).status.success());
    assert!(
        !admin(d, &["token", "create", "--namespace", "io.github.nobody"])
            .status
            .success()
    );
    let audit = String::from_utf8(admin(d, &["audit"]).stdout).unwrap();
    let actions: Vec<&str> = audit
        .lines()
        .map(|l| l.split_whitespace().nth(3).unwrap())
        .collect();
    assert_eq!(
        actions,
        ["namespace.create", "token.create", "token.revoke"]
    );
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn admin_token_expiry_list_and_rotation() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = admin(
        d,
        &[
            "namespace",
            "create",
            "io.github.acme",
            "--signer-identity-regexp",
            "https://github.com/acme/.+",
            "--signer-issuer",
            "https://token.actions.githubusercontent.com",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    // Bad `--expires` values are usage errors (exit 2) that say what is wrong.
    for (when, why) in [
        ("0d", "zero duration"),
        ("2020-01-01T00:00:00Z", "not in the future"),
        ("tomorrow", "is not a duration"),
    ] {
        let out = admin(
            d,
            &[
                "token",
                "create",
                "--namespace",
                "io.github.acme",
                "--expires",
                when,
            ],
        );
        assert_eq!(out.status.code(), Some(2), "{when}: {}", stderr(&out));
        assert!(stderr(&out).contains(why), "{when}: {}", stderr(&out));
    }
    let help = Command::new(BIN)
        .args(["admin", "token", "create", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    assert!(
        help.contains("--expires <WHEN>") && help.contains("[default: 90d]"),
        "{help}"
    );
    // By default a token expires in 90 days; `never` and a timestamp are taken as given.
    let out = admin(
        d,
        &[
            "token",
            "create",
            "--namespace",
            "io.github.acme",
            "--description",
            "ci",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("expires "), "{}", stderr(&out));
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let id = token[5..21].to_owned();
    assert!(
        admin(d, &["token", "create", "--admin", "--expires", "never"])
            .status
            .success()
    );
    assert!(
        admin(
            d,
            &[
                "token",
                "create",
                "--admin",
                "--expires",
                "2999-01-31T00:00:00Z"
            ]
        )
        .status
        .success()
    );
    let list = String::from_utf8(admin(d, &["token", "list"]).stdout).unwrap();
    assert!(list.contains("never expires"), "{list}");
    assert!(list.contains("expires 2999-01-31T00:00:00Z"), "{list}");
    let listed: serde_json::Value =
        serde_json::from_slice(&admin(d, &["token", "list", "--output", "json"]).stdout).unwrap();
    let ours = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id.as_str())
        .unwrap();
    let expires: jiff::Timestamp = ours["expiresAt"].as_str().unwrap().parse().unwrap();
    let in_89_days = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_hours(24 * 89))
        .unwrap();
    assert!(expires > in_89_days, "{expires}");
    assert_eq!(ours["expired"], false);
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["expiresAt"].is_null())
    );
    // Rotation: a new token printed once, same scope and description; the old one revoked.
    let out = admin(d, &["token", "rotate", &id, "--expires", "30d"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let new_token = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(new_token.starts_with("mcpr_") && new_token != token);
    assert!(
        stderr(&out).contains(&format!("token {id} revoked")),
        "{}",
        stderr(&out)
    );
    let listed: serde_json::Value =
        serde_json::from_slice(&admin(d, &["token", "list", "--output", "json"]).stdout).unwrap();
    let find = |id: &str| {
        listed
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == id)
            .unwrap()
            .clone()
    };
    assert!(find(&id)["revokedAt"].is_string());
    let new = find(&new_token[5..21]);
    assert_eq!(new["scope"], find(&id)["scope"]);
    assert_eq!(new["description"], "ci");
    // A revoked or unknown token is not rotated.
    for (bad, why) in [
        (id.as_str(), "revoked"),
        ("ffffffffffffffff", "does not exist"),
    ] {
        let out = admin(d, &["token", "rotate", bad]);
        assert!(!out.status.success());
        assert!(stderr(&out).contains(why), "{}", stderr(&out));
    }
    let out = admin(
        d,
        &["token", "rotate", &new_token[5..21], "--expires", "0m"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn shipped_server_verifies_before_storing_and_creates_its_catalog_keys() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    admin(
        d,
        &[
            "namespace",
            "create",
            "io.github.acme",
            "--signer-identity-regexp",
            "https://github.com/acme/.+",
            "--signer-issuer",
            "https://token.actions.githubusercontent.com",
        ],
    );
    let token =
        String::from_utf8(admin(d, &["token", "create", "--namespace", "io.github.acme"]).stdout)
            .unwrap()
            .trim()
            .to_owned();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = Server(
        Command::new(BIN)
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--allowed-registry",
                ALLOWED_HOST,
                "--allow-loopback-registries",
            ])
            .arg("--data-dir")
            .arg(d)
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let base = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "server did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // First start of the embedded store: the catalog keys are created, private ones 0600.
    for key in ["root.key", "catalog.key", "checkpoint.key"] {
        let key = d.join("catalog-keys").join(key);
        assert_eq!(
            std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
            0o600,
            "{}",
            key.display()
        );
    }
    let first_keys = key_set(&d.join("catalog-keys"));
    // …and the first catalog is signed and served with them.
    let index = loop {
        let r = get(&format!("{base}/v0.1/catalog"), None);
        if r.status == 200 {
            break r;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no catalog: {}",
            r.text
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let envelope = mcp_trust::dsse::Envelope::from_bytes(index.text.as_bytes()).unwrap();
    mcp_trust::dsse::open(
        &envelope,
        mcp_trust::catalog::INDEX_PAYLOAD_TYPE,
        &first_keys.catalog.key,
    )
    .unwrap();
    let a = post_json(
        &format!("{base}/v0.1/publish"),
        Some(&token),
        &manifest(
            "io.github.acme/weather",
            "1.0.0",
            ALLOWED_HOST,
            &digest("x"),
        ),
    );
    // The shipped binary pulls and verifies the image itself: with no OCI registry
    // listening at the allowed host, nothing can be verified and nothing is stored.
    a.assert_problem(502, "upstream-unreachable");
    assert_eq!(
        get(&format!("{base}/v0.1/servers"), None).body["metadata"]["count"],
        0
    );

    // A rotation on disk is taken on SIGHUP: the next index is signed by
    // the new catalog key, whose statement is served.
    let keys_dir = d.join("catalog-keys");
    let out = keys(&[
        "rotate",
        "--dir",
        keys_dir.to_str().unwrap(),
        "--role",
        "catalog",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rotated = key_set(&keys_dir);
    let hup = Command::new("kill")
        .args(["-HUP", &server.0.id().to_string()])
        .status()
        .unwrap();
    assert!(hup.success());
    let started = Instant::now();
    loop {
        let index = get(&format!("{base}/v0.1/catalog"), None);
        let envelope = mcp_trust::dsse::Envelope::from_bytes(index.text.as_bytes()).unwrap();
        if mcp_trust::dsse::open(
            &envelope,
            mcp_trust::catalog::INDEX_PAYLOAD_TYPE,
            &rotated.catalog.key,
        )
        .is_ok()
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the index is still not signed by the rotated key"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let served = get(&format!("{base}/v0.1/catalog/keys"), None);
    assert_eq!(
        served.text.as_bytes(),
        std::fs::read(keys_dir.join("keys.json")).unwrap()
    );
    drop(server);
}

fn keys(args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .args(["admin", "keys"])
        .args(args)
        .output()
        .unwrap()
}

fn key_set(dir: &std::path::Path) -> mcp_trust::catalog::TrustedKeys {
    let root = mcp_trust::keys::read_public_key(&dir.join("root.pub")).unwrap();
    let bytes = std::fs::read(dir.join("keys.json")).unwrap();
    mcp_trust::catalog::keys::verify_key_set(
        &root,
        &bytes,
        jiff::Timestamp::now(),
        jiff::SignedDuration::ZERO,
    )
    .unwrap()
}

#[test]
fn admin_keys_init_writes_private_keys_0600_and_a_root_signed_key_set() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("keys");
    let d = dir.to_str().unwrap();
    let out = keys(&["init", "--dir", d, "--origin", "registry.example"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for private in ["root.key", "catalog.key", "checkpoint.key"] {
        assert_eq!(
            std::fs::metadata(dir.join(private))
                .unwrap()
                .permissions()
                .mode()
                & 0o777,
            0o600,
            "{private}"
        );
    }
    let trusted = key_set(&dir);
    assert_eq!(trusted.catalog.statement.serial, 1);
    assert_eq!(
        trusted.checkpoint.statement.name.as_deref(),
        Some("registry.example")
    );
    // Never overwrites existing keys.
    let again = keys(&["init", "--dir", d]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("refusing to overwrite"));
}

#[test]
fn admin_keys_rotate_replaces_one_key_with_a_higher_serial() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("keys");
    let d = dir.to_str().unwrap();
    assert!(keys(&["init", "--dir", d]).status.success());
    let before = key_set(&dir);
    let out = keys(&["rotate", "--dir", d, "--role", "catalog"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = key_set(&dir);
    assert_eq!(after.catalog.statement.serial, 2);
    assert_ne!(
        after.catalog.statement.keyid,
        before.catalog.statement.keyid
    );
    assert_eq!(
        after.checkpoint, before.checkpoint,
        "the other key is untouched"
    );
    assert!(dir.join("catalog.key.1").exists());
}

#[test]
fn admin_keys_rotate_refuses_another_root_and_a_readable_root_key() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    assert!(
        keys(&["init", "--dir", a.to_str().unwrap()])
            .status
            .success()
    );
    assert!(
        keys(&["init", "--dir", b.to_str().unwrap()])
            .status
            .success()
    );
    let other_root = b.join("root.key");
    let out = keys(&[
        "rotate",
        "--dir",
        a.to_str().unwrap(),
        "--role",
        "checkpoint",
        "--root-key",
        other_root.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("does not verify"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        key_set(&a).checkpoint.statement.serial,
        1,
        "nothing changed"
    );
    std::fs::set_permissions(a.join("root.key"), std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = keys(&["rotate", "--dir", a.to_str().unwrap(), "--role", "catalog"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("mode 0644"));
}

#[test]
fn completions_and_manual_pages_cover_every_command() {
    let run = |args: &[&str]| {
        let out = std::process::Command::new(BIN).args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        String::from_utf8(out.stdout).unwrap()
    };
    for (shell, marker) in [
        ("bash", "complete -F _mcp__registry"),
        ("zsh", "#compdef mcp-registry"),
        ("fish", "complete -c mcp-registry"),
    ] {
        let script = run(&["completions", shell]);
        assert!(script.contains(marker), "{shell}: no `{marker}`");
        for command in [
            "serve",
            "admin",
            "namespace",
            "token",
            "keys",
            "completions",
            "man",
        ] {
            assert!(
                script.contains(command),
                "{shell}: `{command}` is not completed"
            );
        }
    }
    let page = run(&["man"]);
    assert!(page.contains(".TH mcp-registry 1"), "{page}");
    let dir = tempfile::tempdir().unwrap();
    run(&["man", "--dir", dir.path().to_str().unwrap()]);
    for file in [
        "mcp-registry.1",
        "mcp-registry-serve.1",
        "mcp-registry-admin.1",
    ] {
        assert!(dir.path().join(file).is_file(), "{file} not written");
    }
    let serve = std::fs::read_to_string(dir.path().join("mcp-registry-serve.1")).unwrap();
    assert!(
        serve.contains("\\-\\-allowed\\-registry"),
        "serve's page lacks its flags"
    );
}

/// Runs `cmd` with stdout a pipe whose reader closed before it started (as
/// `… | head` looks once head has had enough).
fn reader_gone(cmd: &mut Command) -> Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    cmd.stdout(writer)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
        .wait_with_output()
        .unwrap()
}

#[test]
fn every_printing_command_exits_quietly_when_its_reader_goes_away() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let gone = |args: &[&str]| {
        let out = reader_gone(
            Command::new(BIN)
                .arg("--data-dir")
                .arg(d)
                .args(args)
                .env_remove("MCP_REGISTRY_DATABASE_URL")
                .env_remove("MCP_REGISTRY_CONFIG"),
        );
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        // Notices (a token shown only once) still go to stderr; nothing
        // about the pipe does.
        for bad in ["Broken pipe", "os error 32", "panicked", "error"] {
            assert!(!stderr(&out).contains(bad), "{args:?}: {}", stderr(&out));
        }
    };
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        gone(&["completions", shell]);
    }
    gone(&["man"]);
    gone(&[
        "admin",
        "namespace",
        "create",
        "io.github.acme",
        "--signer-identity-regexp",
        "^https://github.com/acme/.+$",
        "--signer-issuer",
        "https://token.actions.githubusercontent.com",
    ]);
    gone(&["admin", "token", "list"]);
    gone(&["admin", "audit"]);
    let keys = d.join("keys");
    gone(&["admin", "keys", "init", "--dir", keys.to_str().unwrap()]);
    // What was done with stdout closed was done: the namespace and the keys exist.
    assert!(keys.join("root.pub").is_file());
    let listed = admin(d, &["namespace", "list"]);
    assert!(String::from_utf8_lossy(&listed.stdout).contains("io.github.acme"));
    // A new token is shown only once: when it cannot be, the command fails
    // and says how to get rid of the token nobody saw.
    for args in [
        vec!["admin", "token", "create", "--namespace", "io.github.acme"],
        vec!["admin", "token", "create", "--admin"],
    ] {
        let out = reader_gone(
            Command::new(BIN)
                .arg("--data-dir")
                .arg(d)
                .args(&args)
                .env_remove("MCP_REGISTRY_DATABASE_URL")
                .env_remove("MCP_REGISTRY_CONFIG"),
        );
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(
            stderr(&out).contains("could not be written to stdout and is lost; revoke it"),
            "{}",
            stderr(&out)
        );
    }
}

/// Every command path of `mcp-registry` with no subcommands of its own,
/// walking the `Commands:` lists of `--help`.
fn leaf_commands(prefix: Vec<String>) -> Vec<Vec<String>> {
    let out = Command::new(BIN)
        .args(&prefix)
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    let subs: Vec<String> = help
        .lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .filter(|c| c != "help")
        .collect();
    if subs.is_empty() {
        return vec![prefix];
    }
    subs.into_iter()
        .flat_map(|s| leaf_commands([prefix.clone(), vec![s]].concat()))
        .collect()
}

#[test]
fn every_command_s_help_ends_with_examples_that_run_it() {
    let leaves = leaf_commands(Vec::new());
    assert!(leaves.len() >= 12, "found only {leaves:?}");
    for leaf in leaves {
        let out = Command::new(BIN)
            .args(&leaf)
            .arg("--help")
            .output()
            .unwrap();
        let help = String::from_utf8(out.stdout).unwrap();
        let name = leaf.join(" ");
        let examples: Vec<&str> = help
            .lines()
            .skip_while(|l| !l.starts_with("Examples:"))
            .filter(|l| l.contains("mcp-registry "))
            .collect();
        assert!(
            examples.len() >= 2 && examples.iter().any(|e| e.contains(&name)),
            "`mcp-registry {name}` --help lacks two examples running it:\n{help}"
        );
    }
}

#[test]
fn a_mistyped_command_or_flag_is_answered_with_the_closest_one() {
    for (args, tip) in [
        (vec!["admin", "tokn", "list"], "'token'"),
        (vec!["admin", "token", "lst"], "'list'"),
        (vec!["serve", "--lisen", "127.0.0.1:1"], "'--listen'"),
    ] {
        let out = Command::new(BIN).args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&out).contains("similar") && stderr(&out).contains(tip),
            "{args:?}: no suggestion of {tip}:\n{}",
            stderr(&out)
        );
    }
}
