//! The gateway's side of the catalog: fetch, verify, remember, report.
//!
//! [`Client::pull`] runs every check in a fixed order, each failing with its
//! own [`ClientError`] variant:
//!
//! 1. keys: the key statements are signed by the pinned root key, the newest
//!    per role is unexpired, and no role's serial went backwards;
//! 2. index: the DSSE signature is the catalog key's, the index is not
//!    expired nor issued in the future (within the clock-skew tolerance), its
//!    version is not lower than the last one seen, and the same version has
//!    the same bytes;
//! 3. checkpoint: signed by the checkpoint key, same origin, size and root
//!    as the index names;
//! 4. log: never smaller than last seen; same size ⇒ same root (split view);
//!    a consistency proof from the last checkpoint; the new records
//!    recompute the new part of the tree (no per-entry proofs);
//! 5. shards: only those whose hash changed are fetched; each matches the
//!    index's hash and size and parses as its bin;
//! 6. history: no entry disappears, no published field changes, status only
//!    moves forward; every change appears in the new log records and every
//!    new record in the catalog.
//!
//! Nothing is persisted until every check passed ([`StateDir::commit`]).

pub mod fetch;
pub mod http;
pub mod state;

pub use fetch::{FetchError, Fetched, Fetcher, Limits, Resource};
pub use http::HttpFetcher;
pub use state::{Counts, KeySeen, LocalShards, NoShards, State, StateDir, StateLock};

use crate::catalog::keys::{KeySetError, TrustedKeys, verify_key_set};
use crate::catalog::model::{
    Entry, INDEX_PAYLOAD_TYPE, IndexPayload, SHARD_COUNT, Shard, ShardRef, Status, manifest_digest,
};
use crate::dsse::{self, DsseError, Envelope};
use crate::image::Digest;
use crate::keys::{PublicKey, Role};
use crate::log::{
    self, Checkpoint, ConsistencyBody, EntriesPage, Hash, LeafSlice, LogError, LogRecord,
};
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use thiserror::Error;

/// Default clock-skew tolerance: 5 minutes either way.
pub const DEFAULT_SKEW: SignedDuration = SignedDuration::from_secs(300);

