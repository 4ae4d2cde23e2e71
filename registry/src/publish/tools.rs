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

/// Every listed server's tools, for the shadowing check, and how much of the
/// store's log they cover.
#[derive(Debug, Default)]
pub struct ToolIndex {
    /// The index.
    pub index: ShadowIndex,
    /// Log leaves read into it.
    pub covered: u64,
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
