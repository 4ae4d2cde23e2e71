//! The embedded store: one redb file, zero setup. redb commits are ACID and,
//! with `Durability::Immediate` (set explicitly on every write), durable
//! before `commit` returns, so every acknowledged write survives a crash.
//! redb locks the file: one process at a time (stop the server to run admin
//! commands against it, or use the admin HTTP routes).
//!
//! redb writes one transaction at a time, and each durable commit costs two
//! syncs. Publishes that arrive while the database is being written wait in
//! a queue, and one writer stores the waiting ones in a single transaction
//! (group commit): each is checked against what the ones before it wrote, as
//! if it were alone, and none is answered before the commit is durable.

use super::{
    EntryBudget, EntryUsage, ListQuery, NAMESPACE_SHARD_USAGE, Page, Pending, PublishOutcome,
    SignFn, SignedCatalog, StatusChange, StatusOutcome, Store, StoreError, VersionFilter,
    already_stored, apply_change, check_signing, entry_bytes, mark_tools_changed, matches,
    publish_leaf, relabel_latest, status_leaf, usage_keys, usage_of, versions_named,
};
use crate::model::{
    AuditEvent, AuditRecord, MirroredRecord, Namespace, TokenRecord, VersionRecord,
};
use async_trait::async_trait;
use jiff::Timestamp;
use redb::{
    Database, Durability, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition,
    WriteTransaction,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::ops::Bound;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::oneshot;

mod listing;

const VERSIONS: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("versions");
const LATEST: TableDefinition<&str, &str> = TableDefinition::new("latest");
const NAMESPACES: TableDefinition<&str, &[u8]> = TableDefinition::new("namespaces");
const TOKENS: TableDefinition<&str, &[u8]> = TableDefinition::new("tokens");
const AUDIT: TableDefinition<u64, &[u8]> = TableDefinition::new("audit");
const LOG_ENTRIES: TableDefinition<u64, &[u8]> = TableDefinition::new("log_entries");
const CATALOG: TableDefinition<&str, &[u8]> = TableDefinition::new("catalog");
const CATALOG_SHARDS: TableDefinition<u8, &[u8]> = TableDefinition::new("catalog_shards");
/// The mirrored tier, by (name, version, source): two sources listing one
/// version each keep their own record.
const MIRRORED: TableDefinition<(&str, &str, &str), &[u8]> =
    TableDefinition::new("mirrored_by_source");
/// The mirrored tier as first written, by (name, version); moved into
/// [`MIRRORED`] at open.
const MIRRORED_BY_VERSION: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("mirrored");
/// What the sync keeps between runs.
const SYNC_STATE: TableDefinition<&str, &str> = TableDefinition::new("sync_state");
/// Catalog bytes granted per server, namespace, shard and namespace's part
/// of a shard (`store::usage_keys`).
const ENTRY_BYTES: TableDefinition<&str, u64> = TableDefinition::new("entry_bytes");
/// Present in [`ENTRY_BYTES`] once the versions stored before it existed are counted.
const COUNTED: &str = "@counted";
/// Present in [`ENTRY_BYTES`] once the versions stored before the
/// per-namespace-and-shard counters existed are counted in them.
const COUNTED_NAMESPACE_SHARD: &str = "@counted-namespace-shard";
const SIGNED: &str = "signed";

/// Most publishes stored in one transaction.
const PUBLISH_BATCH: usize = 64;

/// The redb-backed store.
#[derive(Clone)]
pub struct EmbeddedStore {
    db: Arc<Db>,
    publishes: Arc<PublishQueue>,
    /// Most keys a listing reads from an index before it takes another way.
    read_limits: listing::ReadLimits,
}

/// The database and how many write transactions it has committed since it
/// was opened: redb locks the file to this process, so every write that
/// readers can see went through [`begin_write`] here and counted.
struct Db {
    database: Database,
    commits: AtomicU64,
}

impl Db {
    /// A read transaction (writes go through [`begin_write`], which counts them).
    fn begin_read(&self) -> Result<redb::ReadTransaction, redb::TransactionError> {
        self.database.begin_read()
    }
}

/// A write transaction that counts its commit in [`Db::commits`] once it is
/// durable (a reader that saw the count before it cannot take what it read
/// before the commit for what is there after).
struct Txn<'a> {
    txn: WriteTransaction,
    commits: &'a AtomicU64,
}

impl std::ops::Deref for Txn<'_> {
    type Target = WriteTransaction;

    fn deref(&self) -> &WriteTransaction {
        &self.txn
    }
}

impl Txn<'_> {
    fn commit(self) -> Result<(), redb::CommitError> {
        // Counted even when the commit fails: a failure late in a commit
        // may still have made it visible.
        let committed = self.txn.commit();
        self.commits.fetch_add(1, Ordering::AcqRel);
        committed
    }
}

impl std::fmt::Debug for EmbeddedStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedStore").finish_non_exhaustive()
    }
}

fn backend<E: Into<redb::Error>>(e: E) -> StoreError {
    match e.into() {
        redb::Error::DatabaseAlreadyOpen => StoreError::Backend(
            "the database file is open in another process (a running server?); stop it or use the admin HTTP routes".into(),
        ),
        other => StoreError::Backend(other.to_string()),
    }
}

fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt(e.to_string()))
}

