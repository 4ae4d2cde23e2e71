//! `mcp-verify IMAGE@sha256:…` as CI runs it: the real binary against a
//! real loopback registry holding images signed by a private Sigstore, with
//! the exit code as the verdict.

#![allow(clippy::unwrap_used)] // test helpers panic on broken fixtures by design

mod support;

use std::process::{Command, Output};
use test_oci::{Pushed, TestRegistry};
use test_sigstore::{GitHubWorkflow, Identity, SlsaFacts, TestSigstore};

const REPO: &str = "acme/weather";
const ISSUER: &str = "https://token.actions.githubusercontent.com";

struct World {
    reg: TestRegistry,
    sigstore: TestSigstore,
    image: Pushed,
    workflow: GitHubWorkflow,
    dir: tempfile::TempDir,
}

impl World {
    async fn new() -> World {
        let reg = TestRegistry::start().await;
        let image = reg.pusher().image(REPO, "1.0.0", "weather-1").await;
        let sigstore = TestSigstore::new();
        let dir = tempfile::tempdir().unwrap();
        sigstore.write_trusted_root(dir.path());
        let workflow = GitHubWorkflow::new(
            "acme/weather",
            ".github/workflows/release.yml",
            "refs/tags/v1.0.0",
        );
        World {
            reg,
            sigstore,
            image,
            workflow,
            dir,
        }
    }

    async fn sign(&mut self) {
        let identity = Identity::github(&self.workflow);
        let bundle = self
            .sigstore
            .sign_image_dsse(&self.image.digest.clone(), &identity);
        self.reg
            .pusher()
            .bundle_referrer(REPO, &self.image, bundle.as_bytes())
            .await;
    }

    fn image_ref(&self) -> String {
        format!("{}/{REPO}@{}", self.reg.with_referrers(), self.image.digest)
    }

    /// `mcp-verify` with the trusted root and the loopback registry allowed.
    fn command(&self, args: Vec<String>) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_mcp-verify"));
        cmd.arg("--trusted-root")
            .arg(self.dir.path().join("trusted_root.json"))
            .args(["--allow-insecure-registry", &self.reg.with_referrers()])
            .args(args)
            .env("HOME", self.dir.path())
            .env_remove("DOCKER_CONFIG");
        cmd
    }

    async fn run(&self, args: Vec<String>) -> Output {
        let mut cmd = self.command(args);
        tokio::task::spawn_blocking(move || cmd.output().unwrap())
            .await
            .unwrap()
    }

    /// [`World::run`] with stdout's reader gone before the first byte.
    async fn run_reader_gone(&self, args: Vec<String>) -> Output {
        let mut cmd = self.command(args);
        tokio::task::spawn_blocking(move || support::process::reader_gone(&mut cmd))
            .await
            .unwrap()
    }

    fn policy(&self) -> Vec<String> {
        vec![
            "--certificate-identity".into(),
            self.workflow.workflow_uri(),
            "--certificate-oidc-issuer".into(),
            ISSUER.into(),
        ]
    }
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn signed_image_exits_zero_and_says_what_was_proven() {
    let mut w = World::new().await;
    w.sign().await;
    let mut args = vec![w.image_ref()];
    args.extend(w.policy());
    let out = w.run(args).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("verified"));
    assert!(stdout.contains(&w.workflow.workflow_uri()));
    assert!(stdout.contains(ISSUER));
    assert!(stdout.contains("log index"));
    assert!(stdout.contains("signed at"));
}

#[tokio::test(flavor = "multi_thread")]
async fn verify_subcommand_and_json_output() {
    let mut w = World::new().await;
    w.sign().await;
    let mut args = vec![
        "verify".to_owned(),
        w.image_ref(),
        "--output".into(),
        "json".into(),
    ];
    args.extend(w.policy());
    // Subcommand flags come after the subcommand.
    let out = {
        let mut full = vec![
            "verify".to_owned(),
            "--trusted-root".into(),
            w.dir.path().join("trusted_root.json").display().to_string(),
            "--allow-insecure-registry".into(),
            w.reg.with_referrers(),
        ];
        full.extend(args.into_iter().skip(1));
        tokio::task::spawn_blocking(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_mcp-verify"))
                .args(full)
                .output()
                .unwrap()
        })
        .await
        .unwrap()
    };
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["verified"], true);
    assert_eq!(
        v["report"]["signatures"][0]["verified"]["signer"]["identity"],
        w.workflow.workflow_uri()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unsigned_image_exits_one() {
    let w = World::new().await;
    let mut args = vec![w.image_ref()];
    args.extend(w.policy());
    let out = w.run(args).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("NOT verified"));
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_identity_exits_one_naming_the_stage() {
    let mut w = World::new().await;
    w.sign().await;
    let out = w
        .run(vec![
            w.image_ref(),
            "--certificate-identity-regexp".into(),
            r"https://github\.com/acme/weather".into(),
            "--certificate-oidc-issuer".into(),
            ISSUER.into(),
        ])
        .await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("identity-policy"), "{}", text(&out));
}

