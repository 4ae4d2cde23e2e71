//! The registry's signed catalog and transparency log. Publishes and status
//! changes append log leaves in their own transactions; this module turns
//! them into signed catalogs: under the store's write lock it reads what the
//! stored catalog does not cover yet, rewrites the touched shards, signs the
//! next index (`catalogVersion + 1`) and checkpoint, and the store writes
//! all of it in the same transaction ([`Store::sign_catalog`]). A background
//! task signs after every change (bursts coalesce into one signing), re-signs
//! before the index expires even when nothing changed, and picks up what
//! other replicas signed. What is served comes from an in-memory snapshot of
//! the stored bytes, with precompressed bodies and strong ETags.
//!
//! Keys come from the directory `mcp-registry admin keys init` writes:
//! `root.pub`, `keys.json`, `catalog.key`, `checkpoint.key`. The root key is
//! never read. Replicas share these files; none generates its own.

use crate::store::{Pending, SignFn, SignedCatalog, Signing, Store, StoreError};
use axum::http::HeaderValue;
use bytes::Bytes;
use jiff::{SignedDuration, Timestamp};
use mcp_trust::catalog::build::{self, JSON, NOTE};
use mcp_trust::catalog::keys::{KeyStatement, TrustedKeys, verify_key_set};
use mcp_trust::catalog::{Catalog, IndexPayload, LogHead, SHARD_COUNT};
use mcp_trust::dsse::Envelope;
use mcp_trust::keys::{KeyError, PublicKey, Role, SigningKey, read_private_key, read_public_key};
use mcp_trust::log::{self, Checkpoint, LeafHashes, LogRecord, MemoryTree};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;
use tokio::sync::Notify;

/// How long the online keys made on first start of the embedded store are trusted.
const AUTO_KEY_VALIDITY_DAYS: u32 = 90;
/// How long a shard stays servable after the index stops naming it.
pub const SHARD_GRACE: Duration = Duration::from_secs(300);
/// Most replaced shards kept servable.
const MAX_RETIRED_SHARDS: usize = 4096;
/// Warn this long before an online key statement expires.
const KEY_EXPIRY_WARNING: SignedDuration = SignedDuration::from_hours(24 * 14);

/// Why the catalog keys could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// A key file is missing, unreadable or wrong.
    #[error("catalog keys in {dir}: {reason}")]
    Keys {
        /// The key directory.
        dir: String,
        /// What is wrong and how to fix it.
        reason: String,
    },
}

/// The online keys and the root-signed statements that delegate them.
pub struct CatalogKeys {
    root: PublicKey,
    statements: Vec<u8>,
    /// The root-signed statements in `statements` (what a `key` record in
    /// the log must name).
    held: Vec<KeyStatement>,
    trusted: TrustedKeys,
    catalog: SigningKey,
    checkpoint: SigningKey,
    origin: String,
}

impl std::fmt::Debug for CatalogKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CatalogKeys")
            .field("root", &self.root.keyid())
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

impl CatalogKeys {
    /// Loads `root.pub`, `keys.json`, `catalog.key` and `checkpoint.key` from
    /// `dir`: the statements must verify against the root and be unexpired at
    /// `now`, and each private key must be the one its statement names.
    pub fn load(dir: &Path, now: Timestamp) -> Result<CatalogKeys, SetupError> {
        let fail = |reason: String| SetupError::Keys {
            dir: dir.display().to_string(),
            reason,
        };
        let key_err = |e: KeyError| fail(e.to_string());
        let root = read_public_key(&dir.join("root.pub")).map_err(key_err)?;
        let path = dir.join("keys.json");
        let statements = std::fs::read(&path).map_err(|e| {
            fail(format!(
                "{}: {e} (create the keys with `mcp-registry admin keys init --dir {}`)",
                path.display(),
                dir.display()
            ))
        })?;
        let trusted =
            verify_key_set(&root, &statements, now, SignedDuration::ZERO).map_err(|e| {
                fail(format!(
                    "keys.json does not verify against root.pub: {e}; rotate the online keys with `mcp-registry admin keys rotate`"
                ))
            })?;
        let catalog = read_private_key(&dir.join("catalog.key")).map_err(key_err)?;
        let checkpoint = read_private_key(&dir.join("checkpoint.key")).map_err(key_err)?;
        for (role, key) in [(Role::Catalog, &catalog), (Role::Checkpoint, &checkpoint)] {
            let named = &trusted.get(role).key;
            if key.public_key() != *named {
                return Err(fail(format!(
                    "{role}.key (key id {}) is not the key keys.json delegates the {role} role to (key id {}); copy keys.json and the online keys written by the same `admin keys init` or `rotate`",
                    key.public_key().keyid(),
                    named.keyid()
                )));
            }
        }
        let origin =
            trusted.checkpoint.statement.name.clone().ok_or_else(|| {
                fail("the checkpoint key statement names no log origin".to_owned())
            })?;
        let held = crate::log_guard::statements_in(&root, &statements).map_err(fail)?;
        Ok(CatalogKeys {
            root,
            statements,
            held,
            trusted,
            catalog,
            checkpoint,
            origin,
        })
    }