impl EmbeddedStore {
    /// Opens or creates the database file (and its directory), with the
    /// default page cache.
    pub fn open(path: &Path) -> Result<EmbeddedStore, StoreError> {
        Self::open_with_cache(path, super::DEFAULT_EMBEDDED_CACHE_BYTES)
    }

    /// [`EmbeddedStore::open`] keeping at most `cache_bytes` of pages in memory.
    pub fn open_with_cache(path: &Path, cache_bytes: usize) -> Result<EmbeddedStore, StoreError> {
        Self::open_building_in_chunks(path, cache_bytes, listing::BUILD_CHUNK)
    }

    /// [`EmbeddedStore::open_with_cache`], building stale listing indexes
    /// `chunk` versions a transaction (tests reach several with a small one).
    #[doc(hidden)]
    pub fn open_building_in_chunks(
        path: &Path,
        cache_bytes: usize,
        chunk: usize,
    ) -> Result<EmbeddedStore, StoreError> {
        if let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).map_err(|e| {
                StoreError::Backend(format!("cannot create {}: {e}", dir.display()))
            })?;
        }
        let database = Database::builder()
            .set_cache_size(cache_bytes)
            .create(path)
            .map_err(backend)?;
        let db = Db {
            database,
            commits: AtomicU64::new(0),
        };
        let txn = begin_write(&db)?;
        {
            txn.open_table(VERSIONS).map_err(backend)?;
            txn.open_table(LATEST).map_err(backend)?;
            txn.open_table(NAMESPACES).map_err(backend)?;
            txn.open_table(TOKENS).map_err(backend)?;
            txn.open_table(AUDIT).map_err(backend)?;
            txn.open_table(LOG_ENTRIES).map_err(backend)?;
            txn.open_table(CATALOG).map_err(backend)?;
            txn.open_table(CATALOG_SHARDS).map_err(backend)?;
            txn.open_table(MIRRORED).map_err(backend)?;
            txn.open_table(SYNC_STATE).map_err(backend)?;
        }
        move_mirrored_by_version(&txn)?;
        count_existing_entries(&txn)?;
        let stale_through = listing::stale(&txn)?;
        txn.commit().map_err(backend)?;
        if let Some(last_audit) = stale_through {
            listing::rebuild(&db, last_audit, chunk.max(1))?;
        }
        Ok(EmbeddedStore {
            db: Arc::new(db),
            publishes: Arc::default(),
            read_limits: listing::ReadLimits::default(),
        })
    }

    /// Sets how many keys an `updated_since` listing reads from its index
    /// before it walks names instead (tests reach the walk with a small one).
    #[doc(hidden)]
    pub fn with_updated_read_limit(mut self, limit: usize) -> EmbeddedStore {
        self.read_limits.updated = limit;
        self
    }

    /// Sets how many suffix keys a search reads before it reads trigrams
    /// instead, and how many names it reads off its rarest trigram in one
    /// pass before it joins every trigram (tests reach each way with a small
    /// one).
    #[doc(hidden)]
    pub fn with_search_scan_limit(mut self, limit: usize) -> EmbeddedStore {
        self.read_limits.scan = limit;
        self
    }

    async fn run<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Db) -> Result<T, StoreError> + Send + 'static,
    {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || f(&db))
            .await
            .map_err(|e| StoreError::Backend(format!("store task failed: {e}")))?
    }
}

fn begin_write(db: &Db) -> Result<Txn<'_>, StoreError> {
    let mut txn = db.database.begin_write().map_err(backend)?;
    txn.set_durability(Durability::Immediate).map_err(backend)?;
    // Each commit also saves the allocator state (a second sync), so a
    // start after a crash skips redb's full repair, a walk of the whole file:
    // at 100,000 servers that walk took 650 ms of a 1.15 s restart after
    // SIGKILL, and it grows with the file. Commits cost about 0.3 ms more.
    txn.set_quick_repair(true);
    Ok(Txn {
        txn,
        commits: &db.commits,
    })
}

/// Inserts a record under a key that must be new, with its audit record, in one transaction.
fn insert_new_with_audit(
    db: &Db,
    table: TableDefinition<&str, &[u8]>,
    key: &str,
    value: &[u8],
    what: String,
    audit: &AuditEvent,
) -> Result<(), StoreError> {
    let txn = begin_write(db)?;
    {
        let mut t = txn.open_table(table).map_err(backend)?;
        if t.get(key).map_err(backend)?.is_some() {
            return Err(StoreError::AlreadyExists(what));
        }
        t.insert(key, value).map_err(backend)?;
    }
    append_audit(&txn, audit)?;
    txn.commit().map_err(backend)
}

/// Reads and decodes the record under `key`, if any.
fn get_decoded<T: DeserializeOwned>(
    db: &Db,
    table: TableDefinition<&str, &[u8]>,
    key: &str,
) -> Result<Option<T>, StoreError> {
    let txn = db.begin_read().map_err(backend)?;
    let t = txn.open_table(table).map_err(backend)?;
    let found = t.get(key).map_err(backend)?;
    found.map(|v| decode(v.value())).transpose()
}

/// Reads and decodes every record of a table, in key order.
fn all_decoded<T: DeserializeOwned>(
    db: &Db,
    table: TableDefinition<&str, &[u8]>,
) -> Result<Vec<T>, StoreError> {
    let txn = db.begin_read().map_err(backend)?;
    let t = txn.open_table(table).map_err(backend)?;
    let mut out = Vec::new();
    for entry in t.iter().map_err(backend)? {
        out.push(decode(entry.map_err(backend)?.1.value())?);
    }
    Ok(out)
}

