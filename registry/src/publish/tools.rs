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
use std::collections::{BTreeSet, HashMap};

/// Every listed server's tools, for the shadowing check, and how much of the
/// store's log they cover.
#[derive(Debug, Default)]
pub struct ToolIndex {
    /// The index.
    pub index: ShadowIndex,
    /// Log leaves read into it.
    pub covered: u64,
    /// Servers with publishes between their shadowing check and their end
    /// ([`ToolIndex::reserve`]).
    pending: HashMap<String, Reservation>,
}

/// A server's publishes that passed the shadowing check and have not ended
/// yet, and the tool names the index holds for the server meanwhile: every
/// name it held before, each such publish's, and those of each version of
/// it read from the log since. A union, so that no order in which the
/// publishes end or fail leaves out a name the store may end up holding.
#[derive(Debug, Default)]
struct Reservation {
    /// Publishes not ended; 0 when the last ended but the store could not
    /// be read to settle the server (the next refresh tries again).
    publishes: usize,
    names: BTreeSet<String>,
}

impl ToolIndex {
    /// Indexes `names` for `server`: joined to its reservation's while one
    /// is pending, in place of its tools otherwise.
    fn index_names<'a>(&mut self, server: &str, names: impl IntoIterator<Item = &'a str>) {
        match self.pending.get_mut(server) {
            Some(reservation) => {
                reservation
                    .names
                    .extend(names.into_iter().map(str::to_owned));
                self.index
                    .insert_names(server, reservation.names.iter().map(String::as_str));
            }
            None => self.index.insert_names(server, names),
        }
    }

    /// Reads the store for `server`'s version logged last and indexes its
    /// tools in place of what the index holds for it, ending its
    /// reservation. On error the reservation stays, with the union.
    async fn settle_from(&mut self, server: &str, store: &dyn Store) -> Result<(), StoreError> {
        let last = store
            .versions(server)
            .await?
            .into_iter()
            .max_by_key(|v| v.entry.log_index);
        let tools = last.as_ref().and_then(tools_of);
        self.pending.remove(server);
        match tools {
            Some(tools) => self.index.insert(server, &tools),
            None => self.index.remove(server),
        }
        Ok(())
    }
}

impl ToolIndex {
    /// Indexes a stored version's tools (in place of its server's, or
    /// joined to them while a publish of the server is pending); whether it
    /// had any.
    pub fn insert_record(&mut self, record: &VersionRecord) -> bool {
        match tools_of(record) {
            Some(tools) => {
                self.index_names(&record.entry.name, tools.iter().map(|t| t.name.as_str()));
                true
            }
            None => false,
        }
    }

    /// Joins `server`'s `tools` to what the index holds for it, ahead of
    /// the publish that brings them being stored, so that publishes checked
    /// from now on see them; the publish's end, however it ends, calls
    /// [`ToolIndex::settle`].
    pub fn reserve(&mut self, server: &str, tools: &[Tool]) {
        if !self.pending.contains_key(server) {
            let held = self.index.tool_names(server);
            self.pending.insert(
                server.to_owned(),
                Reservation {
                    publishes: 0,
                    names: held.into_iter().collect(),
                },
            );
        }
        if let Some(reservation) = self.pending.get_mut(server) {
            reservation.publishes += 1;
        }
        self.index_names(server, tools.iter().map(|t| t.name.as_str()));
    }

    /// A publish that reserved `server`'s tools ended, stored or not. While
    /// others of the server's are pending, the index keeps the union (more
    /// than the store may end up holding, never less). When the last ends,
    /// the server's tools are those of its version logged last in the
    /// store, or none, as if the index had read the log; if the store
    /// cannot be read, the union stays and the next refresh tries again.
    pub async fn settle(&mut self, server: &str, store: &dyn Store) -> Result<(), StoreError> {
        let Some(reservation) = self.pending.get_mut(server) else {
            return Ok(());
        };
        reservation.publishes = reservation.publishes.saturating_sub(1);
        if reservation.publishes > 0 {
            return Ok(());
        }
        self.settle_from(server, store).await
    }

    /// Empties the index (it then covers no log leaf), keeping the
    /// reservations of the publishes pending.
    pub fn forget_all(&mut self) {
        self.replace_with(ToolIndex::default());
    }

