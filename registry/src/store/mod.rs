//! Where bytes hit disk. One [`Store`] trait, two backends that pass the same
//! test suite: [`embedded`] (redb, the zero-setup default) and [`postgres`]
//! (several replicas share one database). Every write that changes published
//! state — the version and its transparency-log leaf and audit record — is
//! one transaction in either backend; so is every catalog signing (the key
//! records it logs, the shards it rewrites, the index and checkpoint it
//! signs, with `catalogVersion + 1`), taken under the same write lock.

pub mod embedded;
pub mod postgres;

use crate::model::{
    AuditEvent, AuditRecord, Lifecycle, MirroredRecord, Namespace, Status, TokenRecord,
    VersionRecord,
};
use async_trait::async_trait;
use base64::Engine as _;
use jiff::Timestamp;
use mcp_trust::catalog::Entry;
use mcp_trust::log::LogRecord;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::path::PathBuf;
use std::sync::Arc;

/// Why a store operation failed (as opposed to finding nothing).
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// The record to create exists already.
    #[error("{0} already exists")]
    AlreadyExists(String),
    /// The database could not be reached or refused the operation.
    #[error("store backend: {0}")]
    Backend(String),
    /// The database cannot be reached now (down, restarting, connection
    /// lost): a retry may succeed; answered 503 with `Retry-After`.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// A stored record could not be read back.
    #[error("stored record is corrupt: {0}")]
    Corrupt(String),
    /// The catalog could not be signed; nothing was written.
    #[error("catalog signing: {0}")]
    Signing(String),
}

/// Result of storing a version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublishOutcome {
    /// Stored now; log leaf and audit record written with it.
    Created(VersionRecord),
    /// The same version with the same bytes was already stored; nothing changed.
    Unchanged(VersionRecord),
    /// The same version with other bytes is stored; nothing changed.
    Conflict(VersionRecord),
    /// A version that differs only by build metadata is stored; nothing changed.
    Twin(VersionRecord),
    /// The version's catalog entry does not fit a budget; nothing changed.
    OverBudget(OverBudget),
}

/// How many catalog bytes publishes may take ([`Entry::budget_bytes`]), so
/// that no shard ever grows past what gateways accept. The defaults are
/// `mcp_trust::catalog::model`'s `MAX_*` constants; the configuration may
/// change them within [`EntryBudget::check`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryBudget {
    /// Most bytes of one entry.
    pub entry: u64,
    /// Most bytes of all versions of one server.
    pub server: u64,
    /// Most bytes of all versions of all servers of one namespace.
    pub namespace: u64,
    /// Most bytes of all versions of the servers of one namespace that
    /// land in one shard.
    pub namespace_shard: u64,
    /// Most bytes of one shard, its frame (`SHARD_FRAME_BYTES`) included.
    pub shard: u64,
}

impl Default for EntryBudget {
    fn default() -> EntryBudget {
        use mcp_trust::catalog::model as m;
        EntryBudget {
            entry: m::MAX_ENTRY_BYTES,
            server: m::MAX_SERVER_ENTRY_BYTES,
            namespace: m::MAX_NAMESPACE_ENTRY_BYTES,
            namespace_shard: m::MAX_NAMESPACE_SHARD_BYTES,
            shard: m::MAX_SHARD_BYTES,
        }
    }
}

impl EntryBudget {
    /// Refuses a budget that could let a shard past what gateways accept:
    /// the shard budget above `MAX_SHARD_BYTES`, and unless `0 < entry <=
    /// server <= namespace_shard <= namespace < shard` (a namespace never
    /// fills a shard alone, and each budget can be reached).
    pub fn check(&self) -> Result<(), String> {
        let max = mcp_trust::catalog::model::MAX_SHARD_BYTES;
        if self.shard > max {
            return Err(format!(
                "shard budget {} bytes is above {max}, the most a gateway's 8 MiB shard cap allows with margin",
                self.shard
            ));
        }
        if !(0 < self.entry
            && self.entry <= self.server
            && self.server <= self.namespace_shard
            && self.namespace_shard <= self.namespace
            && self.namespace < self.shard)
        {
            return Err(format!(
                "entry budgets must satisfy 0 < entry ({}) <= server ({}) <= namespace in one shard ({}) <= namespace ({}) < shard ({})",
                self.entry, self.server, self.namespace_shard, self.namespace, self.shard
            ));
        }
        Ok(())
    }

