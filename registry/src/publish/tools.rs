//! The tool surface of a publish: the poisoning rules on the manifest's
//! tools, and the shadowing check against every other listed server's tools
//! (the [`ToolIndex`], kept up to the store's log so versions other replicas
//! published count too).

use crate::model::VersionRecord;
use crate::store::{ListQuery, Store, StoreError, VersionFilter};
use mcp_trust::Finding;
use mcp_trust::finding::pointer_token;
use mcp_trust::manifest::{EXTENSION_KEY, Tool};
use mcp_trust::tools::ScanPolicy;
use mcp_trust::tools::shadow::ShadowIndex;
use std::collections::HashMap;

/// Every listed server's tools, for the shadowing check, and how much of the
/// store's log they cover.
#[derive(Debug, Default)]
pub struct ToolIndex {
    /// The index.
    pub index: ShadowIndex,
    /// Log leaves read into it.
    pub covered: u64,
    /// Servers whose tools a publish put in the index before its version
    /// was stored ([`ToolIndex::reserve`]), with how many such publishes
    /// have not ended yet. Reading the log leaves their entries alone.
    pending: HashMap<String, usize>,
}

impl ToolIndex {
    /// Indexes a stored version's tools (replacing its server's); whether it had any.
    pub fn insert_record(&mut self, record: &VersionRecord) -> bool {
        let report = mcp_trust::manifest::validate(record.manifest.as_bytes(), Default::default());
        match report.manifest.and_then(|m| m.security) {
            Some(security) => {
                self.index.insert(&record.entry.name, &security.tools);
                true
            }
            None => false,
        }
    }

    /// Puts `server`'s `tools` in the index ahead of its version being
    /// stored, so that publishes checked from now on see them; the
    /// publish's end calls [`ToolIndex::settle`].
    pub fn reserve(&mut self, server: &str, tools: &[Tool]) {
        self.index.insert(server, tools);
        *self.pending.entry(server.to_owned()).or_default() += 1;
    }

    /// A publish that reserved `server`'s tools ended, stored or not. Once
    /// none of its server's is pending any more, the server's tools in the
    /// index are those of its version logged last in the store, or none: as
    /// if the index had read the log. Until then they are the tools reserved
    /// last (more than the store may end up holding, never less).
    pub async fn settle(&mut self, server: &str, store: &dyn Store) -> Result<(), StoreError> {
        match self.pending.get_mut(server) {
            Some(n) if *n > 1 => {
                *n -= 1;
                return Ok(());
            }
            Some(_) => {
                self.pending.remove(server);
            }
            None => {}
        }
        let last = store
            .versions(server)
            .await?
            .into_iter()
            .max_by_key(|v| v.entry.log_index);
        self.index.remove(server);
        if let Some(version) = last {
            self.insert_record(&version);
        }
        Ok(())
    }

    /// Empties the index (it then covers no log leaf), keeping count of
    /// the publishes pending.
    pub fn forget_all(&mut self) {
        self.replace_with(ToolIndex::default());
    }

    /// Takes `fresh`'s servers and coverage, keeping count of the publishes
    /// pending (their tools come from the store when they settle).
    pub fn replace_with(&mut self, mut fresh: ToolIndex) {
        fresh.pending = std::mem::take(&mut self.pending);
        *self = fresh;
    }

    /// Indexes the tools of every server's latest active version; returns
    /// how many servers were indexed.
    pub async fn load(&mut self, store: &dyn Store) -> Result<usize, StoreError> {
        // Read first: a version published while the listing runs is read
        // again by the next refresh (inserting is idempotent).
        self.covered = store.log_size().await?;
        let mut query = ListQuery {
            cursor: None,
            limit: 1000,
            search: None,
            updated_since: None,
            version: VersionFilter::Latest,
            include_deleted: false,
        };
        let mut servers = 0;
        loop {
            let page = store.list(&query).await?;
            for record in &page.items {
                if self.insert_record(record) {
                    servers += 1;
                }
            }
            match page.next {
                Some(next) => query.cursor = Some(next),
                None => return Ok(servers),
            }
        }
    }