/// Why a pull was refused. Each variant names the check that failed.
#[derive(Debug, Error)]
pub enum ClientError {
    /// A resource could not be fetched whole.
    #[error("cannot fetch {resource}: {source}")]
    Fetch {
        /// What was fetched.
        resource: String,
        /// Why it failed.
        source: FetchError,
    },
    /// The key statements do not verify against the pinned root key.
    #[error("key statements: {0}")]
    Keys(#[from] KeySetError),
    /// A role's key statement serial is lower than one already followed.
    #[error(
        "the {role} key statement has serial {got}, but serial {seen} was already seen: key rollback"
    )]
    KeyRollback {
        /// The role.
        role: Role,
        /// The serial followed.
        seen: u64,
        /// The serial served.
        got: u64,
    },
    /// A role's serial is the one followed, but it names another key.
    #[error("the {role} key statement serial {serial} now names key {got}, not {seen}")]
    KeySerialReused {
        /// The role.
        role: Role,
        /// The serial.
        serial: u64,
        /// The key followed.
        seen: String,
        /// The key served.
        got: String,
    },
    /// The log records a key rotation newer than the key statements served.
    #[error(
        "the log records {role} key serial {logged} ({logged_keyid}) at index {index}, but the key statements served name serial {served} ({served_keyid}): the registry serves a retired key"
    )]
    KeyBehindLog {
        /// The role.
        role: Role,
        /// The log record's index.
        index: u64,
        /// The serial the log records.
        logged: u64,
        /// The key id the log records.
        logged_keyid: String,
        /// The serial served.
        served: u64,
        /// The key id served.
        served_keyid: String,
    },
    /// The index is not a DSSE envelope holding an index payload.
    #[error("the catalog index is malformed: {0}")]
    IndexMalformed(String),
    /// The index envelope is not signed by the catalog key (unknown key, bad
    /// signature, wrong payload type).
    #[error("the catalog index signature: {0}")]
    IndexSignature(DsseError),
    /// The index has expired: the registry stopped re-signing it, or someone
    /// replays an old one (freeze).
    #[error(
        "catalog version {version} expired at {expires} (now {now}, tolerance {skew_seconds}s): freeze"
    )]
    Expired {
        /// The version.
        version: u64,
        /// Its expiry.
        expires: Timestamp,
        /// The time checked against.
        now: Timestamp,
        /// The tolerance applied.
        skew_seconds: i64,
    },
    /// The index claims to be issued after now (beyond the tolerance).
    #[error(
        "catalog version {version} is issued at {issued_at}, after now ({now}, tolerance {skew_seconds}s): check this host's clock"
    )]
    IssuedInFuture {
        /// The version.
        version: u64,
        /// Its issue time.
        issued_at: Timestamp,
        /// The time checked against.
        now: Timestamp,
        /// The tolerance applied.
        skew_seconds: i64,
    },
    /// A lower version than one already accepted.
    #[error("catalog version {got} is older than version {seen} already accepted: rollback")]
    Rollback {
        /// The version accepted before.
        seen: u64,
        /// The version served.
        got: u64,
    },
    /// The version accepted before, with other bytes.
    #[error(
        "catalog version {version} was accepted with payload {seen}, now served with payload {got}"
    )]
    VersionReused {
        /// The version.
        version: u64,
        /// Payload hash accepted before.
        seen: Digest,
        /// Payload hash served.
        got: Digest,
    },
    /// The checkpoint is not a valid note signed by the checkpoint key.
    #[error("the log checkpoint: {0}")]
    Checkpoint(LogError),
    /// The checkpoint and the index describe different logs or states.
    #[error(
        "the checkpoint ({origin} size {size}) does not match the index's log ({index_origin} size {index_size})"
    )]
    CheckpointMismatch {
        /// Checkpoint origin.
        origin: String,
        /// Checkpoint size.
        size: u64,
        /// Index origin.
        index_origin: String,
        /// Index tree size.
        index_size: u64,
    },
    /// The log is not the one followed before.
    #[error("the log origin changed from `{seen}` to `{got}`")]
    OriginChanged {
        /// Origin followed.
        seen: String,
        /// Origin served.
        got: String,
    },
    /// The log is smaller than when last seen.
    #[error("the log has {got} entries, fewer than the {seen} already seen: a log never shrinks")]
    LogShrank {
        /// Size seen before.
        seen: u64,
        /// Size served.
        got: u64,
    },
    /// Two checkpoints of one size with different roots: two histories.
    #[error(
        "split view: tree size {size} had root {seen}, now root {got}; the registry shows different histories"
    )]
    SplitView {
        /// The size.
        size: u64,
        /// Root seen before (base64).
        seen: String,
        /// Root served (base64).
        got: String,
    },
    /// The new checkpoint does not extend the one seen before.
    #[error("the new checkpoint is not consistent with the last one seen: {0}")]
    Inconsistent(LogError),
    /// Log records are malformed or do not recompute the signed tree.
    #[error("log entries {start}..{end}: {reason}")]
    Entries {
        /// First record.
        start: u64,
        /// One past the last.
        end: u64,
        /// What is wrong.
        reason: String,
    },
    /// A shard's bytes are not the ones the index names.
    #[error(
        "shard {bin}: the index names {expected} ({expected_size} bytes), the bytes served are {got} ({got_size} bytes)"
    )]
    ShardMismatch {
        /// The bin.
        bin: u8,
        /// Hash in the index.
        expected: Digest,
        /// Size in the index.
        expected_size: u64,
        /// Hash of the bytes.
        got: Digest,
        /// Size of the bytes.
        got_size: u64,
    },
    /// The signed index names a shard larger than this client reads.
    #[error(
        "shard {bin}: the signed index names {size} bytes, over this client's {cap}-byte cap; the registry publishes a catalog gateways cannot read (its publish budgets should prevent this): report it to the registry's operator"
    )]
    ShardOversized {
        /// The bin.
        bin: u8,
        /// Size the index names.
        size: u64,
        /// The client's cap.
        cap: u64,
    },
    /// A shard matches its hash but is not a valid shard for its bin.
    #[error("shard {bin} is invalid: {reason}")]
    ShardMalformed {
        /// The bin.
        bin: u8,
        /// Why.
        reason: String,
    },
    /// An entry seen before is gone (revoked versions stay listed).
    #[error("{name} {version} was listed and is gone; entries are never removed")]
    EntryRemoved {
        /// Server.
        name: String,
        /// Version.
        version: String,
    },
    /// A published field of an entry changed.
    #[error("{name} {version} changed its {field}; a published version is immutable")]
    EntryRewritten {
        /// Server.
        name: String,
        /// Version.
        version: String,
        /// The field.
        field: &'static str,
    },
    /// An entry's status moved backwards.
    #[error("{name} {version} went from {from} back to {to}")]
    StatusRegressed {
        /// Server.
        name: String,
        /// Version.
        version: String,
        /// Status before.
        from: &'static str,
        /// Status now.
        to: &'static str,
    },
    /// The catalog and the log disagree about an entry.
    #[error("{name} {version}: {reason}")]
    NotLogged {
        /// Server.
        name: String,
        /// Version.
        version: String,
        /// What disagrees.
        reason: String,
    },
    /// A manifest is not the one the catalog pins.
    #[error("manifest of {name} {version}: {reason}")]
    Manifest {
        /// Server.
        name: String,
        /// Version.
        version: String,
        /// What does not match.
        reason: String,
    },
    /// The local state cannot be read or written.
    #[error("client state: {0}")]
    State(String),
}

impl ClientError {
    /// The check that failed, as a stable lowercase name.
    pub fn stage(&self) -> &'static str {
        match self {
            ClientError::Fetch { .. } => "fetch",
            ClientError::Keys(_)
            | ClientError::KeyRollback { .. }
            | ClientError::KeySerialReused { .. }
            | ClientError::KeyBehindLog { .. } => "keys",
            ClientError::IndexMalformed(_) | ClientError::IndexSignature(_) => "index",
            ClientError::Expired { .. } | ClientError::IssuedInFuture { .. } => "freshness",
            ClientError::Rollback { .. } | ClientError::VersionReused { .. } => "rollback",
            ClientError::Checkpoint(_) | ClientError::CheckpointMismatch { .. } => "checkpoint",
            ClientError::OriginChanged { .. }
            | ClientError::LogShrank { .. }
            | ClientError::SplitView { .. }
            | ClientError::Inconsistent(_) => "log-consistency",
            ClientError::Entries { .. } | ClientError::NotLogged { .. } => "log-entries",
            ClientError::ShardMismatch { .. }
            | ClientError::ShardMalformed { .. }
            | ClientError::ShardOversized { .. } => "shard",
            ClientError::EntryRemoved { .. }
            | ClientError::EntryRewritten { .. }
            | ClientError::StatusRegressed { .. } => "history",
            ClientError::Manifest { .. } => "manifest",
            ClientError::State(_) => "state",
        }
    }

    /// True when the failure is the network's, not the catalog's.
    pub fn is_fetch(&self) -> bool {
        matches!(self, ClientError::Fetch { .. })
    }
}

