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
    AuditEvent, AuditRecord, Lifecycle, Namespace, Status, TokenRecord, VersionRecord,
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
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The record to create exists already.
    #[error("{0} already exists")]
    AlreadyExists(String),
    /// The database could not be reached or refused the operation.
    #[error("store backend: {0}")]
    Backend(String),
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
}

/// One page of a listing, ordered by name then version string.
#[derive(Debug, Clone, Default)]
pub struct Page {
    /// The versions.
    pub items: Vec<VersionRecord>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<Cursor>,
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
    /// in one transaction, unless that version exists already. The store sets
    /// the entry's `logIndex` to the leaf's index.
    async fn publish(
        &self,
        version: &VersionRecord,
        audit: &AuditEvent,
    ) -> Result<PublishOutcome, StoreError>;
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
    },
    /// PostgreSQL connection string.
    Postgres {
        /// `postgres://…`
        url: String,
        /// Connections kept open.
        pool_size: usize,
    },
}

/// Opens (creating or migrating as needed) the configured store.
pub async fn open(config: &StoreConfig) -> Result<Arc<dyn Store>, StoreError> {
    Ok(match config {
        StoreConfig::Embedded { path } => Arc::new(embedded::EmbeddedStore::open(path)?),
        StoreConfig::Postgres { url, pool_size } => {
            Arc::new(postgres::PostgresStore::connect(url, *pool_size).await?)
        }
    })
}

/// The transparency-log leaf of a publish: the RFC 8785 bytes of the
/// catalog's publish record for `entry` (whose `logIndex` is this leaf's).
pub fn publish_leaf(entry: &Entry) -> Result<Vec<u8>, StoreError> {
    mcp_trust::catalog::memory::publish_record(entry)
        .canonical_bytes()
        .map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// The transparency-log leaf of a yank or revocation.
pub fn status_leaf(change: &StatusChange, status: Status) -> Result<Vec<u8>, StoreError> {
    let (name, version) = (change.name.clone(), change.version.clone());
    let reason = (!change.reason.is_empty()).then(|| change.reason.clone());
    let record = match status {
        Status::Revoked => LogRecord::Revoke {
            name,
            version,
            reason,
            at: change.at,
        },
        Status::Yanked => LogRecord::Yank {
            name,
            version,
            reason,
            at: change.at,
        },
        Status::Active => {
            return Err(StoreError::Corrupt(
                "no log record makes a version active again".into(),
            ));
        }
    };
    record
        .canonical_bytes()
        .map_err(|e| StoreError::Corrupt(e.to_string()))
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
    query
        .search
        .as_ref()
        .is_none_or(|s| record.name.to_lowercase().contains(&s.to_lowercase()))
        && query.updated_since.is_none_or(|t| record.updated_at >= t)
        && match &query.version {
            VersionFilter::All => true,
            VersionFilter::Latest => record.is_latest,
            VersionFilter::Exact(v) => &record.version == v,
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
    fn cursor_round_trips_and_refuses_garbage() {
        let c = Cursor {
            name: "io.github.acme/weather".into(),
            version: "1.0.0+build/1".into(),
        };
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        assert_eq!(Cursor::decode("not a cursor"), None);
    }
}