fn append_audit(txn: &WriteTransaction, event: &AuditEvent) -> Result<u64, StoreError> {
    let mut table = txn.open_table(AUDIT).map_err(backend)?;
    let seq = match table.last().map_err(backend)? {
        Some((k, _)) => k.value() + 1,
        None => 1,
    };
    table
        .insert(seq, encode(event)?.as_slice())
        .map_err(backend)?;
    listing::follow_audit(txn, seq)?;
    Ok(seq)
}

/// Moves the records of the first mirrored table, keyed by name and
/// version, into [`MIRRORED`] under their source, then drops it.
fn move_mirrored_by_version(txn: &WriteTransaction) -> Result<(), StoreError> {
    let old: Vec<MirroredRecord> = {
        let t = txn.open_table(MIRRORED_BY_VERSION).map_err(backend)?;
        let mut out = Vec::new();
        for entry in t.iter().map_err(backend)? {
            out.push(decode(entry.map_err(backend)?.1.value())?);
        }
        out
    };
    if !old.is_empty() {
        let mut t = txn.open_table(MIRRORED).map_err(backend)?;
        for r in &old {
            t.insert(
                (r.name.as_str(), r.version.as_str(), r.source.as_str()),
                encode(r)?.as_slice(),
            )
            .map_err(backend)?;
        }
    }
    txn.delete_table(MIRRORED_BY_VERSION).map_err(backend)?;
    Ok(())
}

/// Counts the entries of every stored version into [`ENTRY_BYTES`], once
/// per kind of counter: a database written before the budgets existed
/// starts with what it holds, and one written before the counters of a
/// namespace's part of a shard existed starts those (only) the same way.
fn count_existing_entries(txn: &WriteTransaction) -> Result<(), StoreError> {
    let mut usage = txn.open_table(ENTRY_BYTES).map_err(backend)?;
    let counted = usage.get(COUNTED).map_err(backend)?.is_some();
    let counted_namespace_shard = usage
        .get(COUNTED_NAMESPACE_SHARD)
        .map_err(backend)?
        .is_some();
    if counted && counted_namespace_shard {
        return Ok(());
    }
    let versions = txn.open_table(VERSIONS).map_err(backend)?;
    let mut entries = Vec::new();
    for item in versions.iter().map_err(backend)? {
        let record: VersionRecord = decode(item.map_err(backend)?.1.value())?;
        entries.push(record.entry);
    }
    for (key, bytes) in usage_of(&entries)? {
        let namespace_shard = key.starts_with(NAMESPACE_SHARD_USAGE);
        if (namespace_shard && !counted_namespace_shard) || (!namespace_shard && !counted) {
            usage.insert(key.as_str(), bytes).map_err(backend)?;
        }
    }
    usage.insert(COUNTED, 1).map_err(backend)?;
    usage.insert(COUNTED_NAMESPACE_SHARD, 1).map_err(backend)?;
    Ok(())
}

/// The usage counters under `keys` ([`usage_keys`]).
fn read_usage<T: ReadableTable<&'static str, u64>>(
    table: &T,
    keys: &[String; 4],
) -> Result<EntryUsage, StoreError> {
    let mut values = [0u64; 4];
    for (value, key) in values.iter_mut().zip(keys) {
        *value = table
            .get(key.as_str())
            .map_err(backend)?
            .map_or(0, |v| v.value());
    }
    Ok(EntryUsage::from_counters(values))
}

fn log_len(txn: &WriteTransaction) -> Result<u64, StoreError> {
    let table = txn.open_table(LOG_ENTRIES).map_err(backend)?;
    table.len().map_err(backend)
}

/// Appends leaf `index`, which must be the next one.
fn append_log(txn: &WriteTransaction, index: u64, leaf: &[u8]) -> Result<(), StoreError> {
    let mut table = txn.open_table(LOG_ENTRIES).map_err(backend)?;
    let next = table.len().map_err(backend)?;
    if next != index {
        return Err(StoreError::Corrupt(format!(
            "log leaf {index} would be written at {next}"
        )));
    }
    table.insert(index, leaf).map_err(backend)?;
    Ok(())
}

fn read_signed<T: ReadableTable<&'static str, &'static [u8]>>(
    table: &T,
) -> Result<Option<SignedCatalog>, StoreError> {
    let found = table.get(SIGNED).map_err(backend)?;
    found.map(|v| decode(v.value())).transpose()
}

fn versions_of<T: ReadableTable<(&'static str, &'static str), &'static [u8]>>(
    table: &T,
    name: &str,
) -> Result<Vec<VersionRecord>, StoreError> {
    let mut out = Vec::new();
    for entry in table.range((name, "")..).map_err(backend)? {
        let (k, v) = entry.map_err(backend)?;
        if k.value().0 != name {
            break;
        }
        out.push(decode(v.value())?);
    }
    Ok(out)
}

/// Recomputes `isLatest` for every version of `name` and the LATEST index.
fn recompute_latest(txn: &WriteTransaction, name: &str, at: Timestamp) -> Result<(), StoreError> {
    let all = {
        let versions = txn.open_table(VERSIONS).map_err(backend)?;
        versions_of(&versions, name)?
    };
    let before: std::collections::HashMap<String, Timestamp> = all
        .iter()
        .map(|r| (r.entry.version.clone(), r.updated_at))
        .collect();
    let (latest, changed) = relabel_latest(all, at);
    for r in changed {
        let replaced = before.get(&r.entry.version).copied();
        put_version(txn, replaced, &r)?;
    }
    let mut index = txn.open_table(LATEST).map_err(backend)?;
    match &latest {
        Some(v) => {
            index.insert(name, v.as_str()).map_err(backend)?;
        }
        None => {
            index.remove(name).map_err(backend)?;
        }
    }
    Ok(())
}

