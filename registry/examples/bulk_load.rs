//! Bulk-loads an embedded store for benchmarks: `bulk_load DIR SERVERS VERSIONS`
//! writes SERVERS × VERSIONS published versions (through the `Store` trait,
//! one transaction each, as a publish would) into DIR/registry.redb.

use mcp_registry::store::{self, StoreConfig};
use std::path::PathBuf;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, dir, servers, versions] = args.as_slice() else {
        anyhow::bail!("usage: bulk_load DIR SERVERS VERSIONS");
    };
    let (servers, versions): (usize, usize) = (servers.parse()?, versions.parse()?);
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let config = StoreConfig::Embedded {
            path: PathBuf::from(dir).join("registry.redb"),
        };
        let store = store::open(&config).await?;
        mcp_registry::testing::bulk_load(store.as_ref(), servers, versions).await
    })?;
    println!("loaded {} versions into {dir}", servers * versions);
    Ok(())
}
