//! Publish throughput and latency with full verification: images signed by a
//! private Sigstore are pushed to a real loopback OCI registry, and the
//! registry server pulls and verifies each one before storing it. Measured on
//! stores pre-loaded with a small and a large catalog, and against a baseline
//! in the same run: the same publishes to a server whose verifier does no
//! network or crypto. Run by `bench/registry-publish.sh`; not a test.
//!
//!     publish_bench PUBLISHES CONCURRENCY SMALL LARGE
//!
//! `STORE=DIR` keeps each bulk-loaded store in `DIR/<servers>/` and copies
//! it on later runs (loading 100,000 servers takes three to four minutes).

#![allow(clippy::unwrap_used, clippy::print_stdout)]

#[path = "support/campaign.rs"]
mod campaign;

use campaign::SignedImages;
use mcp_registry::store::{self, StoreConfig};
use mcp_registry::testing::{TestServer, acme_signer, bulk_load, manifest};
use mcp_registry::verify::SigstoreVerifier;
use mcp_trust::signature::TrustRoot;
use std::sync::Arc;
use std::time::{Duration, Instant};
use test_oci::TestRegistry;

struct Run {
    per_second: f64,
    p50: Duration,
    p99: Duration,
}

fn publish_all(
    runtime: &tokio::runtime::Runtime,
    server: &TestServer,
    bodies: &[serde_json::Value],
    concurrency: usize,
) -> Run {
    let url = format!("{}/v0.1/publish", server.base);
    let authorization = format!("Bearer {}", server.acme_token);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let latencies = std::sync::Mutex::new(Vec::new());
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..concurrency {
            scope.spawn(|| {
                let client = reqwest::Client::new();
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(body) = bodies.get(i) else { break };
                    let t = Instant::now();
                    let status = runtime.block_on(async {
                        client
                            .post(&url)
                            .header("authorization", &authorization)
                            .header("content-type", "application/json")
                            .body(body.to_string())
                            .send()
                            .await
                            .unwrap()
                            .status()
                    });
                    assert_eq!(status.as_u16(), 201, "publish {i} refused");
                    latencies.lock().unwrap().push(t.elapsed());
                }
            });
        }
    });
    let elapsed = started.elapsed();
    let mut l = latencies.into_inner().unwrap();
    l.sort();
    Run {
        per_second: bodies.len() as f64 / elapsed.as_secs_f64(),
        p50: l[l.len() / 2],
        p99: l[(l.len() * 99 / 100).min(l.len() - 1)],
    }
}

