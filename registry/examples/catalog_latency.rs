//! Catalog signing at scale, in process: `catalog_latency DIR PUBLISHES`
//! opens the bulk-loaded embedded store DIR/registry.redb, signs the whole
//! catalog once (what a first start does), then PUBLISHES times stores one
//! new version (one transaction, as the publish route does) and signs the
//! next catalog (what the background task does right after a publish),
//! timing each. Prints the first signing, and publish → new index latency
//! (p50, p99, max) with the commit alone as the baseline.

use jiff::Timestamp;
use mcp_registry::config::CatalogOptions;
use mcp_registry::signer::{CatalogKeys, CatalogService};
use mcp_registry::store::{self, PublishOutcome, StoreConfig};
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, dir, publishes] = args.as_slice() else {
        anyhow::bail!("usage: catalog_latency DIR PUBLISHES");
    };
    let publishes: usize = publishes.parse()?;
    anyhow::ensure!(publishes > 0, "PUBLISHES must be at least 1");
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let store = store::open(&StoreConfig::embedded(
            PathBuf::from(dir).join("registry.redb"),
        ))
        .await?;
        let keys = tempfile::tempdir()?;
        mcp_registry::keys::init_dir(keys.path(), "bench", 90, Timestamp::now())?;
        let catalog = CatalogService::new(
            store.clone(),
            CatalogKeys::load(keys.path(), Timestamp::now())?,
            CatalogOptions::default(),
        );
        let size = store.log_size().await?;
        let started = Instant::now();
        let first = catalog
            .sign(Timestamp::now())
            .await?
            .ok_or_else(|| anyhow::anyhow!("nothing was signed"))?;
        let full = started.elapsed();
        let snapshot = catalog
            .snapshot()
            .ok_or_else(|| anyhow::anyhow!("nothing is served"))?;
        println!(
            "first signing of {size} log records: {} (catalog version {}, index {} B, gzip {} B)",
            ms(full),
            first.version,
            snapshot.index.identity.len(),
            snapshot.index.gzip().map_or(0, |g| g.len())
        );
        let (mut commit, mut total) = (Vec::new(), Vec::new());
        for i in 0..publishes {
            let (record, audit) = mcp_registry::testing::bench_version(
                &format!("io.github.bench/latency-{i:06}"),
                "1.0.0",
            )?;
            let t0 = Instant::now();
            let outcome = store
                .publish(&record, &audit, &mcp_registry::testing::unlimited_budget())
                .await?;
            anyhow::ensure!(
                matches!(outcome, PublishOutcome::Created(_)),
                "not created: {outcome:?}"
            );
            let t1 = Instant::now();
            let signed = catalog
                .sign(Timestamp::now())
                .await?
                .ok_or_else(|| anyhow::anyhow!("the publish was not signed"))?;
            let served = catalog
                .snapshot()
                .ok_or_else(|| anyhow::anyhow!("nothing is served"))?;
            anyhow::ensure!(served.version == signed.version, "not served");
            commit.push(t1 - t0);
            total.push(t0.elapsed());
        }
        commit.sort();
        total.sort();
        println!(
            "publish commit alone (baseline): p50 {}  p99 {}  max {}",
            ms(percentile(&commit, 0.5)),
            ms(percentile(&commit, 0.99)),
            ms(percentile(&commit, 1.0))
        );
        println!(
            "publish → new signed index served: p50 {}  p99 {}  max {}  ({publishes} publishes)",
            ms(percentile(&total, 0.5)),
            ms(percentile(&total, 0.99)),
            ms(percentile(&total, 1.0))
        );
        anyhow::Ok(())
    })?;
    Ok(())
}