/// Writes a version record and files it in the listing indexes; `replaced`
/// is the last update time of the stored record it replaces, `None` for a
/// new version.
fn put_version(
    txn: &WriteTransaction,
    replaced: Option<Timestamp>,
    record: &VersionRecord,
) -> Result<(), StoreError> {
    {
        let mut table = txn.open_table(VERSIONS).map_err(backend)?;
        table
            .insert(
                (record.entry.name.as_str(), record.entry.version.as_str()),
                encode(record)?.as_slice(),
            )
            .map_err(backend)?;
    }
    listing::index_version(txn, replaced, record)
}

fn read_version(
    txn: &WriteTransaction,
    name: &str,
    version: &str,
) -> Result<Option<VersionRecord>, StoreError> {
    let table = txn.open_table(VERSIONS).map_err(backend)?;
    let found = table.get((name, version)).map_err(backend)?;
    found.map(|v| decode(v.value())).transpose()
}

/// A publish waiting for the writer.
struct PublishJob {
    record: VersionRecord,
    audit: AuditEvent,
    budget: EntryBudget,
    reply: oneshot::Sender<Result<PublishOutcome, StoreError>>,
}

/// Publishes waiting for the writer, and whether a writer is running.
#[derive(Default)]
struct PublishQueue {
    state: Mutex<(Vec<PublishJob>, bool)>,
}

impl PublishQueue {
    /// Queues `job`; true when no writer is running, and the caller must start one.
    fn push(&self, job: PublishJob) -> bool {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.0.push(job);
        !std::mem::replace(&mut state.1, true)
    }

    /// The next publishes to store, oldest first; none when the queue is
    /// empty, and the writer then stops.
    fn next_batch(&self) -> Vec<PublishJob> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if state.0.is_empty() {
            state.1 = false;
        }
        let n = state.0.len().min(PUBLISH_BATCH);
        state.0.drain(..n).collect()
    }
}

/// The writer of queued publishes. Dropped before it finished (never run:
/// the runtime shutting down), it answers the publishes still queued with
/// an error (their senders drop) and lets the next publish start a writer.
struct Writer {
    db: Option<Arc<Db>>,
    queue: Arc<PublishQueue>,
    finished: bool,
}

impl Writer {
    fn run(mut self) {
        if let Some(db) = self.db.take() {
            write_publishes(db, &self.queue);
        }
        self.finished = true;
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        if !self.finished {
            // The database first: a caller answered by the senders dropping
            // below may close the store and open the file again.
            drop(self.db.take());
            let mut state = self
                .queue
                .state
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            state.0.clear();
            state.1 = false;
        }
    }
}

/// Stores queued publishes, a batch a transaction, until none is left.
/// The last answers are sent after the writer lets go of the database, so a
/// caller that closes the store once answered closes the file.
fn write_publishes(db: Arc<Db>, queue: &PublishQueue) {
    let mut db = Some(db);
    let mut batch = queue.next_batch();
    while let Some(open) = db.as_deref() {
        // A panic is caught and answers each publish of its batch with an
        // error (those stored before it stay stored; a retry is answered
        // unchanged); the writer goes on with the next batch.
        let outcomes =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| publish_batch(open, &batch)))
                .unwrap_or_else(|_| {
                    tracing::error!(
                        publishes = batch.len(),
                        "the store's publish writer panicked; the batch is answered with an error"
                    );
                    batch
                        .iter()
                        .map(|_| {
                            Err(StoreError::Backend(
                                "the store's publish writer failed (see the log)".into(),
                            ))
                        })
                        .collect()
                });
        let answered = std::mem::replace(&mut batch, queue.next_batch());
        if batch.is_empty() {
            db = None;
        }
        for (job, outcome) in answered.into_iter().zip(outcomes) {
            // A caller that stopped waiting still had its publish stored.
            let _ = job.reply.send(outcome);
        }
    }
}

/// The outcomes of `jobs`, in order, stored in one transaction. When one of
/// them fails before the commit, nothing of the transaction is kept and
/// each is stored again in a transaction of its own, so that one failure
/// fails only its own publish.
fn publish_batch(db: &Db, jobs: &[PublishJob]) -> Vec<Result<PublishOutcome, StoreError>> {
    if jobs.len() > 1 {
        match publish_together(db, jobs) {
            Ok(outcomes) => return outcomes.into_iter().map(Ok).collect(),
            // Durable or not, the commit was tried once: no retry. Every
            // publish of the batch is answered with the error, even one
            // refused in it: its refusal may rest on a version the failed
            // commit held (a retry gets the answer the store gives then).
            Err(Failed::Commit(e)) => return jobs.iter().map(|_| Err(e.clone())).collect(),
            Err(Failed::Before(e)) => tracing::warn!(
                publishes = jobs.len(),
                error = %e,
                "a publish of a batch failed; storing each in its own transaction"
            ),
        }
    }
    jobs.iter()
        .map(|job| {
            publish_together(db, std::slice::from_ref(job))
                .map(|mut outcomes| outcomes.remove(0))
                .map_err(|(Failed::Before(e) | Failed::Commit(e))| e)
        })
        .collect()
}

