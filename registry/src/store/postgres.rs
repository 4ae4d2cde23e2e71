//! The PostgreSQL store, for several registry replicas sharing one database.
//! Queries are plain runtime-checked SQL (tokio-postgres: far fewer crates
//! than sqlx, and no compile-time database). Schema changes are numbered
//! migrations applied at connect under an advisory lock. Every write takes one
//! transaction-scoped advisory lock first, so log indexes and audit sequence
//! numbers are gap-free and writes from all replicas are serialized. Triggers
//! make the audit log and the transparency log append-only and refuse to
//! delete a version. TLS to the database is not supported yet: connect over a
//! local socket or a private network.

use super::{
    EntryBudget, EntryUsage, ListQuery, NAMESPACE_SHARD_USAGE, Page, Pending, PublishOutcome,
    SignFn, SignedCatalog, StatusChange, StatusOutcome, Store, StoreError, VersionFilter,
    already_stored, apply_change, check_signing, entry_bytes, mark_tools_changed, publish_leaf,
    relabel_latest, status_leaf, usage_keys, usage_of, versions_named,
};
use crate::model::{
    AuditEvent, AuditRecord, MirroredRecord, Namespace, TokenRecord, VersionRecord,
};
use crate::time::to_micros;
use async_trait::async_trait;
use jiff::Timestamp;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::{Semaphore, SemaphorePermit};
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, NoTls, Transaction};

/// Key of the advisory lock that serializes every write (and migrations).
const WRITE_LOCK: i64 = 0x6d63_7072_6567_0001;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Numbered schema migrations, applied in order, each once.
const MIGRATIONS: &[(i32, &str)] = &[
    (
        1,
        r#"
CREATE TABLE namespaces (
    name TEXT COLLATE "C" PRIMARY KEY,
    record TEXT NOT NULL
);
CREATE TABLE tokens (
    id TEXT COLLATE "C" PRIMARY KEY,
    record TEXT NOT NULL
);
CREATE TABLE versions (
    name TEXT COLLATE "C" NOT NULL,
    version TEXT COLLATE "C" NOT NULL,
    manifest_sha256 TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'yanked', 'revoked')),
    is_latest BOOLEAN NOT NULL,
    published_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (name, version)
);
CREATE INDEX versions_latest ON versions (name) WHERE is_latest;
CREATE INDEX versions_updated_at ON versions (updated_at);
CREATE TABLE log_entries (
    idx BIGINT PRIMARY KEY CHECK (idx >= 0),
    leaf BYTEA NOT NULL
);
CREATE TABLE audit (
    seq BIGINT PRIMARY KEY CHECK (seq >= 1),
    record TEXT NOT NULL
);
CREATE TABLE catalog (
    id BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (id),
    version BIGINT NOT NULL
);
INSERT INTO catalog (id, version) VALUES (TRUE, 0);
CREATE FUNCTION mcp_registry_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'table % is append-only', TG_TABLE_NAME;
END
$$;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION mcp_registry_refuse_change();
CREATE TRIGGER log_entries_append_only BEFORE UPDATE OR DELETE ON log_entries
    FOR EACH ROW EXECUTE FUNCTION mcp_registry_refuse_change();
CREATE TRIGGER versions_never_deleted BEFORE DELETE ON versions
    FOR EACH ROW EXECUTE FUNCTION mcp_registry_refuse_change();
"#,
    ),
    (
        2,
        r#"
ALTER TABLE catalog ADD COLUMN signed TEXT;
UPDATE catalog SET version = 0;
CREATE TABLE catalog_shards (
    bin SMALLINT PRIMARY KEY CHECK (bin BETWEEN 0 AND 255),
    bytes BYTEA NOT NULL
);
"#,
    ),
    (
        ENTRY_BYTES_MIGRATION,
        r#"
CREATE TABLE entry_bytes (
    key TEXT COLLATE "C" PRIMARY KEY,
    bytes BIGINT NOT NULL CHECK (bytes >= 0)
);
"#,
    ),
    (
        NAMESPACE_SHARD_MIGRATION,
        r#"
COMMENT ON TABLE entry_bytes IS 'catalog bytes granted per server, namespace, shard and namespace in a shard';
"#,
    ),
    (
        5,
        // The SHA-256 of the manifest bytes as published, named apart from
        // the catalog entry's hash of the manifest's canonical form.
        r#"
ALTER TABLE versions RENAME COLUMN manifest_sha256 TO manifest_bytes_sha256;
"#,
    ),
    (
        6,
        // The mirrored tier (versions an upstream lists that did not verify
        // here) and what the sync keeps between runs.
        r#"
CREATE TABLE mirrored (
    name TEXT COLLATE "C" NOT NULL,
    version TEXT COLLATE "C" NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (name, version)
);
CREATE TABLE sync_state (
    key TEXT COLLATE "C" PRIMARY KEY,
    value TEXT NOT NULL
);
"#,
    ),
    (
        7,
        // One mirrored record per source of a version.
        r#"
ALTER TABLE mirrored ADD COLUMN source TEXT COLLATE "C";
UPDATE mirrored SET source = (record::json) ->> 'source';
ALTER TABLE mirrored ALTER COLUMN source SET NOT NULL;
ALTER TABLE mirrored DROP CONSTRAINT mirrored_pkey;
ALTER TABLE mirrored ADD PRIMARY KEY (name, version, source);
"#,
    ),
];