    /// Whether an entry of `bytes` ([`Entry::budget_bytes`]) for server
    /// `name` fits next to what is already granted (`usage`, read in the same
    /// transaction as the write that would follow). Checked in this order:
    /// the entry alone, its server, its namespace, its namespace's part of
    /// its shard, its shard.
    pub fn admit(&self, name: &str, bytes: u64, usage: &EntryUsage) -> Result<(), OverBudget> {
        let frame = mcp_trust::catalog::model::SHARD_FRAME_BYTES;
        let namespace = crate::namespace::of_server(name).unwrap_or(name);
        let bin = mcp_trust::catalog::shard_of(name);
        let checks = [
            (BudgetKind::Entry, name.to_owned(), 0, self.entry),
            (
                BudgetKind::Server,
                name.to_owned(),
                usage.server,
                self.server,
            ),
            (
                BudgetKind::Namespace,
                namespace.to_owned(),
                usage.namespace,
                self.namespace,
            ),
            (
                BudgetKind::NamespaceShard,
                namespace.to_owned(),
                usage.namespace_shard,
                self.namespace_shard,
            ),
            (
                BudgetKind::Shard,
                format!("{bin:02x}"),
                usage.shard + frame,
                self.shard,
            ),
        ];
        for (kind, scope, used, limit) in checks {
            if used.saturating_add(bytes) > limit {
                return Err(OverBudget {
                    kind,
                    scope,
                    bin,
                    used,
                    adding: bytes,
                    limit,
                });
            }
        }
        Ok(())
    }
}

/// The budget bytes of `entry` ([`Entry::budget_bytes`]).
pub fn entry_bytes(entry: &Entry) -> Result<u64, StoreError> {
    entry
        .budget_bytes()
        .map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Which budget a publish would exceed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BudgetKind {
    /// The entry alone.
    Entry,
    /// All versions of its server.
    Server,
    /// All versions of its namespace.
    Namespace,
    /// All versions of its namespace's servers in its shard.
    NamespaceShard,
    /// Its shard.
    Shard,
}

impl BudgetKind {
    /// The problem code of the refusal.
    pub fn code(self) -> &'static str {
        match self {
            BudgetKind::Entry => "entry-too-large",
            BudgetKind::Server => "server-budget-exceeded",
            BudgetKind::Namespace => "namespace-budget-exceeded",
            BudgetKind::NamespaceShard => "namespace-shard-budget-exceeded",
            BudgetKind::Shard => "shard-budget-exceeded",
        }
    }
}

/// A publish refused by a budget: what is over, and by how much.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverBudget {
    /// Which budget.
    pub kind: BudgetKind,
    /// The server name, the namespace (for the namespace's budget and its
    /// part of the shard) or the shard (two hex digits).
    pub scope: String,
    /// The shard of the server.
    pub bin: u8,
    /// Bytes already granted in that scope (for a shard, its frame included).
    pub used: u64,
    /// Bytes the new entry needs.
    pub adding: u64,
    /// The budget.
    pub limit: u64,
}

/// Catalog bytes granted so far ([`Entry::budget_bytes`] summed) to the
/// server, namespace and shard of one server name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EntryUsage {
    /// Every version of the server.
    pub server: u64,
    /// Every version of every server of its namespace.
    pub namespace: u64,
    /// Every entry of its shard (without the frame).
    pub shard: u64,
    /// Every version of the servers of its namespace in its shard.
    pub namespace_shard: u64,
}

impl EntryUsage {
    /// From the counters under [`usage_keys`], in that order.
    pub fn from_counters([server, namespace, shard, namespace_shard]: [u64; 4]) -> EntryUsage {
        EntryUsage {
            server,
            namespace,
            shard,
            namespace_shard,
        }
    }

    /// The counters under [`usage_keys`], in that order.
    pub fn counters(&self) -> [u64; 4] {
        [
            self.server,
            self.namespace,
            self.shard,
            self.namespace_shard,
        ]
    }
}

/// Prefix of the counters of a namespace's part of a shard
/// (`namespace-shard:<bin>:<namespace>`): stores that counted the other
/// counters before this one existed count these on their own.
pub const NAMESPACE_SHARD_USAGE: &str = "namespace-shard:";

/// The keys under which a store counts the bytes of `name`'s server,
/// namespace, shard and namespace's part of that shard, in
/// [`EntryUsage::counters`] order.
pub fn usage_keys(name: &str) -> [String; 4] {
    let namespace = crate::namespace::of_server(name).unwrap_or(name);
    let bin = mcp_trust::catalog::shard_of(name);
    [
        format!("server:{name}"),
        format!("namespace:{namespace}"),
        format!("shard:{bin:02x}"),
        format!("{NAMESPACE_SHARD_USAGE}{bin:02x}:{namespace}"),
    ]
}