/// How the client checks.
#[derive(Debug, Clone)]
pub struct Options {
    /// Clock-skew tolerance applied to every expiry and issue time.
    pub skew: SignedDuration,
    /// Byte caps and deadline.
    pub limits: Limits,
    /// The time to check against; the system clock when `None`.
    pub now: Option<Timestamp>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            skew: DEFAULT_SKEW,
            limits: Limits::default(),
            now: None,
        }
    }
}

/// What kind of change a pull found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ChangeKind {
    /// A new version.
    Added,
    /// A version was yanked.
    Yanked,
    /// A version was revoked: stop running it.
    Revoked,
}

/// One change since the last pull.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CatalogChange {
    /// What happened.
    pub change: ChangeKind,
    /// Server.
    pub name: String,
    /// Version.
    pub version: String,
    /// For an added version: its tool surface differs from the previous version's.
    pub reapproval_needed: bool,
    /// The tool-surface digest.
    pub tool_surface: String,
}

/// Figures about one pull.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// Version accepted now.
    pub catalog_version: u64,
    /// Version accepted before, if any.
    pub previous_version: Option<u64>,
    /// When the accepted index expires.
    pub expires: Timestamp,
    /// Entries in the catalog.
    pub entries: usize,
    /// Entries by status.
    pub active: usize,
    /// Yanked entries.
    pub yanked: usize,
    /// Revoked entries.
    pub revoked: usize,
    /// Log size now.
    pub tree_size: u64,
    /// Shards fetched this time.
    pub shards_fetched: usize,
    /// Log records fetched this time.
    pub log_records_fetched: u64,
    /// Body bytes fetched this time (decompressed).
    pub bytes_fetched: u64,
}

/// The result of a successful pull: what to persist and what changed.
#[derive(Debug, Clone)]
pub struct Pulled {
    /// The new client state.
    pub state: State,
    /// The accepted index payload.
    pub index: IndexPayload,
    /// Shards fetched this time, to store beside the state.
    pub new_shards: Vec<(Digest, Vec<u8>)>,
    /// True for a first pull (no previous state): `changes` is empty.
    pub initial: bool,
    /// What changed since the previous state.
    pub changes: Vec<CatalogChange>,
    /// Figures.
    pub summary: Summary,
}

/// A catalog client pinned to one root key.
#[derive(Debug)]
pub struct Client<F: Fetcher> {
    fetcher: F,
    root: PublicKey,
    options: Options,
}

struct Counter {
    bytes: u64,
}

impl<F: Fetcher> Client<F> {
    /// A client that trusts only what `root` delegates.
    pub fn new(fetcher: F, root: PublicKey, options: Options) -> Self {
        Client {
            fetcher,
            root,
            options,
        }
    }

    fn now(&self) -> Timestamp {
        self.options.now.unwrap_or_else(Timestamp::now)
    }

    fn get(
        &self,
        resource: &Resource,
        etag: Option<&str>,
        counter: &mut Counter,
    ) -> Result<Fetched, ClientError> {
        let cap = self.options.limits.cap(resource);
        let fetched =
            self.fetcher
                .fetch(resource, cap, etag)
                .map_err(|source| ClientError::Fetch {
                    resource: resource.describe(),
                    source,
                })?;
        if let Fetched::Body { bytes, .. } = &fetched {
            counter.bytes += bytes.len() as u64;
        }
        Ok(fetched)
    }

    fn get_body(&self, resource: &Resource, counter: &mut Counter) -> Result<Vec<u8>, ClientError> {
        match self.get(resource, None, counter)? {
            Fetched::Body { bytes, .. } => Ok(bytes),
            Fetched::NotModified => Err(ClientError::Fetch {
                resource: resource.describe(),
                source: FetchError::Encoding {
                    what: resource.describe(),
                    reason: "304 Not Modified to an unconditional request".into(),
                },
            }),
        }
    }

    /// Fetches and verifies the catalog against `previous` (the last accepted
    /// state, `None` for a first pull) and the shards held in `local`.
    ///
    /// Key statements are fetched before the index and the log, so a key
    /// rotation that lands between the two requests looks like a retired key
    /// (`KeyBehindLog`) or an unknown one (`IndexSignature(UnknownKey)`):
    /// those two are tried once more from the start before they are reported.
    pub fn pull(
        &self,
        previous: Option<&State>,
        local: &dyn LocalShards,
    ) -> Result<Pulled, ClientError> {
        match self.pull_once(previous, local) {
            Err(ClientError::KeyBehindLog { .. })
            | Err(ClientError::IndexSignature(DsseError::UnknownKey { .. })) => {
                self.pull_once(previous, local)
            }
            other => other,
        }
    }

