//! What the catalog page lists and searches: one row per server, made from
//! the signed catalog being served (every version in it was verified) and
//! the mirrored tier (upstream versions that were not), kept in memory and
//! rebuilt when the served catalog changes or after [`MAX_AGE`]. A search
//! scans the rows' lowercase names: about 3 MB at 100,000 servers.

use crate::signer::CatalogService;
use crate::store::{Store, StoreError, compare_versions};
use mcp_trust::catalog::model::Shard;
use mcp_trust::catalog::{Entry, Status};
use mcp_trust::manifest::Network;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long an index is used before the mirrored tier is read again (the
/// catalog's own changes rebuild it at once).
pub const MAX_AGE: Duration = Duration::from_secs(60);

/// Most mirrored records the index reads: the tier is for review, and a
/// page of servers does not need more.
const MAX_MIRRORED: usize = 100_000;
const MIRRORED_PAGE: usize = 500;

/// A filter of the catalog page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Filter {
    /// In the signed catalog (verified at publication).
    Verified,
    /// Has an active version.
    Active,
    /// Has a yanked version.
    Yanked,
    /// Has a revoked version.
    Revoked,
    /// Its newest version has no network.
    NetworkNone,
    /// Its newest version's tools are all read-only.
    ReadOnly,
    /// Its newest version changed its tools.
    ToolsChanged,
}

impl Filter {
    /// Every filter, in the page's order.
    pub const ALL: [Filter; 7] = [
        Filter::Verified,
        Filter::Active,
        Filter::Yanked,
        Filter::Revoked,
        Filter::NetworkNone,
        Filter::ReadOnly,
        Filter::ToolsChanged,
    ];