/// Every usage counter of `entries` (each version once): what a store
/// that starts counting holds for the versions it already has.
pub fn usage_of<'a>(
    entries: impl IntoIterator<Item = &'a Entry>,
) -> Result<std::collections::BTreeMap<String, u64>, StoreError> {
    let mut out = std::collections::BTreeMap::new();
    for e in entries {
        let bytes = entry_bytes(e)?;
        for key in usage_keys(&e.name) {
            *out.entry(key).or_default() += bytes;
        }
    }
    Ok(out)
}

/// A lifecycle change to apply.
#[derive(Debug, Clone)]
pub struct StatusChange {
    /// Server name.
    pub name: String,
    /// Version.
    pub version: String,
    /// Yank, unyank or revoke.
    pub action: Lifecycle,
    /// Why (kept with the version and in the audit record).
    pub reason: String,
    /// When.
    pub at: Timestamp,
}

/// Result of a lifecycle change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusOutcome {
    /// Applied, with log leaf and audit record.
    Changed(VersionRecord),
    /// No such version.
    NotFound,
    /// The change does not apply to the current status (e.g. unyank of a revoked version).
    Refused {
        /// The version as it is.
        current: VersionRecord,
        /// Why.
        reason: String,
    },
}

/// Which versions a listing returns.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum VersionFilter {
    /// Every version.
    #[default]
    All,
    /// Only each server's latest active version.
    Latest,
    /// Only this exact version string.
    Exact(String),
}

/// Position after which a listing continues: the last `(name, version)` returned.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cursor {
    /// Server name.
    pub name: String,
    /// Version.
    pub version: String,
}

impl Cursor {
    /// The opaque text form handed to clients.
    pub fn encode(&self) -> String {
        let json = serde_json::to_vec(&[&self.name, &self.version]).unwrap_or_default();
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
    }

    /// Reads [`Cursor::encode`] output; `None` for anything else.
    pub fn decode(s: &str) -> Option<Cursor> {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(s)
            .ok()?;
        let [name, version]: [String; 2] = serde_json::from_slice(&bytes).ok()?;
        Some(Cursor { name, version })
    }
}

/// A listing request.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// Continue after this position.
    pub cursor: Option<Cursor>,
    /// Most items to return (the caller caps it).
    pub limit: usize,
    /// Case-insensitive substring of the server name.
    pub search: Option<String>,
    /// Only versions updated at or after this time.
    pub updated_since: Option<Timestamp>,
    /// Which versions.
    pub version: VersionFilter,
    /// List revoked versions (the official API's `deleted`) too.
    pub include_deleted: bool,
}

/// One page of a listing, ordered by name then version string.
#[derive(Debug, Clone, Default)]
pub struct Page {
    /// The versions.
    pub items: Vec<VersionRecord>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<Cursor>,
}

impl Page {
    /// A page of at most `limit` items from a read of up to `limit + 1`
    /// (one more tells whether a next page exists).
    pub fn of(mut items: Vec<VersionRecord>, limit: usize) -> Page {
        let next = if items.len() > limit {
            items.truncate(limit);
            items.last().map(|r| Cursor {
                name: r.entry.name.clone(),
                version: r.entry.version.clone(),
            })
        } else {
            None
        };
        Page { items, next }
    }
}

/// Persistent state of the registry. Implementations must make each method that
/// changes published state atomic and durable before it returns.
#[async_trait]
pub trait Store: Send + Sync + std::fmt::Debug {
    /// Checks that the store answers (for `/readyz`).
    async fn ping(&self) -> Result<(), StoreError>;

    /// Creates a namespace and its audit record.
    async fn create_namespace(&self, ns: &Namespace, audit: &AuditEvent) -> Result<(), StoreError>;
    /// Reads a namespace.
    async fn namespace(&self, name: &str) -> Result<Option<Namespace>, StoreError>;
    /// Lists every namespace by name.
    async fn namespaces(&self) -> Result<Vec<Namespace>, StoreError>;

