//! Writes test-sigstore fixtures for the sigstore-python cross-check
//! (`test-sigstore/conformance/sigstore_python.py`, run by `scripts/test`):
//!
//!     cargo run -p test-sigstore --example sigstore_python_fixtures -- DIR
//!
//! Every bundle is named `<accept|reject>-<blob|dsse>-<case>.sigstore.json`:
//! what an independent verifier must conclude, and how to verify it.

use std::path::Path;

use test_sigstore::{
    Authority, CertValidity, GitHubWorkflow, Identity, IssuerEncoding, San, Sct, SlsaFacts, Tamper,
    TestSigstore, tamper,
};

const BLOB: &[u8] = b"an MCP server release artifact\n";
const IMAGE_DIGEST: &str =
    "sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b";
const OTHER_DIGEST: &str =
    "sha256:0000000000000000000000000000000000000000000000000000000000000001";

fn main() -> std::io::Result<()> {
    let dir = std::env::args()
        .nth(1)
        .expect("usage: sigstore_python_fixtures DIR");
    let dir = Path::new(&dir);
    std::fs::create_dir_all(dir)?;
    let write = |name: &str, contents: &[u8]| std::fs::write(dir.join(name), contents);

    let mut sigstore = TestSigstore::new();
    let workflow = GitHubWorkflow::new(
        "acme/weather-mcp",
        ".github/workflows/release.yml",
        "refs/tags/v1.2.0",
    );
    let identity = Identity::github(&workflow);
    sigstore.write_trusted_root(dir);
    write("blob.txt", BLOB)?;
    write(
        "policy.json",
        serde_json::json!({
            "identity": workflow.workflow_uri(),
            "issuer": test_sigstore::GITHUB_ACTIONS_ISSUER,
            "digest": IMAGE_DIGEST,
        })
        .to_string()
        .as_bytes(),
    )?;

    let blob = sigstore.sign_blob(BLOB, &identity);
    write("accept-blob-github.sigstore.json", blob.as_bytes())?;
    let legacy_issuer = identity
        .clone()
        .with_issuer_encoding(IssuerEncoding::LegacyOnly);
    write(
        "accept-blob-legacy-issuer.sigstore.json",
        sigstore.sign_blob(BLOB, &legacy_issuer).as_bytes(),
    )?;
    write(
        "accept-dsse-cosign-sign.sigstore.json",
        sigstore.sign_image_dsse(IMAGE_DIGEST, &identity).as_bytes(),
    )?;
    let facts = SlsaFacts::github("registry.test/acme/weather-mcp", &workflow);
    write(
        "accept-dsse-slsa.sigstore.json",
        sigstore
            .sign_provenance(IMAGE_DIGEST, &identity, &facts)
            .as_bytes(),
    )?;
    write(
        "reject-dsse-other-digest.sigstore.json",
        sigstore.sign_image_dsse(OTHER_DIGEST, &identity).as_bytes(),
    )?;

    let knobs = [
        (
            "expired",
            identity.clone().with_validity(CertValidity::Expired),
        ),
        (
            "not-yet-valid",
            identity.clone().with_validity(CertValidity::NotYetValid),
        ),
        (
            "untrusted-ca",
            identity.clone().issued_by(Authority::Untrusted),
        ),
        ("sct-missing", identity.clone().with_sct(Sct::Missing)),
        (
            "sct-unknown-log",
            identity.clone().with_sct(Sct::UnknownLog),
        ),
        (
            "sct-bad-signature",
            identity.clone().with_sct(Sct::BadSignature),
        ),
        ("no-code-signing", identity.clone().without_code_signing()),
        (
            "untrusted-log",
            identity.clone().logged_by(Authority::Untrusted),
        ),
        (
            "other-san",
            identity.clone().with_san(San::Uri(
                "https://github.com/evil/fork/.github/workflows/release.yml@refs/heads/main".into(),
            )),
        ),
        (
            "other-issuer",
            identity
                .clone()
                .with_issuer("https://token.actions.evil.example"),
        ),
    ];
    for (case, knob) in knobs {
        write(
            &format!("reject-blob-{case}.sigstore.json"),
            sigstore.sign_blob(BLOB, &knob).as_bytes(),
        )?;
    }

    let tampers = [
        ("signature", Tamper::Signature),
        ("message-digest", Tamper::MessageDigest),
        ("certificate", Tamper::Certificate),
        ("set", Tamper::SignedEntryTimestamp),
        ("integrated-time", Tamper::IntegratedTime),
        ("log-index", Tamper::LogIndex),
        ("body", Tamper::Body),
        ("proof-hash", Tamper::InclusionProofHash),
        ("root-hash", Tamper::RootHash),
        ("checkpoint-signature", Tamper::CheckpointSignature),
        ("no-tlog-entries", Tamper::DropTlogEntries),
    ];
    for (case, what) in tampers {
        write(
            &format!("reject-blob-tampered-{case}.sigstore.json"),
            tamper(&blob, what).as_bytes(),
        )?;
    }
    let dsse = sigstore.sign_image_dsse(IMAGE_DIGEST, &identity);
    write(
        "reject-dsse-tampered-payload.sigstore.json",
        tamper(&dsse, Tamper::DssePayload).as_bytes(),
    )?;

    sigstore.set_signing_time("2099-01-01T00:00:00Z".parse().expect("timestamp"));
    write(
        "reject-blob-future-integrated-time.sigstore.json",
        sigstore.sign_blob(BLOB, &identity).as_bytes(),
    )?;
    Ok(())
}