    /// Loads the keys, first creating them (as `admin keys init` does) when
    /// `create` is set and `dir` holds no `keys.json`; returns a notice to
    /// print when it created them.
    pub fn load_or_create(
        dir: &Path,
        create: bool,
        now: Timestamp,
    ) -> Result<(CatalogKeys, Option<String>), SetupError> {
        let mut notice = None;
        if create && !dir.join("keys.json").exists() {
            let shown = crate::keys::init_dir(dir, "mcp-registry", AUTO_KEY_VALIDITY_DAYS, now)
                .map_err(|e| SetupError::Keys {
                    dir: dir.display().to_string(),
                    reason: e.to_string(),
                })?;
            notice = Some(format!(
                "created the catalog keys in {} (embedded store, first start):\n{shown}",
                dir.display()
            ));
        }
        Ok((Self::load(dir, now)?, notice))
    }

    /// The root public key gateways pin.
    pub fn root(&self) -> &PublicKey {
        &self.root
    }

    /// The log origin (the checkpoint key's note name).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The serial of each role's key statement, in [`Role::ALL`] order.
    pub fn serials(&self) -> [u64; 2] {
        Role::ALL.map(|role| self.trusted.get(role).statement.serial)
    }
}

/// Timing of the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogOptions {
    /// How long a signed index is valid.
    pub validity: SignedDuration,
    /// Re-sign an unchanged index once it is this old.
    pub refresh_every: SignedDuration,
    /// How often to look for changes signed elsewhere (other replicas) and
    /// for a due refresh; a change made here is signed at once.
    pub poll: Duration,
}

impl Default for CatalogOptions {
    fn default() -> Self {
        CatalogOptions {
            validity: SignedDuration::from_hours(24),
            refresh_every: SignedDuration::from_hours(1),
            poll: Duration::from_secs(2),
        }
    }
}

/// A body ready to serve: identity and gzip bytes with their strong ETags.
#[derive(Debug, Clone)]
pub struct Body {
    /// The bytes.
    pub identity: Bytes,
    /// The bytes, gzip-compressed.
    pub gzip: Bytes,
    /// `"<hex sha256>"`.
    pub etag: HeaderValue,
    /// `"<hex sha256>.gz"`.
    pub gzip_etag: HeaderValue,
    /// `Content-Type`.
    pub content_type: &'static str,
}

impl Body {
    fn new(bytes: Vec<u8>, content_type: &'static str) -> Result<Body, StoreError> {
        let served =
            build::served(bytes, content_type).map_err(|e| StoreError::Signing(e.to_string()))?;
        let header = |s: &str| {
            HeaderValue::from_str(s).map_err(|e| StoreError::Corrupt(format!("ETag: {e}")))
        };
        Ok(Body {
            etag: header(&served.etag)?,
            gzip_etag: header(&served.gzip_etag)?,
            identity: Bytes::from(served.body),
            gzip: Bytes::from(served.gzip),
            content_type: served.content_type,
        })
    }
}

