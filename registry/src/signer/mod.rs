//! The registry's signer: turns what the store committed into signed
//! catalogs and log checkpoints, and holds what is served. Publishes and
//! status changes append log leaves in their own transactions; under the
//! store's write lock the signer reads what the stored catalog does not
//! cover yet, rewrites the touched shards, signs the next index
//! (`catalogVersion + 1`) and checkpoint (`plan.rs`), and the store writes
//! all of it in the same transaction ([`Store::sign_catalog`]). A background
//! task signs after every change (bursts coalesce into one signing),
//! re-signs before the index expires even when nothing changed, and picks up
//! what other replicas signed. What is served comes from an in-memory
//! [`Snapshot`] of the stored bytes (`snapshot.rs`), signed with the
//! [`CatalogKeys`] (`keys.rs`).

mod keys;
mod plan;
mod snapshot;

pub use keys::{CatalogKeys, SetupError};
pub use snapshot::{Body, SHARD_GRACE, Snapshot};

use crate::config::{CatalogOptions, ServeConfig};
use crate::store::{SignFn, SignedCatalog, Store, StoreError};
use jiff::Timestamp;
use mcp_trust::keys::Role;
use mcp_trust::log::MemoryTree;
use plan::{extend, index_payload, plan, plus};
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};
use tokio::sync::Notify;

/// Signings of at least this many new log records (a first start over a
/// large store) free enough memory to be worth giving back to the system.
const LARGE_SIGNING: u64 = 10_000;

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
    /// True once a signed catalog is served.
    loaded: tokio::sync::watch::Sender<bool>,
    /// The version of the catalog served, sent on each load.
    served: tokio::sync::watch::Sender<u64>,
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
            loaded: tokio::sync::watch::Sender::new(false),
            served: tokio::sync::watch::Sender::new(0),
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

    /// Serves `note` as the checkpoint while the served snapshot's
    /// checkpoint is `base` (the signed note, possibly with cosignatures
    /// already) and `note` extends it: a checkpoint with witness
    /// cosignatures replaces the bare one. `false` when another checkpoint
    /// is served by now.
    pub fn set_cosigned_checkpoint(&self, base: &[u8], note: String) -> Result<bool, StoreError> {
        let mut slot = self
            .snapshot
            .write()
            .map_err(|_| StoreError::Backend("snapshot lock poisoned".into()))?;
        let Some(current) = slot.as_ref() else {
            return Ok(false);
        };
        if !current.checkpoint.identity.starts_with(base) || !note.as_bytes().starts_with(base) {
            return Ok(false);
        }
        let replaced = Arc::new(current.with_checkpoint_note(note)?);
        *slot = Some(replaced);
        Ok(true)
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

    /// Changes each time another catalog version is served (what the
    /// witnessing task waits for, rather than polling).
    pub fn served_versions(&self) -> tokio::sync::watch::Receiver<u64> {
        self.served.subscribe()
    }

    /// Resolves once a signed catalog is served (at once if one is): work
    /// that can wait, such as the tool index, starts after it, so a start
    /// serves the catalog before it spends the two cores on anything else.
    pub fn loaded(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut seen = self.loaded.subscribe();
        async move {
            let _ = seen.wait_for(|served| *served).await;
        }
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
        let started = std::time::Instant::now();
        let signed = self.store.sign_catalog(from, sign).await?;
        if let Some(s) = &signed {
            tracing::info!(
                catalog_version = s.version,
                tree_size = s.tree_size,
                ms = started.elapsed().as_millis() as u64,
                "catalog signed"
            );
            if s.tree_size.saturating_sub(from) >= LARGE_SIGNING {
                // A first signing held every leaf and entry; give the
                // memory back before the shards are read to be served.
                let _ = tokio::task::spawn_blocking(malloc_tune::release_free_memory).await;
            }
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
                let round = tokio::time::Instant::now();
                if let Err(e) = this.tick(Timestamp::now()).await {
                    tracing::error!(error = %e, "catalog signing failed; retrying");
                }
                tokio::select! {
                    () = this.wake.notified() => {}
                    () = tokio::time::sleep(this.options.poll) => {}
                }
                // Under a burst of publishes, rounds at least this far apart.
                tokio::time::sleep_until(round + this.options.min_interval).await;
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
        let shards =
            snapshot::read_shards(&*self.store, signed.version, &payload, old.as_deref()).await?;
        let before = self.with_tree(MemoryTree::size)?;
        self.extend_tree(signed.tree_size).await?;
        if signed.tree_size.saturating_sub(before) >= LARGE_SIGNING {
            // A start read the whole log into the tree, in pages now freed.
            tokio::task::spawn_blocking(malloc_tune::release_free_memory);
        }
        let snapshot = Arc::new(Snapshot::new(signed, &payload, shards)?);
        if let Ok(mut slot) = self.snapshot.write() {
            *slot = Some(snapshot.clone());
        }
        self.loaded.send_replace(true);
        self.served.send_replace(snapshot.version);
        // Served from now on; the gzip bodies are made in the background
        // (a request that comes first makes its own).
        tokio::task::spawn_blocking(move || snapshot.compress_all());
        Ok(())
    }

    /// Reads log leaves from the store until the tree holds `size`, logging
    /// progress every ten seconds of a long rebuild (a start over a large log).
    async fn extend_tree(&self, size: u64) -> Result<(), StoreError> {
        let started = std::time::Instant::now();
        let mut reported = started;
        loop {
            let have = self.with_tree(MemoryTree::size)?;
            if have >= size {
                if reported != started {
                    tracing::info!(
                        leaves = size,
                        seconds = started.elapsed().as_secs(),
                        "log tree rebuilt"
                    );
                }
                return Ok(());
            }
            if reported.elapsed() >= std::time::Duration::from_secs(10) {
                reported = std::time::Instant::now();
                tracing::info!(leaves = have, of = size, "rebuilding the log tree");
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

/// Loads (or, for the embedded default, creates) the configured keys and
/// builds the catalog over `store`; returns a notice to print when keys were
/// created. The caller starts the background task ([`CatalogService::spawn`]).
pub fn from_config(
    config: &ServeConfig,
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
