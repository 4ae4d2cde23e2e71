//! Why a pull was refused: one variant per check, each naming its stage
//! ([`ClientError::stage`]), so a gateway operator reads which guarantee
//! failed — keys, index, freshness, rollback, checkpoint, log, shard,
//! history — rather than a bare "invalid catalog".

use super::fetch::FetchError;
use crate::catalog::keys::KeySetError;
use crate::dsse::DsseError;
use crate::image::Digest;
use crate::keys::Role;
use crate::log::LogError;
use jiff::Timestamp;
use thiserror::Error;

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
    /// Too few known witnesses cosigned the checkpoint.
    #[error(
        "the checkpoint carries valid cosignatures of {} of the {known} known witnesses ([{}]); {threshold} are required: the registry may be showing this gateway a log the witnesses did not see",
        cosigned.len(),
        cosigned.join(", ")
    )]
    Witnesses {
        /// The known witnesses whose cosignatures verified.
        cosigned: Vec<String>,
        /// How many are required.
        threshold: usize,
        /// How many witnesses are known.
        known: usize,
    },
    /// A known witness's cosignature line does not verify.
    #[error("a witness cosignature: {0}")]
    WitnessSignature(LogError),
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
            ClientError::Witnesses { .. } | ClientError::WitnessSignature(_) => "witness",
        }
    }

    /// True when the failure is the network's, not the catalog's.
    pub fn is_fetch(&self) -> bool {
        matches!(self, ClientError::Fetch { .. })
    }
}