    /// Takes `fresh`'s servers and coverage, keeping the reservations of
    /// the publishes pending (joined to what `fresh` holds for them).
    pub fn replace_with(&mut self, mut fresh: ToolIndex) {
        fresh.pending = std::mem::take(&mut self.pending);
        let reserved: Vec<(String, Vec<String>)> = fresh
            .pending
            .iter()
            .map(|(server, r)| (server.clone(), r.names.iter().cloned().collect()))
            .collect();
        for (server, names) in reserved {
            let held = fresh.index.tool_names(&server);
            fresh.index_names(&server, held.iter().chain(&names).map(String::as_str));
        }
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
                    && let Some(v) = store.version(&name, &version).await?
                {
                    self.insert_record(&v);
                }
            }
            self.covered += leaves.len() as u64;
        }
        // Servers whose last publish ended while the store could not be read.
        let unsettled: Vec<String> = self
            .pending
            .iter()
            .filter(|(_, r)| r.publishes == 0)
            .map(|(server, _)| server.clone())
            .collect();
        for server in unsettled {
            // Refusing too much is the safe side: the union stays, and one
            // server's unreadable record does not stop other publishes.
            if let Err(e) = self.settle_from(&server, store).await {
                tracing::error!(server, error = %e, "cannot settle the tool index; it keeps every tool reserved for the server");
            }
        }
        Ok(())
    }
}

/// The tools a stored version's manifest lists; `None` for one without the
/// security extension.
fn tools_of(record: &VersionRecord) -> Option<Vec<Tool>> {
    let report = mcp_trust::manifest::validate(record.manifest.as_bytes(), Default::default());
    report.manifest.and_then(|m| m.security).map(|s| s.tools)
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
    use mcp_trust::tools::listing::tool_from_value;

    /// The weather manifest's tools (`get_forecast`), as a publish brings them.
    fn forecast_tools() -> Vec<Tool> {
        let (record, _) = bench_version("io.github.acme/any", "1.0.0").unwrap();
        mcp_trust::manifest::validate(record.manifest.as_bytes(), Default::default())
            .manifest
            .and_then(|m| m.security)
            .unwrap()
            .tools
    }

    /// Stores version 1.0.0 of `server` (the weather manifest, `get_forecast`).
    async fn store_version(store: &EmbeddedStore, server: &str) {
        let (record, audit) = bench_version(server, "1.0.0").unwrap();
        store
            .publish(&record, &audit, &unlimited_budget())
            .await
            .unwrap();
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
    fn reserved_tools_join_the_index_until_the_last_publish_of_their_server_settles() {
        let dir = tempfile::tempdir().unwrap();
        let store = EmbeddedStore::open(&dir.path().join("registry.redb")).unwrap();
        let server = "io.github.acme/weather";
        let other = |name: &str| tool_from_value(&serde_json::json!({ "name": name }), "").unwrap();
        tokio::runtime::Runtime::new().unwrap().block_on(async {
            let mut index = ToolIndex::default();
            // Two publishes of one server reserve; neither is stored, and
            // they end in either order.
            index.reserve(server, &forecast_tools());
            index.reserve(server, &[other("list_alerts")]);
            assert!(
                shadowed(&index),
                "the first publish's tools stay with the second's"
            );
            index.settle(server, &store).await.unwrap();
            assert!(
                shadowed(&index),
                "one publish of the server is still pending"
            );
            index.settle(server, &store).await.unwrap();
            assert!(!shadowed(&index), "nothing of the server was stored");
            assert!(index.index.tool_names(server).is_empty());

            // A stored version's tools stay while a publish that would
            // replace them is pending, and a version read from the log
            // meanwhile joins them.
            store_version(&store, server).await;
            index.refresh(&store).await.unwrap();
            assert_eq!(index.covered, 1);
            assert!(shadowed(&index));
            index.reserve(server, &[other("list_alerts")]);
            assert!(
                shadowed(&index),
                "the stored tools stand beside the reserved ones"
            );
            index.settle(server, &store).await.unwrap();
            assert_eq!(index.index.tool_names(server), ["get_forecast"]);

            let second = "io.github.acme/other";
            index.reserve(second, &[other("list_alerts")]);
            store_version(&store, second).await;
            index.refresh(&store).await.unwrap();
            assert_eq!(
                index.index.tool_names(second),
                ["get_forecast", "list_alerts"],
                "the logged version joins the reservation"
            );

            // A fresh load keeps the reservation.
            let mut fresh = ToolIndex::default();
            fresh.load(&store).await.unwrap();
            index.replace_with(fresh);
            assert_eq!(
                index.index.tool_names(second),
                ["get_forecast", "list_alerts"]
            );
            index.settle(second, &store).await.unwrap();
            assert_eq!(index.index.tool_names(second), ["get_forecast"]);
        });
    }
}