    /// Stores a new token and its audit record.
    async fn create_token(&self, token: &TokenRecord, audit: &AuditEvent)
    -> Result<(), StoreError>;
    /// Reads a token by id.
    async fn token(&self, id: &str) -> Result<Option<TokenRecord>, StoreError>;
    /// Marks a token revoked (with its audit record); `None` when there is no such token.
    async fn revoke_token(
        &self,
        id: &str,
        at: Timestamp,
        audit: &AuditEvent,
    ) -> Result<Option<TokenRecord>, StoreError>;
    /// Lists every token by id.
    async fn tokens(&self) -> Result<Vec<TokenRecord>, StoreError>;

    /// Stores a new version (status active) with its log leaf and audit record
    /// in one transaction, unless that version exists already or its entry
    /// does not fit `budget` next to what is stored: the check reads the
    /// usage counters under the same write lock as the write, and the write
    /// adds the entry's bytes to them, so concurrent publishes (from any
    /// replica) cannot together exceed a budget. The store sets the entry's
    /// `logIndex` to the leaf's index.
    async fn publish(
        &self,
        version: &VersionRecord,
        audit: &AuditEvent,
        budget: &EntryBudget,
    ) -> Result<PublishOutcome, StoreError>;
    /// Catalog bytes granted so far to the server, namespace and shard of `name`.
    async fn entry_usage(&self, name: &str) -> Result<EntryUsage, StoreError>;
    /// Applies a lifecycle change with its log leaf and audit record.
    async fn set_status(
        &self,
        change: &StatusChange,
        audit: &AuditEvent,
    ) -> Result<StatusOutcome, StoreError>;
    /// Reads one version.
    async fn version(&self, name: &str, version: &str)
    -> Result<Option<VersionRecord>, StoreError>;
    /// Reads the latest active version of a server.
    async fn latest(&self, name: &str) -> Result<Option<VersionRecord>, StoreError>;
    /// Every version of a server, newest publication first.
    async fn versions(&self, name: &str) -> Result<Vec<VersionRecord>, StoreError>;
    /// One page of versions across servers.
    async fn list(&self, query: &ListQuery) -> Result<Page, StoreError>;
    /// A count that moves after every committed write any reader of this
    /// store can see, read before a read so that what was read can be kept
    /// while it stands (`handlers::page_cache`). `None` when the store cannot
    /// see every writer's commits: then nothing read from it is kept.
    fn change_counter(&self) -> Option<u64> {
        None
    }

    /// Keeps (or replaces) a version of the mirrored tier, with `audit` in
    /// the same transaction when given.
    async fn put_mirrored(
        &self,
        record: &MirroredRecord,
        audit: Option<&AuditEvent>,
    ) -> Result<(), StoreError>;
    /// Removes a source's record of a version from the mirrored tier;
    /// `false` when it was not there.
    async fn remove_mirrored(
        &self,
        name: &str,
        version: &str,
        source: &str,
    ) -> Result<bool, StoreError>;
    /// A source's record of one version in the mirrored tier.
    async fn mirrored_version(
        &self,
        name: &str,
        version: &str,
        source: &str,
    ) -> Result<Option<MirroredRecord>, StoreError>;
    /// At most `limit` mirrored records whose name starts with `prefix`
    /// (`""`: all), by name, version then source, after `(name, version,
    /// source)` when given.
    async fn mirrored(
        &self,
        prefix: &str,
        after: Option<(&str, &str, &str)>,
        limit: usize,
    ) -> Result<Vec<MirroredRecord>, StoreError>;
    /// A value the sync keeps (watermarks, namespaces open to sync).
    async fn sync_value(&self, key: &str) -> Result<Option<String>, StoreError>;
    /// Sets a sync value, with `audit` in the same transaction when given.
    async fn put_sync_value(
        &self,
        key: &str,
        value: &str,
        audit: Option<&AuditEvent>,
    ) -> Result<(), StoreError>;

    /// Appends an audit record on its own (rejected attempts); returns its sequence number.
    async fn append_audit(&self, event: &AuditEvent) -> Result<u64, StoreError>;
    /// Audit records with `seq > after`, oldest first.
    async fn audit(&self, after: u64, limit: usize) -> Result<Vec<AuditRecord>, StoreError>;

