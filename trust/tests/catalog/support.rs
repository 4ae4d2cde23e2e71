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

/// The error a case must end in: its pattern as written, and a test of it.
pub struct Expected<E> {
    pub pattern: &'static str,
    pub matches: fn(&E) -> bool,
}

/// An [`Expected`] from a pattern over a reference to the error, guard included.
macro_rules! expected {
    ($($pattern:tt)+) => {
        $crate::support::Expected {
            pattern: stringify!($($pattern)+),
            matches: |err| matches!(err, $($pattern)+),
        }
    };
}
pub(crate) use expected;

impl<E: std::fmt::Debug> Expected<E> {
    /// Asserts that `case` ended in this error.
    #[track_caller]
    pub fn assert<T>(&self, case: &str, result: Result<T, E>) -> E {
        let Err(err) = result else {
            panic!("case {case}: succeeded, expected {}", self.pattern)
        };
        assert!(
            (self.matches)(&err),
            "case {case}: got {err:?}, expected {}",
            self.pattern
        );
        err
    }
}

/// A pull refused at `stage` with the error `expected`.
pub struct Refusal {
    pub stage: &'static str,
    pub expected: Expected<ClientError>,
}

/// A [`Refusal`] at a stage, with a pattern over `&ClientError`.
macro_rules! refused {
    ($stage:literal, $($pattern:tt)+) => {
        $crate::support::Refusal {
            stage: $stage,
            expected: $crate::support::expected!($($pattern)+),
        }
    };
}
pub(crate) use refused;

impl Refusal {
    /// Asserts that the pull of `case` was refused with this error, at this stage.
    #[track_caller]
    pub fn assert(&self, case: &str, result: Result<Pulled, ClientError>) {
        let err = self.expected.assert(case, result);
        assert_eq!(err.stage(), self.stage, "case {case}: the stage of {err}");
    }
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

    /// A gateway that has accepted `reg` as it is, at `t0`.
    pub fn accepted(reg: &MemoryRegistry) -> Self {
        let gw = Gateway::new();
        gw.pull_registry(reg, t0()).unwrap();
        gw
    }

    /// Pulls what `reg` serves now, at `now`, and commits on success.
    pub fn pull_registry(
        &self,
        reg: &MemoryRegistry,
        now: Timestamp,
    ) -> Result<Pulled, ClientError> {
        self.pull(&reg.mirror(), now, &reg.root_public_key())
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
        self.pull_dir(served(mirror).path(), now, root)
    }

    /// Pulls the mirror directory `dir` at `now` and commits on success.
    pub fn pull_dir(
        &self,
        dir: &Path,
        now: Timestamp,
        root: &mcp_trust::keys::PublicKey,
    ) -> Result<Pulled, ClientError> {
        self.pull_through(MirrorFetcher::new(dir, 1000), now, root)
    }

    /// Pulls through `fetcher` at `now` and commits on success.
    fn pull_through(
        &self,
        fetcher: impl Fetcher,
        now: Timestamp,
        root: &mcp_trust::keys::PublicKey,
    ) -> Result<Pulled, ClientError> {
        let client = Client::new(fetcher, *root, options(now));
        let previous = self.last();
        let pulled = client.pull(previous.as_ref(), &self.state)?;
        self.state.commit(&pulled).unwrap();
        Ok(pulled)
    }
}

/// A directory serving `mirror`, removed when dropped.
pub fn served(mirror: &Mirror) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    mirror.write(dir.path()).unwrap();
    dir
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
    let served = served(mirror);
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
        let served = served(mirror);
        let fetcher = Tamper {
            inner: MirrorFetcher::new(served.path(), 1000),
            rewrite,
        };
        self.pull_through(fetcher, now, root)
    }
}