    /// The query value (`filter=…`) and CSS badge suffix.
    pub fn value(self) -> &'static str {
        match self {
            Filter::Verified => "verified",
            Filter::Active => "active",
            Filter::Yanked => "yanked",
            Filter::Revoked => "revoked",
            Filter::NetworkNone => "network-none",
            Filter::ReadOnly => "read-only",
            Filter::ToolsChanged => "tools-changed",
        }
    }

    /// The label a person reads.
    pub fn label(self) -> &'static str {
        match self {
            Filter::Verified => "Verified",
            Filter::Active => "Active",
            Filter::Yanked => "Yanked",
            Filter::Revoked => "Revoked",
            Filter::NetworkNone => "No network",
            Filter::ReadOnly => "Read-only tools",
            Filter::ToolsChanged => "Tools changed",
        }
    }

    /// The filter a query value names.
    pub fn parse(s: &str) -> Option<Filter> {
        Filter::ALL.into_iter().find(|f| f.value() == s)
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// One server as the catalog page lists it.
#[derive(Debug, Clone)]
pub struct Row {
    /// The server's name.
    pub name: String,
    lower: String,
    /// The version shown: the latest active one, else the newest.
    pub version: String,
    /// That version's status (`None`: not verified, from the mirrored tier).
    pub status: Option<Status>,
    /// How many versions the catalog lists (mirrored ones: how many are kept).
    pub versions: usize,
    /// For a server only in the mirrored tier: where it was read, and why
    /// it is not verified (its first code).
    pub unverified: Option<(String, String)>,
    flags: u8,
}

impl Row {
    /// True when the row passes `filter`.
    pub fn has(&self, filter: Filter) -> bool {
        self.flags & filter.bit() != 0
    }

    /// The badges the row shows: every filter it passes, and `unverified`.
    pub fn badges(&self) -> Vec<(&'static str, &'static str)> {
        let mut out: Vec<_> = Filter::ALL
            .into_iter()
            .filter(|f| self.has(*f) && *f != Filter::Active)
            .map(|f| (f.value(), f.label()))
            .collect();
        if self.unverified.is_some() {
            out.insert(0, ("unverified", "Not verified"));
        }
        out
    }
}

/// The rows, sorted by name, and how many pass each filter.
#[derive(Debug, Default)]
pub struct WebIndex {
    /// `catalogVersion` of the catalog the rows come from (0: none signed yet).
    pub catalog_version: u64,
    /// The rows.
    pub rows: Vec<Row>,
    /// How many rows pass each filter, in [`Filter::ALL`] order.
    pub counts: [usize; Filter::ALL.len()],
    built: Option<Instant>,
}

impl WebIndex {
    /// Rows whose name contains `search` (case-insensitive) and that pass
    /// every filter in `filters`.
    pub fn search<'a>(
        &'a self,
        search: &str,
        filters: &[Filter],
    ) -> impl Iterator<Item = &'a Row> + 'a {
        let needle = search.to_lowercase();
        let mask = filters.iter().fold(0u8, |m, f| m | f.bit());
        self.rows
            .iter()
            .filter(move |r| r.flags & mask == mask && r.lower.contains(needle.as_str()))
    }

    /// Builds the index from the rows of the catalog's servers
    /// ([`verified_rows`], shard by shard) and mirrored `(name, version,
    /// source, first code)` records.
    pub fn build(
        catalog_version: u64,
        mut rows: Vec<Row>,
        mirrored: Vec<(String, String, String, String)>,
    ) -> WebIndex {
        rows.sort_by(|a, b| a.name.cmp(&b.name));
        let mut unverified: BTreeMap<String, (String, String, String, usize)> = BTreeMap::new();
        for (name, version, source, code) in mirrored {
            if rows.binary_search_by(|r| r.name.cmp(&name)).is_ok() {
                continue;
            }
            let slot = unverified
                .entry(name)
                .or_insert_with(|| (version.clone(), source.clone(), code.clone(), 0));
            if compare_versions(&version, &slot.0).is_gt() {
                *slot = (version, source, code, slot.3);
            }
            slot.3 += 1;
        }
        rows.extend(
            unverified
                .into_iter()
                .map(|(name, (version, source, code, n))| Row {
                    lower: name.to_lowercase(),
                    name,
                    version,
                    status: None,
                    versions: n,
                    unverified: Some((source, code)),
                    flags: 0,
                }),
        );
        rows.sort_by(|a, b| a.name.cmp(&b.name));
        let mut counts = [0; Filter::ALL.len()];
        for row in &rows {
            for (i, f) in Filter::ALL.into_iter().enumerate() {
                counts[i] += usize::from(row.has(f));
            }
        }
        WebIndex {
            catalog_version,
            rows,
            counts,
            built: Some(Instant::now()),
        }
    }
}

/// One row per server of `entries` (a shard: every version of a name is
/// in the same shard, so a shard at a time keeps only one shard's entries
/// in memory while the index is built).
pub fn verified_rows(mut entries: Vec<Entry>) -> Vec<Row> {
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    let mut rows = Vec::new();
    let mut rest = entries.as_slice();
    while let Some(first) = rest.first() {
        let n = rest.iter().take_while(|e| e.name == first.name).count();
        rows.push(verified_row(first.name.clone(), &rest[..n]));
        rest = &rest[n..];
    }
    rows
}

fn verified_row(name: String, versions: &[Entry]) -> Row {
    let shown = versions
        .iter()
        .filter(|e| e.status == Status::Active)
        .max_by(|a, b| compare_versions(&a.version, &b.version))
        .or_else(|| {
            versions
                .iter()
                .max_by(|a, b| compare_versions(&a.version, &b.version))
        });
    let mut flags = Filter::Verified.bit();
    for (status, filter) in [
        (Status::Active, Filter::Active),
        (Status::Yanked, Filter::Yanked),
        (Status::Revoked, Filter::Revoked),
    ] {
        if versions.iter().any(|e| e.status == status) {
            flags |= filter.bit();
        }
    }
    let (version, status) = match shown {
        Some(e) => {
            if e.runtime.network == Network::None {
                flags |= Filter::NetworkNone.bit();
            }
            if e.runtime.read_only {
                flags |= Filter::ReadOnly.bit();
            }
            if e.tools_changed {
                flags |= Filter::ToolsChanged.bit();
            }
            (e.version.clone(), Some(e.status))
        }
        None => (String::new(), None),
    };
    Row {
        lower: name.to_lowercase(),
        name,
        version,
        status,
        versions: versions.len(),
        unverified: None,
        flags,
    }
}