/// The migration that starts counting catalog bytes per server, namespace
/// and shard (`store::usage_keys`); applying it also counts the versions
/// already stored.
const ENTRY_BYTES_MIGRATION: i32 = 3;

/// The migration that starts counting catalog bytes per namespace in each
/// shard (`store::NAMESPACE_SHARD_USAGE`); applying it counts the versions
/// already stored into those counters.
const NAMESPACE_SHARD_MIGRATION: i32 = 4;

/// The PostgreSQL-backed store with a small connection pool.
#[derive(Debug)]
pub struct PostgresStore {
    pool: Pool,
}

struct Pool {
    url: String,
    idle: Mutex<Vec<Client>>,
    slots: Semaphore,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("available", &self.slots.available_permits())
            .finish_non_exhaustive()
    }
}

/// A pooled connection, returned to the pool on drop unless it is closed.
struct Conn<'a> {
    client: Option<Client>,
    pool: &'a Pool,
    _permit: SemaphorePermit<'a>,
}

impl std::ops::Deref for Conn<'_> {
    type Target = Client;
    fn deref(&self) -> &Client {
        self.client
            .as_ref()
            .unwrap_or_else(|| unreachable!("taken only on drop"))
    }
}

impl std::ops::DerefMut for Conn<'_> {
    fn deref_mut(&mut self) -> &mut Client {
        self.client
            .as_mut()
            .unwrap_or_else(|| unreachable!("taken only on drop"))
    }
}

impl Drop for Conn<'_> {
    fn drop(&mut self) {
        if let Some(client) = self.client.take()
            && !client.is_closed()
            && let Ok(mut idle) = self.pool.idle.lock()
        {
            idle.push(client);
        }
    }
}

fn backend(e: tokio_postgres::Error) -> StoreError {
    // The server's own message (constraint, trigger) is the useful part.
    match e.as_db_error() {
        // Class 08 (connection exception) and 57P01–57P05 (shut down,
        // crashed, starting up): the database, not the request, is the problem.
        Some(db) if db.code().code().starts_with("08") || db.code().code().starts_with("57P") => {
            StoreError::Unavailable(format!("{}: {}", db.code().code(), db.message()))
        }
        Some(db) => StoreError::Backend(format!("{}: {}", db.code().code(), db.message())),
        // A closed connection, or one that could not be made.
        None if e.is_closed()
            || std::error::Error::source(&e).is_some_and(|s| s.is::<std::io::Error>()) =>
        {
            StoreError::Unavailable(e.to_string())
        }
        None => StoreError::Backend(e.to_string()),
    }
}

fn encode<T: Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn decode<T: DeserializeOwned>(text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// The record (first column, JSON text) of the row `sql` selects, if any.
async fn record<C: tokio_postgres::GenericClient, T: DeserializeOwned>(
    client: &C,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Option<T>, StoreError> {
    client
        .query_opt(sql, params)
        .await
        .map_err(backend)?
        .map(|r| decode(r.get::<_, &str>(0)))
        .transpose()
}

/// The records (first column, JSON text) of every row `sql` selects.
async fn records<C: tokio_postgres::GenericClient, T: DeserializeOwned>(
    client: &C,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Vec<T>, StoreError> {
    client
        .query(sql, params)
        .await
        .map_err(backend)?
        .iter()
        .map(|r| decode(r.get::<_, &str>(0)))
        .collect()
}

async fn connect(url: &str) -> Result<Client, StoreError> {
    let (client, connection) =
        tokio::time::timeout(CONNECT_TIMEOUT, tokio_postgres::connect(url, NoTls))
            .await
            .map_err(|_| StoreError::Unavailable("connecting to PostgreSQL timed out".into()))?
            .map_err(backend)?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::warn!(error = %e, "PostgreSQL connection closed");
        }
    });
    Ok(client)
}

