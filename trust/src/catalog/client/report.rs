//! What a pull hands back once every check has passed: the state to
//! remember in place of the previous one, what changed since it, and
//! figures about the pull.

use super::checkpoint::SignedHead;
use super::error::ClientError;
use super::history::{CatalogChange, History};
use super::state::{self, KeySeen, State};
use crate::catalog::keys::TrustedKeys;
use crate::catalog::model::IndexPayload;
use crate::image::Digest;
use jiff::Timestamp;
use serde::Serialize;

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

impl Pulled {
    /// Every entry of the accepted catalog, before it is committed: the
    /// shards fetched now, and the others from `local` (the state
    /// directory the pull was checked against).
    pub fn entries(
        &self,
        local: &dyn super::LocalShards,
    ) -> Result<Vec<crate::catalog::model::Entry>, ClientError> {
        let mut entries = Vec::new();
        for (bin, reference) in self.index.shards.iter().enumerate() {
            let bin = u8::try_from(bin)
                .map_err(|_| ClientError::State("the index lists more than 256 shards".into()))?;
            let bytes = match self.new_shards.iter().find(|(d, _)| *d == reference.sha256) {
                Some((_, bytes)) => bytes.clone(),
                None => local.shard(&reference.sha256).ok_or_else(|| {
                    ClientError::State(format!("shard {bin} is missing or damaged; pull again"))
                })?,
            };
            let shard = crate::catalog::model::Shard::parse(&bytes, bin)
                .map_err(|e| ClientError::State(format!("shard {bin}: {e}")))?;
            entries.extend(shard.entries);
        }
        Ok(entries)
    }
}

/// What one pull fetched.
pub(super) struct Traffic {
    /// Shards.
    pub shards: usize,
    /// Log records.
    pub log_records: u64,
    /// Body bytes (decompressed).
    pub bytes: u64,
}

/// The answer of a pull that passed every check on `head`, signed by
/// `keys`, since `previous`: the state to remember and what changed.
pub(super) fn pulled(
    previous: Option<&State>,
    head: SignedHead,
    keys: &TrustedKeys,
    history: History<'_>,
    new_shards: Vec<(Digest, Vec<u8>)>,
    traffic: Traffic,
    now: Timestamp,
) -> Result<Pulled, ClientError> {
    let SignedHead {
        index,
        note,
        checkpoint,
    } = head;
    let History {
        mut changes,
        counts,
        ..
    } = history;
    let index_text = String::from_utf8(index.envelope)
        .map_err(|_| ClientError::IndexMalformed("the envelope is not UTF-8".into()))?;
    let payload = index.payload;
    let state = State {
        format: state::STATE_FORMAT,
        catalog_version: payload.catalog_version,
        index_sha256: Digest::of(&index.payload_bytes),
        index: index_text,
        index_etag: index.etag,
        // An index is only as fresh as the key that signed it: a thief
        // holding the catalog key could sign one that "expires" in 9999.
        expires: payload.expires.min(keys.catalog.statement.expires),
        catalog_key: KeySeen {
            serial: keys.catalog.statement.serial,
            keyid: keys.catalog.statement.keyid.clone(),
        },
        checkpoint_key: KeySeen {
            serial: keys.checkpoint.statement.serial,
            keyid: keys.checkpoint.statement.keyid.clone(),
        },
        log: payload.log.clone(),
        checkpoint: String::from_utf8_lossy(&note).into_owned(),
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
            catalog_version: payload.catalog_version,
            previous_version: previous.map(|p| p.catalog_version),
            expires: payload.expires,
            entries: counts.entries,
            active: counts.active,
            yanked: counts.yanked,
            revoked: counts.revoked,
            tree_size: checkpoint.size,
            shards_fetched: traffic.shards,
            log_records_fetched: traffic.log_records,
            bytes_fetched: traffic.bytes,
        },
        state,
        index: payload,
        new_shards,
        initial,
        changes,
    })
}
