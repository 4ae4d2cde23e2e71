//! Stage 5 of a pull: the shards. The signed index may name none larger than
//! this client reads; only the shards whose hash changed since the last
//! accepted index are fetched (or taken from the local copy); each must have
//! the hash and size the index names and parse as its bin.

use super::error::ClientError;
use super::fetch::Resource;
use super::session::Session;
use super::state::LocalShards;
use crate::catalog::model::{IndexPayload, SHARD_COUNT, Shard, ShardRef};
use crate::image::Digest;

/// The shards of one pull.
pub(super) struct Shards {
    /// The parsed shard of each bin that changed; `None` for the others.
    pub parsed: Vec<Option<Shard>>,
    /// The bins whose shard changed since the last accepted index.
    pub changed_bins: Vec<u8>,
    /// Shards fetched this time, to store beside the state.
    pub new: Vec<(Digest, Vec<u8>)>,
    /// How many shards were fetched.
    pub fetched: usize,
}

/// Refuses a signed index that names a shard over this client's `cap`: that
/// is the catalog's fault (a registry without publish budgets), not the
/// network's, and retrying will not help.
pub(super) fn check_sizes(index: &IndexPayload, cap: u64) -> Result<(), ClientError> {
    for (bin, reference) in index.shards.iter().enumerate() {
        if reference.size > cap {
            return Err(ClientError::ShardOversized {
                bin: bin as u8,
                size: reference.size,
                cap,
            });
        }
    }
    Ok(())
}

/// Fetches and parses the shards `index` names that differ from those of
/// `previous_index`; a local copy of an unchanged shard that is missing
/// or damaged is fetched again.
pub(super) fn fetch_shards(
    session: &mut Session<'_>,
    index: &IndexPayload,
    previous_index: Option<&IndexPayload>,
    local: &dyn LocalShards,
) -> Result<Shards, ClientError> {
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
            let before = previous_index.map(|p| &p.shards[bin as usize]);
            if before == Some(reference) {
                // Unchanged, and verified when it was accepted; a local
                // copy that is missing or damaged since is fetched again.
                if local.shard(&reference.sha256).is_none() {
                    shards_fetched += 1;
                    let b = session.get_body(&Resource::Shard(reference.sha256.clone()))?;
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
                    let b = session.get_body(&Resource::Shard(reference.sha256.clone()))?;
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
    Ok(Shards {
        parsed: shards,
        changed_bins,
        new: new_shards,
        fetched: shards_fetched,
    })
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
