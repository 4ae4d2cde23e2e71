//! What the transparency log records: one canonical record per event —
//! a version published, yanked or revoked, an online key rotated. A leaf is
//! the RFC 8785 canonical JSON of a record, so anyone who holds a record can
//! recompute its leaf hash, and a record cannot carry fields this project
//! does not know (the shape is closed).
//!
//! The log knows nothing of the catalog: the records of catalog events are
//! built from catalog entries, and checked against them, by the catalog
//! ([`LogRecord::publish_of`], [`LogRecord::status_of`],
//! [`LogRecord::publish_differs`]).

use super::LogError;
use super::tree::{Hash, LeafHashes, leaf_hash};
use crate::image::{Digest, digest_serde};
use crate::keys::Role;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// One logged event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "lowercase",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
pub enum LogRecord {
    /// A version was published.
    Publish {
        /// Server name.
        name: String,
        /// Version.
        version: String,
        /// SHA-256 of the manifest's RFC 8785 canonical JSON.
        #[serde(with = "digest_serde")]
        manifest_sha256: Digest,
        /// The pinned image, `repository@sha256:…`.
        image: String,
        /// The tool-surface set digest.
        #[serde(with = "digest_serde")]
        tool_surface: Digest,
        /// SHA-256 of the whole immutable catalog entry (its
        /// `immutable_sha256`): signer, runtime hints, `toolsChanged` and
        /// every other field a gateway acts on.
        #[serde(with = "digest_serde")]
        entry_sha256: Digest,
        /// When.
        at: Timestamp,
    },
    /// A version was hidden from new installs.
    Yank {
        /// Server name.
        name: String,
        /// Version.
        version: String,
        /// Why, for people.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        /// When.
        at: Timestamp,
    },
    /// A version must no longer run anywhere.
    Revoke {
        /// Server name.
        name: String,
        /// Version.
        version: String,
        /// Why, for people.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        /// When.
        at: Timestamp,
    },
    /// The root key delegated a role to a new online key.
    Key {
        /// The role.
        role: Role,
        /// Serial of the key statement.
        serial: u64,
        /// Key id of the new key.
        keyid: String,
        /// When.
        at: Timestamp,
    },
}

impl LogRecord {
    /// The leaf bytes: RFC 8785 canonical JSON.
    pub fn canonical_bytes(&self) -> Result<Vec<u8>, LogError> {
        crate::canonical::to_vec(self)
            .map_err(|e| LogError::RecordMalformed(format!("cannot canonicalize: {e}")))
    }

    /// The leaf hash of this record.
    pub fn leaf_hash(&self) -> Result<Hash, LogError> {
        Ok(leaf_hash(&self.canonical_bytes()?))
    }

    /// `(name, version)` for records about a server version.
    pub fn server_version(&self) -> Option<(&str, &str)> {
        match self {
            LogRecord::Publish { name, version, .. }
            | LogRecord::Yank { name, version, .. }
            | LogRecord::Revoke { name, version, .. } => Some((name, version)),
            LogRecord::Key { .. } => None,
        }
    }
}

/// The body of `GET /v0.1/log/entries?start=&end=`: records `start..start+len`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntriesPage {
    /// Index of the first record.
    pub start: u64,
    /// The records, in log order.
    pub entries: Vec<LogRecord>,
}

/// The body of `GET /v0.1/log/proof/consistency?from=&to=`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsistencyBody {
    /// Old tree size.
    pub from: u64,
    /// New tree size.
    pub to: u64,
    /// Proof hashes, base64.
    pub hashes: Vec<String>,
}

/// The body of `GET /v0.1/log/proof/inclusion?index=|leaf=&size=`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InclusionBody {
    /// Leaf index.
    pub index: u64,
    /// Tree size the proof is for.
    pub tree_size: u64,
    /// Base64 leaf hash.
    pub leaf_hash: String,
    /// Proof hashes, base64, from the leaf upwards.
    pub hashes: Vec<String>,
}

impl ConsistencyBody {
    /// The proof from `from` to `to` leaves of `src`, as served.
    pub fn build<S: LeafHashes + ?Sized>(src: &S, from: u64, to: u64) -> Result<Self, LogError> {
        Ok(ConsistencyBody {
            from,
            to,
            hashes: hashes_to_base64(&super::tree::consistency_proof(src, from, to)?),
        })
    }

    /// Checks the proof between two roots.
    pub fn verify(&self, old_root: &Hash, new_root: &Hash) -> Result<(), LogError> {
        let proof = hashes_from_base64(&self.hashes)?;
        super::tree::verify_consistency(self.from, self.to, &proof, old_root, new_root)
    }
}

impl InclusionBody {
    /// The audit path of leaf `index` in the tree of `size` leaves of `src`, as served.
    pub fn build<S: LeafHashes + ?Sized>(src: &S, index: u64, size: u64) -> Result<Self, LogError> {
        let proof = super::tree::inclusion_proof(src, index, size)?;
        Ok(InclusionBody {
            index,
            tree_size: size,
            leaf_hash: src.leaf_hash(index).map_err(LogError::source)?.to_base64(),
            hashes: hashes_to_base64(&proof),
        })
    }

    /// Checks that the proof leads from its leaf to `root`; returns the leaf hash.
    pub fn verify(&self, root: &Hash) -> Result<Hash, LogError> {
        let leaf = hashes_from_base64(std::slice::from_ref(&self.leaf_hash))?[0];
        let proof = hashes_from_base64(&self.hashes)?;
        super::tree::verify_inclusion(&leaf, self.index, self.tree_size, &proof, root)?;
        Ok(leaf)
    }
}

/// Encodes hashes as base64 strings.
pub fn hashes_to_base64(hashes: &[Hash]) -> Vec<String> {
    hashes.iter().map(Hash::to_base64).collect()
}

/// Decodes base64 hashes.
pub fn hashes_from_base64(hashes: &[String]) -> Result<Vec<Hash>, LogError> {
    hashes
        .iter()
        .map(|h| {
            Hash::from_base64(h)
                .map_err(|_| LogError::RecordMalformed(format!("`{h}` is not a base64 SHA-256")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn publish() -> LogRecord {
        LogRecord::Publish {
            name: "io.github.acme/weather".into(),
            version: "1.0.0".into(),
            manifest_sha256: Digest::of(b"m"),
            image: format!("ghcr.io/acme/weather@{}", Digest::of(b"i")),
            tool_surface: Digest::of(b"t"),
            entry_sha256: Digest::of(b"e"),
            at: "2025-01-01T00:00:00Z".parse().unwrap(),
        }
    }

    #[test]
    fn record_is_canonical_json_with_its_kind() {
        let bytes = publish().canonical_bytes().unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with("{\"at\":\"2025-01-01T00:00:00Z\",\"entrySha256\":"));
        assert!(text.contains("\"kind\":\"publish\""));
        assert!(text.contains("\"manifestSha256\":\"sha256:"));
        let back: LogRecord = serde_json::from_str(&text).unwrap();
        assert_eq!(back, publish());
    }

    #[test]
    fn rejects_a_record_with_an_unknown_field() {
        let mut v = serde_json::to_value(publish()).unwrap();
        v["note"] = serde_json::json!("x");
        assert!(serde_json::from_value::<LogRecord>(v).is_err());
    }

    #[test]
    fn rejects_an_unknown_kind() {
        let v = serde_json::json!({"kind": "delete", "name": "a/b", "version": "1", "at": "2025-01-01T00:00:00Z"});
        assert!(serde_json::from_value::<LogRecord>(v).is_err());
    }
}
