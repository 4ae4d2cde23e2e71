//! What a client remembers between pulls, and where: the last index it
//! accepted (version, payload hash, the envelope itself), the key serials it
//! followed, the last checkpoint, and the shards of that index. This memory
//! is what turns rollback, freeze, mix-and-match and split view into errors.
//!
//! On disk (`--state DIR`): `DIR/state.json` and `DIR/shards/<hex>.json`.
//! Shards are written first (content-addressed, harmless if orphaned), then
//! `state.json` replaces the old one atomically (write, fsync, rename, fsync
//! the directory), so a crash leaves either the old state or the new one.

use super::error::ClientError;
use crate::catalog::model::{Entry, IndexPayload, LogHead, Shard, Status, shard_of};
use crate::dsse::Envelope;
use crate::image::Digest;
use crate::keys::Role;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Format number of `state.json`.
pub const STATE_FORMAT: u32 = 1;
/// How long [`StateDir::lock`] waits for another pull to finish.
pub const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(120);
/// Largest `state.json` read.
const MAX_STATE_BYTES: u64 = 1 << 20;

/// A key the client followed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeySeen {
    /// Serial of its statement.
    pub serial: u64,
    /// Its key id.
    pub keyid: String,
}

/// The client's memory of the last catalog it accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct State {
    /// [`STATE_FORMAT`].
    pub format: u32,
    /// Version of the accepted index.
    pub catalog_version: u64,
    /// SHA-256 of its payload bytes.
    #[serde(with = "crate::image::digest_serde")]
    pub index_sha256: Digest,
    /// The accepted index envelope, verbatim.
    pub index: String,
    /// The ETag it was served with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index_etag: Option<String>,
    /// When it expires.
    pub expires: Timestamp,
    /// The catalog key followed.
    pub catalog_key: KeySeen,
    /// The checkpoint key followed.
    pub checkpoint_key: KeySeen,
    /// The log state last verified.
    pub log: LogHead,
    /// The checkpoint note last verified, verbatim.
    pub checkpoint: String,
    /// When this state was written.
    pub pulled_at: Timestamp,
    /// Entries of the accepted catalog, by status.
    pub counts: Counts,
}

/// How many entries a catalog holds, by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Counts {
    /// All entries.
    pub entries: usize,
    /// Active ones.
    pub active: usize,
    /// Yanked ones.
    pub yanked: usize,
    /// Revoked ones.
    pub revoked: usize,
}

impl Counts {
    fn slot(&mut self, status: Status) -> &mut usize {
        match status {
            Status::Active => &mut self.active,
            Status::Yanked => &mut self.yanked,
            Status::Revoked => &mut self.revoked,
        }
    }

    /// Counts `entries` in.
    pub fn add(&mut self, entries: &[Entry]) {
        for e in entries {
            self.entries += 1;
            *self.slot(e.status) += 1;
        }
    }

    /// Counts `entries` out (they were counted in before).
    pub fn remove(&mut self, entries: &[Entry]) {
        for e in entries {
            self.entries = self.entries.saturating_sub(1);
            let slot = self.slot(e.status);
            *slot = slot.saturating_sub(1);
        }
    }
}

impl State {
    /// The key followed for `role`.
    pub fn key(&self, role: Role) -> &KeySeen {
        match role {
            Role::Catalog => &self.catalog_key,
            Role::Checkpoint => &self.checkpoint_key,
        }
    }

    /// The accepted index payload (verified when it was accepted).
    pub fn index_payload(&self) -> Result<IndexPayload, ClientError> {
        let envelope = Envelope::from_bytes(self.index.as_bytes())
            .map_err(|e| ClientError::State(format!("the stored index is unreadable: {e}")))?;
        let payload = envelope
            .payload_bytes()
            .map_err(|e| ClientError::State(format!("the stored index is unreadable: {e}")))?;
        IndexPayload::parse(&payload)
            .map_err(|e| ClientError::State(format!("the stored index is unreadable: {e}")))
    }
}