#[tokio::test(flavor = "multi_thread")]
async fn tag_without_digest_exits_two_unless_resolved() {
    let mut w = World::new().await;
    w.sign().await;
    let tagged = format!("{}/{REPO}:1.0.0", w.reg.with_referrers());
    let mut args = vec![tagged.clone()];
    args.extend(w.policy());
    let out = w.run(args.clone()).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("--resolve"));
    args.push("--resolve".into());
    let out = w.run(args).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(&w.image.digest),
        "resolved digest is printed"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unreachable_registry_exits_three_never_zero() {
    let w = World::new().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let host = format!("127.0.0.1:{port}");
    let mut args = vec![
        format!("{host}/{REPO}@{}", w.image.digest),
        "--allow-insecure-registry".into(),
        host,
    ];
    args.extend(w.policy());
    let out = w.run(args).await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
}

#[tokio::test(flavor = "multi_thread")]
async fn policy_and_provenance_come_from_the_manifest() {
    let mut w = World::new().await;
    w.sign().await;
    let identity = Identity::github(&w.workflow);
    let facts = SlsaFacts::github(&format!("registry.test/{REPO}"), &w.workflow);
    let att = w
        .sigstore
        .sign_provenance(&w.image.digest.clone(), &identity, &facts);
    w.reg
        .pusher()
        .bundle_referrer(REPO, &w.image, att.as_bytes())
        .await;
    let manifest = |source_ref: &str| {
        serde_json::json!({
            "name": "io.github.acme/weather", "description": "Weather", "version": "1.0.0",
            "_meta": {"dev.mcp-trust/security": {
                "image": w.image_ref(),
                "provenance": {"certificateIdentity": w.workflow.workflow_uri(), "certificateOidcIssuer": ISSUER,
                               "slsa": {"sourceRepository": "https://github.com/acme/weather", "sourceRef": source_ref}}
            }}
        })
    };
    let path = w.dir.path().join("server.json");
    std::fs::write(
        &path,
        serde_json::to_vec(&manifest("refs/tags/v1.0.0")).unwrap(),
    )
    .unwrap();
    let out = w
        .run(vec!["--manifest".into(), path.display().to_string()])
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("provenance"));
    std::fs::write(
        &path,
        serde_json::to_vec(&manifest("refs/tags/v9.9.9")).unwrap(),
    )
    .unwrap();
    let out = w
        .run(vec!["--manifest".into(), path.display().to_string()])
        .await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("provenance"), "{}", text(&out));
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_policy_is_a_usage_error() {
    let w = World::new().await;
    let out = w.run(vec![w.image_ref()]).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("signer identity is required"));
}

#[tokio::test(flavor = "multi_thread")]
async fn json_output_matches_its_published_schema() {
    let mut w = World::new().await;
    w.sign().await;
    let schema: serde_json::Value = serde_json::from_slice(
        &std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../schemas/image-verification.v1.schema.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    // A pass, and a refusal carrying refused items of several kinds.
    let mut pass = vec![w.image_ref(), "--output".into(), "json".into()];
    pass.extend(w.policy());
    let refuse = vec![
        w.image_ref(),
        "--output".into(),
        "json".into(),
        "--certificate-identity".into(),
        "https://github.com/acme/other/.github/workflows/x.yml@refs/heads/main".into(),
        "--certificate-oidc-issuer".into(),
        ISSUER.into(),
    ];
    for (args, code) in [(pass, 0), (refuse, 1)] {
        let out = w.run(args).await;
        assert_eq!(out.status.code(), Some(code), "{}", text(&out));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&v)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{errors:#?}\n{v:#}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn with_stdout_closed_the_verdict_is_the_exit_status_and_nothing_more() {
    // `mcp-verify IMAGE | head` once head has gone: no error about the pipe,
    // and a refused image still exits 1 (pipefail sees it).
    let mut w = World::new().await;
    let unsigned = w.image_ref();
    for output in ["human", "json"] {
        let mut args = vec![unsigned.clone(), "--output".into(), output.into()];
        args.extend(w.policy());
        let out = w.run_reader_gone(args).await;
        assert_eq!(out.status.code(), Some(1), "{output}: {}", text(&out));
    }
    w.sign().await;
    for output in ["human", "json"] {
        let mut args = vec![w.image_ref(), "--output".into(), output.into()];
        args.extend(w.policy());
        let out = w.run_reader_gone(args).await;
        assert_eq!(out.status.code(), Some(0), "{output}: {}", text(&out));
        assert!(out.stderr.is_empty(), "{output}: {}", text(&out));
    }
}
