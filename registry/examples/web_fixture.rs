//! A registry serving the pages' test data ([`mcp_registry::testing::seed_pages`])
//! on a loopback port, for browser tests and screenshots: prints
//! `READY http://127.0.0.1:PORT` once the catalog is signed, and serves
//! until its standard input closes.

use mcp_registry::testing::{TestServer, seed_pages};
use std::io::Read;

fn main() -> anyhow::Result<()> {
    let server = TestServer::start(|c| c.pages_show_mirrored = true);
    server.block_on(seed_pages(server.store.as_ref()))?;
    server.block_on(server.catalog.sign(jiff::Timestamp::now()))?;
    println!("READY {}", server.base);
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
    Ok(())
}