impl Pool {
    async fn get(&self) -> Result<Conn<'_>, StoreError> {
        let permit = self
            .slots
            .acquire()
            .await
            .map_err(|_| StoreError::Backend("connection pool closed".into()))?;
        let reused = {
            let mut idle = self
                .idle
                .lock()
                .map_err(|_| StoreError::Backend("connection pool poisoned".into()))?;
            std::iter::from_fn(|| idle.pop()).find(|c| !c.is_closed())
        };
        let client = match reused {
            Some(c) => c,
            None => connect(&self.url).await?,
        };
        Ok(Conn {
            client: Some(client),
            pool: self,
            _permit: permit,
        })
    }
}

impl PostgresStore {
    /// Connects, applies pending migrations, and keeps up to `pool_size` connections.
    pub async fn connect(url: &str, pool_size: usize) -> Result<PostgresStore, StoreError> {
        let store = PostgresStore {
            pool: Pool {
                url: url.to_owned(),
                idle: Mutex::new(Vec::new()),
                slots: Semaphore::new(pool_size.max(1)),
            },
        };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let mut conn = self.pool.get().await?;
        let mut txn = conn.transaction().await.map_err(backend)?;
        lock(&txn).await?;
        txn.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                version INT PRIMARY KEY,
                applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
            )",
        )
        .await
        .map_err(backend)?;
        let applied: Vec<i32> = txn
            .query("SELECT version FROM schema_migrations", &[])
            .await
            .map_err(backend)?
            .iter()
            .map(|r| r.get(0))
            .collect();
        for (version, sql) in MIGRATIONS {
            if applied.contains(version) {
                continue;
            }
            txn.batch_execute(sql).await.map_err(backend)?;
            // Each counting migration counts its own kind of counter, so a
            // database that applies both at once counts each version once.
            if *version == ENTRY_BYTES_MIGRATION {
                count_existing_entries(&txn, |key| !key.starts_with(NAMESPACE_SHARD_USAGE)).await?;
            }
            if *version == NAMESPACE_SHARD_MIGRATION {
                count_existing_entries(&txn, |key| key.starts_with(NAMESPACE_SHARD_USAGE)).await?;
            }
            txn.execute(
                "INSERT INTO schema_migrations (version) VALUES ($1)",
                &[version],
            )
            .await
            .map_err(backend)?;
            tracing::info!(version, "applied database migration");
        }
        search_index(&mut txn).await?;
        txn.commit().await.map_err(backend)
    }
}

/// The trigram index `search` uses (`lower(name) LIKE '%…%'`), built once.
/// It needs the `pg_trgm` extension (shipped with PostgreSQL, trusted since
/// 13, so a database owner may create it); where it cannot be created, the
/// registry starts anyway, `search` scans every name, and a warning says
/// why. The next start tries again.
const SEARCH_INDEX: &str = "versions_name_trigrams";

async fn search_index(txn: &mut Transaction<'_>) -> Result<(), StoreError> {
    let exists = txn
        .query_opt(
            "SELECT 1 FROM pg_indexes WHERE schemaname = current_schema() AND indexname = $1",
            &[&SEARCH_INDEX],
        )
        .await
        .map_err(backend)?
        .is_some();
    if exists {
        return Ok(());
    }
    let savepoint = txn.savepoint("search_index").await.map_err(backend)?;
    let created = savepoint
        .batch_execute(&format!(
            "CREATE EXTENSION IF NOT EXISTS pg_trgm;
             CREATE INDEX {SEARCH_INDEX} ON versions USING gin (lower(name) gin_trgm_ops);"
        ))
        .await;
    match created {
        Ok(()) => {
            savepoint.commit().await.map_err(backend)?;
            tracing::info!(index = SEARCH_INDEX, "built the search index");
        }
        Err(e) => {
            savepoint.rollback().await.map_err(backend)?;
            tracing::warn!(
                error = %e,
                "cannot build the search index (the pg_trgm extension is missing or may not be \
                 created by this role): `search` will scan every name; install pg_trgm or run \
                 `CREATE EXTENSION pg_trgm` as a superuser, then restart"
            );
        }
    }
    Ok(())
}

/// Counts the entries of every stored version into the `entry_bytes`
/// counters whose key `kind` accepts: a database written before those
/// counters existed starts with what it holds.
async fn count_existing_entries(
    txn: &Transaction<'_>,
    kind: impl Fn(&str) -> bool,
) -> Result<(), StoreError> {
    let versions: Vec<VersionRecord> = records(txn, "SELECT record FROM versions", &[]).await?;
    let usage = usage_of(versions.iter().map(|v| &v.entry))?;
    for (key, bytes) in usage.into_iter().filter(|(k, _)| kind(k)) {
        let bytes =
            i64::try_from(bytes).map_err(|_| StoreError::Corrupt("usage overflow".into()))?;
        txn.execute(
            "INSERT INTO entry_bytes (key, bytes) VALUES ($1, $2)",
            &[&key, &bytes],
        )
        .await
        .map_err(backend)?;
    }
    Ok(())
}

