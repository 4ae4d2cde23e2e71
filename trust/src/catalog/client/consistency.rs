//! Stage 4 of a pull: the log. It never shrinks; one size has one root (two
//! roots are a split view); a consistency proof joins the last checkpoint
//! seen to the new one; and the records added since are fetched and hashed
//! to recompute exactly the new part of the tree, so no per-entry inclusion
//! proof is needed.

use super::error::ClientError;
use super::fetch::Resource;
use super::session::Session;
use super::state::State;
use crate::log::{
    self, Checkpoint, ConsistencyBody, EntriesPage, Hash, LeafSlice, LogError, LogRecord,
};

/// Checks the new checkpoint against the last one and fetches the records
/// added since, proving that they are exactly the new part of the tree.
pub(super) fn catch_up_log(
    session: &mut Session<'_>,
    previous: Option<&State>,
    checkpoint: &Checkpoint,
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
        let body = session.get_body(&resource)?;
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
        proof =
            log::record::hashes_from_base64(&parsed.hashes).map_err(ClientError::Inconsistent)?;
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
            let end = new_size.min(next.saturating_add(session.limits.page_records));
            let body = session.get_body(&Resource::Entries { start: next, end })?;
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
        let ranges =
            log::consistency_proof_ranges(old_size, new_size).map_err(ClientError::Inconsistent)?;
        for (range, hash) in ranges.into_iter().zip(&proof) {
            if range.start < old_size {
                continue;
            }
            let computed =
                log::range_hash(&fetched, range.clone()).map_err(|e| entries_err(e.to_string()))?;
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
