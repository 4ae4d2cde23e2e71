//! Stage 3 of a pull: the checkpoint. It must be a signed note of the
//! checkpoint key naming the origin, size and root the index names. Index
//! and checkpoint are two requests: when a publish lands between them, both
//! are fetched once more before a mismatch is reported.

use super::error::ClientError;
use super::fetch::Resource;
use super::index::{VerifiedIndex, fetch_index};
use super::session::Session;
use super::state::State;
use crate::catalog::keys::TrustedKeys;
use crate::log::{self, Checkpoint};

/// An index and a checkpoint of one log state, both verified.
pub(super) struct SignedHead {
    /// The index.
    pub index: VerifiedIndex,
    /// The checkpoint note, as served.
    pub note: Vec<u8>,
    /// The checkpoint it holds.
    pub checkpoint: Checkpoint,
}

/// Stages 2 and 3: an index and the checkpoint of the log state it
/// names; one retry when a publish landed between the two requests.
pub(super) fn index_and_checkpoint(
    session: &mut Session<'_>,
    keys: &TrustedKeys,
    previous: Option<&State>,
) -> Result<SignedHead, ClientError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let index = fetch_index(session, keys, previous)?;
        let note = session.get_body(&Resource::Checkpoint)?;
        let cp_key = &keys.checkpoint;
        let name = cp_key.statement.name.as_deref().unwrap_or_default();
        let cp = log::note::open(&note, name, &cp_key.key).map_err(ClientError::Checkpoint)?;
        let head = &index.payload.log;
        let matches = cp.origin == head.origin
            && cp.size == head.tree_size
            && cp.root.to_base64() == head.root_hash;
        if matches {
            return Ok(SignedHead {
                index,
                note,
                checkpoint: cp,
            });
        }
        if attempt >= 2 || cp.origin != head.origin || cp.size < head.tree_size {
            return Err(ClientError::CheckpointMismatch {
                origin: cp.origin,
                size: cp.size,
                index_origin: index.payload.log.origin,
                index_size: index.payload.log.tree_size,
            });
        }
    }
}
