//! The gateway's side of the catalog: fetch, verify, remember, report.
//!
//! [`Client::pull`] runs every check in a fixed order, each failing with its
//! own [`ClientError`] variant ([`ClientError::stage`] names the stage), one
//! file per stage:
//!
//! 1. keys (`keys.rs`): the key statements are signed by the pinned root
//!    key, the newest per role is unexpired, and no role's serial went
//!    backwards;
//! 2. index (`index.rs`): the DSSE signature is the catalog key's, the
//!    index is not expired nor issued in the future (within the clock-skew
//!    tolerance), its version is not lower than the last one seen, and the
//!    same version has the same bytes;
//! 3. checkpoint (`checkpoint.rs`): signed by the checkpoint key, same
//!    origin, size and root as the index names;
//! 4. log (`consistency.rs`): never smaller than last seen; same size ⇒ same
//!    root (split view); a consistency proof from the last checkpoint; the
//!    new records recompute the new part of the tree (no per-entry proofs);
//! 5. shards (`shards.rs`): only those whose hash changed are fetched; each
//!    matches the index's hash and size and parses as its bin;
//! 6. history (`history.rs`): no entry disappears, no published field
//!    changes, status only moves forward; every change appears in the new
//!    log records and every new record in the catalog.
//!
//! Then `report.rs` assembles the new [`State`] and what changed. Nothing is
//! persisted until every check passed ([`StateDir::commit`]). Every stage
//! fetches through the pull's session (`session.rs`: byte caps, bytes
//! counted, the time checked against) and a [`Fetcher`] ([`fetch`],
//! [`http`]); [`verify_manifest`] checks a manifest fetched afterwards
//! against its entry.

mod checkpoint;
mod consistency;
mod error;
pub mod fetch;
mod history;
pub mod http;
mod index;
mod keys;
mod manifest;
mod report;
mod session;
mod shards;
pub mod state;

pub use error::ClientError;
pub use fetch::{FetchError, Fetched, Fetcher, Limits, Resource};
pub use history::{CatalogChange, ChangeKind};
pub use http::HttpFetcher;
pub use manifest::verify_manifest;
pub use report::{Pulled, Summary};
pub use state::{Counts, KeySeen, LocalShards, NoShards, State, StateDir, StateLock};

use crate::dsse::DsseError;
use crate::keys::PublicKey;
use jiff::{SignedDuration, Timestamp};
use session::Session;

/// Default clock-skew tolerance: 5 minutes either way.
pub const DEFAULT_SKEW: SignedDuration = SignedDuration::from_secs(300);

/// How the client checks.
#[derive(Debug, Clone)]
pub struct Options {
    /// Clock-skew tolerance applied to every expiry and issue time.
    pub skew: SignedDuration,
    /// Byte caps and deadline.
    pub limits: Limits,
    /// The time to check against; the system clock when `None`.
    pub now: Option<Timestamp>,
    /// Witness cosignatures the checkpoint must carry, when required.
    pub witnesses: Option<WitnessPolicy>,
}

/// How long a pull refused for missing cosignatures waits before it tries
/// once more.
pub const WITNESS_RETRY: std::time::Duration = std::time::Duration::from_secs(2);

/// Which witnesses a gateway knows and how many of them must have cosigned
/// the checkpoint (`c2sp.org/tlog-cosignature`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessPolicy {
    /// The known witnesses.
    pub keys: Vec<crate::log::cosignature::WitnessKey>,
    /// How many distinct known witnesses must have cosigned (1 to `keys.len()`).
    pub threshold: usize,
}

impl WitnessPolicy {
    /// `threshold` of `keys`, checked: at least one, at most all of them.
    pub fn new(
        keys: Vec<crate::log::cosignature::WitnessKey>,
        threshold: usize,
    ) -> Result<WitnessPolicy, String> {
        if threshold == 0 || threshold > keys.len() {
            return Err(format!(
                "a witness threshold of {threshold} with {} witness key(s): give 1 to {}",
                keys.len(),
                keys.len().max(1)
            ));
        }
        for (i, k) in keys.iter().enumerate() {
            if let Some(o) = keys[..i]
                .iter()
                .find(|o| o.name == k.name || o.key == k.key)
            {
                return Err(format!(
                    "witnesses `{}` and `{}` are one witness (the same name or the same key): each counts once",
                    o.name, k.name
                ));
            }
        }
        Ok(WitnessPolicy { keys, threshold })
    }

    /// The names of the known witnesses whose cosignatures on `note`
    /// verify, when at least the threshold; a known witness's line that
    /// does not verify fails the checkpoint.
    pub fn check(&self, note: &[u8]) -> Result<Vec<String>, ClientError> {
        let found = crate::log::cosignature::verify(note, &self.keys)
            .map_err(ClientError::WitnessSignature)?;
        let names: Vec<String> = found.into_iter().map(|c| c.name).collect();
        if names.len() < self.threshold {
            return Err(ClientError::Witnesses {
                cosigned: names,
                threshold: self.threshold,
                known: self.keys.len(),
            });
        }
        Ok(names)
    }
}

impl Default for Options {
    fn default() -> Self {
        Options {
            skew: DEFAULT_SKEW,
            limits: Limits::default(),
            now: None,
            witnesses: None,
        }
    }
}

/// A catalog client pinned to one root key.
#[derive(Debug)]
pub struct Client<F: Fetcher> {
    fetcher: F,
    root: PublicKey,
    options: Options,
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
            // A checkpoint is served before its witnesses have cosigned it
            // (a few milliseconds on a healthy registry): once more, later.
            Err(ClientError::Witnesses { .. }) => {
                std::thread::sleep(WITNESS_RETRY);
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
        let now = self.options.now.unwrap_or_else(Timestamp::now);
        let limits = &self.options.limits;
        let mut session = Session::new(&self.fetcher, limits, self.options.skew, now);

        // 1. Keys.
        let keys = keys::trusted_keys(&mut session, &self.root, previous)?;

        // 2 and 3. Index and checkpoint, of one log state, cosigned by
        // enough known witnesses when the gateway requires it.
        let head = checkpoint::index_and_checkpoint(&mut session, &keys, previous)?;
        if let Some(policy) = &self.options.witnesses {
            policy.check(&head.note)?;
        }
        // A shard no client may read is the catalog's fault: refused before
        // any other fetch.
        shards::check_sizes(&head.index.payload, limits.shard)?;

        // 4. Log.
        let records = consistency::catch_up_log(&mut session, previous, &head.checkpoint)?;
        keys::check_logged_keys(&records, &keys)?;

        // 5. Shards.
        let previous_index = previous.map(State::index_payload).transpose()?;
        let shards = shards::fetch_shards(
            &mut session,
            &head.index.payload,
            previous_index.as_ref(),
            local,
        )?;

        // 6. History and log agreement.
        let history = history::compare(
            &shards.parsed,
            &shards.changed_bins,
            previous,
            previous_index.as_ref(),
            local,
        )?;
        history::check_against_log(
            &records,
            &history.changed,
            &shards.parsed,
            head.checkpoint.size,
        )?;

        let traffic = report::Traffic {
            shards: shards.fetched,
            log_records: records.len() as u64,
            bytes: session.bytes,
        };
        report::pulled(previous, head, &keys, history, shards.new, traffic, now)
    }
}