/// Shard bytes the client already holds, by hash.
pub trait LocalShards {
    /// The bytes of the shard with this hash, when held and intact.
    fn shard(&self, digest: &Digest) -> Option<Vec<u8>>;
}

/// No shards held: a fresh client.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoShards;

impl LocalShards for NoShards {
    fn shard(&self, _: &Digest) -> Option<Vec<u8>> {
        None
    }
}

/// A state directory.
#[derive(Debug, Clone)]
pub struct StateDir {
    dir: PathBuf,
}

impl StateDir {
    /// Opens (creating when missing) a state directory.
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self, ClientError> {
        let dir = dir.into();
        std::fs::create_dir_all(dir.join("shards"))
            .map_err(|e| ClientError::State(format!("cannot create {}: {e}", dir.display())))?;
        Ok(StateDir { dir })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    fn shard_path(&self, digest: &Digest) -> PathBuf {
        self.dir
            .join("shards")
            .join(format!("{}.json", digest.hex()))
    }

    /// The last accepted state, if any.
    pub fn load(&self) -> Result<Option<State>, ClientError> {
        let path = self.dir.join("state.json");
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(ClientError::State(format!(
                    "cannot read {}: {e}",
                    path.display()
                )));
            }
        };
        if bytes.len() as u64 > MAX_STATE_BYTES {
            return Err(ClientError::State(format!(
                "{} is larger than {MAX_STATE_BYTES} bytes",
                path.display()
            )));
        }
        let state: State = serde_json::from_slice(&bytes).map_err(|e| {
            ClientError::State(format!(
                "{} is not a catalog client state: {e}; move it away to start over",
                path.display()
            ))
        })?;
        if state.format != STATE_FORMAT {
            return Err(ClientError::State(format!(
                "{} has format {}, this client reads {STATE_FORMAT}",
                path.display(),
                state.format
            )));
        }
        Ok(Some(state))
    }

    /// Persists a pull: new shards, then `state.json` atomically, then drops
    /// shards the new index no longer names.
    pub fn commit(&self, pulled: &super::Pulled) -> Result<(), ClientError> {
        for (digest, bytes) in &pulled.new_shards {
            write_atomic(&self.shard_path(digest), bytes)?;
        }
        let state = serde_json::to_vec_pretty(&pulled.state)
            .map_err(|e| ClientError::State(format!("cannot encode the state: {e}")))?;
        write_atomic(&self.dir.join("state.json"), &state)?;
        let keep: BTreeSet<String> = pulled
            .index
            .shards
            .iter()
            .map(|r| format!("{}.json", r.sha256.hex()))
            .collect();
        if let Ok(dir) = std::fs::read_dir(self.dir.join("shards")) {
            for f in dir.flatten() {
                let name = f.file_name().to_string_lossy().into_owned();
                if !keep.contains(&name) {
                    let _ = std::fs::remove_file(f.path());
                }
            }
        }
        Ok(())
    }

    /// Takes the directory's lock: one pull at a time loads, verifies and
    /// commits, so two pulls cannot commit out of order (the later-verified
    /// older catalog over the newer one). Held until the guard is dropped;
    /// waits up to [`LOCK_WAIT`] for another process to release it, then
    /// fails naming the lock file (a hung pull must not pile others up).
    pub fn lock(&self) -> Result<StateLock, ClientError> {
        self.lock_within(LOCK_WAIT)
    }

    /// [`StateDir::lock`], waiting at most `wait`.
    pub fn lock_within(&self, wait: std::time::Duration) -> Result<StateLock, ClientError> {
        let path = self.dir.join("lock");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| ClientError::State(format!("cannot open {}: {e}", path.display())))?;
        let deadline = std::time::Instant::now() + wait;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(StateLock { _file: file }),
                Err(std::fs::TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(ClientError::State(format!(
                        "another pull holds {} (waited {} s); if no pull is running, a process that holds it is hung",
                        path.display(),
                        wait.as_secs()
                    )));
                }
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(ClientError::State(format!(
                        "cannot lock {}: {e}",
                        path.display()
                    )));
                }
            }
        }
    }

    /// Every version of `name` in the accepted catalog, as of `now`. An
    /// accepted index that has expired (beyond `skew`) is refused here as in a
    /// pull: a gateway that can no longer pull must not go on installing from
    /// what it saw last (freeze).
    pub fn versions(
        &self,
        name: &str,
        now: Timestamp,
        skew: jiff::SignedDuration,
    ) -> Result<Vec<Entry>, ClientError> {
        let (_, index) = self.unexpired(now, skew)?;
        Ok(self
            .stored_shard(&index, shard_of(name))?
            .entries
            .into_iter()
            .filter(|e| e.name == name)
            .collect())
    }

    /// Every entry of the accepted catalog, shard by shard, with the
    /// catalog's version, as of `now`; refused like [`Self::versions`] when
    /// the accepted index has expired beyond `skew`.
    pub fn entries(
        &self,
        now: Timestamp,
        skew: jiff::SignedDuration,
    ) -> Result<(u64, Vec<Entry>), ClientError> {
        let (state, index) = self.unexpired(now, skew)?;
        let mut entries = Vec::new();
        for bin in 0..index.shards.len() {
            let bin = u8::try_from(bin)
                .map_err(|_| ClientError::State("the index lists more than 256 shards".into()))?;
            entries.extend(self.stored_shard(&index, bin)?.entries);
        }
        Ok((state.catalog_version, entries))
    }

    fn unexpired(
        &self,
        now: Timestamp,
        skew: jiff::SignedDuration,
    ) -> Result<(State, IndexPayload), ClientError> {
        let Some(state) = self.load()? else {
            return Err(ClientError::State(
                "no catalog has been pulled into this state directory yet".into(),
            ));
        };
        if now > state.expires.saturating_add(skew).unwrap_or(state.expires) {
            return Err(ClientError::Expired {
                version: state.catalog_version,
                expires: state.expires,
                now,
                skew_seconds: skew.as_secs(),
            });
        }
        let index = state.index_payload()?;
        Ok((state, index))
    }

    fn stored_shard(&self, index: &IndexPayload, bin: u8) -> Result<Shard, ClientError> {
        let reference = &index.shards[bin as usize];
        let bytes = self.shard(&reference.sha256).ok_or_else(|| {
            ClientError::State(format!(
                "shard {bin} ({}) is missing or damaged; pull again",
                reference.sha256
            ))
        })?;
        Shard::parse(&bytes, bin)
            .map_err(|e| ClientError::State(format!("stored shard {bin}: {e}")))
    }
}

/// The lock of a state directory ([`StateDir::lock`]); released when dropped.
#[derive(Debug)]
pub struct StateLock {
    _file: std::fs::File,
}

impl LocalShards for StateDir {
    fn shard(&self, digest: &Digest) -> Option<Vec<u8>> {
        let bytes = std::fs::read(self.shard_path(digest)).ok()?;
        (Digest::of(&bytes) == *digest).then_some(bytes)
    }
}

/// Writes `bytes` to `path` atomically: a temporary file beside it, fsync,
/// rename over `path`, fsync the directory.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ClientError> {
    let err = |what: &str, e: std::io::Error| {
        ClientError::State(format!("cannot {what} {}: {e}", path.display()))
    };
    // `file.json` has the parent `""`: the current directory.
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Unique per process, thread and call, and never an existing file.
    static SEQUENCE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let tmp = dir.join(format!(
        ".{name}.{}.{nanos}.{}.tmp",
        std::process::id(),
        SEQUENCE.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .map_err(|e| err("create a temporary file for", e))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| err("write", e))?;
    drop(f);
    std::fs::rename(&tmp, path).map_err(|e| err("rename into", e))?;
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| err("sync the directory of", e))
}
