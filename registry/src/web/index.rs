//! What the catalog page lists and searches: one row per server, made from
//! the signed catalog being served (every version in it was verified) and
//! the mirrored tier (upstream versions that were not), kept in memory and
//! rebuilt when the served catalog changes or after [`MAX_AGE`]. A search
//! scans one buffer of lowercase names (about 3 MB at 100,000 servers)
//! with a vectorised substring search.

use crate::signer::CatalogService;
use crate::store::{Store, StoreError, choose_latest, compare_versions};
use mcp_trust::catalog::model::Shard;
use mcp_trust::catalog::{Entry, Status};
use mcp_trust::manifest::Network;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long an index is used before the mirrored tier is read again (the
/// catalog's own changes rebuild it at once).
pub const MAX_AGE: Duration = Duration::from_secs(300);

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
            Filter::ReadOnly => "Declares read-only tools",
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
    /// The version shown: the latest active one, else the newest.
    pub version: String,
    /// That version's status (`None`: not verified, from the mirrored tier).
    pub status: Option<Status>,
    /// How many versions the catalog lists (mirrored ones: how many are kept).
    pub versions: usize,
    /// For a server only in the mirrored tier: where it was read, and why
    /// it is not verified (its first code).
    pub unverified: Option<(String, String)>,
    /// Each catalog version: log index, version, status; by log index.
    logged: Vec<(u64, String, Status)>,
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
            // A revoked server's versions were verified, but a badge saying
            // so next to a withdrawn server reads as a recommendation.
            .filter(|f| !(*f == Filter::Verified && self.status == Some(Status::Revoked)))
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
    /// Every row's lowercase name, each followed by `\n`, in row order:
    /// one buffer a search scans with a vectorised substring search.
    names: String,
    /// Where each row's name starts in `names`.
    starts: Vec<usize>,
    built: Option<Instant>,
}

impl WebIndex {
    /// Rows whose name contains `search` (case-insensitive) and that pass
    /// every filter in `filters`.
    pub fn search(&self, search: &str, filters: &[Filter]) -> Vec<&Row> {
        let mask = filters.iter().fold(0u8, |m, f| m | f.bit());
        let passes = |r: &&Row| r.flags & mask == mask;
        let needle: String = search
            .to_lowercase()
            .chars()
            .filter(|c| !c.is_control())
            .collect();
        if needle.is_empty() {
            return self.rows.iter().filter(passes).collect();
        }
        let mut out = Vec::new();
        let mut last = usize::MAX;
        for at in memchr::memmem::find_iter(self.names.as_bytes(), needle.as_bytes()) {
            let row = self.starts.partition_point(|s| *s <= at).saturating_sub(1);
            if row != last {
                last = row;
                if let Some(r) = self.rows.get(row).filter(passes) {
                    out.push(r);
                }
            }
        }
        out
    }

    /// The version of `name` logged last before `log_index` (what a gateway
    /// compares that version's tools with), and its status, as the catalog
    /// served when the index was built.
    pub fn previous(&self, name: &str, log_index: u64) -> Option<(&str, Status)> {
        self.row(name)?
            .logged
            .iter()
            .rev()
            .find(|(i, _, _)| *i < log_index)
            .map(|(_, v, s)| (v.as_str(), *s))
    }

    /// True when the index lists `(name, log_index)`.
    pub fn has_logged(&self, name: &str, log_index: u64) -> bool {
        self.row(name)
            .is_some_and(|r| r.logged.iter().any(|(i, _, _)| *i == log_index))
    }

    /// The row of `name`, if the index has one.
    fn row(&self, name: &str) -> Option<&Row> {
        let i = self
            .rows
            .binary_search_by(|r| r.name.as_str().cmp(name))
            .ok()?;
        self.rows.get(i)
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
                    name,
                    version,
                    status: None,
                    versions: n,
                    unverified: Some((source, code)),
                    logged: Vec::new(),
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
        let mut names = String::new();
        let mut starts = Vec::with_capacity(rows.len());
        for row in &rows {
            starts.push(names.len());
            names.push_str(&row.name.to_lowercase());
            names.push('\n');
        }
        WebIndex {
            catalog_version,
            rows,
            counts,
            names,
            starts,
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
    // The latest active version exactly as the store marks it (`isLatest`,
    // `/versions/latest`), else the newest by the same order.
    let latest = choose_latest(
        versions
            .iter()
            .map(|e| (e.version.as_str(), e.published_at, e.status)),
    );
    let shown = versions
        .iter()
        .find(|e| latest.as_deref() == Some(e.version.as_str()))
        .or_else(|| {
            versions.iter().max_by(|a, b| {
                compare_versions(&a.version, &b.version)
                    .then(a.published_at.cmp(&b.published_at))
                    .then(a.version.cmp(&b.version))
            })
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
    let mut logged: Vec<(u64, String, Status)> = versions
        .iter()
        .map(|e| (e.log_index, e.version.clone(), e.status))
        .collect();
    logged.sort();
    Row {
        name,
        version,
        status,
        versions: versions.len(),
        unverified: None,
        logged,
        flags,
    }
}

/// The index the pages use, and its refresh: a request finding it stale
/// is answered from it while one rebuild runs in the background.
#[derive(Debug, Default)]
pub struct Indexer {
    current: Mutex<Option<Arc<WebIndex>>>,
    building: Arc<tokio::sync::Mutex<()>>,
    show_mirrored: bool,
}

impl Indexer {
    /// An indexer that lists the mirrored tier too when `show_mirrored`.
    pub fn new(show_mirrored: bool) -> Indexer {
        Indexer {
            show_mirrored,
            ..Indexer::default()
        }
    }

    /// Whether the pages show the mirrored tier.
    pub fn shows_mirrored(&self) -> bool {
        self.show_mirrored
    }

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
        while self.show_mirrored && mirrored.len() < MAX_MIRRORED {
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
                let source = public_source(&r.source).to_owned();
                (r.name, r.version, source, code)
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

/// A sync source as the public pages name it: an official registry by its
/// URL (which holds no credentials: labels refuse them), a file source by
/// its kind only, never by its path on the registry's host.
pub fn public_source(label: &str) -> &str {
    match label.split_once(' ') {
        Some(("official", _)) => label,
        Some((kind @ ("docker-catalog" | "toolhive"), _)) => kind,
        _ => "another source",
    }
}