/// Where a transaction of publishes failed.
enum Failed {
    /// Before the commit: nothing was kept.
    Before(StoreError),
    /// In the commit, which may or may not have been made durable.
    Commit(StoreError),
}

/// The outcomes of `jobs` stored in one transaction, committed when any was
/// created.
fn publish_together(db: &Db, jobs: &[PublishJob]) -> Result<Vec<PublishOutcome>, Failed> {
    let txn = begin_write(db).map_err(Failed::Before)?;
    let outcomes = jobs
        .iter()
        .map(|job| publish_in(&txn, job))
        .collect::<Result<Vec<_>, _>>()
        .map_err(Failed::Before)?;
    if outcomes
        .iter()
        .any(|o| matches!(o, PublishOutcome::Created(_)))
    {
        txn.commit().map_err(|e| Failed::Commit(backend(e)))?;
    }
    Ok(outcomes)
}

/// Checks one publish against what `txn` sees and, when it is created,
/// writes it there. Every outcome other than `Created` returns before
/// anything is written, so the transaction may go on with other publishes.
fn publish_in(txn: &Txn<'_>, job: &PublishJob) -> Result<PublishOutcome, StoreError> {
    let stored = {
        let versions = txn.open_table(VERSIONS).map_err(backend)?;
        versions_of(&versions, &job.record.entry.name)?
    };
    let (version, hash) = (&job.record.entry.version, &job.record.manifest_bytes_sha256);
    if let Some(outcome) = already_stored(&stored, version, hash) {
        return Ok(outcome);
    }
    let mut record = job.record.clone();
    mark_tools_changed(&mut record, &stored);
    let bytes = entry_bytes(&record.entry)?;
    let keys = usage_keys(&record.entry.name);
    {
        let mut table = txn.open_table(ENTRY_BYTES).map_err(backend)?;
        let usage = read_usage(&table, &keys)?;
        if let Err(over) = job.budget.admit(&record.entry.name, bytes, &usage) {
            return Ok(PublishOutcome::OverBudget(over));
        }
        for (key, before) in keys.iter().zip(usage.counters()) {
            table
                .insert(key.as_str(), before + bytes)
                .map_err(backend)?;
        }
    }
    let index = log_len(txn)?;
    record.logged_at(index);
    put_version(txn, None, &record)?;
    recompute_latest(txn, &record.entry.name, record.updated_at)?;
    let stored = read_version(txn, &record.entry.name, &record.entry.version)?
        .ok_or_else(|| StoreError::Corrupt("version vanished inside its transaction".into()))?;
    append_log(txn, index, &publish_leaf(&stored.entry)?)?;
    append_audit(txn, &job.audit)?;
    Ok(PublishOutcome::Created(stored))
}