    /// The version of the signed catalog (0 before the first signing).
    async fn catalog_version(&self) -> Result<u64, StoreError>;
    /// Number of transparency-log leaves.
    async fn log_size(&self) -> Result<u64, StoreError>;
    /// The canonical bytes of log leaves `start..end` (fewer when the log is shorter).
    async fn log_leaves(&self, start: u64, end: u64) -> Result<Vec<Vec<u8>>, StoreError>;
    /// The canonical bytes of log leaf `index` (from 0).
    async fn log_entry(&self, index: u64) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .log_leaves(index, index.saturating_add(1))
            .await?
            .into_iter()
            .next())
    }

    /// The signed catalog as last stored, if it was ever signed.
    async fn signed_catalog(&self) -> Result<Option<SignedCatalog>, StoreError>;
    /// The stored bytes of shard `bin` of the signed catalog.
    async fn catalog_shard(&self, bin: u8) -> Result<Option<Vec<u8>>, StoreError>;
    /// Signs the next catalog under the store's write lock, so that of
    /// several replicas exactly one signs each version. The store reads
    /// what changed since the stored catalog ([`Pending`]), `sign` decides
    /// whether and what to sign, and the store writes the result — key
    /// records appended to the log, rewritten shards, the new index and
    /// checkpoint with `catalogVersion + 1` — in the same transaction.
    /// `Ok(None)` when `sign` found nothing to do.
    async fn sign_catalog(
        &self,
        leaves_from: u64,
        sign: SignFn,
    ) -> Result<Option<SignedCatalog>, StoreError>;
}

/// The signed catalog as stored: the exact bytes served, and what they cover.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SignedCatalog {
    /// `catalogVersion` of the index.
    pub version: u64,
    /// Log size the index and checkpoint commit to.
    pub tree_size: u64,
    /// The signed index (DSSE envelope JSON), served at `/v0.1/catalog`.
    pub index: String,
    /// The checkpoint (signed note), served at `/v0.1/log/checkpoint`.
    pub checkpoint: String,
    /// The root-signed key statements, served at `/v0.1/catalog/keys`.
    pub keys: String,
}

/// What changed since the stored catalog, read under the write lock.
#[derive(Debug, Clone)]
pub struct Pending {
    /// The catalog as stored, if ever signed.
    pub current: Option<SignedCatalog>,
    /// Number of log leaves now.
    pub log_size: u64,
    /// Index of the first leaf in `leaves`.
    pub leaves_from: u64,
    /// Log leaves `leaves_from..log_size`.
    pub leaves: Vec<Vec<u8>>,
    /// The catalog entry of every version named by a leaf the stored catalog
    /// does not cover, as it is now (its status is the version's).
    pub changed: Vec<Entry>,
    /// Stored bytes of the shards those versions belong in (bins never written are absent).
    pub shards: Vec<(u8, Vec<u8>)>,
}

/// What one signing writes.
#[derive(Debug, Clone)]
pub struct Signing {
    /// Log leaves to append first (key rotations), from index `Pending::log_size`.
    pub append: Vec<Vec<u8>>,
    /// The new catalog; its version must be the stored one plus one.
    pub catalog: SignedCatalog,
    /// Rewritten shards.
    pub shards: Vec<(u8, Vec<u8>)>,
}

/// Decides and produces a signing from what is pending (runs under the store's write lock).
pub type SignFn = Box<dyn FnOnce(Pending) -> Result<Option<Signing>, String> + Send>;

/// Checks a signing against what it was computed from (the stored version,
/// if any, and the log size), before it is written.
pub fn check_signing(
    current: Option<u64>,
    log_size: u64,
    signing: &Signing,
) -> Result<(), StoreError> {
    let expected = current.map_or(1, |v| v + 1);
    if signing.catalog.version != expected {
        return Err(StoreError::Signing(format!(
            "signed catalogVersion {} but the next version is {expected}",
            signing.catalog.version
        )));
    }
    let size = log_size + signing.append.len() as u64;
    if signing.catalog.tree_size != size {
        return Err(StoreError::Signing(format!(
            "signed a log of {} leaves but it holds {size}",
            signing.catalog.tree_size
        )));
    }
    Ok(())
}

/// The `(name, version)` of every server version named by `leaves` (log
/// records in canonical JSON), in first-seen order, once each.
pub fn versions_named(leaves: &[Vec<u8>]) -> Result<Vec<(String, String)>, StoreError> {
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for leaf in leaves {
        let record: LogRecord = serde_json::from_slice(leaf)
            .map_err(|e| StoreError::Corrupt(format!("log leaf: {e}")))?;
        if let Some((name, version)) = record.server_version() {
            let key = (name.to_owned(), version.to_owned());
            if seen.insert(key.clone()) {
                out.push(key);
            }
        }
    }
    Ok(out)
}