    fn pull_once(
        &self,
        previous: Option<&State>,
        local: &dyn LocalShards,
    ) -> Result<Pulled, ClientError> {
        let now = self.now();
        let mut counter = Counter { bytes: 0 };

        // 1. Keys.
        let keys_bytes = self.get_body(&Resource::Keys, &mut counter)?;
        let keys = verify_key_set(&self.root, &keys_bytes, now, self.options.skew)?;
        if let Some(prev) = previous {
            check_key_serials(prev, &keys)?;
        }

        // 2 and 3. Index and checkpoint; one retry when a publish landed
        // between the two requests.
        let mut attempt = 0;
        let (index_bytes, index_etag, envelope_payload, index, checkpoint_note, checkpoint) = loop {
            attempt += 1;
            let (bytes, etag) = match self.get(
                &Resource::Index,
                previous.and_then(|p| p.index_etag.as_deref()),
                &mut counter,
            )? {
                Fetched::Body { bytes, etag } => (bytes, etag),
                Fetched::NotModified => match previous {
                    Some(p) => (p.index.clone().into_bytes(), p.index_etag.clone()),
                    None => {
                        return Err(ClientError::IndexMalformed(
                            "304 Not Modified without a previous index".into(),
                        ));
                    }
                },
            };
            let (payload, index) = self.open_index(&bytes, &keys, now, previous)?;
            let note = self.get_body(&Resource::Checkpoint, &mut counter)?;
            let cp_key = &keys.checkpoint;
            let name = cp_key.statement.name.as_deref().unwrap_or_default();
            let cp = log::note::open(&note, name, &cp_key.key).map_err(ClientError::Checkpoint)?;
            let matches = cp.origin == index.log.origin
                && cp.size == index.log.tree_size
                && cp.root.to_base64() == index.log.root_hash;
            if matches {
                break (bytes, etag, payload, index, note, cp);
            }
            if attempt >= 2 || cp.origin != index.log.origin || cp.size < index.log.tree_size {
                return Err(ClientError::CheckpointMismatch {
                    origin: cp.origin,
                    size: cp.size,
                    index_origin: index.log.origin,
                    index_size: index.log.tree_size,
                });
            }
        };

        // The signed index names a shard no client may read: that is the
        // catalog's fault (a registry without publish budgets), not the
        // network's, and retrying will not help. Checked before any fetch.
        for (bin, reference) in index.shards.iter().enumerate() {
            if reference.size > self.options.limits.shard {
                return Err(ClientError::ShardOversized {
                    bin: bin as u8,
                    size: reference.size,
                    cap: self.options.limits.shard,
                });
            }
        }

        // 4. Log.
        let records = self.catch_up_log(previous, &checkpoint, &mut counter)?;
        check_logged_keys(&records, &keys)?;

        // 5. Shards.
        let previous_index = previous.map(State::index_payload).transpose()?;
        let mut new_shards = Vec::new();
        let mut changed_bins = Vec::new();
        let mut shards: Vec<Option<Shard>> = vec![None; SHARD_COUNT];
        let mut shards_fetched = 0;
        // Each shard is parsed on a scoped thread while the next is fetched.
        type Parsed = Result<Shard, String>;
        let mut keep = |bin: u8, parsed: std::thread::Result<Parsed>| -> Result<(), ClientError> {
            let shard = parsed
                .unwrap_or_else(|_| Err("its parser failed".into()))
                .map_err(|reason| ClientError::ShardMalformed { bin, reason })?;
            shards[bin as usize] = Some(shard);
            Ok(())
        };
        std::thread::scope(|scope| -> Result<(), ClientError> {
            let mut in_flight: Option<(u8, std::thread::ScopedJoinHandle<'_, Parsed>)> = None;
            for (bin, reference) in index.shards.iter().enumerate() {
                let bin = bin as u8;
                let before = previous_index.as_ref().map(|p| &p.shards[bin as usize]);
                if before == Some(reference) {
                    // Unchanged, and verified when it was accepted; a local
                    // copy that is missing or damaged since is fetched again.
                    if local.shard(&reference.sha256).is_none() {
                        shards_fetched += 1;
                        let b = self
                            .get_body(&Resource::Shard(reference.sha256.clone()), &mut counter)?;
                        check_shard_bytes(bin, reference, &b)?;
                        new_shards.push((reference.sha256.clone(), b));
                    }
                    continue;
                }
                changed_bins.push(bin);
                let bytes = match local.shard(&reference.sha256) {
                    Some(b) => b,
                    None => {
                        shards_fetched += 1;
                        let b = self
                            .get_body(&Resource::Shard(reference.sha256.clone()), &mut counter)?;
                        check_shard_bytes(bin, reference, &b)?;
                        new_shards.push((reference.sha256.clone(), b.clone()));
                        b
                    }
                };
                check_shard_bytes(bin, reference, &bytes)?;
                let parsing = scope.spawn(move || Shard::parse(&bytes, bin));
                if let Some((b, previous)) = in_flight.replace((bin, parsing)) {
                    keep(b, previous.join())?;
                }
            }
            if let Some((b, last)) = in_flight.take() {
                keep(b, last.join())?;
            }
            Ok(())
        })?;

        // 6. History and log agreement.
        let mut changes = Vec::new();
        let mut changed_entries: Vec<(&Entry, bool)> = Vec::new();
        let mut counts = previous.map(|p| p.counts).unwrap_or_default();
        for &bin in &changed_bins {
            let new = shards[bin as usize]
                .as_ref()
                .map(|s| s.entries.as_slice())
                .unwrap_or(&[]);
            let old = match &previous_index {
                None => None,
                Some(p) => {
                    let r = &p.shards[bin as usize];
                    let bytes = local.shard(&r.sha256).ok_or_else(|| {
                        ClientError::State(format!(
                            "shard {bin} of the accepted catalog ({}) is missing or damaged in the state directory; move the state away to start over",
                            r.sha256
                        ))
                    })?;
                    Some(
                        Shard::parse(&bytes, bin)
                            .map_err(|e| ClientError::State(format!("stored shard {bin}: {e}")))?,
                    )
                }
            };
            if let Some(old) = &old {
                counts.remove(&old.entries);
            }
            counts.add(new);
            diff_shard(old.as_ref(), new, &mut changes, &mut changed_entries)?;
        }
        check_against_log(&records, &changed_entries, &shards, checkpoint.size)?;

        let counts = counts;

        let index_text = String::from_utf8(index_bytes)
            .map_err(|_| ClientError::IndexMalformed("the envelope is not UTF-8".into()))?;
        let state = State {
            format: state::STATE_FORMAT,
            catalog_version: index.catalog_version,
            index_sha256: Digest::of(&envelope_payload),
            index: index_text,
            index_etag,
            // An index is only as fresh as the key that signed it: a thief
            // holding the catalog key could sign one that "expires" in 9999.
            expires: index.expires.min(keys.catalog.statement.expires),
            catalog_key: KeySeen {
                serial: keys.catalog.statement.serial,
                keyid: keys.catalog.statement.keyid.clone(),
            },
            checkpoint_key: KeySeen {
                serial: keys.checkpoint.statement.serial,
                keyid: keys.checkpoint.statement.keyid.clone(),
            },
            log: index.log.clone(),
            checkpoint: String::from_utf8_lossy(&checkpoint_note).into_owned(),
            pulled_at: now,
            counts,
        };
        let initial = previous.is_none();
        if initial {
            changes.clear();
        }
        changes.sort_by(|a, b| (&a.name, &a.version).cmp(&(&b.name, &b.version)));
        Ok(Pulled {
            summary: Summary {
                catalog_version: index.catalog_version,
                previous_version: previous.map(|p| p.catalog_version),
                expires: index.expires,
                entries: counts.entries,
                active: counts.active,
                yanked: counts.yanked,
                revoked: counts.revoked,
                tree_size: checkpoint.size,
                shards_fetched,
                log_records_fetched: records.len() as u64,
                bytes_fetched: counter.bytes,
            },
            state,
            index,
            new_shards,
            initial,
            changes,
        })
    }

    fn open_index(
        &self,
        bytes: &[u8],
        keys: &TrustedKeys,
        now: Timestamp,
        previous: Option<&State>,
    ) -> Result<(Vec<u8>, IndexPayload), ClientError> {
        let envelope =
            Envelope::from_bytes(bytes).map_err(|e| ClientError::IndexMalformed(e.to_string()))?;
        let payload = dsse::open(&envelope, INDEX_PAYLOAD_TYPE, &keys.catalog.key)
            .map_err(ClientError::IndexSignature)?;
        let index = IndexPayload::parse(&payload).map_err(ClientError::IndexMalformed)?;
        let skew = self.options.skew;
        if now > plus(index.expires, skew) {
            return Err(ClientError::Expired {
                version: index.catalog_version,
                expires: index.expires,
                now,
                skew_seconds: skew.as_secs(),
            });
        }
        if index.issued_at > plus(now, skew) {
            return Err(ClientError::IssuedInFuture {
                version: index.catalog_version,
                issued_at: index.issued_at,
                now,
                skew_seconds: skew.as_secs(),
            });
        }
        if index.catalog_version > crate::canonical::MAX_SAFE_INTEGER {
            return Err(ClientError::IndexMalformed(format!(
                "catalogVersion {} is beyond 2^53−1: no honest registry reaches it, and canonical JSON cannot write it exactly",
                index.catalog_version
            )));
        }
        // The version floor belongs to the catalog key that signed it (TUF
        // 5.3.11): once the root delegates to a newer catalog key (a new
        // serial naming another key), versions signed by the old one no
        // longer bind, so a fast-forward signed with a stolen key does not
        // outlive the key's rotation. A new statement for the same key keeps
        // the floor.
        let same_key = previous.is_some_and(|prev| {
            prev.catalog_key.serial == keys.catalog.statement.serial
                || prev.catalog_key.keyid == keys.catalog.statement.keyid
        });
        if let Some(prev) = previous.filter(|_| same_key) {
            let got = Digest::of(&payload);
            if index.catalog_version < prev.catalog_version {
                return Err(ClientError::Rollback {
                    seen: prev.catalog_version,
                    got: index.catalog_version,
                });
            }
            if index.catalog_version == prev.catalog_version && got != prev.index_sha256 {
                return Err(ClientError::VersionReused {
                    version: index.catalog_version,
                    seen: prev.index_sha256.clone(),
                    got,
                });
            }
        }
        Ok((payload, index))
    }

    /// Checks the new checkpoint against the last one and fetches the records
    /// added since, proving that they are exactly the new part of the tree.
    fn catch_up_log(
        &self,
        previous: Option<&State>,
        checkpoint: &Checkpoint,
        counter: &mut Counter,
    ) -> Result<Vec<(u64, LogRecord)>, ClientError> {
        let new_size = checkpoint.size;
        let (old_size, old_root) = match previous {
            None => (0, log::empty_root()),
            Some(p) => {
                if p.log.origin != checkpoint.origin {
                    return Err(ClientError::OriginChanged {
                        seen: p.log.origin.clone(),
                        got: checkpoint.origin.clone(),
                    });
                }
                let root = Hash::from_base64(&p.log.root_hash)
                    .map_err(|_| ClientError::State("the stored root hash is not base64".into()))?;
                (p.log.tree_size, root)
            }
        };
        if new_size < old_size {
            return Err(ClientError::LogShrank {
                seen: old_size,
                got: new_size,
            });
        }
        if new_size == old_size {
            if checkpoint.root != old_root {
                return Err(ClientError::SplitView {
                    size: new_size,
                    seen: old_root.to_base64(),
                    got: checkpoint.root.to_base64(),
                });
            }
            return Ok(Vec::new());
        }
        let mut proof = Vec::new();
        if old_size > 0 {
            let resource = Resource::Consistency {
                from: old_size,
                to: new_size,
            };
            let body = self.get_body(&resource, counter)?;
            let parsed: ConsistencyBody = serde_json::from_slice(&body).map_err(|e| {
                ClientError::Inconsistent(LogError::RecordMalformed(format!(
                    "the consistency proof is not the documented JSON: {e}"
                )))
            })?;
            if parsed.from != old_size || parsed.to != new_size {
                return Err(ClientError::Inconsistent(LogError::RecordMalformed(
                    format!(
                        "asked for a proof from {old_size} to {new_size}, got one from {} to {}",
                        parsed.from, parsed.to
                    ),
                )));
            }
            proof = log::record::hashes_from_base64(&parsed.hashes)
                .map_err(ClientError::Inconsistent)?;
            log::verify_consistency(old_size, new_size, &proof, &old_root, &checkpoint.root)
                .map_err(ClientError::Inconsistent)?;
        }

        let entries_err = |reason: String| ClientError::Entries {
            start: old_size,
            end: new_size,
            reason,
        };
        let mut records = Vec::with_capacity((new_size - old_size).min(1 << 20) as usize);
        let mut hashes = Vec::with_capacity(records.capacity());
        // Each page's leaf hashes are computed on a scoped thread while the
        // next page is fetched; pages are appended strictly in order.
        type Hashed = Result<(u64, Vec<LogRecord>, Vec<Hash>), String>;
        let mut append = |hashed: std::thread::Result<Hashed>| -> Result<(), ClientError> {
            let (start, page, page_hashes) = hashed
                .map_err(|_| entries_err("hashing the records failed".into()))?
                .map_err(entries_err)?;
            hashes.extend(page_hashes);
            records.extend((start..).zip(page));
            Ok(())
        };
        std::thread::scope(|scope| -> Result<(), ClientError> {
            let mut in_flight: Option<std::thread::ScopedJoinHandle<'_, Hashed>> = None;
            let mut next = old_size;
            while next < new_size {
                let end = new_size.min(next.saturating_add(self.options.limits.page_records));
                let body = self.get_body(&Resource::Entries { start: next, end }, counter)?;
                let page: EntriesPage = serde_json::from_slice(&body)
                    .map_err(|e| entries_err(format!("a page is not the documented JSON: {e}")))?;
                if page.start != next {
                    return Err(entries_err(format!(
                        "asked for records from {next}, the page starts at {}",
                        page.start
                    )));
                }
                let n = page.entries.len() as u64;
                if n == 0 || n > end - next {
                    return Err(entries_err(format!(
                        "asked for {} records from {next}, the page holds {n}",
                        end - next
                    )));
                }
                let start = next;
                next += n;
                let hashing = scope.spawn(move || -> Hashed {
                    let page_hashes = page
                        .entries
                        .iter()
                        .map(LogRecord::leaf_hash)
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(|e| e.to_string())?;
                    Ok((start, page.entries, page_hashes))
                });
                if let Some(previous) = in_flight.replace(hashing) {
                    append(previous.join())?;
                }
            }
            if let Some(last) = in_flight.take() {
                append(last.join())?;
            }
            Ok(())
        })?;
        let fetched = LeafSlice {
            offset: old_size,
            hashes: &hashes,
        };
        if old_size == 0 {
            let root = log::root(&fetched, new_size).map_err(|e| entries_err(e.to_string()))?;
            if root != checkpoint.root {
                return Err(entries_err(format!(
                    "the records hash to root {}, the checkpoint says {}",
                    root.to_base64(),
                    checkpoint.root.to_base64()
                )));
            }
        } else {
            let ranges = log::consistency_proof_ranges(old_size, new_size)
                .map_err(ClientError::Inconsistent)?;
            for (range, hash) in ranges.into_iter().zip(&proof) {
                if range.start < old_size {
                    continue;
                }
                let computed = log::range_hash(&fetched, range.clone())
                    .map_err(|e| entries_err(e.to_string()))?;
                if computed != *hash {
                    return Err(entries_err(format!(
                        "records {}..{} hash to {}, the verified proof says {}",
                        range.start,
                        range.end,
                        computed.to_base64(),
                        hash.to_base64()
                    )));
                }
            }
        }
        Ok(records)
    }
}

fn plus(t: Timestamp, d: SignedDuration) -> Timestamp {
    t.checked_add(d).unwrap_or(Timestamp::MAX)
}

fn check_key_serials(prev: &State, keys: &TrustedKeys) -> Result<(), ClientError> {
    for role in Role::ALL {
        let seen = prev.key(role);
        let got = &keys.get(role).statement;
        if got.serial < seen.serial {
            return Err(ClientError::KeyRollback {
                role,
                seen: seen.serial,
                got: got.serial,
            });
        }
        if got.serial == seen.serial && got.keyid != seen.keyid {
            return Err(ClientError::KeySerialReused {
                role,
                serial: got.serial,
                seen: seen.keyid.clone(),
                got: got.keyid.clone(),
            });
        }
    }
    Ok(())
}

/// The log records every key rotation: key statements older than a logged
/// rotation are a registry serving a retired key (a freeze until the old
/// statement expires), refused now rather than when it expires. Serials never
/// go backwards between pulls, so checking each pull's new records suffices.
fn check_logged_keys(records: &[(u64, LogRecord)], keys: &TrustedKeys) -> Result<(), ClientError> {
    for (index, r) in records {
        let LogRecord::Key {
            role,
            serial,
            keyid,
            ..
        } = r
        else {
            continue;
        };
        let served = &keys.get(*role).statement;
        if *serial > served.serial || (*serial == served.serial && *keyid != served.keyid) {
            return Err(ClientError::KeyBehindLog {
                role: *role,
                index: *index,
                logged: *serial,
                logged_keyid: keyid.clone(),
                served: served.serial,
                served_keyid: served.keyid.clone(),
            });
        }
    }
    Ok(())
}

fn check_shard_bytes(bin: u8, reference: &ShardRef, bytes: &[u8]) -> Result<(), ClientError> {
    let got = Digest::of(bytes);
    if got != reference.sha256 || bytes.len() as u64 != reference.size {
        return Err(ClientError::ShardMismatch {
            bin,
            expected: reference.sha256.clone(),
            expected_size: reference.size,
            got,
            got_size: bytes.len() as u64,
        });
    }
    Ok(())
}

/// Compares one bin before and after; records changes and the entries that
/// are new or changed (which the log must account for).
fn diff_shard<'a>(
    old: Option<&Shard>,
    new: &'a [Entry],
    changes: &mut Vec<CatalogChange>,
    changed: &mut Vec<(&'a Entry, bool)>,
) -> Result<(), ClientError> {
    let by_key: HashMap<(&str, &str), &Entry> = new
        .iter()
        .map(|e| ((e.name.as_str(), e.version.as_str()), e))
        .collect();
    // Every version of each server in the bin, to find the one published
    // before a new version without rescanning the bin for each.
    let mut by_name: HashMap<&str, Vec<&Entry>> = HashMap::new();
    for e in new {
        by_name.entry(e.name.as_str()).or_default().push(e);
    }
    let mut seen_before: HashMap<(&str, &str), &Entry> = HashMap::new();
    // The newest active version of each server the previous state listed:
    // the surface a gateway following this catalog could have approved.
    let mut newest_before: HashMap<&str, &Entry> = HashMap::new();
    if let Some(old) = old {
        for o in &old.entries {
            if o.status == Status::Active {
                let slot = newest_before.entry(o.name.as_str()).or_insert(o);
                if o.log_index > slot.log_index {
                    *slot = o;
                }
            }
            let key = (o.name.as_str(), o.version.as_str());
            let Some(n) = by_key.get(&key) else {
                return Err(ClientError::EntryRemoved {
                    name: o.name.clone(),
                    version: o.version.clone(),
                });
            };
            if let Some(field) = rewritten_field(o, n) {
                return Err(ClientError::EntryRewritten {
                    name: o.name.clone(),
                    version: o.version.clone(),
                    field,
                });
            }
            if !o.status.may_become(n.status) {
                return Err(ClientError::StatusRegressed {
                    name: o.name.clone(),
                    version: o.version.clone(),
                    from: o.status.as_str(),
                    to: n.status.as_str(),
                });
            }
            seen_before.insert(key, o);
        }
    }
    for n in new {
        let key = (n.name.as_str(), n.version.as_str());
        let kind = match seen_before.get(&key) {
            None => ChangeKind::Added,
            Some(o) if o.status == n.status => continue,
            Some(_) if n.status == Status::Yanked => ChangeKind::Yanked,
            Some(_) => ChangeKind::Revoked,
        };
        changed.push((n, kind == ChangeKind::Added));
        changes.push(CatalogChange {
            change: kind,
            name: n.name.clone(),
            version: n.version.clone(),
            reapproval_needed: kind == ChangeKind::Added
                && surface_changed(n, &by_name, newest_before.get(n.name.as_str()).copied()),
            tool_surface: n.tool_surface.to_string(),
        });
        if kind == ChangeKind::Added && n.status != Status::Active {
            changes.push(CatalogChange {
                change: if n.status == Status::Yanked {
                    ChangeKind::Yanked
                } else {
                    ChangeKind::Revoked
                },
                name: n.name.clone(),
                version: n.version.clone(),
                reapproval_needed: false,
                tool_surface: n.tool_surface.to_string(),
            });
        }
    }
    Ok(())
}

/// Whether a version's tool surface needs approval: the registry says so, or
/// it differs from the surface of the version of the same server published
/// just before it (checked here rather than taken on the registry's word),
/// or from the newest active version the previous state listed (so a change
/// followed by a version that keeps it is flagged on both when one pull
/// brings them).
fn surface_changed(
    n: &Entry,
    by_name: &HashMap<&str, Vec<&Entry>>,
    newest_before: Option<&Entry>,
) -> bool {
    let previous = by_name
        .get(n.name.as_str())
        .into_iter()
        .flatten()
        .filter(|e| e.log_index < n.log_index)
        .max_by_key(|e| e.log_index);
    n.tools_changed
        || previous.is_some_and(|p| p.tool_surface != n.tool_surface)
        || newest_before.is_some_and(|p| p.tool_surface != n.tool_surface)
}

fn rewritten_field(o: &Entry, n: &Entry) -> Option<&'static str> {
    if o.manifest_sha256 != n.manifest_sha256 {
        Some("manifestSha256")
    } else if o.image != n.image {
        Some("image")
    } else if o.signer != n.signer {
        Some("signer")
    } else if o.tool_surface != n.tool_surface {
        Some("toolSurface")
    } else if o.tools_changed != n.tools_changed {
        Some("toolsChanged")
    } else if o.runtime != n.runtime {
        Some("runtime")
    } else if o.published_at != n.published_at {
        Some("publishedAt")
    } else if o.log_index != n.log_index {
        Some("logIndex")
    } else {
        None
    }
}

