//! The transparency log: every publish, yank, revocation and key rotation
//! as a leaf of an RFC 6962 Merkle tree ([`tree`]), records in a closed
//! canonical form ([`record`]), and checkpoints signed as C2SP signed notes
//! ([`note`]). The registry appends and serves; gateways and auditors check
//! that everyone was shown one history, with consistency proofs between
//! checkpoints and by recomputing roots from the records themselves.

pub mod cosignature;
pub mod note;
pub mod record;
pub mod tree;
pub mod witness;

pub use note::Checkpoint;
pub use record::{ConsistencyBody, EntriesPage, InclusionBody, LogRecord};
pub use tree::{
    Hash, LeafFn, LeafHashes, LeafSlice, MemoryTree, consistency_proof, consistency_proof_ranges,
    empty_root, inclusion_proof, inclusion_proof_ranges, leaf_hash, node_hash, range_hash, root,
    verify_consistency, verify_inclusion,
};

use thiserror::Error;

/// Why a log operation or check failed.
#[derive(Debug, Error)]
pub enum LogError {
    /// The leaf store failed.
    #[error("the leaf store failed: {0}")]
    Source(Box<dyn std::error::Error + Send + Sync>),
    /// A leaf the computation needs is not held.
    #[error("leaf {index} is not available")]
    LeafMissing {
        /// The leaf index.
        index: u64,
    },
    /// An inclusion proof was asked for a leaf outside the tree.
    #[error("leaf {index} is outside a tree of {size} leaves")]
    IndexOutOfRange {
        /// The leaf index.
        index: u64,
        /// The tree size.
        size: u64,
    },
    /// A consistency proof was asked from a larger tree to a smaller one.
    #[error("tree size {new} is smaller than {old}: a log never shrinks")]
    SizeDecreased {
        /// The older size.
        old: u64,
        /// The newer size.
        new: u64,
    },
    /// An inclusion proof does not lead to the root.
    #[error("inclusion proof of leaf {index} in a tree of {size} does not verify: {reason}")]
    InclusionProof {
        /// The leaf index.
        index: u64,
        /// The tree size.
        size: u64,
        /// Why.
        reason: String,
    },
    /// A consistency proof does not join the two roots.
    #[error("consistency proof from size {old} to {new} does not verify: {reason}")]
    ConsistencyProof {
        /// The older size.
        old: u64,
        /// The newer size.
        new: u64,
        /// Why.
        reason: String,
    },
    /// A checkpoint note is not in the signed-note format.
    #[error("the checkpoint is malformed: {0}")]
    NoteMalformed(String),
    /// The expected key's signature on a checkpoint does not verify.
    #[error("the checkpoint signature of `{name}` does not verify")]
    NoteSignature {
        /// The note key name.
        name: String,
    },
    /// The checkpoint is not signed by the expected key.
    #[error("the checkpoint is not signed by note key `{expected}` (signed by: [{found}])")]
    NoteUnknownKey {
        /// The expected key name.
        expected: String,
        /// The names that signed it.
        found: String,
    },
    /// A record or a proof body is malformed.
    #[error("malformed log data: {0}")]
    RecordMalformed(String),
}

impl LogError {
    pub(crate) fn source<E: std::error::Error + Send + Sync + 'static>(e: E) -> Self {
        let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(e);
        match boxed.downcast::<LogError>() {
            Ok(own) => *own,
            Err(other) => LogError::Source(other),
        }
    }
}
