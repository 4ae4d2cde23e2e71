//! Benchmark of `image@sha256:` verification end to end against a real
//! loopback registry: discovery (network round trips and fetches) and
//! verification (crypto, offline) timed separately, cold (first run, new
//! connections and tokens) and warm (median of N). Run by
//! `bench/verify-image.sh`; not a test.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

use mcp_trust::image::PinnedImage;
use mcp_trust::oci::{ClientConfig, OciClient, discover};
use mcp_trust::signature::{Matcher, Policy, TrustRoot};
use mcp_trust::verification::{ImagePolicy, verify_discovered};
use std::time::{Duration, Instant};
use test_oci::TestRegistry;
use test_sigstore::{GitHubWorkflow, Identity, TestSigstore};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(50);
    let reg = TestRegistry::start().await;
    let image = reg.pusher().image("acme/weather", "1.0.0", "bench").await;
    let mut sigstore = TestSigstore::new();
    let workflow = GitHubWorkflow::new(
        "acme/weather",
        ".github/workflows/release.yml",
        "refs/tags/v1.0.0",
    );
    let identity = Identity::github(&workflow);
    let bundle = sigstore.sign_image_dsse(&image.digest, &identity);
    reg.pusher()
        .bundle_referrer("acme/weather", &image, bundle.as_bytes())
        .await;
    let legacy = sigstore.legacy_cosign_sig("registry.test/acme/weather", &image.digest, &identity);
    let annotations: serde_json::Map<String, serde_json::Value> = legacy
        .annotations()
        .into_iter()
        .map(|(k, v)| (k, serde_json::Value::String(v)))
        .collect();
    reg.pusher()
        .legacy_signature(
            "acme/weather",
            &image.digest,
            &[(
                legacy.payload.clone(),
                serde_json::Value::Object(annotations),
            )],
        )
        .await;

    let root = TrustRoot::from_json(sigstore.trusted_root_json().as_bytes()).unwrap();
    let policy = ImagePolicy {
        signer: Policy::keyless(
            Matcher::exact(&workflow.workflow_uri(), "identity").unwrap(),
            Matcher::exact("https://token.actions.githubusercontent.com", "issuer").unwrap(),
        ),
        provenance: None,
    };
    let host = reg.with_referrers();
    let pinned = PinnedImage::parse(&format!("{host}/acme/weather@{}", image.digest)).unwrap();
    let new_client = || {
        OciClient::new(ClientConfig {
            insecure_hosts: [host.clone()].into(),
            ..Default::default()
        })
        .unwrap()
    };

    // Cold: a new client (new connections), first verification.
    let client = new_client();
    let t = Instant::now();
    let found = discover(&client, &pinned).await.unwrap();
    let cold_discover = t.elapsed();
    let t = Instant::now();
    let report = verify_discovered(found, &policy, &root);
    let cold_verify = t.elapsed();
    assert_eq!(report.signatures.len(), 2, "both signatures verify");

    // Warm: the same client, repeated.
    let (mut d, mut v, mut total) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        let t0 = Instant::now();
        let found = discover(&client, &pinned).await.unwrap();
        let t1 = Instant::now();
        let report = verify_discovered(found, &policy, &root);
        let t2 = Instant::now();
        assert_eq!(report.signatures.len(), 2);
        d.push(t1 - t0);
        v.push(t2 - t1);
        total.push(t2 - t0);
    }
    // Baseline in the same run: the bare requests discovery makes, with no verification
    // (one manifest by digest, referrers, one referrer manifest, one blob, three tag probes).
    let http = reqwest::Client::new();
    let mut bare = Vec::new();
    for _ in 0..runs {
        let t0 = Instant::now();
        for path in [
            format!("manifests/{}", image.digest),
            format!("referrers/{}", image.digest),
            format!("manifests/{}.sig", image.digest.replace(':', "-")),
            format!("manifests/{}.att", image.digest.replace(':', "-")),
        ] {
            let _ = http
                .get(format!("http://{host}/v2/acme/weather/{path}"))
                .header("accept", "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json")
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
        }
        bare.push(t0.elapsed());
    }
    let (dm, vm, tm) = (median(d), median(v), median(total));
    println!(
        "image verification, 2 signatures (cosign v3 bundle referrer + legacy .sig), loopback docker-registry, {runs} warm runs"
    );
    println!(
        "  cold  discover {}  verify {}  total {}",
        ms(cold_discover),
        ms(cold_verify),
        ms(cold_discover + cold_verify)
    );
    println!(
        "  warm  discover {}  verify {}  total {}",
        ms(dm),
        ms(vm),
        ms(tm)
    );
    println!(
        "  warm  share: network/fetch {:.0} %, crypto {:.0} %",
        100.0 * dm.as_secs_f64() / tm.as_secs_f64(),
        100.0 * vm.as_secs_f64() / tm.as_secs_f64()
    );
    println!(
        "  baseline: 4 bare GETs of the same registry, no checks: {}",
        ms(median(bare))
    );
}