/// The usage counters under `keys` ([`usage_keys`]).
async fn read_usage<C: tokio_postgres::GenericClient>(
    client: &C,
    keys: &[String; 4],
) -> Result<EntryUsage, StoreError> {
    let rows = client
        .query(
            "SELECT key, bytes FROM entry_bytes WHERE key = ANY($1)",
            &[&keys.as_slice()],
        )
        .await
        .map_err(backend)?;
    let get = |key: &String| {
        rows.iter()
            .find(|r| r.get::<_, &str>(0) == key)
            .map_or(0, |r| r.get::<_, i64>(1) as u64)
    };
    Ok(EntryUsage::from_counters([
        get(&keys[0]),
        get(&keys[1]),
        get(&keys[2]),
        get(&keys[3]),
    ]))
}

async fn lock(txn: &Transaction<'_>) -> Result<(), StoreError> {
    txn.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK])
        .await
        .map_err(backend)?;
    Ok(())
}

async fn append_audit(txn: &Transaction<'_>, event: &AuditEvent) -> Result<u64, StoreError> {
    let row = txn
        .query_one(
            "INSERT INTO audit (seq, record)
             SELECT COALESCE(MAX(seq), 0) + 1, $1 FROM audit RETURNING seq",
            &[&encode(event)?],
        )
        .await
        .map_err(backend)?;
    Ok(row.get::<_, i64>(0) as u64)
}

async fn log_len(txn: &Transaction<'_>) -> Result<u64, StoreError> {
    let row = txn
        .query_one("SELECT COALESCE(MAX(idx) + 1, 0) FROM log_entries", &[])
        .await
        .map_err(backend)?;
    Ok(row.get::<_, i64>(0) as u64)
}

/// Appends leaf `index`; the primary key refuses a second leaf at one index.
async fn append_log(txn: &Transaction<'_>, index: u64, leaf: &[u8]) -> Result<(), StoreError> {
    let idx = i64::try_from(index).map_err(|_| StoreError::Corrupt("log index overflow".into()))?;
    txn.execute(
        "INSERT INTO log_entries (idx, leaf) VALUES ($1, $2)",
        &[&idx, &leaf],
    )
    .await
    .map_err(backend)?;
    Ok(())
}

async fn read_version<C: tokio_postgres::GenericClient>(
    client: &C,
    name: &str,
    version: &str,
) -> Result<Option<VersionRecord>, StoreError> {
    record(
        client,
        "SELECT record FROM versions WHERE name = $1 AND version = $2",
        &[&name, &version],
    )
    .await
}

async fn write_version(txn: &Transaction<'_>, r: &VersionRecord) -> Result<(), StoreError> {
    txn.execute(
        "INSERT INTO versions (name, version, manifest_bytes_sha256, status, is_latest, published_at, updated_at, record)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (name, version) DO UPDATE SET
             status = EXCLUDED.status, is_latest = EXCLUDED.is_latest,
             updated_at = EXCLUDED.updated_at, record = EXCLUDED.record",
        &[
            &r.entry.name,
            &r.entry.version,
            &r.manifest_bytes_sha256,
            &r.entry.status.as_str(),
            &r.is_latest,
            &to_micros(r.entry.published_at),
            &to_micros(r.updated_at),
            &encode(r)?,
        ],
    )
    .await
    .map_err(backend)?;
    Ok(())
}

async fn recompute_latest(
    txn: &Transaction<'_>,
    name: &str,
    at: Timestamp,
) -> Result<(), StoreError> {
    let all: Vec<VersionRecord> =
        records(txn, "SELECT record FROM versions WHERE name = $1", &[&name]).await?;
    for r in relabel_latest(all, at).1 {
        write_version(txn, &r).await?;
    }
    Ok(())
}

fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[async_trait]
impl Store for PostgresStore {
    async fn ping(&self) -> Result<(), StoreError> {
        let conn = self.pool.get().await?;
        conn.execute("SELECT 1", &[]).await.map_err(backend)?;
        Ok(())
    }

    async fn create_namespace(&self, ns: &Namespace, audit: &AuditEvent) -> Result<(), StoreError> {
        let mut conn = self.pool.get().await?;
        let txn = conn.transaction().await.map_err(backend)?;
        lock(&txn).await?;
        let inserted = txn
            .execute(
                "INSERT INTO namespaces (name, record) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                &[&ns.name, &encode(ns)?],
            )
            .await
            .map_err(backend)?;
        if inserted == 0 {
            return Err(StoreError::AlreadyExists(format!(
                "namespace `{}`",
                ns.name
            )));
        }
        append_audit(&txn, audit).await?;
        txn.commit().await.map_err(backend)
    }