/// Which backend to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreConfig {
    /// redb database file.
    Embedded {
        /// Path of the database file.
        path: PathBuf,
        /// Most bytes of the file's pages kept in memory (redb's cache);
        /// the operating system's page cache holds the rest.
        cache_bytes: usize,
    },
    /// PostgreSQL connection string.
    Postgres {
        /// `postgres://…`
        url: String,
        /// Connections kept open.
        pool_size: usize,
    },
}

impl StoreConfig {
    /// The embedded store at `path` with the default cache.
    pub fn embedded(path: impl Into<PathBuf>) -> StoreConfig {
        StoreConfig::Embedded {
            path: path.into(),
            cache_bytes: DEFAULT_EMBEDDED_CACHE_BYTES,
        }
    }
}

/// The embedded store's default page cache: enough for the hot pages of a
/// large catalog, and a bound on memory (redb's own default, 1 GiB, is
/// filled by any database that large and counts as resident memory).
pub const DEFAULT_EMBEDDED_CACHE_BYTES: usize = 32 << 20;

/// Opens (creating or migrating as needed) the configured store.
pub async fn open(config: &StoreConfig) -> Result<Arc<dyn Store>, StoreError> {
    Ok(match config {
        StoreConfig::Embedded { path, cache_bytes } => Arc::new(
            embedded::EmbeddedStore::open_with_cache(path, *cache_bytes)?,
        ),
        StoreConfig::Postgres { url, pool_size } => {
            Arc::new(postgres::PostgresStore::connect(url, *pool_size).await?)
        }
    })
}