#[async_trait]
impl Store for EmbeddedStore {
    async fn ping(&self) -> Result<(), StoreError> {
        self.run(|db| {
            let txn = db.begin_read().map_err(backend)?;
            txn.open_table(CATALOG).map_err(backend)?;
            txn.open_table(CATALOG_SHARDS).map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn create_namespace(&self, ns: &Namespace, audit: &AuditEvent) -> Result<(), StoreError> {
        let (ns, audit) = (ns.clone(), audit.clone());
        self.run(move |db| {
            let bytes = encode(&ns)?;
            let what = format!("namespace `{}`", ns.name);
            insert_new_with_audit(db, NAMESPACES, &ns.name, &bytes, what, &audit)
        })
        .await
    }

    async fn namespace(&self, name: &str) -> Result<Option<Namespace>, StoreError> {
        let name = name.to_owned();
        self.run(move |db| get_decoded(db, NAMESPACES, &name)).await
    }

    async fn namespaces(&self) -> Result<Vec<Namespace>, StoreError> {
        self.run(|db| all_decoded(db, NAMESPACES)).await
    }

    async fn create_token(
        &self,
        token: &TokenRecord,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let (token, audit) = (token.clone(), audit.clone());
        self.run(move |db| {
            let bytes = encode(&token)?;
            let what = format!("token `{}`", token.id);
            insert_new_with_audit(db, TOKENS, &token.id, &bytes, what, &audit)
        })
        .await
    }

    async fn token(&self, id: &str) -> Result<Option<TokenRecord>, StoreError> {
        let id = id.to_owned();
        self.run(move |db| get_decoded(db, TOKENS, &id)).await
    }

    async fn revoke_token(
        &self,
        id: &str,
        at: Timestamp,
        audit: &AuditEvent,
    ) -> Result<Option<TokenRecord>, StoreError> {
        let (id, audit) = (id.to_owned(), audit.clone());
        self.run(move |db| {
            let txn = begin_write(db)?;
            let record = {
                let mut table = txn.open_table(TOKENS).map_err(backend)?;
                let found: Option<TokenRecord> = table
                    .get(id.as_str())
                    .map_err(backend)?
                    .map(|v| decode(v.value()))
                    .transpose()?;
                let Some(mut record) = found else {
                    return Ok(None);
                };
                record.revoked_at.get_or_insert(at);
                table
                    .insert(id.as_str(), encode(&record)?.as_slice())
                    .map_err(backend)?;
                record
            };
            append_audit(&txn, &audit)?;
            txn.commit().map_err(backend)?;
            Ok(Some(record))
        })
        .await
    }

    async fn tokens(&self) -> Result<Vec<TokenRecord>, StoreError> {
        self.run(|db| all_decoded(db, TOKENS)).await
    }

    async fn publish(
        &self,
        version: &VersionRecord,
        audit: &AuditEvent,
        budget: &EntryBudget,
    ) -> Result<PublishOutcome, StoreError> {
        let (reply, answer) = oneshot::channel();
        let job = PublishJob {
            record: version.clone(),
            audit: audit.clone(),
            budget: *budget,
            reply,
        };
        if self.publishes.push(job) {
            let writer = Writer {
                db: Some(self.db.clone()),
                queue: self.publishes.clone(),
                finished: false,
            };
            tokio::task::spawn_blocking(move || writer.run());
        }
        answer.await.map_err(|_| {
            StoreError::Backend("the publish writer stopped before answering (see the log)".into())
        })?
    }

    async fn entry_usage(&self, name: &str) -> Result<EntryUsage, StoreError> {
        let keys = usage_keys(name);
        self.run(move |db| {
            let txn = db.begin_read().map_err(backend)?;
            let table = txn.open_table(ENTRY_BYTES).map_err(backend)?;
            read_usage(&table, &keys)
        })
        .await
    }

    async fn set_status(
        &self,
        change: &StatusChange,
        audit: &AuditEvent,
    ) -> Result<StatusOutcome, StoreError> {
        let (change, audit) = (change.clone(), audit.clone());
        self.run(move |db| {
            let txn = begin_write(db)?;
            let Some(record) = read_version(&txn, &change.name, &change.version)? else {
                return Ok(StatusOutcome::NotFound);
            };
            let replaced = record.updated_at;
            let (record, status) = match apply_change(record, &change) {
                Ok(applied) => applied,
                Err(refused) => return Ok(*refused),
            };
            put_version(&txn, Some(replaced), &record)?;
            recompute_latest(&txn, &record.entry.name, record.updated_at)?;
            let stored = read_version(&txn, &record.entry.name, &record.entry.version)?
                .ok_or_else(|| {
                    StoreError::Corrupt("version vanished inside its transaction".into())
                })?;
            let index = log_len(&txn)?;
            append_log(&txn, index, &status_leaf(&change, status)?)?;
            append_audit(&txn, &audit)?;
            txn.commit().map_err(backend)?;
            Ok(StatusOutcome::Changed(stored))
        })
        .await
    }

    async fn version(
        &self,
        name: &str,
        version: &str,
    ) -> Result<Option<VersionRecord>, StoreError> {
        let (name, version) = (name.to_owned(), version.to_owned());
        self.run(move |db| {
            let txn = db.begin_read().map_err(backend)?;
            let table = txn.open_table(VERSIONS).map_err(backend)?;
            let found = table
                .get((name.as_str(), version.as_str()))
                .map_err(backend)?;
            found.map(|v| decode(v.value())).transpose()
        })
        .await
    }

    async fn latest(&self, name: &str) -> Result<Option<VersionRecord>, StoreError> {
        let name = name.to_owned();
        self.run(move |db| {
            let txn = db.begin_read().map_err(backend)?;
            let index = txn.open_table(LATEST).map_err(backend)?;
            let Some(version) = index
                .get(name.as_str())
                .map_err(backend)?
                .map(|v| v.value().to_owned())
            else {
                return Ok(None);
            };
            let table = txn.open_table(VERSIONS).map_err(backend)?;
            let found = table
                .get((name.as_str(), version.as_str()))
                .map_err(backend)?;
            found.map(|v| decode(v.value())).transpose()
        })
        .await
    }

    async fn versions(&self, name: &str) -> Result<Vec<VersionRecord>, StoreError> {
        let name = name.to_owned();
        self.run(move |db| {
            let txn = db.begin_read().map_err(backend)?;
            let table = txn.open_table(VERSIONS).map_err(backend)?;
            let mut all = versions_of(&table, &name)?;
            all.sort_by(|a, b| {
                b.entry
                    .published_at
                    .cmp(&a.entry.published_at)
                    .then_with(|| b.entry.version.cmp(&a.entry.version))
            });
            Ok(all)
        })
        .await
    }

    fn change_counter(&self) -> Option<u64> {
        Some(self.db.commits.load(Ordering::Acquire))
    }

    async fn list(&self, query: &ListQuery) -> Result<Page, StoreError> {
        let query = query.clone();
        let read_limits = self.read_limits;
        self.run(move |db| {
            let txn = db.begin_read().map_err(backend)?;
            if let Some(items) = listing::list_indexed(&txn, &query, read_limits)? {
                return Ok(Page::of(items, query.limit));
            }
            let table = txn.open_table(VERSIONS).map_err(backend)?;
            let mut items = Vec::with_capacity(query.limit + 1);
            if query.version == VersionFilter::Latest {
                let index = txn.open_table(LATEST).map_err(backend)?;
                let start = match &query.cursor {
                    Some(c) => Bound::Excluded(c.name.as_str()),
                    None => Bound::Unbounded,
                };
                for entry in index
                    .range::<&str>((start, Bound::Unbounded))
                    .map_err(backend)?
                {
                    let (name, version) = entry.map_err(backend)?;
                    let Some(bytes) = table
                        .get((name.value(), version.value()))
                        .map_err(backend)?
                    else {
                        continue;
                    };
                    let record: VersionRecord = decode(bytes.value())?;
                    if matches(&query, &record) {
                        items.push(record);
                        if items.len() > query.limit {
                            break;
                        }
                    }
                }
            } else {
                let start = match &query.cursor {
                    Some(c) => Bound::Excluded((c.name.as_str(), c.version.as_str())),
                    None => Bound::Unbounded,
                };
                for entry in table
                    .range::<(&str, &str)>((start, Bound::Unbounded))
                    .map_err(backend)?
                {
                    let (_, v) = entry.map_err(backend)?;
                    let record: VersionRecord = decode(v.value())?;
                    if matches(&query, &record) {
                        items.push(record);
                        if items.len() > query.limit {
                            break;
                        }
                    }
                }
            }
            Ok(Page::of(items, query.limit))
        })
        .await
    }

    async fn put_mirrored(
        &self,
        record: &MirroredRecord,
        audit: Option<&AuditEvent>,
    ) -> Result<(), StoreError> {
        let (record, audit) = (record.clone(), audit.cloned());
        self.run(move |db| {
            let txn = begin_write(db)?;
            {
                let mut t = txn.open_table(MIRRORED).map_err(backend)?;
                t.insert(
                    (
                        record.name.as_str(),
                        record.version.as_str(),
                        record.source.as_str(),
                    ),
                    encode(&record)?.as_slice(),
                )
                .map_err(backend)?;
            }
            if let Some(audit) = &audit {
                append_audit(&txn, audit)?;
            }
            txn.commit().map_err(backend)
        })
        .await
    }

    async fn remove_mirrored(
        &self,
        name: &str,
        version: &str,
        source: &str,
    ) -> Result<bool, StoreError> {
        let (name, version, source) = (name.to_owned(), version.to_owned(), source.to_owned());
        self.run(move |db| {
            let txn = begin_write(db)?;
            let removed = {
                let mut t = txn.open_table(MIRRORED).map_err(backend)?;
                t.remove((name.as_str(), version.as_str(), source.as_str()))
                    .map_err(backend)?
                    .is_some()
            };
            txn.commit().map_err(backend)?;
            Ok(removed)
        })
        .await
    }

    async fn mirrored_version(
        &self,
        name: &str,
        version: &str,
        source: &str,
    ) -> Result<Option<MirroredRecord>, StoreError> {
        let (name, version, source) = (name.to_owned(), version.to_owned(), source.to_owned());
        self.run(move |db| {
            let txn = db.begin_read().map_err(backend)?;
            let t = txn.open_table(MIRRORED).map_err(backend)?;
            let found = t
                .get((name.as_str(), version.as_str(), source.as_str()))
                .map_err(backend)?;
            found.map(|v| decode(v.value())).transpose()
        })
        .await
    }

    async fn mirrored(
        &self,
        prefix: &str,
        after: Option<(&str, &str, &str)>,
        limit: usize,
    ) -> Result<Vec<MirroredRecord>, StoreError> {
        let prefix = prefix.to_owned();
        // A cursor before the prefix starts at the prefix.
        let after = after
            .filter(|(name, _, _)| *name >= prefix.as_str())
            .map(|(n, v, s)| (n.to_owned(), v.to_owned(), s.to_owned()));
        self.run(move |db| {
            let txn = db.begin_read().map_err(backend)?;
            let t = txn.open_table(MIRRORED).map_err(backend)?;
            let start = match &after {
                Some((n, v, s)) => Bound::Excluded((n.as_str(), v.as_str(), s.as_str())),
                None => Bound::Included((prefix.as_str(), "", "")),
            };
            let mut out = Vec::new();
            for entry in t
                .range::<(&str, &str, &str)>((start, Bound::Unbounded))
                .map_err(backend)?
            {
                let (key, value) = entry.map_err(backend)?;
                if out.len() == limit || !key.value().0.starts_with(prefix.as_str()) {
                    break;
                }
                out.push(decode(value.value())?);
            }
            Ok(out)
        })
        .await
    }

    async fn sync_value(&self, key: &str) -> Result<Option<String>, StoreError> {
        let key = key.to_owned();
        self.run(move |db| {
            let txn = db.begin_read().map_err(backend)?;
            let t = txn.open_table(SYNC_STATE).map_err(backend)?;
            Ok(t.get(key.as_str())
                .map_err(backend)?
                .map(|v| v.value().to_owned()))
        })
        .await
    }

    async fn put_sync_value(
        &self,
        key: &str,
        value: &str,
        audit: Option<&AuditEvent>,
    ) -> Result<(), StoreError> {
        let (key, value, audit) = (key.to_owned(), value.to_owned(), audit.cloned());
        self.run(move |db| {
            let txn = begin_write(db)?;
            {
                let mut t = txn.open_table(SYNC_STATE).map_err(backend)?;
                t.insert(key.as_str(), value.as_str()).map_err(backend)?;
            }
            if let Some(audit) = &audit {
                append_audit(&txn, audit)?;
            }
            txn.commit().map_err(backend)
        })
        .await
    }

    async fn append_audit(&self, event: &AuditEvent) -> Result<u64, StoreError> {
        let event = event.clone();
        self.run(move |db| {
            let txn = begin_write(db)?;
            let seq = append_audit(&txn, &event)?;
            txn.commit().map_err(backend)?;
            Ok(seq)
        })
        .await
    }

    async fn audit(&self, after: u64, limit: usize) -> Result<Vec<AuditRecord>, StoreError> {
        self.run(move |db| {
            let txn = db.begin_read().map_err(backend)?;
            let table = txn.open_table(AUDIT).map_err(backend)?;
            let mut out = Vec::new();
            for entry in table.range(after.saturating_add(1)..).map_err(backend)? {
                let (k, v) = entry.map_err(backend)?;
                out.push(AuditRecord {
                    seq: k.value(),
                    event: decode(v.value())?,
                });
                if out.len() >= limit {
                    break;
                }
            }
            Ok(out)
        })
        .await
    }

    async fn catalog_version(&self) -> Result<u64, StoreError> {
        Ok(self.signed_catalog().await?.map_or(0, |c| c.version))
    }

    async fn log_size(&self) -> Result<u64, StoreError> {
        self.run(|db| {
            let txn = db.begin_read().map_err(backend)?;
            let table = txn.open_table(LOG_ENTRIES).map_err(backend)?;
            table.len().map_err(backend)
        })
        .await
    }

    async fn log_leaves(&self, start: u64, end: u64) -> Result<Vec<Vec<u8>>, StoreError> {
        self.run(move |db| {
            let txn = db.begin_read().map_err(backend)?;
            let table = txn.open_table(LOG_ENTRIES).map_err(backend)?;
            let mut out = Vec::new();
            for item in table.range(start..end).map_err(backend)? {
                let (_, v) = item.map_err(backend)?;
                out.push(v.value().to_vec());
            }
            Ok(out)
        })
        .await
    }

    async fn signed_catalog(&self) -> Result<Option<SignedCatalog>, StoreError> {
        self.run(|db| {
            let txn = db.begin_read().map_err(backend)?;
            let table = txn.open_table(CATALOG).map_err(backend)?;
            read_signed(&table)
        })
        .await
    }

    async fn catalog_shard(&self, bin: u8) -> Result<Option<Vec<u8>>, StoreError> {
        self.run(move |db| {
            let txn = db.begin_read().map_err(backend)?;
            let table = txn.open_table(CATALOG_SHARDS).map_err(backend)?;
            Ok(table.get(bin).map_err(backend)?.map(|v| v.value().to_vec()))
        })
        .await
    }

    async fn sign_catalog(
        &self,
        leaves_from: u64,
        sign: SignFn,
    ) -> Result<Option<SignedCatalog>, StoreError> {
        self.run(move |db| {
            // redb allows one write transaction at a time: this is the lock.
            let txn = begin_write(db)?;
            let pending = {
                let catalog = txn.open_table(CATALOG).map_err(backend)?;
                let current = read_signed(&catalog)?;
                let log = txn.open_table(LOG_ENTRIES).map_err(backend)?;
                let log_size = log.len().map_err(backend)?;
                let covered = current.as_ref().map_or(0, |c| c.tree_size);
                let leaves_from = leaves_from.min(covered);
                let mut leaves = Vec::with_capacity(
                    usize::try_from(log_size.saturating_sub(leaves_from)).unwrap_or(0),
                );
                for item in log.range(leaves_from..log_size).map_err(backend)? {
                    let (_, v) = item.map_err(backend)?;
                    leaves.push(v.value().to_vec());
                }
                let skip = usize::try_from(covered - leaves_from).unwrap_or(usize::MAX);
                let versions = txn.open_table(VERSIONS).map_err(backend)?;
                let shards_table = txn.open_table(CATALOG_SHARDS).map_err(backend)?;
                let named = versions_named(leaves.get(skip..).unwrap_or_default())?;
                let mut changed = Vec::with_capacity(named.len());
                let mut bins = std::collections::BTreeSet::new();
                for (name, version) in named {
                    let record: VersionRecord = versions
                        .get((name.as_str(), version.as_str()))
                        .map_err(backend)?
                        .map(|v| decode(v.value()))
                        .transpose()?
                        .ok_or_else(|| {
                            StoreError::Corrupt(format!(
                                "the log names {name} {version}, which is not stored"
                            ))
                        })?;
                    bins.insert(record.entry.shard());
                    changed.push(record.entry);
                }
                let mut shards = Vec::new();
                for bin in bins {
                    if let Some(v) = shards_table.get(bin).map_err(backend)? {
                        shards.push((bin, v.value().to_vec()));
                    }
                }
                Pending {
                    current,
                    log_size,
                    leaves_from,
                    leaves,
                    changed,
                    shards,
                }
            };
            let (version, log_size) = (
                pending.current.as_ref().map(|c| c.version),
                pending.log_size,
            );
            let Some(signing) = sign(pending).map_err(StoreError::Signing)? else {
                return Ok(None);
            };
            check_signing(version, log_size, &signing)?;
            for (i, leaf) in signing.append.iter().enumerate() {
                append_log(&txn, log_size + i as u64, leaf)?;
            }
            {
                let mut shards = txn.open_table(CATALOG_SHARDS).map_err(backend)?;
                for (bin, bytes) in &signing.shards {
                    shards.insert(*bin, bytes.as_slice()).map_err(backend)?;
                }
                let mut catalog = txn.open_table(CATALOG).map_err(backend)?;
                catalog
                    .insert(SIGNED, encode(&signing.catalog)?.as_slice())
                    .map_err(backend)?;
            }
            txn.commit().map_err(backend)?;
            Ok(Some(signing.catalog))
        })
        .await
    }
}