    async fn namespace(&self, name: &str) -> Result<Option<Namespace>, StoreError> {
        let conn = self.pool.get().await?;
        record(
            &*conn,
            "SELECT record FROM namespaces WHERE name = $1",
            &[&name],
        )
        .await
    }

    async fn namespaces(&self) -> Result<Vec<Namespace>, StoreError> {
        let conn = self.pool.get().await?;
        records(&*conn, "SELECT record FROM namespaces ORDER BY name", &[]).await
    }

    async fn create_token(
        &self,
        token: &TokenRecord,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let mut conn = self.pool.get().await?;
        let txn = conn.transaction().await.map_err(backend)?;
        lock(&txn).await?;
        let inserted = txn
            .execute(
                "INSERT INTO tokens (id, record) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                &[&token.id, &encode(token)?],
            )
            .await
            .map_err(backend)?;
        if inserted == 0 {
            return Err(StoreError::AlreadyExists(format!("token `{}`", token.id)));
        }
        append_audit(&txn, audit).await?;
        txn.commit().await.map_err(backend)
    }

    async fn token(&self, id: &str) -> Result<Option<TokenRecord>, StoreError> {
        let conn = self.pool.get().await?;
        record(&*conn, "SELECT record FROM tokens WHERE id = $1", &[&id]).await
    }

    async fn revoke_token(
        &self,
        id: &str,
        at: Timestamp,
        audit: &AuditEvent,
    ) -> Result<Option<TokenRecord>, StoreError> {
        let mut conn = self.pool.get().await?;
        let txn = conn.transaction().await.map_err(backend)?;
        lock(&txn).await?;
        let found: Option<TokenRecord> =
            record(&txn, "SELECT record FROM tokens WHERE id = $1", &[&id]).await?;
        let Some(mut record) = found else {
            return Ok(None);
        };
        record.revoked_at.get_or_insert(at);
        txn.execute(
            "UPDATE tokens SET record = $2 WHERE id = $1",
            &[&id, &encode(&record)?],
        )
        .await
        .map_err(backend)?;
        append_audit(&txn, audit).await?;
        txn.commit().await.map_err(backend)?;
        Ok(Some(record))
    }

    async fn tokens(&self) -> Result<Vec<TokenRecord>, StoreError> {
        let conn = self.pool.get().await?;
        records(&*conn, "SELECT record FROM tokens ORDER BY id", &[]).await
    }

    async fn publish(
        &self,
        version: &VersionRecord,
        audit: &AuditEvent,
        budget: &EntryBudget,
    ) -> Result<PublishOutcome, StoreError> {
        let mut conn = self.pool.get().await?;
        let txn = conn.transaction().await.map_err(backend)?;
        // Every replica's writes queue here: the checks below and the write
        // that follows see the same state.
        lock(&txn).await?;
        let stored: Vec<VersionRecord> = records(
            &txn,
            "SELECT record FROM versions WHERE name = $1",
            &[&version.entry.name],
        )
        .await?;
        let hash = &version.manifest_bytes_sha256;
        if let Some(outcome) = already_stored(&stored, &version.entry.version, hash) {
            // Nothing changes: dropping the transaction rolls it back.
            return Ok(outcome);
        }
        let mut version = version.clone();
        mark_tools_changed(&mut version, &stored);
        let bytes = entry_bytes(&version.entry)?;
        let keys = usage_keys(&version.entry.name);
        if let Err(over) = budget.admit(&version.entry.name, bytes, &read_usage(&txn, &keys).await?)
        {
            // Nothing changes: dropping the transaction rolls it back.
            return Ok(PublishOutcome::OverBudget(over));
        }
        let added =
            i64::try_from(bytes).map_err(|_| StoreError::Corrupt("usage overflow".into()))?;
        txn.execute(
            "INSERT INTO entry_bytes (key, bytes) SELECT k, $2 FROM unnest($1::text[]) AS k
             ON CONFLICT (key) DO UPDATE SET bytes = entry_bytes.bytes + EXCLUDED.bytes",
            &[&keys.as_slice(), &added],
        )
        .await
        .map_err(backend)?;
        let index = log_len(&txn).await?;
        version.logged_at(index);
        write_version(&txn, &version).await?;
        recompute_latest(&txn, &version.entry.name, version.updated_at).await?;
        let stored = read_version(&txn, &version.entry.name, &version.entry.version)
            .await?
            .ok_or_else(|| StoreError::Corrupt("version vanished inside its transaction".into()))?;
        append_log(&txn, index, &publish_leaf(&stored.entry)?).await?;
        append_audit(&txn, audit).await?;
        txn.commit().await.map_err(backend)?;
        Ok(PublishOutcome::Created(stored))
    }