/// The index the pages use, and its refresh: a request finding it stale
/// is answered from it while one rebuild runs in the background.
#[derive(Debug, Default)]
pub struct Indexer {
    current: Mutex<Option<Arc<WebIndex>>>,
    building: Arc<tokio::sync::Mutex<()>>,
}

impl Indexer {
    /// The index: the current one when fresh, else the stale one while a
    /// rebuild starts, else (first use) one built now.
    pub async fn get(
        self: &Arc<Self>,
        catalog: &Arc<CatalogService>,
        store: &Arc<dyn Store>,
    ) -> Result<Arc<WebIndex>, StoreError> {
        let served = catalog.with_snapshot(|s| s.map_or(0, |s| s.version));
        let current = self.current.lock().map(|c| c.clone()).unwrap_or_default();
        match current {
            Some(ix)
                if ix.catalog_version == served
                    && ix.built.is_some_and(|b| b.elapsed() < MAX_AGE) =>
            {
                Ok(ix)
            }
            Some(stale) => {
                if let Ok(guard) = self.building.clone().try_lock_owned() {
                    let (this, catalog, store) = (self.clone(), catalog.clone(), store.clone());
                    tokio::spawn(async move {
                        let _guard = guard;
                        if let Err(e) = this.rebuild(&catalog, &store).await {
                            tracing::error!(error = %e, "cannot rebuild the catalog page's index; the previous one is served");
                        }
                    });
                }
                Ok(stale)
            }
            None => {
                let _guard = self.building.lock().await;
                if let Some(ix) = self.current.lock().ok().and_then(|c| c.clone()) {
                    return Ok(ix);
                }
                self.rebuild(catalog, store).await
            }
        }
    }

    async fn rebuild(
        &self,
        catalog: &Arc<CatalogService>,
        store: &Arc<dyn Store>,
    ) -> Result<Arc<WebIndex>, StoreError> {
        let mut mirrored = Vec::new();
        let mut after: Option<(String, String, String)> = None;
        while mirrored.len() < MAX_MIRRORED {
            let page = store
                .mirrored(
                    "",
                    after
                        .as_ref()
                        .map(|(n, v, s)| (n.as_str(), v.as_str(), s.as_str())),
                    MIRRORED_PAGE,
                )
                .await?;
            let done = page.len() < MIRRORED_PAGE;
            after = page
                .last()
                .map(|r| (r.name.clone(), r.version.clone(), r.source.clone()));
            mirrored.extend(page.into_iter().map(|r| {
                let code = r.codes.first().cloned().unwrap_or_default();
                (r.name, r.version, r.source, code)
            }));
            if done {
                break;
            }
        }
        let catalog = catalog.clone();
        let index = tokio::task::spawn_blocking(move || {
            let (version, rows) = match catalog.snapshot() {
                None => (0, Vec::new()),
                Some(s) => {
                    let mut rows = Vec::new();
                    for hex in s.current_shards() {
                        let Some(body) = s.shard(hex) else { continue };
                        let shard: Shard = serde_json::from_slice(&body.identity).map_err(|e| {
                            StoreError::Corrupt(format!("served shard {hex} is not a shard: {e}"))
                        })?;
                        rows.extend(verified_rows(shard.entries));
                    }
                    (s.version, rows)
                }
            };
            Ok::<_, StoreError>(WebIndex::build(version, rows, mirrored))
        })
        .await
        .map_err(|e| StoreError::Backend(format!("index build task: {e}")))??;
        let index = Arc::new(index);
        if let Ok(mut current) = self.current.lock() {
            *current = Some(index.clone());
        }
        Ok(index)
    }
}