/// The transparency-log leaf of a publish: the RFC 8785 bytes of the
/// catalog's publish record for `entry` (whose `logIndex` is this leaf's).
pub fn publish_leaf(entry: &Entry) -> Result<Vec<u8>, StoreError> {
    LogRecord::publish_of(entry)
        .map_err(|e| StoreError::Corrupt(e.to_string()))?
        .canonical_bytes()
        .map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// The transparency-log leaf of a yank or revocation.
pub fn status_leaf(change: &StatusChange, status: Status) -> Result<Vec<u8>, StoreError> {
    let reason = (!change.reason.is_empty()).then(|| change.reason.clone());
    LogRecord::status_of(&change.name, &change.version, status, reason, change.at)
        .ok_or_else(|| StoreError::Corrupt("no log record makes a version active again".into()))?
        .canonical_bytes()
        .map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// What a publish of `version` (its manifest bytes hashing to
/// `bytes_sha256`) answers given the server's `stored` versions, or `None`
/// when it may be stored: unchanged when the same version has identical
/// bytes, a conflict when it has other bytes, a twin when a stored version
/// differs from it only by build metadata (`1.0.0+b` beside `1.0.0` would
/// be a second, different 1.0.0: build metadata does not order versions).
/// The publish service asks before verifying; each store asks again in the
/// transaction that would write the version.
pub fn already_stored(
    stored: &[VersionRecord],
    version: &str,
    bytes_sha256: &str,
) -> Option<PublishOutcome> {
    fn core(v: &str) -> &str {
        v.split_once('+').map_or(v, |(core, _)| core)
    }
    if let Some(existing) = stored.iter().find(|v| v.entry.version == version) {
        return Some(if existing.manifest_bytes_sha256 == bytes_sha256 {
            PublishOutcome::Unchanged(existing.clone())
        } else {
            PublishOutcome::Conflict(existing.clone())
        });
    }
    stored
        .iter()
        .find(|v| core(&v.entry.version) == core(version))
        .map(|twin| PublishOutcome::Twin(twin.clone()))
}

/// Sets `record`'s `toolsChanged`: whether its tool surface differs from
/// that of the server's version logged last among `stored` (the version a
/// gateway compares it with). Each store calls it in the transaction that
/// writes the version, so a version stored meanwhile by another replica is
/// the one compared with; the log leaf then binds the answer.
pub fn mark_tools_changed(record: &mut VersionRecord, stored: &[VersionRecord]) {
    let previous = stored.iter().max_by_key(|v| v.entry.log_index);
    record.entry.tools_changed =
        previous.is_some_and(|p| p.entry.tool_surface != record.entry.tool_surface);
}

/// Applies `change` to the stored `record`: the record and its new status,
/// or the refusal to answer (nothing is written then).
pub fn apply_change(
    mut record: VersionRecord,
    change: &StatusChange,
) -> Result<(VersionRecord, Status), Box<StatusOutcome>> {
    match record.apply(change.action, &change.reason, change.at) {
        Ok(status) => Ok((record, status)),
        Err(reason) => Err(Box::new(StatusOutcome::Refused {
            current: record,
            reason,
        })),
    }
}

/// The latest version among all of one server's (see [`choose_latest`]),
/// and the records whose `isLatest` flag that changes, flag already set and
/// `updatedAt` moved to `at` (the change's time): what a store rewrites after
/// any change to the server's versions. A record whose flag moved is a
/// change an incremental reader (`updated_since`) must see.
pub fn relabel_latest(
    all: Vec<VersionRecord>,
    at: Timestamp,
) -> (Option<String>, Vec<VersionRecord>) {
    let latest = choose_latest(all.iter().map(|r| {
        (
            r.entry.version.as_str(),
            r.entry.published_at,
            r.entry.status,
        )
    }));
    let changed = all
        .into_iter()
        .filter_map(|mut r| {
            let is_latest = latest.as_deref() == Some(r.entry.version.as_str());
            (r.is_latest != is_latest).then(|| {
                r.is_latest = is_latest;
                r.updated_at = r.updated_at.max(at);
                r
            })
        })
        .collect();
    (latest, changed)
}

/// Which of a server's versions is latest: the highest semantic version among
/// active ones (a semantic version outranks any other string); ties and
/// non-semantic versions go to the most recently published.
pub fn choose_latest<'a>(
    versions: impl IntoIterator<Item = (&'a str, Timestamp, Status)>,
) -> Option<String> {
    versions
        .into_iter()
        .filter(|(_, _, status)| *status == Status::Active)
        .max_by(|a, b| {
            compare_versions(a.0, b.0)
                .then(a.1.cmp(&b.1))
                .then(a.0.cmp(b.0))
        })
        .map(|(v, _, _)| v.to_owned())
}

/// Orders two version strings: semantic versions by precedence (SemVer 2.0 §11),
/// above every non-semantic one; two non-semantic versions compare equal.
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    match (SemVer::parse(a), SemVer::parse(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Greater,
        (None, Some(_)) => Ordering::Less,
        (None, None) => Ordering::Equal,
    }
}

#[derive(Debug, PartialEq, Eq)]
struct SemVer<'a> {
    core: [u64; 3],
    pre: Vec<&'a str>,
}

impl<'a> SemVer<'a> {
    fn parse(s: &'a str) -> Option<SemVer<'a>> {
        let s = s.split_once('+').map_or(s, |(v, _)| v);
        let (core, pre) = match s.split_once('-') {
            Some((c, p)) => (c, Some(p)),
            None => (s, None),
        };
        let mut parts = core.split('.');
        let mut numbers = [0u64; 3];
        for n in &mut numbers {
            let p = parts.next()?;
            if p.is_empty()
                || !p.bytes().all(|b| b.is_ascii_digit())
                || (p.len() > 1 && p.starts_with('0'))
            {
                return None;
            }
            *n = p.parse().ok()?;
        }
        if parts.next().is_some() {
            return None;
        }
        let pre: Vec<&str> = match pre {
            Some(p) => p.split('.').collect(),
            None => Vec::new(),
        };
        if pre.iter().any(|id| id.is_empty()) {
            return None;
        }
        Some(SemVer { core: numbers, pre })
    }
}

impl Ord for SemVer<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.core
            .cmp(&other.core)
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => {
                    for (x, y) in self.pre.iter().zip(&other.pre) {
                        let ord = match (x.parse::<u64>(), y.parse::<u64>()) {
                            (Ok(a), Ok(b)) => a.cmp(&b),
                            (Ok(_), Err(_)) => Ordering::Less,
                            (Err(_), Ok(_)) => Ordering::Greater,
                            (Err(_), Err(_)) => x.cmp(y),
                        };
                        if ord != Ordering::Equal {
                            return ord;
                        }
                    }
                    self.pre.len().cmp(&other.pre.len())
                }
            })
    }
}

impl PartialOrd for SemVer<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Applies the listing filters that both backends share to one record.
pub fn matches(query: &ListQuery, record: &VersionRecord) -> bool {
    matches_key(query, &record.entry.name, &record.entry.version)
        && query.updated_since.is_none_or(|t| record.updated_at >= t)
        && (query.include_deleted || record.entry.status != Status::Revoked)
        && (query.version != VersionFilter::Latest || record.is_latest)
}