    async fn entry_usage(&self, name: &str) -> Result<EntryUsage, StoreError> {
        let conn = self.pool.get().await?;
        read_usage(&*conn, &usage_keys(name)).await
    }

    async fn set_status(
        &self,
        change: &StatusChange,
        audit: &AuditEvent,
    ) -> Result<StatusOutcome, StoreError> {
        let mut conn = self.pool.get().await?;
        let txn = conn.transaction().await.map_err(backend)?;
        lock(&txn).await?;
        let Some(record) = read_version(&txn, &change.name, &change.version).await? else {
            return Ok(StatusOutcome::NotFound);
        };
        let (record, status) = match apply_change(record, change) {
            Ok(applied) => applied,
            Err(refused) => return Ok(*refused),
        };
        write_version(&txn, &record).await?;
        recompute_latest(&txn, &record.entry.name, record.updated_at).await?;
        let stored = read_version(&txn, &record.entry.name, &record.entry.version)
            .await?
            .ok_or_else(|| StoreError::Corrupt("version vanished inside its transaction".into()))?;
        let index = log_len(&txn).await?;
        append_log(&txn, index, &status_leaf(change, status)?).await?;
        append_audit(&txn, audit).await?;
        txn.commit().await.map_err(backend)?;
        Ok(StatusOutcome::Changed(stored))
    }

    async fn version(
        &self,
        name: &str,
        version: &str,
    ) -> Result<Option<VersionRecord>, StoreError> {
        let conn = self.pool.get().await?;
        read_version(&*conn, name, version).await
    }

    async fn latest(&self, name: &str) -> Result<Option<VersionRecord>, StoreError> {
        let conn = self.pool.get().await?;
        record(
            &*conn,
            "SELECT record FROM versions WHERE name = $1 AND is_latest",
            &[&name],
        )
        .await
    }

    async fn versions(&self, name: &str) -> Result<Vec<VersionRecord>, StoreError> {
        let conn = self.pool.get().await?;
        records(
            &*conn,
            "SELECT record FROM versions WHERE name = $1 ORDER BY published_at DESC, version DESC",
            &[&name],
        )
        .await
    }

    async fn list(&self, query: &ListQuery) -> Result<Page, StoreError> {
        let search = query
            .search
            .as_ref()
            .map(|s| format!("%{}%", escape_like(&s.to_lowercase())));
        let updated_since = query.updated_since.map(to_micros);
        let limit = query.limit as i64 + 1;
        let mut sql = String::from("SELECT record FROM versions WHERE TRUE");
        let mut params: Vec<&(dyn ToSql + Sync)> = Vec::new();
        if let Some(c) = &query.cursor {
            params.push(&c.name);
            params.push(&c.version);
            sql.push_str(&format!(
                " AND (name, version) > (${}, ${})",
                params.len() - 1,
                params.len()
            ));
        }
        if let Some(pattern) = &search {
            params.push(pattern);
            sql.push_str(&format!(" AND lower(name) LIKE ${}", params.len()));
        }
        if let Some(t) = &updated_since {
            params.push(t);
            sql.push_str(&format!(" AND updated_at >= ${}", params.len()));
        }
        if !query.include_deleted {
            sql.push_str(" AND status <> 'revoked'");
        }
        match &query.version {
            VersionFilter::All => {}
            VersionFilter::Latest => sql.push_str(" AND is_latest"),
            VersionFilter::Exact(v) => {
                params.push(v);
                sql.push_str(&format!(" AND version = ${}", params.len()));
            }
        }
        params.push(&limit);
        sql.push_str(&format!(" ORDER BY name, version LIMIT ${}", params.len()));
        let conn = self.pool.get().await?;
        let items: Vec<VersionRecord> = records(&*conn, &sql, &params).await?;
        Ok(Page::of(items, query.limit))
    }

    async fn put_mirrored(
        &self,
        record: &MirroredRecord,
        audit: Option<&AuditEvent>,
    ) -> Result<(), StoreError> {
        let mut conn = self.pool.get().await?;
        let txn = conn.transaction().await.map_err(backend)?;
        lock(&txn).await?;
        txn.execute(
            "INSERT INTO mirrored (name, version, source, record) VALUES ($1, $2, $3, $4)
             ON CONFLICT (name, version, source) DO UPDATE SET record = EXCLUDED.record",
            &[
                &record.name,
                &record.version,
                &record.source,
                &encode(record)?,
            ],
        )
        .await
        .map_err(backend)?;
        if let Some(audit) = audit {
            append_audit(&txn, audit).await?;
        }
        txn.commit().await.map_err(backend)
    }

