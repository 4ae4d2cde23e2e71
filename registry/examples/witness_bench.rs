//! Witnessing figures, each against a baseline in the same run:
//!
//! 1. a witness's `add-checkpoint` throughput over loopback HTTP (each
//!    submission checked, cosigned and its state file replaced with fsync),
//!    logs submitting at once, each log's checkpoints in order; baseline:
//!    the same server's `GET /<origin>/checkpoint` (a file read), same
//!    client, same concurrency;
//! 2. publish → served signed index latency on a registry with two
//!    witnesses on loopback against one without, and publish → cosigned
//!    checkpoint with them.
//!
//! Run by `bench/witness.sh`; not a test.
//!
//!     witness_bench SUBMISSIONS LOGS CONCURRENCY PUBLISHES

#![allow(clippy::unwrap_used, clippy::print_stdout)]

use mcp_registry::testing::{ALLOWED_HOST, TestServer, acme_signer, digest, manifest};
use mcp_registry::witness::{self, Witness};
use mcp_registry::witnessing::WitnessConfig;
use mcp_trust::keys::SigningKey;
use mcp_trust::log::witness::{AddCheckpoint, FollowedLog};
use mcp_trust::log::{Checkpoint, MemoryTree, consistency_proof, note};
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Log {
    origin: String,
    key: SigningKey,
    tree: MemoryTree,
    held: u64,
}