/// The part of [`matches`] a name and version alone decide (`search` and
/// an exact `version`), so a store can skip reading records it excludes.
pub fn matches_key(query: &ListQuery, name: &str, version: &str) -> bool {
    query
        .search
        .as_ref()
        .is_none_or(|s| name.to_lowercase().contains(&s.to_lowercase()))
        && match &query.version {
            VersionFilter::Exact(v) => v == version,
            VersionFilter::All | VersionFilter::Latest => true,
        }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semver_precedence_follows_the_spec() {
        let ordered = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "1.2.0",
            "1.10.0",
        ];
        for w in ordered.windows(2) {
            assert_eq!(compare_versions(w[0], w[1]), Ordering::Less, "{w:?}");
        }
        assert_eq!(compare_versions("1.0.0+a", "1.0.0+b"), Ordering::Equal);
        assert_eq!(compare_versions("2024.1", "0.0.1"), Ordering::Less);
    }

    #[test]
    fn latest_skips_yanked_and_revoked() {
        let t = Timestamp::UNIX_EPOCH;
        let latest = choose_latest([
            ("1.0.0", t, Status::Active),
            ("2.0.0", t, Status::Yanked),
            ("3.0.0", t, Status::Revoked),
        ]);
        assert_eq!(latest.as_deref(), Some("1.0.0"));
        assert_eq!(choose_latest([("1.0.0", t, Status::Revoked)]), None);
    }

    #[test]
    fn budget_codes_are_documented_and_the_default_budget_is_valid() {
        let api = include_str!("../../../docs/api.md");
        let findings = include_str!("../../../docs/findings.md");
        for kind in [
            BudgetKind::Entry,
            BudgetKind::Server,
            BudgetKind::Namespace,
            BudgetKind::NamespaceShard,
            BudgetKind::Shard,
        ] {
            let code = kind.code();
            assert!(
                api.contains(&format!(" {code}`")) && findings.contains(&format!("`{code}`")),
                "{code} missing from docs/api.md or docs/findings.md"
            );
        }
        EntryBudget::default().check().unwrap();
    }

    #[test]
    fn a_budget_admits_up_to_its_limit_and_names_what_is_over() {
        let budget = EntryBudget {
            entry: 100,
            server: 200,
            namespace_shard: 250,
            namespace: 300,
            shard: 400,
        };
        let name = "io.github.acme/weather";
        let bin = mcp_trust::catalog::shard_of(name);
        let usage = |server, namespace, shard, namespace_shard| EntryUsage {
            server,
            namespace,
            shard,
            namespace_shard,
        };
        assert!(budget.admit(name, 100, &usage(100, 200, 276, 150)).is_ok());
        let over = |bytes, u: EntryUsage| budget.admit(name, bytes, &u).unwrap_err();
        assert_eq!(over(101, usage(0, 0, 0, 0)).kind, BudgetKind::Entry);
        assert_eq!(over(100, usage(101, 0, 0, 0)).kind, BudgetKind::Server);
        let ns = over(100, usage(0, 201, 0, 0));
        assert_eq!(
            (ns.kind, ns.scope.as_str(), ns.used, ns.adding, ns.limit),
            (BudgetKind::Namespace, "io.github.acme", 201, 100, 300)
        );
        let ns_shard = over(100, usage(0, 151, 0, 151));
        assert_eq!(
            (
                ns_shard.kind,
                ns_shard.scope.as_str(),
                ns_shard.bin,
                ns_shard.used,
                ns_shard.limit
            ),
            (BudgetKind::NamespaceShard, "io.github.acme", bin, 151, 250)
        );
        // The shard's frame counts.
        let shard = over(100, usage(0, 0, 277, 0));
        assert_eq!((shard.kind, shard.used), (BudgetKind::Shard, 277 + 24));
        assert_eq!(shard.scope, format!("{bin:02x}"));
        for bad in [
            EntryBudget { entry: 0, ..budget },
            EntryBudget {
                namespace: 400,
                ..budget
            },
            EntryBudget {
                namespace_shard: 199,
                ..budget
            },
            EntryBudget {
                namespace_shard: 301,
                ..budget
            },
            EntryBudget {
                shard: mcp_trust::catalog::MAX_SHARD_BYTES + 1,
                namespace: 1000,
                ..budget
            },
        ] {
            assert!(bad.check().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn cursor_round_trips_and_refuses_garbage() {
        let c = Cursor {
            name: "io.github.acme/weather".into(),
            version: "1.0.0+build/1".into(),
        };
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        assert_eq!(Cursor::decode("not a cursor"), None);
    }
}