/// What is served, from one stored signing.
#[derive(Debug)]
pub struct Snapshot {
    /// `catalogVersion`.
    pub version: u64,
    /// Log size of the index and checkpoint.
    pub tree_size: u64,
    /// When the index was signed.
    pub issued_at: Timestamp,
    /// When it expires.
    pub expires: Timestamp,
    /// `/v0.1/catalog`.
    pub index: Body,
    /// `/v0.1/log/checkpoint`.
    pub checkpoint: Body,
    /// `/v0.1/catalog/keys`.
    pub keys: Body,
    /// Shards by hex SHA-256: this index's, and those of indexes replaced
    /// less than [`SHARD_GRACE`] ago (a client mid-pull still finds them).
    shards: HashMap<String, Arc<Body>>,
    current: Vec<String>,
    /// Shards no longer named by the index, with when they stopped being named.
    retired: Vec<(std::time::Instant, String)>,
    /// Bytes of the largest shard the index names.
    largest_shard: u64,
}

impl Snapshot {
    /// The shard with this hex SHA-256, if this index names it or one replaced
    /// less than [`SHARD_GRACE`] ago did.
    pub fn shard(&self, hex: &str) -> Option<&Arc<Body>> {
        self.shards.get(hex)
    }

    /// The hex SHA-256 of each shard the index names, in bin order.
    pub fn current_shards(&self) -> impl Iterator<Item = &str> {
        self.current.iter().map(String::as_str)
    }

    /// Bytes of the largest shard the index names (what the shard budget
    /// keeps below the gateways' cap).
    pub fn largest_shard_bytes(&self) -> u64 {
        self.largest_shard
    }
}

/// The registry's catalog: signs, and holds what is served.
pub struct CatalogService {
    store: Arc<dyn Store>,
    /// Replaced whole by [`CatalogService::reload_keys`]; a signing works
    /// with the keys it started with.
    keys: RwLock<Arc<CatalogKeys>>,
    options: CatalogOptions,
    tree: Arc<Mutex<MemoryTree>>,
    snapshot: RwLock<Option<Arc<Snapshot>>>,
    wake: Notify,
}