    async fn remove_mirrored(
        &self,
        name: &str,
        version: &str,
        source: &str,
    ) -> Result<bool, StoreError> {
        let conn = self.pool.get().await?;
        let removed = conn
            .execute(
                "DELETE FROM mirrored WHERE name = $1 AND version = $2 AND source = $3",
                &[&name, &version, &source],
            )
            .await
            .map_err(backend)?;
        Ok(removed > 0)
    }

    async fn mirrored_version(
        &self,
        name: &str,
        version: &str,
        source: &str,
    ) -> Result<Option<MirroredRecord>, StoreError> {
        let conn = self.pool.get().await?;
        record(
            &*conn,
            "SELECT record FROM mirrored WHERE name = $1 AND version = $2 AND source = $3",
            &[&name, &version, &source],
        )
        .await
    }

    async fn mirrored(
        &self,
        prefix: &str,
        after: Option<(&str, &str, &str)>,
        limit: usize,
    ) -> Result<Vec<MirroredRecord>, StoreError> {
        let conn = self.pool.get().await?;
        let (name, version, source) = after.unwrap_or(("", "", ""));
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        // `starts_with` rather than LIKE: a prefix is data, not a pattern.
        records(
            &*conn,
            "SELECT record FROM mirrored
             WHERE starts_with(name, $1) AND (name, version, source) > ($2, $3, $4)
             ORDER BY name, version, source LIMIT $5",
            &[&prefix, &name, &version, &source, &limit],
        )
        .await
    }

    async fn sync_value(&self, key: &str) -> Result<Option<String>, StoreError> {
        let conn = self.pool.get().await?;
        Ok(conn
            .query_opt("SELECT value FROM sync_state WHERE key = $1", &[&key])
            .await
            .map_err(backend)?
            .map(|r| r.get::<_, String>(0)))
    }

    async fn put_sync_value(
        &self,
        key: &str,
        value: &str,
        audit: Option<&AuditEvent>,
    ) -> Result<(), StoreError> {
        let mut conn = self.pool.get().await?;
        let txn = conn.transaction().await.map_err(backend)?;
        lock(&txn).await?;
        txn.execute(
            "INSERT INTO sync_state (key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            &[&key, &value],
        )
        .await
        .map_err(backend)?;
        if let Some(audit) = audit {
            append_audit(&txn, audit).await?;
        }
        txn.commit().await.map_err(backend)
    }

    async fn append_audit(&self, event: &AuditEvent) -> Result<u64, StoreError> {
        let mut conn = self.pool.get().await?;
        let txn = conn.transaction().await.map_err(backend)?;
        lock(&txn).await?;
        let seq = append_audit(&txn, event).await?;
        txn.commit().await.map_err(backend)?;
        Ok(seq)
    }

    async fn audit(&self, after: u64, limit: usize) -> Result<Vec<AuditRecord>, StoreError> {
        let conn = self.pool.get().await?;
        let after = i64::try_from(after).unwrap_or(i64::MAX);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        conn.query(
            "SELECT seq, record FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2",
            &[&after, &limit],
        )
        .await
        .map_err(backend)?
        .iter()
        .map(|r| {
            Ok(AuditRecord {
                seq: r.get::<_, i64>(0) as u64,
                event: decode(r.get::<_, &str>(1))?,
            })
        })
        .collect()
    }

    async fn catalog_version(&self) -> Result<u64, StoreError> {
        let conn = self.pool.get().await?;
        let row = conn
            .query_one("SELECT version FROM catalog", &[])
            .await
            .map_err(backend)?;
        Ok(row.get::<_, i64>(0) as u64)
    }

    async fn log_size(&self) -> Result<u64, StoreError> {
        let conn = self.pool.get().await?;
        let row = conn
            // Gap-free indexes from 0: the size is the last index + 1 (an index lookup).
            .query_one("SELECT COALESCE(MAX(idx) + 1, 0) FROM log_entries", &[])
            .await
            .map_err(backend)?;
        Ok(row.get::<_, i64>(0) as u64)
    }

    async fn log_leaves(&self, start: u64, end: u64) -> Result<Vec<Vec<u8>>, StoreError> {
        let conn = self.pool.get().await?;
        let start = i64::try_from(start).unwrap_or(i64::MAX);
        let end = i64::try_from(end).unwrap_or(i64::MAX);
        Ok(conn
            .query(
                "SELECT leaf FROM log_entries WHERE idx >= $1 AND idx < $2 ORDER BY idx",
                &[&start, &end],
            )
            .await
            .map_err(backend)?
            .iter()
            .map(|r| r.get::<_, Vec<u8>>(0))
            .collect())
    }

    async fn signed_catalog(&self) -> Result<Option<SignedCatalog>, StoreError> {
        let conn = self.pool.get().await?;
        read_signed(&*conn).await
    }

