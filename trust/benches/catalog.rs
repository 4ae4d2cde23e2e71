//! The signed catalog at scale: a registry of N servers (default 100 000)
//! generated in memory, written as a snapshot directory, then pulled and
//! verified by the client from those files. Prints sizes (index, shards,
//! log, the largest of each kind: the client's caps are set from these), the
//! full pull-and-verify time against the baseline of merely reading,
//! hashing and parsing the same files, and the bytes an incremental pull
//! fetches after one publish against the bound of two shards plus the index.
//!
//!     cargo bench -p mcp-trust --bench catalog [-- SERVERS [RUNS]]

#![allow(clippy::unwrap_used)] // a benchmark whose fixture cannot be built should stop

use jiff::Timestamp;
use mcp_trust::catalog::client::{Client, Limits, NoShards, Options, StateDir};
use mcp_trust::catalog::memory::{MemoryRegistry, synthetic_entry};
use mcp_trust::catalog::mirror::MirrorFetcher;
use mcp_trust::catalog::{Shard, build};
use mcp_trust::image::Digest;
use mcp_trust::log::EntriesPage;
use std::time::{Duration, Instant};

fn kib(n: usize) -> String {
    format!("{:.1} KiB", n as f64 / 1024.0)
}

fn mib(n: usize) -> String {
    format!("{:.2} MiB", n as f64 / (1024.0 * 1024.0))
}

fn best(samples: &[Duration]) -> Duration {
    samples.iter().copied().min().unwrap_or_default()
}