/// A fresh store holding `servers` bulk-loaded servers, in a temporary
/// directory: loaded here, or copied from `kept/<servers>/registry.redb`
/// (written there by the first run that loads it).
fn loaded_store(
    runtime: &tokio::runtime::Runtime,
    kept: Option<&std::path::Path>,
    servers: usize,
) -> (tempfile::TempDir, StoreConfig) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("registry.redb");
    let pristine = kept.map(|k| k.join(servers.to_string()).join("registry.redb"));
    if let Some(pristine) = pristine.as_ref().filter(|p| p.exists()) {
        std::fs::copy(pristine, &file).unwrap();
        return (dir, StoreConfig::embedded(file));
    }
    let config = StoreConfig::embedded(file.clone());
    runtime.block_on(async {
        let store = store::open(&config).await.unwrap();
        bulk_load(store.as_ref(), servers, 1).await.unwrap();
    });
    if let Some(pristine) = pristine {
        std::fs::create_dir_all(pristine.parent().unwrap()).unwrap();
        std::fs::copy(&file, &pristine).unwrap();
    }
    (dir, config)
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().unwrap())
        .collect();
    let (publishes, concurrency, small, large) = match args.as_slice() {
        [p, c, s, l] => (*p, *c, *s, *l),
        _ => (200, 8, 1_000, 100_000),
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let reg = runtime.block_on(TestRegistry::start());
    let host = reg.with_referrers();
    let signed = runtime.block_on(SignedImages::push(&reg, "bench", 2 * publishes));
    let workflow = &signed.workflow;

    // Two sets of signed images (one per catalog size), each image distinct.
    let sets: Vec<Vec<serde_json::Value>> = signed
        .digests
        .chunks(publishes)
        .enumerate()
        .map(|(set, digests)| {
            digests
                .iter()
                .enumerate()
                .map(|(i, digest)| {
                    let mut m = manifest(
                        &format!("io.github.acme/weather-{set}-{i}"),
                        "1.0.0",
                        &host,
                        digest,
                    );
                    m["_meta"]["dev.mcp-trust/security"]["provenance"]["certificateIdentity"] =
                        workflow.workflow_uri().into();
                    m
                })
                .collect()
        })
        .collect();
    let root = TrustRoot::from_json(signed.sigstore.trusted_root_json().as_bytes()).unwrap();
    let verifier = Arc::new(
        SigstoreVerifier::new(
            root,
            std::slice::from_ref(&host),
            std::slice::from_ref(&host),
            true,
            Duration::from_secs(30),
        )
        .unwrap(),
    );

    println!(
        "publish with full verification: {publishes} publishes, {concurrency} concurrent clients, loopback docker-registry, embedded store"
    );
    let kept = std::env::var_os("STORE").map(std::path::PathBuf::from);
    let mut p50s = Vec::new();
    let mut rates = Vec::new();
    for (set, stored) in [small, large].into_iter().enumerate() {
        let t = Instant::now();
        let (dir, config) = loaded_store(&runtime, kept.as_deref(), stored);
        let loaded = t.elapsed();
        let server = TestServer::start_with(
            Some(config.clone()),
            |c| {
                c.allowed_registries.push(host.clone());
                // One namespace holds at most half the verification slots:
                // room for every client.
                c.limits.verify_concurrency = 2 * concurrency;
            },
            Some(verifier.clone() as Arc<dyn mcp_registry::verify::ImageVerifier>),
        );
        let run = publish_all(&runtime, &server, &sets[set], concurrency);
        drop(server);
        drop(dir);
        // Baseline: the same store size, a verifier with no network or crypto.
        let (_dir2, config2) = loaded_store(&runtime, kept.as_deref(), stored);
        let baseline_server = TestServer::start_with(
            Some(config2),
            |c| {
                c.allowed_registries.push(host.clone());
                // One namespace holds at most half the verification slots:
                // room for every client.
                c.limits.verify_concurrency = 2 * concurrency;
            },
            None,
        );
        let baseline_bodies: Vec<serde_json::Value> = sets[set]
            .iter()
            .map(|m| {
                let image = m["_meta"]["dev.mcp-trust/security"]["image"]
                    .as_str()
                    .unwrap();
                let digest = image.rsplit_once('@').unwrap().1;
                baseline_server.verifier.sign(digest, acme_signer());
                let mut m = m.clone();
                m["_meta"]["dev.mcp-trust/security"]["provenance"]["certificateIdentity"] =
                    mcp_registry::testing::acme_identity().into();
                m
            })
            .collect();
        let base = publish_all(&runtime, &baseline_server, &baseline_bodies, concurrency);
        println!(
            "  {stored:>7} stored servers (loaded in {:.0} s): {:.0} publishes/s, p50 {}, p99 {}   | baseline without verification: {:.0}/s, p50 {}, p99 {}",
            loaded.as_secs_f64(),
            run.per_second,
            ms(run.p50),
            ms(run.p99),
            base.per_second,
            ms(base.p50),
            ms(base.p99)
        );
        p50s.push(run.p50);
        rates.push(run.per_second);
    }
    let met = |ok: bool| if ok { "met" } else { "MISSED" };
    for (stored, rate) in [small, large].into_iter().zip(&rates) {
        println!(
            "  verified publishes/s at {stored} stored servers: {rate:.0} (target >= 300: {})",
            met(*rate >= 300.0)
        );
    }
    let ratio = p50s[1].as_secs_f64() / p50s[0].as_secs_f64();
    println!(
        "  latency ratio, {large} vs {small} stored servers: p50 {ratio:.2}x (target <= 1.5x: {})",
        met(ratio <= 1.5)
    );
}