    /// Brings the index up to the store's log: the versions published since
    /// it was last brought up, by any replica sharing the store.
    pub async fn refresh(&mut self, store: &dyn Store) -> Result<(), StoreError> {
        let size = store.log_size().await?;
        while self.covered < size {
            let end = size.min(self.covered.saturating_add(1000));
            let leaves = store.log_leaves(self.covered, end).await?;
            if leaves.is_empty() {
                break;
            }
            for leaf in &leaves {
                let record: mcp_trust::log::LogRecord = serde_json::from_slice(leaf)
                    .map_err(|e| StoreError::Corrupt(format!("log leaf: {e}")))?;
                if let mcp_trust::log::LogRecord::Publish { name, version, .. } = record
                    && !self.pending.contains_key(&name)
                    && let Some(v) = store.version(&name, &version).await?
                {
                    self.insert_record(&v);
                }
            }
            self.covered += leaves.len() as u64;
        }
        Ok(())
    }
}

/// JSON pointer of the extension's tool list in a manifest.
pub fn tools_pointer() -> String {
    format!("/_meta/{}/tools", pointer_token(EXTENSION_KEY))
}

/// The pointer of each tool in the manifest.
pub fn tool_pointers(tools: &[Tool]) -> Vec<String> {
    let base = tools_pointer();
    (0..tools.len()).map(|i| format!("{base}/{i}")).collect()
}

/// The poisoning findings of `tools`, paths pointing into the manifest.
pub fn poisoning(tools: &[Tool], policy: &ScanPolicy) -> Vec<Finding> {
    let base = tools_pointer();
    mcp_trust::tools::scan(tools, policy)
        .into_iter()
        .map(|mut f| {
            if let Some(rest) = f.path.strip_prefix("/tools") {
                f.path = format!("{base}{rest}");
            }
            f
        })
        .collect()
}

/// The shadowing findings of `server`'s `tools` against the index, levelled by `policy`.
pub fn shadowing(
    index: &ToolIndex,
    server: &str,
    tools: &[Tool],
    policy: &ScanPolicy,
) -> Vec<Finding> {
    policy.apply(index.index.check(server, tools, &tool_pointers(tools)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::embedded::EmbeddedStore;
    use crate::testing::{bench_version, unlimited_budget};

    /// The weather manifest's tools (`get_forecast`), as a publish brings them.
    fn forecast_tools() -> Vec<Tool> {
        let (record, _) = bench_version("io.github.acme/any", "1.0.0").unwrap();
        mcp_trust::manifest::validate(record.manifest.as_bytes(), Default::default())
            .manifest
            .and_then(|m| m.security)
            .unwrap()
            .tools
    }

    /// Whether a new server listing `get_forecast` is told another lists it.
    fn shadowed(index: &ToolIndex) -> bool {
        shadowing(
            index,
            "io.github.other/new",
            &forecast_tools(),
            &ScanPolicy::default(),
        )
        .iter()
        .any(|f| f.code == "tool-shadow-name")
    }

    #[test]
    fn reserved_tools_count_until_the_last_publish_of_their_server_settles() {
        let dir = tempfile::tempdir().unwrap();
        let store = EmbeddedStore::open(&dir.path().join("registry.redb")).unwrap();
        let server = "io.github.acme/weather";
        tokio::runtime::Runtime::new().unwrap().block_on(async {
            let mut index = ToolIndex::default();
            // Two publishes of one server reserve its tools; neither is stored.
            index.reserve(server, &forecast_tools());
            index.reserve(server, &forecast_tools());
            assert!(shadowed(&index));
            index.settle(server, &store).await.unwrap();
            assert!(
                shadowed(&index),
                "one publish of the server is still pending"
            );
            index.settle(server, &store).await.unwrap();
            assert!(!shadowed(&index), "nothing of the server was stored");

            // A version stored by another replica is read from the log, except
            // while a publish of its server is pending: settling reads it then.
            index.reserve(server, &[]);
            let (record, audit) = bench_version(server, "1.0.0").unwrap();
            store
                .publish(&record, &audit, &unlimited_budget())
                .await
                .unwrap();
            index.refresh(&store).await.unwrap();
            assert_eq!(index.covered, 1);
            assert!(!shadowed(&index), "the pending publish's tools stand");
            index.settle(server, &store).await.unwrap();
            assert!(shadowed(&index), "settled from the stored version");
        });
    }
}