impl std::fmt::Debug for CatalogService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CatalogService")
            .field("keys", &self.keys())
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl CatalogService {
    /// A catalog over `store`, signed with `keys`.
    pub fn new(
        store: Arc<dyn Store>,
        keys: CatalogKeys,
        options: CatalogOptions,
    ) -> Arc<CatalogService> {
        Arc::new(CatalogService {
            store,
            keys: RwLock::new(Arc::new(keys)),
            options,
            tree: Arc::default(),
            snapshot: RwLock::new(None),
            wake: Notify::new(),
        })
    }

    /// The keys signings use now.
    pub fn keys(&self) -> Arc<CatalogKeys> {
        self.keys
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Loads the keys in `dir` again (after `admin keys rotate` and a copy of
    /// its output there) and signs with them from the next signing on, which
    /// follows at once and logs the rotation. Refused, keeping the current
    /// keys, when the new ones fail [`CatalogKeys::load`], answer to another
    /// root key (gateways pin the root: a new root is a new registry), or
    /// carry a statement older than the one in use. Returns what changed.
    pub fn reload_keys(&self, dir: &Path, now: Timestamp) -> Result<String, SetupError> {
        let fail = |reason: String| SetupError::Keys {
            dir: dir.display().to_string(),
            reason,
        };
        let new = CatalogKeys::load(dir, now)?;
        let current = self.keys();
        if new.root != current.root {
            return Err(fail(format!(
                "root.pub is key {}, not the root key {} this registry was started with; gateways pin the root key, so keep root.pub and rotate only the online keys",
                new.root.keyid(),
                current.root.keyid()
            )));
        }
        if new.statements == current.statements {
            return Ok("the keys are unchanged".to_owned());
        }
        let mut changed = Vec::new();
        for role in Role::ALL {
            let (old, new) = (
                &current.trusted.get(role).statement,
                &new.trusted.get(role).statement,
            );
            if new.serial < old.serial {
                return Err(fail(format!(
                    "keys.json has {role} key serial {}, older than serial {} in use; copy the keys.json the latest `admin keys rotate` wrote",
                    new.serial, old.serial
                )));
            }
            if new.serial > old.serial {
                changed.push(format!(
                    "{role} key serial {} → {} (key id {})",
                    old.serial, new.serial, new.keyid
                ));
            }
        }
        *self
            .keys
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(new);
        self.wake.notify_one();
        Ok(if changed.is_empty() {
            "new key statements with the same serials".to_owned()
        } else {
            changed.join(", ")
        })
    }

    /// What is served now (`None` until the first signing is loaded).
    pub fn snapshot(&self) -> Option<Arc<Snapshot>> {
        self.snapshot.read().ok().and_then(|s| s.clone())
    }

    /// Runs `f` on what is served now (`None` until the first signing is
    /// loaded) under the read lock, without taking a reference: for the
    /// handlers that answer from the snapshot without awaiting anything.
    pub fn with_snapshot<T>(&self, f: impl FnOnce(Option<&Snapshot>) -> T) -> T {
        match self.snapshot.read() {
            Ok(guard) => f(guard.as_deref()),
            Err(_) => f(None),
        }
    }

    /// Runs `f` on the log tree (at least as large as the snapshot's log).
    pub fn with_tree<T>(&self, f: impl FnOnce(&MemoryTree) -> T) -> Result<T, StoreError> {
        let tree = self
            .tree
            .lock()
            .map_err(|_| StoreError::Backend("log tree lock poisoned".into()))?;
        Ok(f(&tree))
    }

    /// Asks the background task to sign now (after a publish or status change).
    pub fn changed(&self) {
        self.wake.notify_one();
    }

    /// Signs the next catalog if anything is due at `now` (changes not yet
    /// covered, a refresh, new keys), then serves it. Returns what was signed.
    pub async fn sign(&self, now: Timestamp) -> Result<Option<SignedCatalog>, StoreError> {
        let from = self.with_tree(MemoryTree::size)?;
        let (keys, tree, options) = (self.keys(), self.tree.clone(), self.options.clone());
        let sign: SignFn = Box::new(move |pending| plan(&keys, &tree, &options, now, pending));
        let signed = self.store.sign_catalog(from, sign).await?;
        if let Some(s) = &signed {
            tracing::info!(
                catalog_version = s.version,
                tree_size = s.tree_size,
                "catalog signed"
            );
            self.load(s.clone()).await?;
        }
        Ok(signed)
    }

    /// Serves the stored catalog if it is not the one served (signed by
    /// another replica, or at start).
    pub async fn sync(&self) -> Result<(), StoreError> {
        let stored = self.store.catalog_version().await?;
        if self.snapshot().is_some_and(|s| s.version == stored) || stored == 0 {
            return Ok(());
        }
        match self.store.signed_catalog().await? {
            Some(signed) => self.load(signed).await,
            None => Ok(()),
        }
    }

    /// One round of the background task at `now`: pick up what is stored,
    /// and sign when something is due.
    pub async fn tick(&self, now: Timestamp) -> Result<(), StoreError> {
        self.sync().await?;
        let due = match self.snapshot() {
            None => true,
            Some(s) => {
                s.keys.identity != self.keys().statements.as_slice()
                    || now >= plus(s.issued_at, self.options.refresh_every)
                    || self.store.log_size().await? > s.tree_size
            }
        };
        if due {
            self.sign(now).await?;
        }
        Ok(())
    }

    /// The background task: signs at start, after every [`changed`](Self::changed)
    /// (a burst coalesces into one signing), and whenever a refresh is due;
    /// failures are logged in full and retried.
    pub fn spawn(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let this = self.clone();
        tokio::spawn(async move {
            loop {
                if let Err(e) = this.tick(Timestamp::now()).await {
                    tracing::error!(error = %e, "catalog signing failed; retrying");
                }
                tokio::select! {
                    () = this.wake.notified() => {}
                    () = tokio::time::sleep(this.options.poll) => {}
                }
            }
        })
    }

    /// Replaces the snapshot with `signed`, reading the shards it names
    /// (those already served are reused) and extending the log tree.
    async fn load(&self, signed: SignedCatalog) -> Result<(), StoreError> {
        let payload = index_payload(&signed.index)?;
        let old = self.snapshot();
        if old.as_ref().is_some_and(|o| o.version >= signed.version) {
            return Ok(());
        }
        let mut shards: HashMap<String, Arc<Body>> = HashMap::with_capacity(SHARD_COUNT * 2);
        let mut current = Vec::with_capacity(SHARD_COUNT);
        let largest_shard = payload.shards.iter().map(|r| r.size).max().unwrap_or(0);
        if largest_shard > mcp_trust::catalog::MAX_SHARD_BYTES {
            // Only versions stored before the budgets existed can do this.
            tracing::warn!(
                largest_shard,
                budget = mcp_trust::catalog::MAX_SHARD_BYTES,
                "a catalog shard is over the shard budget; gateways refuse shards over 8 MiB"
            );
        }
        for (bin, reference) in payload.shards.iter().enumerate() {
            let hex = reference.sha256.hex().to_owned();
            let reused = old.as_ref().and_then(|o| o.shards.get(&hex).cloned());
            let body = match reused {
                Some(b) => b,
                None => {
                    let bin = u8::try_from(bin)
                        .map_err(|_| StoreError::Corrupt("more than 256 shards".into()))?;
                    let bytes = self.store.catalog_shard(bin).await?.ok_or_else(|| {
                        StoreError::Corrupt(format!(
                            "shard {bin} of catalog {} is not stored",
                            signed.version
                        ))
                    })?;
                    let got = mcp_trust::image::Digest::of(&bytes);
                    if got != reference.sha256 {
                        // Signed by another replica since: the next sync serves that.
                        return Err(StoreError::Corrupt(format!(
                            "stored shard {bin} is {got}, catalog {} names {}",
                            signed.version, reference.sha256
                        )));
                    }
                    Arc::new(Body::new(bytes, JSON)?)
                }
            };
            shards.insert(hex.clone(), body);
            current.push(hex);
        }
        // Keep recently replaced shards servable, newest first, bounded in
        // time and number.
        let mut retired = Vec::new();
        if let Some(o) = &old {
            let now = std::time::Instant::now();
            let replaced = o.current.iter().map(|hex| (now, hex.clone()));
            let earlier = o.retired.iter().cloned();
            for (at, hex) in replaced.chain(earlier) {
                if now.duration_since(at) >= SHARD_GRACE || retired.len() >= MAX_RETIRED_SHARDS {
                    break;
                }
                if shards.contains_key(&hex) {
                    continue;
                }
                if let Some(b) = o.shards.get(&hex) {
                    shards.insert(hex.clone(), b.clone());
                    retired.push((at, hex));
                }
            }
        }
        self.extend_tree(signed.tree_size).await?;
        let snapshot = Snapshot {
            version: signed.version,
            tree_size: signed.tree_size,
            issued_at: payload.issued_at,
            expires: payload.expires,
            index: Body::new(signed.index.into_bytes(), JSON)?,
            checkpoint: Body::new(signed.checkpoint.into_bytes(), NOTE)?,
            keys: Body::new(signed.keys.into_bytes(), JSON)?,
            shards,
            current,
            retired,
            largest_shard,
        };
        if let Ok(mut slot) = self.snapshot.write() {
            *slot = Some(Arc::new(snapshot));
        }
        Ok(())
    }

    /// Reads log leaves from the store until the tree holds `size`.
    async fn extend_tree(&self, size: u64) -> Result<(), StoreError> {
        loop {
            let have = self.with_tree(MemoryTree::size)?;
            if have >= size {
                return Ok(());
            }
            let leaves = self.store.log_leaves(have, size.min(have + 10_000)).await?;
            if leaves.is_empty() {
                return Err(StoreError::Corrupt(format!(
                    "the log holds {have} leaves, the catalog names {size}"
                )));
            }
            let mut tree = self
                .tree
                .lock()
                .map_err(|_| StoreError::Backend("log tree lock poisoned".into()))?;
            extend(&mut tree, have, &leaves).map_err(StoreError::Corrupt)?;
        }
    }
}

fn plus(t: Timestamp, d: SignedDuration) -> Timestamp {
    t.checked_add(d).unwrap_or(Timestamp::MAX)
}

/// The payload of a stored index (signed here, so only decoded).
fn index_payload(index: &str) -> Result<IndexPayload, StoreError> {
    let envelope = Envelope::from_bytes(index.as_bytes())
        .map_err(|e| StoreError::Corrupt(format!("stored index: {e}")))?;
    let bytes = envelope
        .payload_bytes()
        .map_err(|e| StoreError::Corrupt(format!("stored index: {e}")))?;
    IndexPayload::parse(&bytes).map_err(|e| StoreError::Corrupt(format!("stored index: {e}")))
}

/// Appends `leaves` (starting at index `from`) to `tree`; leaves it holds
/// already must hash the same (the stored log was never rewritten).
fn extend(tree: &mut MemoryTree, from: u64, leaves: &[Vec<u8>]) -> Result<(), String> {
    for (i, leaf) in leaves.iter().enumerate() {
        let index = from + i as u64;
        let hash = log::leaf_hash(leaf);
        if index < tree.size() {
            let seen = tree.leaf_hash(index).map_err(|e| e.to_string())?;
            if seen != hash {
                return Err(format!(
                    "log leaf {index} differs from the one this server saw before: the stored log was rewritten"
                ));
            }
        } else if index == tree.size() {
            tree.push_hash(hash);
        } else {
            return Err(format!(
                "log leaf {index} follows a gap (the tree holds {})",
                tree.size()
            ));
        }
    }
    Ok(())
}

/// Serial of each role in a stored key-statement set (checked against our root).
fn stored_serials(root: &PublicKey, keys: &str) -> Result<[u64; 2], String> {
    // Expiry does not matter here: only which statements were served.
    let mut serials = [0u64; 2];
    for s in crate::log_guard::statements_in(root, keys.as_bytes())
        .map_err(|e| format!("the stored key statements: {e}"))?
    {
        let slot = &mut serials[s.role as usize];
        *slot = (*slot).max(s.serial);
    }
    Ok(serials)
}

/// Why a signing was refused because of what the store holds: a pending
/// leaf or a stored version or shard a gateway would refuse once signed.
fn refusal(problem: String) -> String {
    format!(
        "refusing to sign: {problem}. This server does not write such leaves or versions; someone with write access to the database may have. Nothing was signed and the last signed catalog is still served until it expires; signing resumes once the pending log leaves, the stored versions and the stored shards agree"
    )
}

/// Decides what to sign from what is pending: runs under the store's write
/// lock, so its view of the stored catalog and log is the one written next.
fn plan(
    keys: &CatalogKeys,
    tree: &Mutex<MemoryTree>,
    options: &CatalogOptions,
    now: Timestamp,
    pending: Pending,
) -> Result<Option<Signing>, String> {
    for role in Role::ALL {
        let expires = keys.trusted.get(role).statement.expires;
        if expires <= now {
            return Err(format!(
                "the {role} key's statement expired at {expires}: rotate it with `mcp-registry admin keys rotate --role {role}`, copy the files here and send this server SIGHUP"
            ));
        }
        if expires <= plus(now, KEY_EXPIRY_WARNING) {
            tracing::warn!(%role, %expires, "online key statement expires soon: rotate it");
        }
    }
    // Key statements: ours may be newer than the stored ones (a rotation,
    // logged now), never older (a replica with stale key files).
    let stored = match &pending.current {
        Some(c) => Some(stored_serials(&keys.root, &c.keys)?),
        None => None,
    };
    let mut append = Vec::new();
    for role in Role::ALL {
        let mine = &keys.trusted.get(role).statement;
        let theirs = stored.map_or(0, |s| s[role as usize]);
        if mine.serial < theirs {
            return Err(format!(
                "this server's {role} key statement has serial {}, older than the catalog's {theirs}: copy the current keys.json and online keys to it",
                mine.serial
            ));
        }
        if mine.serial > theirs {
            let record = LogRecord::Key {
                role,
                serial: mine.serial,
                keyid: mine.keyid.clone(),
                at: now,
            };
            append.push(record.canonical_bytes().map_err(|e| e.to_string())?);
        }
    }
    // Nothing goes into the tree a checkpoint covers that a gateway would
    // refuse: once signed, a leaf is in the append-only log for good.
    crate::log_guard::check_pending(&keys.held, &pending).map_err(refusal)?;
    let mut tree = tree
        .lock()
        .map_err(|_| "log tree lock poisoned".to_owned())?;
    extend(&mut tree, pending.leaves_from, &pending.leaves)?;
    let stored_index = match &pending.current {
        Some(c) => Some(index_payload(&c.index).map_err(|e| e.to_string())?),
        None => None,
    };
    let due = match (&pending.current, &stored_index) {
        (Some(c), Some(stored)) => {
            !append.is_empty()
                || pending.log_size > c.tree_size
                || now >= plus(stored.issued_at, options.refresh_every)
                || c.keys.as_bytes() != keys.statements.as_slice()
        }
        _ => true,
    };
    if !due {
        return Ok(None);
    }
    let (size, root) = if append.is_empty() {
        (tree.size(), tree.root())
    } else {
        let mut next = tree.clone();
        for leaf in &append {
            next.push(leaf);
        }
        (next.size(), next.root())
    };
    drop(tree);
    let head = LogHead {
        origin: keys.origin.clone(),
        tree_size: size,
        root_hash: root.to_base64(),
    };
    let empty = Catalog::new().encode().map_err(|e| e.to_string())?;
    let (previous, mut shards): (IndexPayload, Vec<(u8, Vec<u8>)>) = match stored_index {
        Some(stored) => (stored, pending.shards),
        None => (
            build::index_payload(
                0,
                now,
                options.validity,
                LogHead {
                    origin: keys.origin.clone(),
                    tree_size: 0,
                    root_hash: log::empty_root().to_base64(),
                },
                empty.iter().map(|s| s.reference.clone()).collect(),
            )
            .map_err(|e| e.to_string())?,
            Vec::new(),
        ),
    };
    // A bin never written holds the empty shard.
    for e in &empty {
        if !shards.iter().any(|(b, _)| *b == e.bin) {
            shards.push((e.bin, e.bytes.clone()));
        }
    }
    let entries = pending.changed;
    let previous_shards: Vec<(u8, &[u8])> = shards
        .iter()
        .map(|(b, bytes)| (*b, bytes.as_slice()))
        .collect();
    let (rewritten, index) = build::apply_all(
        &previous,
        &previous_shards,
        entries,
        head,
        now,
        options.validity,
        &keys.catalog,
    )
    .map_err(|e| refusal(e.to_string()))?;
    let checkpoint = log::note::sign(
        &Checkpoint {
            origin: keys.origin.clone(),
            size,
            root,
            extensions: Vec::new(),
        },
        &keys.origin,
        &keys.checkpoint,
    )
    .map_err(|e| e.to_string())?;
    let mut written: Vec<(u8, Vec<u8>)> = rewritten.into_iter().map(|s| (s.bin, s.bytes)).collect();
    if pending.current.is_none() {
        for e in empty {
            if !written.iter().any(|(b, _)| *b == e.bin) {
                written.push((e.bin, e.bytes));
            }
        }
    }
    Ok(Some(Signing {
        append,
        catalog: SignedCatalog {
            version: index.payload.catalog_version,
            tree_size: size,
            index: String::from_utf8(index.bytes).map_err(|e| e.to_string())?,
            checkpoint,
            keys: String::from_utf8(keys.statements.clone()).map_err(|e| e.to_string())?,
        },
        shards: written,
    }))
}

/// Loads (or, for the embedded default, creates) the configured keys and
/// builds the catalog over `store`; returns a notice to print when keys were
/// created. The caller starts the background task ([`CatalogService::spawn`]).
pub fn from_config(
    config: &crate::config::ServeConfig,
    store: Arc<dyn Store>,
) -> Result<(Arc<CatalogService>, Option<String>), SetupError> {
    let (keys, notice) = CatalogKeys::load_or_create(
        &config.catalog_keys.dir,
        config.catalog_keys.create_if_missing,
        Timestamp::now(),
    )?;
    Ok((
        CatalogService::new(store, keys, config.catalog.clone()),
        notice,
    ))
}

/// Default directory of the catalog keys under the data directory.
pub fn default_keys_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("catalog-keys")
}
