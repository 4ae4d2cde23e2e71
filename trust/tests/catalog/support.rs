//! One place that builds signed catalogs, serves them from a directory, and
//! pulls them, so each test reads as the attack it describes.

use jiff::{SignedDuration, Timestamp};
use mcp_trust::catalog::build;
use mcp_trust::catalog::client::{
    Client, ClientError, FetchError, Fetched, Fetcher, NoShards, Options, Pulled, Resource, State,
    StateDir,
};
use mcp_trust::catalog::memory::{MemoryRegistry, synthetic_entry};
use mcp_trust::catalog::mirror::{Mirror, MirrorFetcher};
use mcp_trust::catalog::{Entry, LogHead};
use mcp_trust::keys::SigningKey;
use mcp_trust::log::{self, Checkpoint, LogRecord, MemoryTree};
use std::path::Path;

/// The instant every test starts at.
pub fn t0() -> Timestamp {
    "2025-06-01T12:00:00Z".parse().unwrap()
}

/// `t0` plus `minutes`.
pub fn at(minutes: i64) -> Timestamp {
    t0() + SignedDuration::from_mins(minutes)
}

pub const ORIGIN: &str = "registry.example.com/log";

/// A registry holding `n` synthetic servers, signed at `t0`.
pub fn registry(n: u64) -> MemoryRegistry {
    let entries = (0..n).map(|i| synthetic_entry(i, t0())).collect();
    MemoryRegistry::with_entries(ORIGIN, t0(), entries).unwrap()
}

/// A new synthetic entry, number `i`.
pub fn entry(i: u64) -> Entry {
    synthetic_entry(i, t0())
}

/// A client's state directory with what it has accepted so far.
pub struct Gateway {
    pub _dir: tempfile::TempDir,
    pub state: StateDir,
}

impl Gateway {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let state = StateDir::open(dir.path().join("state")).unwrap();
        Gateway { _dir: dir, state }
    }

    pub fn last(&self) -> Option<State> {
        self.state.load().unwrap()
    }

    /// Pulls `mirror` at `now` and, when it verifies, commits it.
    pub fn pull(
        &self,
        mirror: &Mirror,
        now: Timestamp,
        root: &mcp_trust::keys::PublicKey,
    ) -> Result<Pulled, ClientError> {
        let served = tempfile::tempdir().unwrap();
        mirror.write(served.path()).unwrap();
        self.pull_dir(served.path(), now, root)
    }

    /// Pulls the mirror directory `dir` at `now` and commits on success.
    pub fn pull_dir(
        &self,
        dir: &Path,
        now: Timestamp,
        root: &mcp_trust::keys::PublicKey,
    ) -> Result<Pulled, ClientError> {
        let client = Client::new(MirrorFetcher::new(dir, 1000), *root, options(now));
        let previous = self.last();
        let pulled = client.pull(previous.as_ref(), &self.state)?;
        self.state.commit(&pulled).unwrap();
        Ok(pulled)
    }
}

pub fn options(now: Timestamp) -> Options {
    Options {
        now: Some(now),
        ..Options::default()
    }
}

/// Pulls `mirror` with no previous state.
pub fn fresh_pull(
    mirror: &Mirror,
    now: Timestamp,
    root: &mcp_trust::keys::PublicKey,
) -> Result<Pulled, ClientError> {
    let served = tempfile::tempdir().unwrap();
    mirror.write(served.path()).unwrap();
    let client = Client::new(MirrorFetcher::new(served.path(), 1000), *root, options(now));
    client.pull(None, &NoShards)
}

/// What someone holding the online keys can serve: a log of `records`
/// (checkpoint signed by `checkpoint_key`) and an index of `version` over
/// `shards`, signed by `catalog_key`.
pub fn forged(
    reg: &MemoryRegistry,
    records: Vec<LogRecord>,
    version: u64,
    shards: Option<Vec<(u8, Vec<u8>)>>,
    now: Timestamp,
    catalog_key: &SigningKey,
) -> Mirror {
    let mut tree = MemoryTree::new();
    for r in &records {
        tree.push_hash(r.leaf_hash().unwrap());
    }
    let cp = Checkpoint {
        origin: ORIGIN.into(),
        size: tree.size(),
        root: tree.root(),
        extensions: vec![],
    };
    let checkpoint = log::note::sign(&cp, ORIGIN, reg.checkpoint_key()).unwrap();
    let mut mirror = reg.mirror();
    let mut payload = reg.index().payload.clone();
    for (bin, bytes) in shards.unwrap_or_default() {
        let encoded = mcp_trust::catalog::ShardRef {
            sha256: mcp_trust::image::Digest::of(&bytes),
            size: bytes.len() as u64,
        };
        payload.shards[bin as usize] = encoded.clone();
        mirror.shards.push((encoded.sha256, bytes));
    }
    let mut payload = build::index_payload(
        version,
        now,
        reg.index_validity,
        LogHead {
            origin: ORIGIN.into(),
            tree_size: tree.size(),
            root_hash: tree.root().to_base64(),
        },
        payload.shards,
    )
    .unwrap();
    payload.catalog_version = version;
    mirror.index = build::sign_index(payload, catalog_key).unwrap().bytes;
    mirror.checkpoint = checkpoint.into_bytes();
    mirror.records = records;
    mirror
}

/// A fetcher that serves a mirror directory but rewrites some bodies.
pub struct Tamper<F> {
    pub inner: MirrorFetcher,
    pub rewrite: F,
}

impl<F: Fn(&Resource, Vec<u8>) -> Vec<u8>> Fetcher for Tamper<F> {
    fn fetch(
        &self,
        resource: &Resource,
        cap: u64,
        etag: Option<&str>,
    ) -> Result<Fetched, FetchError> {
        match self.inner.fetch(resource, cap, etag)? {
            Fetched::Body { bytes, etag } => Ok(Fetched::Body {
                bytes: (self.rewrite)(resource, bytes),
                etag,
            }),
            other => Ok(other),
        }
    }
}

impl Gateway {
    /// Pulls `mirror` through `rewrite` at `now`; commits on success.
    pub fn pull_tampered<F: Fn(&Resource, Vec<u8>) -> Vec<u8>>(
        &self,
        mirror: &Mirror,
        now: Timestamp,
        root: &mcp_trust::keys::PublicKey,
        rewrite: F,
    ) -> Result<Pulled, ClientError> {
        let served = tempfile::tempdir().unwrap();
        mirror.write(served.path()).unwrap();
        let fetcher = Tamper {
            inner: MirrorFetcher::new(served.path(), 1000),
            rewrite,
        };
        let client = Client::new(fetcher, *root, options(now));
        let previous = self.last();
        let pulled = client.pull(previous.as_ref(), &self.state)?;
        self.state.commit(&pulled).unwrap();
        Ok(pulled)
    }
}
