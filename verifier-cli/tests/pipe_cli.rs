//! Every command that prints its result to stdout, with stdout's reader gone
//! before the first byte (`mcp-verify … | head` once `head` has had enough):
//! no panic, no "Broken pipe" error, and the same exit status as when the
//! output is read, so a refusal still exits 1 under `set -o pipefail`.
//! The commands that need a live peer (`verify`, `catalog pull`) are checked
//! the same way in `verify_image.rs` and `catalog_cli.rs`.

#![allow(clippy::unwrap_used)]

mod support;

use std::path::Path;
use std::process::Command;
use support::process::reader_gone;

fn testdata(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata")
        .join(rel)
        .display()
        .to_string()
}

/// Runs `args` twice, read and with the reader gone; asserts the same exit
/// status, a quiet stderr, and that the read run printed something (so the
/// second one had something to lose).
fn same_when_the_reader_goes(args: &[&str]) -> i32 {
    let read = Command::new(env!("CARGO_BIN_EXE_mcp-verify"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        !read.stdout.is_empty(),
        "{args:?} printed nothing to stdout: {}",
        String::from_utf8_lossy(&read.stderr)
    );
    let gone = reader_gone(Command::new(env!("CARGO_BIN_EXE_mcp-verify")).args(args));
    assert_eq!(
        gone.status.code(),
        read.status.code(),
        "{args:?}: another exit status when the reader is gone; stderr: {}",
        String::from_utf8_lossy(&gone.stderr)
    );
    let stderr = String::from_utf8_lossy(&gone.stderr);
    for bad in ["Broken pipe", "panicked", "os error 32"] {
        assert!(!stderr.contains(bad), "{args:?}: {stderr}");
    }
    // What the command says on stderr anyway (warnings) is unchanged.
    assert_eq!(
        stderr,
        String::from_utf8_lossy(&read.stderr),
        "{args:?}: stderr differs"
    );
    read.status.code().unwrap()
}

#[test]
fn completions_and_manual_pages() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        assert_eq!(same_when_the_reader_goes(&["completions", shell]), 0);
    }
    assert_eq!(same_when_the_reader_goes(&["man"]), 0);
}

#[test]
fn manifest_lint_clean_and_refused() {
    let valid = testdata("manifests/valid/weather.server.json");
    let invalid = testdata("manifests/invalid/image-latest.json");
    for output in ["human", "json"] {
        assert_eq!(
            same_when_the_reader_goes(&["manifest", "lint", &valid, "--output", output]),
            0
        );
        assert_eq!(
            same_when_the_reader_goes(&["manifest", "lint", &invalid, "--output", output]),
            1
        );
    }
}

#[test]
fn profile_in_every_format() {
    let manifest = testdata("manifests/profiles/github-official.server.json");
    for format in ["docker", "compose", "kubernetes", "toolhive", "docker-mcp"] {
        assert_eq!(
            same_when_the_reader_goes(&["profile", &manifest, "--format", format]),
            0
        );
    }
    assert_eq!(
        same_when_the_reader_goes(&["profile", &manifest, "--output", "json"]),
        0
    );
}

#[test]
fn tools_pin_check_and_scan() {
    let manifest = testdata("manifests/valid/weather.server.json");
    let live = testdata("tools/weather.live.json");
    let poisoned = testdata("tools/poisoned.tools.json");
    assert_eq!(same_when_the_reader_goes(&["tools", "pin", &poisoned]), 0);
    assert_eq!(
        same_when_the_reader_goes(&["tools", "pin", &live, "--output", "json"]),
        0
    );
    assert_eq!(
        same_when_the_reader_goes(&[
            "tools",
            "check",
            "--manifest",
            &manifest,
            "--tools-list",
            &live
        ]),
        0
    );
    let rug = testdata("tools/weather.rugpull.pages.json");
    assert_eq!(
        same_when_the_reader_goes(&[
            "tools",
            "check",
            "--manifest",
            &manifest,
            "--tools-list",
            &rug
        ]),
        1
    );
    for output in ["human", "json"] {
        assert_eq!(
            same_when_the_reader_goes(&["tools", "scan", &poisoned, "--output", output]),
            1
        );
    }
}

#[test]
fn verify_bundle_verified_and_refused() {
    let bundle = testdata("signatures/kubewarden-controller-v1.34.0.sigstore.json");
    let digest = "sha256:c811d58de79c92f03214e63aa339484e488d694ae8a6283b5f3f17a9faf50172";
    let identity = "https://github.com/kubewarden/kubewarden-controller/.github/workflows/release.yml@refs/tags/v1.34.0";
    for (issuer, code) in [
        ("https://token.actions.githubusercontent.com", 0),
        ("https://accounts.google.com", 1),
    ] {
        for output in ["human", "json"] {
            let args = [
                "verify-bundle",
                "--bundle",
                &bundle,
                "--certificate-identity",
                identity,
                "--certificate-oidc-issuer",
                issuer,
                "--output",
                output,
                digest,
            ];
            // A refusal in human form goes to stderr; only the JSON report
            // of a refusal is printed to stdout.
            if code == 0 || output == "json" {
                assert_eq!(same_when_the_reader_goes(&args), code, "{issuer} {output}");
            }
        }
    }
}

#[test]
fn import_of_the_docker_catalog() {
    let corpus = testdata("corpus/docker-mcp-registry");
    for output in ["human", "json"] {
        let code =
            same_when_the_reader_goes(&["import", "docker-catalog", &corpus, "--output", output]);
        assert_eq!(code, 1, "the corpus holds entries that cannot be imported");
    }
}
