//! `mcp-verify verify-bundle` end to end: exit codes (0 verified, 1 refused,
//! 2 usage or unreadable input), human and JSON output, the conformance
//! protocol's artifact-or-digest argument.

use std::path::PathBuf;
use std::process::{Command, Output};

const DIGEST: &str = "sha256:c811d58de79c92f03214e63aa339484e488d694ae8a6283b5f3f17a9faf50172";
const IDENTITY: &str = "https://github.com/kubewarden/kubewarden-controller/.github/workflows/release.yml@refs/tags/v1.34.0";
const ISSUER: &str = "https://token.actions.githubusercontent.com";

fn testdata(path: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata")
        .join(path)
        .display()
        .to_string()
}

fn real_bundle() -> String {
    testdata("signatures/kubewarden-controller-v1.34.0.sigstore.json")
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mcp-verify"))
        .args(args)
        .output()
        .expect("mcp-verify runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `verify-bundle --bundle B --certificate-identity I --certificate-oidc-issuer S extra...`
fn keyless<'a>(bundle: &'a str, issuer: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "verify-bundle",
        "--bundle",
        bundle,
        "--certificate-identity",
        IDENTITY,
        "--certificate-oidc-issuer",
        issuer,
    ];
    args.extend_from_slice(extra);
    args
}

#[test]
fn verified_bundle_exits_0_and_says_what_was_proven() {
    let bundle = real_bundle();
    let o = run(&keyless(&bundle, ISSUER, &[DIGEST]));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    for expected in [
        "verified",
        IDENTITY,
        ISSUER,
        "index 1261105807",
        "2026-04-09T07:23:29Z (transparency log integrated time)",
        "(RFC 3161 timestamp)",
        "https://github.com/kubewarden/kubewarden-controller @ refs/tags/v1.34.0",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in\n{out}");
    }
}

#[test]
fn json_output_reports_the_result_or_the_stage() {
    let bundle = real_bundle();
    let ok = run(&keyless(&bundle, ISSUER, &["--output", "json", DIGEST]));
    assert_eq!(ok.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!(v["verified"], true);
    assert_eq!(v["result"]["signer"]["identity"], IDENTITY);
    assert_eq!(
        v["result"]["signer"]["claims"]["source_repository_identifier"],
        "318490971"
    );
    assert_eq!(v["result"]["log"]["log_index"], 1_261_105_807u64);

    let refused = run(&keyless(
        &bundle,
        "https://accounts.google.com",
        &["--output", "json", DIGEST],
    ));
    assert_eq!(refused.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&refused.stdout).unwrap();
    assert_eq!(v["verified"], false);
    assert_eq!(v["stage"], "identity-policy");
}

#[test]
fn refused_bundle_exits_1_naming_the_stage() {
    let bundle = real_bundle();
    let other = DIGEST.replace("172", "173");
    let o = run(&keyless(&bundle, ISSUER, &[&other]));
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("stage         artifact"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn identity_regexp_is_anchored() {
    let bundle = real_bundle();
    let args = |identity_re: &'static str, issuer_re: &'static str| {
        vec![
            "verify-bundle".to_owned(),
            "--bundle".to_owned(),
            bundle.clone(),
            "--certificate-identity-regexp".to_owned(),
            identity_re.to_owned(),
            "--certificate-oidc-issuer-regexp".to_owned(),
            issuer_re.to_owned(),
            DIGEST.to_owned(),
        ]
    };
    let run_owned = |a: Vec<String>| run(&a.iter().map(String::as_str).collect::<Vec<_>>());
    let o = run_owned(args("kubewarden", r"https://token\.actions\..*"));
    assert_eq!(o.status.code(), Some(1));
    let o = run_owned(args(".*kubewarden.*", r"https://token\.actions\..*"));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn artifact_file_with_custom_trust_root_and_key() {
    let dir = testdata("sigstore-conformance/bundle-verify/managed-key-and-trusted-root");
    let o = run(&[
        "verify-bundle",
        "--bundle",
        &format!("{dir}/bundle.sigstore.json"),
        "--key",
        &format!("{dir}/key.pub"),
        "--trusted-root",
        &format!("{dir}/trusted_root.json"),
        &testdata("sigstore-conformance/bundle-verify/a.txt"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("key           sha256:"));
}

#[test]
fn usage_errors_and_unreadable_input_exit_2() {
    let bundle = real_bundle();
    let b = bundle.as_str();
    let cases: Vec<Vec<&str>> = vec![
        // no identity
        vec![
            "verify-bundle",
            "--bundle",
            b,
            "--certificate-oidc-issuer",
            ISSUER,
            DIGEST,
        ],
        // no issuer
        vec![
            "verify-bundle",
            "--bundle",
            b,
            "--certificate-identity",
            IDENTITY,
            DIGEST,
        ],
        // both exact and regexp identity
        keyless(b, ISSUER, &["--certificate-identity-regexp", ".*", DIGEST]),
        // bad regexp
        vec![
            "verify-bundle",
            "--bundle",
            b,
            "--certificate-identity-regexp",
            "(",
            "--certificate-oidc-issuer",
            ISSUER,
            DIGEST,
        ],
        // missing bundle file
        keyless("/nonexistent.json", ISSUER, &[DIGEST]),
        // missing artifact file (a short digest is read as a path)
        keyless(b, ISSUER, &["sha256:abc"]),
        // a trusted root that is not one
        keyless(b, ISSUER, &["--trusted-root", b, DIGEST]),
    ];
    for args in cases {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn malformed_bundle_is_a_refusal_at_parse_stage() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b.json");
    std::fs::write(&path, b"{\"mediaType\": 1").unwrap();
    let o = run(&keyless(path.to_str().unwrap(), ISSUER, &[DIGEST]));
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("stage         parse"), "{}", stderr(&o));
}

#[test]
fn help_teaches_policy_regexp_anchoring_and_exit_codes() {
    let o = run(&["verify-bundle", "--help"]);
    assert_eq!(o.status.code(), Some(0));
    let help = stdout(&o);
    for expected in [
        "^(?:RE)$",
        "Exit codes",
        "--certificate-identity-regexp",
        "--key",
        "sha256:",
    ] {
        assert!(help.contains(expected), "missing {expected:?}");
    }
}