/// Makes a snapshot fetcher load its log, as a running registry has.
fn warm(mirror: &MirrorFetcher) {
    use mcp_trust::catalog::client::{Fetcher, Resource};
    mirror
        .fetch(&Resource::Entries { start: 0, end: 1 }, u64::MAX, None)
        .unwrap();
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let servers: u64 = args.first().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let runs: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(3);
    let now = Timestamp::now();

    let t = Instant::now();
    let entries = (0..servers).map(|i| synthetic_entry(i, now)).collect();
    let mut reg = MemoryRegistry::with_entries("registry.example.com/log", now, entries).unwrap();
    let build_time = t.elapsed();
    let root = reg.root_public_key();

    let dir = tempfile::tempdir().unwrap();
    let snapshot = dir.path().join("v1");
    reg.mirror().write(&snapshot).unwrap();

    // Sizes.
    let index = reg.index().bytes.len();
    let keys = reg.key_set().to_bytes().len();
    let checkpoint = reg.checkpoint().len();
    let shard_sizes: Vec<usize> = reg.shards().iter().map(|s| s.bytes.len()).collect();
    let shards_total: usize = shard_sizes.iter().sum();
    let shard_max = *shard_sizes.iter().max().unwrap();
    let gz_total: usize = reg
        .shards()
        .iter()
        .map(|s| build::gzip(&s.bytes).unwrap().len())
        .sum();
    let index_gz = build::gzip(&reg.index().bytes).unwrap().len();
    let page = Limits::default().page_records as usize;
    let page_max = reg
        .records()
        .chunks(page)
        .map(|c| {
            serde_json::to_vec(&EntriesPage {
                start: 0,
                entries: c.to_vec(),
            })
            .unwrap()
            .len()
        })
        .max()
        .unwrap_or(0);
    let log_total = std::fs::metadata(snapshot.join("log/entries.json"))
        .unwrap()
        .len() as usize;

    println!(
        "catalog of {servers} servers (built in memory in {build_time:.2?}: {} log records, 256 shards)",
        reg.records().len()
    );
    println!(
        "  index envelope         {:>12}  (gzip {})",
        kib(index),
        kib(index_gz)
    );
    println!("  key statements         {:>12}", kib(keys));
    println!("  checkpoint             {:>12}", format!("{checkpoint} B"));
    println!(
        "  shards, total          {:>12}  (gzip {})",
        mib(shards_total),
        mib(gz_total)
    );
    println!(
        "  shard, largest         {:>12}  (cap {})",
        kib(shard_max),
        kib(Limits::default().shard as usize)
    );
    println!("  log records, total     {:>12}", mib(log_total));
    println!(
        "  log page of {page}, largest {:>8}  (cap {})",
        kib(page_max),
        kib(Limits::default().entries_page as usize)
    );
    println!(
        "  catalog total          {:>12}  (index + shards + log)",
        mib(index + shards_total + log_total)
    );

    // Baseline: read every file, hash the shards, parse shards and log, no verification.
    let mut baseline = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        for s in &reg.index().payload.shards {
            let bytes =
                std::fs::read(snapshot.join(format!("shards/{}.json", s.sha256.hex()))).unwrap();
            assert_eq!(Digest::of(&bytes), s.sha256);
            let shard: Shard = serde_json::from_slice(&bytes).unwrap();
            std::hint::black_box(shard);
        }
        let log = std::fs::read(snapshot.join("log/entries.json")).unwrap();
        let page: EntriesPage = serde_json::from_slice(&log).unwrap();
        std::hint::black_box(page);
        baseline.push(t.elapsed());
    }

    // Full pull and verify from the files.
    let options = Options {
        now: Some(now),
        ..Options::default()
    };
    // The snapshot's fetcher stands in for the registry: it loads
    // log/entries.json and builds the tree once (server-side work, timed
    // apart), then answers pages and proofs.
    let mirror = MirrorFetcher::new(&snapshot, 1000);
    let t = Instant::now();
    warm(&mirror);
    let serve_setup = t.elapsed();
    let mut full = Vec::new();
    let mut pulled = None;
    for _ in 0..runs {
        let client = Client::new(&mirror, root, options.clone());
        let t = Instant::now();
        let p = client.pull(None, &NoShards).unwrap();
        full.push(t.elapsed());
        pulled = Some(p);
    }
    let pulled = pulled.unwrap();
    assert_eq!(pulled.summary.entries as u64, servers);
    let (b, f) = (best(&baseline), best(&full));
    println!("full pull and verify from files, best of {runs}:");
    println!("  baseline: read + hash + parse     {b:>10.2?}");
    println!(
        "  pull + verify everything          {f:>10.2?}  ({:.1}x baseline; target <= 2 s: {})",
        f.as_secs_f64() / b.as_secs_f64(),
        if f <= Duration::from_secs(2) {
            "met"
        } else {
            "MISSED"
        }
    );
    println!(
        "  bytes read                        {:>10}",
        mib(pulled.summary.bytes_fetched as usize)
    );
    println!(
        "  (server side, not timed above: loading log/entries.json into a tree {serve_setup:.2?})"
    );

    // Incremental pull after one publish.
    let state = StateDir::open(dir.path().join("state")).unwrap();
    state.commit(&pulled).unwrap();
    let t = Instant::now();
    reg.publish(synthetic_entry(servers + 1, now), now).unwrap();
    let publish_time = t.elapsed();
    let snapshot2 = dir.path().join("v2");
    reg.mirror().write(&snapshot2).unwrap();
    let mirror2 = MirrorFetcher::new(&snapshot2, 1000);
    warm(&mirror2);
    let client = Client::new(&mirror2, root, options.clone());
    let previous = state.load().unwrap();
    let t = Instant::now();
    let inc = client.pull(previous.as_ref(), &state).unwrap();
    let inc_time = t.elapsed();
    let fetched = inc.summary.bytes_fetched as usize;
    let bound = 2 * shard_max + index;
    println!("incremental pull after one publish:");
    println!("  registry: log append + shard rewrite + sign  {publish_time:>8.2?}");
    println!("  pull + verify                     {inc_time:>10.2?}");
    println!(
        "  bytes fetched                     {:>10}  ({} shard, {} log record, index, keys, checkpoint, proof)",
        kib(fetched),
        inc.summary.shards_fetched,
        inc.summary.log_records_fetched
    );
    println!(
        "  bound: 2 largest shards + index   {:>10}  ({})",
        kib(bound),
        if fetched <= bound { "met" } else { "MISSED" }
    );
    println!(
        "  baseline: full re-download        {:>10}  ({:.0}x more)",
        mib(shards_total + index),
        (shards_total + index) as f64 / fetched as f64
    );
}
