//! In-process cost of `mcp_trust::signature::verify` against a bare
//! `sigstore_verify::Verifier::verify` on the same bundle (the conformance
//! `rekor2-happy-path`), both from the bundle's JSON bytes with a trust root
//! built once. Prints both medians and their ratio (target: ≤ 1.1).
//!
//!     cargo bench -p mcp-trust --bench verify_bundle

#![allow(clippy::unwrap_used)] // a benchmark whose fixture does not load should stop

use mcp_trust::signature::{self, Artifact, Matcher, Policy, TrustRoot};
use std::path::Path;
use std::time::{Duration, Instant};

const IDENTITY: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const ISSUER: &str = "https://token.actions.githubusercontent.com";

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/sigstore-conformance/bundle-verify/rekor2-happy-path");
    let bundle = std::fs::read(dir.join("bundle.sigstore.json")).unwrap();
    let root_json = std::fs::read_to_string(dir.join("trusted_root.json")).unwrap();
    let artifact = std::fs::read(dir.join("../a.txt")).unwrap();

    let ours_root = TrustRoot::from_json(root_json.as_bytes()).unwrap();
    let policy = Policy::keyless(
        Matcher::exact(IDENTITY, "identity").unwrap(),
        Matcher::exact(ISSUER, "issuer").unwrap(),
    );
    let bare_root = sigstore_trust_root::TrustedRoot::from_json(&root_json).unwrap();
    let bare_verifier = sigstore_verify::Verifier::new(&bare_root).unwrap();
    let bare_policy = sigstore_verify::VerificationPolicy::new(IDENTITY, ISSUER);

    let ours = || {
        signature::verify(&bundle, Artifact::Bytes(&artifact), &policy, &ours_root).unwrap();
    };
    let bare = || {
        let parsed =
            sigstore_types::Bundle::from_json(std::str::from_utf8(&bundle).unwrap()).unwrap();
        bare_verifier
            .verify(artifact.as_slice(), &parsed, &bare_policy)
            .unwrap();
    };

    // Warm up, then alternate so drift affects both alike.
    for _ in 0..50 {
        ours();
        bare();
    }
    let rounds = 400;
    let (mut ours_t, mut bare_t) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let t = Instant::now();
        ours();
        ours_t.push(t.elapsed());
        let t = Instant::now();
        bare();
        bare_t.push(t.elapsed());
    }
    let (o, b) = (median(ours_t), median(bare_t));
    println!("rekor2-happy-path, {rounds} alternating rounds, medians:");
    println!(
        "  mcp_trust::signature::verify      {:>9.1} µs",
        o.as_secs_f64() * 1e6
    );
    println!(
        "  bare sigstore_verify::verify      {:>9.1} µs",
        b.as_secs_f64() * 1e6
    );
    println!(
        "  ratio                             {:>9.3} (target <= 1.10)",
        o.as_secs_f64() / b.as_secs_f64()
    );
}