impl Log {
    fn next_request(&mut self) -> String {
        self.tree
            .push(format!("leaf {}", self.tree.size()).as_bytes());
        let size = self.tree.size();
        let cp = Checkpoint {
            origin: self.origin.clone(),
            size,
            root: self.tree.root(),
            extensions: vec![],
        };
        let proof = if self.held == 0 {
            vec![]
        } else {
            consistency_proof(&self.tree, self.held, size).unwrap()
        };
        let body = AddCheckpoint {
            old: self.held,
            proof,
            note: note::sign(&cp, &self.origin, &self.key).unwrap(),
        }
        .to_body();
        self.held = size;
        body
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().unwrap())
        .collect();
    let (submissions, logs, concurrency, publishes) = (
        args.first().copied().unwrap_or(4000),
        args.get(1).copied().unwrap_or(64),
        args.get(2).copied().unwrap_or(16),
        args.get(3).copied().unwrap_or(40),
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();

    // 1. Witness throughput.
    let dir = tempfile::tempdir().unwrap();
    witness::init(dir.path(), "bench-witness").unwrap();
    let mut all: Vec<Log> = (0..logs)
        .map(|i| Log {
            origin: format!("bench.example/log{i}"),
            key: SigningKey::generate().unwrap(),
            tree: MemoryTree::new(),
            held: 0,
        })
        .collect();
    let followed = all
        .iter()
        .map(|l| FollowedLog {
            origin: l.origin.clone(),
            key: l.key.public_key(),
        })
        .collect();
    let w = Arc::new(Witness::open(dir.path(), followed).unwrap());
    let base = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, witness::router(w)).await });
        base
    });
    // Each log's requests in order; logs interleaved.
    let per_log = submissions.div_ceil(logs);
    let queues: Vec<Vec<String>> = all
        .iter_mut()
        .map(|l| (0..per_log).map(|_| l.next_request()).collect())
        .collect();
    let client = reqwest::Client::new();
    let lanes = concurrency.min(logs);
    let started = Instant::now();
    let ok = runtime.block_on(async {
        let queues = Arc::new(std::sync::Mutex::new(queues));
        let mut tasks = Vec::new();
        for lane in 0..lanes {
            let (client, base, queues) = (client.clone(), base.clone(), queues.clone());
            tasks.push(tokio::spawn(async move {
                let mut ok = 0usize;
                // A lane owns logs lane, lane + lanes, …: one submitter per log.
                let mine: Vec<Vec<String>> = {
                    let mut q = queues.lock().unwrap();
                    (lane..q.len())
                        .step_by(lanes)
                        .map(|i| std::mem::take(&mut q[i]))
                        .collect()
                };
                for round in 0..mine.first().map_or(0, Vec::len) {
                    for log in &mine {
                        let r = client
                            .post(format!("{base}/add-checkpoint"))
                            .body(log[round].clone())
                            .send()
                            .await
                            .unwrap();
                        if r.status() == 200 {
                            ok += 1;
                        }
                    }
                }
                ok
            }));
        }
        let mut ok = 0;
        for t in tasks {
            ok += t.await.unwrap();
        }
        ok
    });
    let elapsed = started.elapsed();
    let total = per_log * logs;
    assert_eq!(
        ok, total,
        "every submission extends its log and is cosigned"
    );
    let witness_rate = total as f64 / elapsed.as_secs_f64();
    let hex = mcp_trust::image::Digest::of(all[0].origin.as_bytes())
        .hex()
        .to_owned();
    let started = Instant::now();
    runtime.block_on(async {
        let mut tasks = Vec::new();
        for _ in 0..lanes {
            let (client, url) = (client.clone(), format!("{base}/{hex}/checkpoint"));
            let n = total / lanes;
            tasks.push(tokio::spawn(async move {
                for _ in 0..n {
                    assert_eq!(client.get(&url).send().await.unwrap().status(), 200);
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
    });
    let baseline_rate = (total / lanes * lanes) as f64 / started.elapsed().as_secs_f64();
    println!(
        "witness add-checkpoint: {total} submissions of {logs} logs, {lanes} at once: {witness_rate:.0}/s (target >= 1000/s) -> {}; baseline GET of the held checkpoint on the same server: {baseline_rate:.0}/s ({:.2}x of it)",
        if witness_rate >= 1000.0 {
            "met"
        } else {
            "missed"
        },
        witness_rate / baseline_rate
    );

    // 2. Publish -> served signed index, without and with two witnesses.
    let bare = measure_bare(publishes);
    let dirs: Vec<tempfile::TempDir> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
    let listeners: Vec<std::net::TcpListener> = (0..2)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0").unwrap())
        .collect();
    let configs: Vec<WitnessConfig> = dirs
        .iter()
        .zip(&listeners)
        .enumerate()
        .map(|(i, (d, l))| {
            let vkey = witness::init(d.path(), &format!("w{i}")).unwrap();
            WitnessConfig::parse(&format!("http://{} {vkey}", l.local_addr().unwrap())).unwrap()
        })
        .collect();
    let (with, cosign) = measure_with_witnesses(&runtime, dirs, listeners, configs, publishes);
    println!(
        "publish -> served signed index, median of {publishes}: {:.1} ms without witnesses, {:.1} ms with two on loopback ({:+.0} %, target <= +20 %) -> {}; publish -> checkpoint cosigned by both: {:.1} ms",
        bare.as_secs_f64() * 1e3,
        with.as_secs_f64() * 1e3,
        (with.as_secs_f64() / bare.as_secs_f64() - 1.0) * 100.0,
        if with.as_secs_f64() <= bare.as_secs_f64() * 1.2 {
            "met"
        } else {
            "missed"
        },
        cosign.as_secs_f64() * 1e3
    );
}

/// Publishes `version` of an image made of `label` and waits for the
/// signed index that holds it: the log size before, and the time taken.
fn publish_and_wait(s: &TestServer, label: &str, version: &str) -> (u64, Duration) {
    let d = digest(label);
    s.verifier.sign(&d, acme_signer());
    let body = manifest("io.github.acme/weather", version, ALLOWED_HOST, &d);
    let before = s.catalog.snapshot().unwrap().tree_size;
    let started = Instant::now();
    let status = s.block_on(async {
        reqwest::Client::new()
            .post(format!("{}/v0.1/publish", s.base))
            .bearer_auth(&s.acme_token)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap()
            .status()
    });
    assert_eq!(status, 201);
    s.wait_for_catalog(before + 1);
    (before, started.elapsed())
}

/// Median publish -> served signed index latency on a server without witnesses.
fn measure_bare(publishes: usize) -> Duration {
    let s = TestServer::start(|_| {});
    let mut index = Vec::new();
    for i in 0..publishes {
        let (_, took) = publish_and_wait(&s, &format!("bare {i}"), &format!("1.0.{i}"));
        index.push(took);
    }
    index.sort();
    percentile(&index, 0.5)
}

/// Publish latencies on a server with `configs` as witnesses, served by
/// witnesses that follow its log: (median to the served index, median to
/// the checkpoint cosigned by all of them).
fn measure_with_witnesses(
    runtime: &tokio::runtime::Runtime,
    dirs: Vec<tempfile::TempDir>,
    listeners: Vec<std::net::TcpListener>,
    configs: Vec<WitnessConfig>,
    publishes: usize,
) -> (Duration, Duration) {
    let s = TestServer::start(|c| c.witnesses = configs.clone());
    let log = FollowedLog::parse(&s.catalog.keys().checkpoint_verifier_key()).unwrap();
    for (dir, listener) in dirs.iter().zip(listeners) {
        listener.set_nonblocking(true).unwrap();
        let w = Arc::new(Witness::open(dir.path(), vec![log.clone()]).unwrap());
        runtime.spawn(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, witness::router(w)).await
        });
    }
    let cosigned_at = |size: u64| {
        let snap = s.catalog.snapshot().unwrap();
        snap.tree_size >= size
            && String::from_utf8_lossy(&snap.checkpoint.identity)
                .matches('\u{2014}')
                .count()
                > configs.len()
    };
    // Wait for the first checkpoint to be cosigned before measuring.
    let started = Instant::now();
    while !cosigned_at(0) {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no cosignature arrived"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let (mut index, mut cosign) = (Vec::new(), Vec::new());
    for i in 0..publishes {
        let started = Instant::now();
        let (before, took) = publish_and_wait(&s, &format!("witnessed {i}"), &format!("2.0.{i}"));
        index.push(took);
        while !cosigned_at(before + 1) {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "no cosignature arrived"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        cosign.push(started.elapsed());
    }
    index.sort();
    cosign.sort();
    (percentile(&index, 0.5), percentile(&cosign, 0.5))
}