/// What the new log records say about one version.
struct Logged<'a> {
    publish: Option<(u64, &'a LogRecord)>,
    status: Status,
}

/// Every new or changed entry appears in the new records (a new version with
/// its publish record), and every new record is reflected in the catalog
/// with the same content and final status.
fn check_against_log(
    records: &[(u64, LogRecord)],
    changed: &[(&Entry, bool)],
    shards: &[Option<Shard>],
    tree_size: u64,
) -> Result<(), ClientError> {
    let mut logged: BTreeMap<(&str, &str), Logged<'_>> = BTreeMap::new();
    for (i, r) in records {
        let Some(key) = r.server_version() else {
            continue;
        };
        let slot = logged.entry(key).or_insert(Logged {
            publish: None,
            status: Status::Active,
        });
        match r {
            LogRecord::Publish { name, version, .. } => {
                if let Some((first, _)) = slot.publish {
                    return Err(ClientError::NotLogged {
                        name: name.clone(),
                        version: version.clone(),
                        reason: format!(
                            "the log publishes it twice (records {first} and {i}); a version is published once"
                        ),
                    });
                }
                slot.publish = Some((*i, r));
            }
            LogRecord::Yank { .. } => slot.status = slot.status.max(Status::Yanked),
            LogRecord::Revoke { .. } => slot.status = Status::Revoked,
            LogRecord::Key { .. } => {}
        }
    }
    let not_logged = |e: &Entry, reason: String| ClientError::NotLogged {
        name: e.name.clone(),
        version: e.version.clone(),
        reason,
    };
    for (e, added) in changed {
        match logged.get(&(e.name.as_str(), e.version.as_str())) {
            None => {
                return Err(not_logged(
                    e,
                    format!(
                        "the catalog shows it {} but the log records added since the last pull (up to size {tree_size}) do not",
                        if *added {
                            "published"
                        } else {
                            e.status.as_str()
                        }
                    ),
                ));
            }
            Some(l) if *added && l.publish.is_none() => {
                return Err(not_logged(
                    e,
                    "the catalog shows a new version whose publish record is not among the new log records".into(),
                ));
            }
            Some(_) => {}
        }
    }
    let added: std::collections::BTreeSet<(&str, &str)> = changed
        .iter()
        .filter(|(_, added)| *added)
        .map(|(e, _)| (e.name.as_str(), e.version.as_str()))
        .collect();
    for ((name, version), l) in &logged {
        let bin = crate::catalog::model::shard_of(name) as usize;
        let entry = shards[bin]
            .as_ref()
            .and_then(|s| s.get(name, version))
            .ok_or_else(|| ClientError::NotLogged {
                name: (*name).to_owned(),
                version: (*version).to_owned(),
                reason: "the log records a change the catalog does not show".into(),
            })?;
        if let Some((index, _)) = l.publish
            && !added.contains(&(*name, *version))
        {
            return Err(not_logged(
                entry,
                format!(
                    "the log publishes it again at record {index}, but it was already listed; a version is published once"
                ),
            ));
        }
        if let Some((index, record)) = l.publish {
            let differs = record.publish_differs(entry, index).map_err(|e| {
                not_logged(entry, format!("its immutable fields cannot be hashed: {e}"))
            })?;
            if let Some((field, _)) = differs {
                // Past the named fields, the signer, runtime hints or
                // `toolsChanged` differ from what the log committed to.
                let field = match field {
                    "entrySha256" => "signer, runtime or toolsChanged (the entry's hash)",
                    other => other,
                };
                return Err(not_logged(
                    entry,
                    format!("its {field} differs from the publish record at log index {index}"),
                ));
            }
        }
        if entry.status != l.status {
            return Err(not_logged(
                entry,
                format!(
                    "the catalog says {}, the log says {}",
                    entry.status.as_str(),
                    l.status.as_str()
                ),
            ));
        }
    }
    Ok(())
}

