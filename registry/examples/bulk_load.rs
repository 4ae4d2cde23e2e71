//! Bulk-loads an embedded store for benchmarks: `bulk_load DIR SERVERS VERSIONS`
//! writes SERVERS × VERSIONS published versions (through the `Store` trait,
//! one transaction each, as a publish would) into DIR/registry.redb.

use mcp_registry::model::{AuditEvent, Outcome, Status, VersionRecord};
use mcp_registry::store::{self, StoreConfig};
use mcp_registry::verify::VerifiedSigner;
use std::path::PathBuf;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, dir, servers, versions] = args.as_slice() else {
        anyhow::bail!("usage: bulk_load DIR SERVERS VERSIONS");
    };
    let (servers, versions): (usize, usize) = (servers.parse()?, versions.parse()?);
    let manifest_template = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../testdata/manifests/valid/weather.server.json"
    ))?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let config = StoreConfig::Embedded { path: PathBuf::from(dir).join("registry.redb") };
        let store = store::open(&config).await?;
        for s in 0..servers {
            let name = format!("io.github.bench/server-{s:06}");
            for v in 0..versions {
                let version = format!("1.{v}.0");
                let mut m: serde_json::Value = serde_json::from_str(&manifest_template)?;
                m["name"] = name.clone().into();
                m["version"] = version.clone().into();
                let manifest = m.to_string();
                let now = jiff::Timestamp::now();
                let record = VersionRecord {
                    name: name.clone(),
                    version: version.clone(),
                    manifest_sha256: mcp_trust::image::Digest::of(manifest.as_bytes()).hex().to_owned(),
                    manifest,
                    image: format!("ghcr.io/bench/server@{}", mcp_trust::image::Digest::of(name.as_bytes())),
                    signer: VerifiedSigner {
                        identity: "https://github.com/bench/server/.github/workflows/release.yml@refs/heads/main".into(),
                        issuer: "https://token.actions.githubusercontent.com".into(),
                        source_repository_uri: None,
                        source_repository_id: Some("1".into()),
                        source_repository_owner_id: Some("2".into()),
                    },
                    publisher: "bench".into(),
                    status: Status::Active,
                    status_reason: None,
                    status_changed_at: None,
                    published_at: now,
                    updated_at: now,
                    is_latest: false,
                };
                let audit = AuditEvent {
                    at: now,
                    actor: "bench".into(),
                    action: "publish".into(),
                    subject: format!("{name}@{version}"),
                    outcome: Outcome::Accepted,
                    codes: vec![],
                    detail: String::new(),
                    client_ip: None,
                };
                store.publish(&record, &audit).await?;
            }
        }
        anyhow::Ok(())
    })?;
    println!("loaded {} versions into {dir}", servers * versions);
    Ok(())
}
