//! Bulk-loads an embedded store for benchmarks: `bulk_load DIR SERVERS VERSIONS`
//! writes SERVERS × VERSIONS published versions (through the `Store` trait,
//! one transaction each, as a publish would) into DIR/registry.redb;
//! `bulk_load DIR --one NAME VERSION` adds one more version the same way.

use mcp_registry::store::{self, StoreConfig};
use std::path::PathBuf;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let config = |dir: &str| StoreConfig::embedded(PathBuf::from(dir).join("registry.redb"));
    let runtime = tokio::runtime::Runtime::new()?;
    match args.as_slice() {
        [_, dir, flag, name, version] if flag == "--one" => {
            runtime.block_on(async {
                let store = store::open(&config(dir)).await?;
                let (record, audit) = mcp_registry::testing::bench_version(name, version)?;
                store
                    .publish(&record, &audit, &mcp_registry::testing::unlimited_budget())
                    .await?;
                anyhow::Ok(())
            })?;
            println!("added {name} {version} to {dir}");
        }
        [_, dir, servers, versions] => {
            let (servers, versions): (usize, usize) = (servers.parse()?, versions.parse()?);
            runtime.block_on(async {
                let store = store::open(&config(dir)).await?;
                mcp_registry::testing::bulk_load(store.as_ref(), servers, versions).await
            })?;
            println!("loaded {} versions into {dir}", servers * versions);
        }
        _ => anyhow::bail!(
            "usage: bulk_load DIR SERVERS VERSIONS | bulk_load DIR --one NAME VERSION"
        ),
    }
    Ok(())
}
