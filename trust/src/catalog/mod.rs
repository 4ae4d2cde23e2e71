//! The signed catalog: what gateways fetch to learn which server versions
//! exist, which are yanked or revoked, and what each one pins. A small
//! index, signed by the online catalog key inside a DSSE envelope, names the
//! log state it is consistent with and the hash of each of 256 shards
//! (TUF's hashed bins); the shards hold the entries. An offline root key
//! delegates the online keys ([`keys`]); the keys themselves and the DSSE
//! envelope sit below, in [`crate::keys`] and [`crate::dsse`], shared with
//! the log. The log records of catalog events are built here ([`record`]).
//!
//! [`build`] is the registry's side (encode, sign, serve); [`client`] is the
//! gateway's side (fetch, verify against the pinned root, remember what was
//! seen, report what changed); [`mirror`] is the on-disk layout of one
//! catalog snapshot, read by both.

pub mod build;
pub mod client;
pub mod export;
pub mod keys;
pub mod memory;
pub mod mirror;
pub mod model;
pub mod monitor;
pub mod record;

pub use build::{
    Catalog, EncodedShard, Served, SignedIndex, apply, apply_all, refresh, sign_index,
};
pub use keys::{KeyStatement, TrustedKeys};
pub use model::{
    Entry, INDEX_PAYLOAD_TYPE, IndexPayload, Lifecycle, LogHead, MAX_ENTRY_BYTES,
    MAX_NAMESPACE_ENTRY_BYTES, MAX_NAMESPACE_SHARD_BYTES, MAX_SERVER_ENTRY_BYTES, MAX_SHARD_BYTES,
    RuntimeHints, SHARD_COUNT, SHARD_FRAME_BYTES, Shard, ShardRef, Signer, Status, manifest_digest,
    shard_of,
};

use crate::image::Digest;
use thiserror::Error;

/// Why a catalog could not be built or signed.
#[derive(Debug, Error)]
pub enum CatalogError {
    /// An entry is not acceptable.
    #[error("catalog entry: {0}")]
    Entry(String),
    /// A value could not be encoded.
    #[error("cannot encode: {0}")]
    Encode(String),
    /// The stored bytes of a shard do not match the previous index.
    #[error("stored shard {bin} has hash {got}, but the previous index names {expected}")]
    ShardMismatch {
        /// The bin.
        bin: u8,
        /// The hash in the index.
        expected: Digest,
        /// The hash of the stored bytes.
        got: Digest,
    },
    /// A stored shard does not parse.
    #[error("stored shard {bin} is invalid: {reason}")]
    Shard {
        /// The bin.
        bin: u8,
        /// Why.
        reason: String,
    },
    /// A key could not be made or read.
    #[error(transparent)]
    Key(#[from] crate::keys::KeyError),
    /// A key statement could not be made or trusted.
    #[error(transparent)]
    KeySet(#[from] keys::KeySetError),
    /// A log operation failed.
    #[error(transparent)]
    Log(#[from] crate::log::LogError),
    /// A mirror directory could not be written or read.
    #[error("{path}: {reason}")]
    Io {
        /// The file.
        path: String,
        /// What failed.
        reason: String,
    },
}
