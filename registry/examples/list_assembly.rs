//! What assembling one page of `GET /v0.1/servers` costs, in process, both
//! ways in the same run: `list_assembly [ITEMS] [ROUNDS]` builds ITEMS
//! realistic stored versions and times writing the page body ROUNDS times
//! with each embedded manifest parsed into a JSON tree and written out again
//! (the baseline, what the route did before) and with the stored manifest
//! bytes embedded as they are (what the route does now).

use mcp_registry::handlers::{ServerEntry, server_entry};
use std::time::Instant;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let items: usize = args.get(1).map(|s| s.parse()).transpose()?.unwrap_or(30);
    let rounds: usize = args.get(2).map(|s| s.parse()).transpose()?.unwrap_or(2000);
    let mut records = Vec::with_capacity(items);
    for i in 0..items {
        let (mut record, _) = mcp_registry::testing::bench_version(
            &format!("io.github.bench/server-{i:06}"),
            "1.0.0",
        )?;
        record.entry.log_index = i as u64;
        records.push(record);
    }
    let time = |f: &dyn Fn() -> Vec<u8>| {
        let bytes = f().len();
        let started = Instant::now();
        for _ in 0..rounds {
            std::hint::black_box(f());
        }
        (started.elapsed().as_secs_f64() * 1e6 / rounds as f64, bytes)
    };
    let (tree, tree_bytes) = time(&|| {
        let servers: Vec<serde_json::Value> = records.iter().map(server_entry).collect();
        serde_json::to_vec(
            &serde_json::json!({ "servers": servers, "metadata": { "count": items } }),
        )
        .unwrap_or_default()
    });
    #[derive(serde::Serialize)]
    struct Page {
        servers: Vec<ServerEntry>,
        metadata: serde_json::Value,
    }
    let (raw, raw_bytes) = time(&|| {
        let servers: Vec<ServerEntry> = records.iter().map(ServerEntry::of).collect();
        serde_json::to_vec(&Page {
            servers,
            metadata: serde_json::json!({ "count": items }),
        })
        .unwrap_or_default()
    });
    println!("a page of {items} versions, {rounds} rounds each:");
    println!(
        "  manifest parsed and written again (baseline): {tree:8.1} µs per page ({tree_bytes} bytes)"
    );
    println!(
        "  stored manifest bytes embedded:               {raw:8.1} µs per page ({raw_bytes} bytes)"
    );
    println!("  speed-up: {:.2}x", tree / raw);
    Ok(())
}