    async fn catalog_shard(&self, bin: u8) -> Result<Option<Vec<u8>>, StoreError> {
        let conn = self.pool.get().await?;
        Ok(conn
            .query_opt(
                "SELECT bytes FROM catalog_shards WHERE bin = $1",
                &[&i16::from(bin)],
            )
            .await
            .map_err(backend)?
            .map(|r| r.get::<_, Vec<u8>>(0)))
    }

    async fn sign_catalog(
        &self,
        leaves_from: u64,
        sign: SignFn,
    ) -> Result<Option<SignedCatalog>, StoreError> {
        let mut conn = self.pool.get().await?;
        let txn = conn.transaction().await.map_err(backend)?;
        // The write lock: one replica signs at a time, and no log append
        // happens between reading the pending changes and writing the index.
        lock(&txn).await?;
        let current = read_signed(&txn).await?;
        let log_size = log_len(&txn).await?;
        let covered = current.as_ref().map_or(0, |c| c.tree_size);
        let leaves_from = leaves_from.min(covered);
        let from = i64::try_from(leaves_from).unwrap_or(i64::MAX);
        let leaves: Vec<Vec<u8>> = txn
            .query(
                "SELECT leaf FROM log_entries WHERE idx >= $1 ORDER BY idx",
                &[&from],
            )
            .await
            .map_err(backend)?
            .iter()
            .map(|r| r.get::<_, Vec<u8>>(0))
            .collect();
        let skip = usize::try_from(covered - leaves_from).unwrap_or(usize::MAX);
        let named = versions_named(leaves.get(skip..).unwrap_or_default())?;
        let (names, versions): (Vec<String>, Vec<String>) = named.iter().cloned().unzip();
        let changed: Vec<mcp_trust::catalog::Entry> = txn
            .query(
                "SELECT v.record FROM versions v
                 JOIN unnest($1::text[], $2::text[]) AS k(name, version)
                   ON v.name = k.name AND v.version = k.version",
                &[&names, &versions],
            )
            .await
            .map_err(backend)?
            .iter()
            .map(|r| decode::<VersionRecord>(r.get::<_, &str>(0)).map(|v| v.entry))
            .collect::<Result<_, _>>()?;
        if changed.len() != named.len() {
            return Err(StoreError::Corrupt(format!(
                "the log names {} versions, {} of them stored",
                named.len(),
                changed.len()
            )));
        }
        let mut bins: Vec<i16> = changed.iter().map(|e| i16::from(e.shard())).collect();
        bins.sort_unstable();
        bins.dedup();
        let shards: Vec<(u8, Vec<u8>)> = txn
            .query(
                "SELECT bin, bytes FROM catalog_shards WHERE bin = ANY($1)",
                &[&bins],
            )
            .await
            .map_err(backend)?
            .iter()
            .map(|r| (r.get::<_, i16>(0) as u8, r.get::<_, Vec<u8>>(1)))
            .collect();
        let version = current.as_ref().map(|c| c.version);
        let pending = Pending {
            current,
            log_size,
            leaves_from,
            leaves,
            changed,
            shards,
        };
        let signing = tokio::task::spawn_blocking(move || sign(pending))
            .await
            .map_err(|e| StoreError::Signing(format!("signing task failed: {e}")))?
            .map_err(StoreError::Signing)?;
        let Some(signing) = signing else {
            return Ok(None);
        };
        check_signing(version, log_size, &signing)?;
        for (i, leaf) in signing.append.iter().enumerate() {
            append_log(&txn, log_size + i as u64, leaf).await?;
        }
        for (bin, bytes) in &signing.shards {
            txn.execute(
                "INSERT INTO catalog_shards (bin, bytes) VALUES ($1, $2)
                 ON CONFLICT (bin) DO UPDATE SET bytes = EXCLUDED.bytes",
                &[&i16::from(*bin), bytes],
            )
            .await
            .map_err(backend)?;
        }
        let new_version = i64::try_from(signing.catalog.version)
            .map_err(|_| StoreError::Signing("catalogVersion overflow".into()))?;
        txn.execute(
            "UPDATE catalog SET version = $1, signed = $2",
            &[&new_version, &encode(&signing.catalog)?],
        )
        .await
        .map_err(backend)?;
        txn.commit().await.map_err(backend)?;
        Ok(Some(signing.catalog))
    }
}

async fn read_signed<C: tokio_postgres::GenericClient>(
    client: &C,
) -> Result<Option<SignedCatalog>, StoreError> {
    let row = client
        .query_one("SELECT signed FROM catalog", &[])
        .await
        .map_err(backend)?;
    row.get::<_, Option<&str>>(0).map(decode).transpose()
}