/// Checks a manifest fetched for `entry` (e.g. from
/// `/v0.1/servers/{name}/versions/{version}`): its canonical hash is the
/// entry's `manifestSha256`, and its name, version, image and tool surface
/// agree with the entry. Returns the validated manifest.
pub fn verify_manifest(
    entry: &Entry,
    manifest_json: &[u8],
) -> Result<crate::manifest::Manifest, ClientError> {
    let err = |reason: String| ClientError::Manifest {
        name: entry.name.clone(),
        version: entry.version.clone(),
        reason,
    };
    let value: serde_json::Value =
        serde_json::from_slice(manifest_json).map_err(|e| err(format!("not JSON: {e}")))?;
    // A repeated key would let this parser and another read two manifests
    // from bytes that hash to the one the catalog pins.
    crate::manifest::check_unique_keys(manifest_json).map_err(err)?;
    let got = manifest_digest(&value).map_err(|e| err(e.to_string()))?;
    if got != entry.manifest_sha256 {
        return Err(err(format!(
            "its canonical SHA-256 is {got}, the catalog pins {}",
            entry.manifest_sha256
        )));
    }
    let report =
        crate::manifest::validate_value(&value, crate::manifest::ValidateOptions::default());
    let manifest = report
        .manifest
        .ok_or_else(|| err("it does not validate as a manifest".into()))?;
    if manifest.server.name != entry.name || manifest.server.version != entry.version {
        return Err(err(format!(
            "it describes {} {}",
            manifest.server.name, manifest.server.version
        )));
    }
    let rebuilt = Entry::from_manifest(
        &manifest,
        entry.signer.clone(),
        entry.tools_changed,
        entry.published_at,
        entry.log_index,
    )
    .map_err(|e| err(e.to_string()))?;
    if rebuilt.image != entry.image {
        return Err(err(format!(
            "it pins image {}, the catalog {}",
            rebuilt.image, entry.image
        )));
    }
    if rebuilt.tool_surface != entry.tool_surface {
        return Err(err(format!(
            "its tool surface is {}, the catalog pins {}",
            rebuilt.tool_surface, entry.tool_surface
        )));
    }
    if rebuilt.runtime != entry.runtime {
        return Err(err(format!(
            "it declares runtime {}, the catalog lists {}",
            serde_json::to_string(&rebuilt.runtime).unwrap_or_default(),
            serde_json::to_string(&entry.runtime).unwrap_or_default()
        )));
    }
    Ok(manifest)
}
