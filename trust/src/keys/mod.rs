//! Ed25519 keys and the roles they are given: the catalog index, the log's
//! checkpoints and the root-signed statements that delegate both are signed
//! with these keys. The catalog and the log both sign and verify with them,
//! so they sit below both; which key is trusted for which role (the
//! root-signed key statements) is the catalog's business.
//!
//! Keys are Ed25519 (aws-lc-rs) ([`ed25519`]). Private keys are PKCS#8 PEM
//! files of mode 0600; a file readable by group or others is refused when
//! read ([`mod@file`]).

pub mod ed25519;
pub mod file;

pub use ed25519::{PublicKey, SigningKey};
pub use file::{read_private_key, read_public_key, write_private_key, write_public_key};

use serde::{Deserialize, Serialize};
use std::fmt;
use thiserror::Error;

/// Why a key could not be made, read or written.
#[derive(Debug, Error)]
pub enum KeyError {
    /// Key generation or signing failed in the cryptographic backend.
    #[error("the cryptographic backend failed: {0}")]
    Crypto(String),
    /// A key file could not be read or written.
    #[error("{path}: {reason}")]
    File {
        /// The file.
        path: String,
        /// What failed.
        reason: String,
    },
    /// A private key file is readable or writable by group or others.
    #[error(
        "{path}: private key file has mode {mode:04o}; it must be readable by its owner only (chmod 600 {path})"
    )]
    Permissions {
        /// The file.
        path: String,
        /// Its permission bits.
        mode: u32,
    },
    /// A key is not a PEM block of the expected kind holding an Ed25519 key.
    #[error("not an Ed25519 {kind}: {reason}")]
    BadKey {
        /// `public key` or `private key`.
        kind: &'static str,
        /// What is wrong.
        reason: String,
    },
}

/// What an online key may sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Signs the catalog index.
    Catalog,
    /// Signs transparency-log checkpoints.
    Checkpoint,
}

impl Role {
    /// Both roles, in order.
    pub const ALL: [Role; 2] = [Role::Catalog, Role::Checkpoint];
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Catalog => "catalog",
            Role::Checkpoint => "checkpoint",
        })
    }
}
