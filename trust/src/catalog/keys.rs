//! The root-signed key statements that delegate the online roles.
//!
//! An offline root key signs one statement per online role — the catalog key
//! that signs the index, the checkpoint key that signs log checkpoints — each
//! with a serial number and an expiry. Gateways pin only the root public key.
//! Rotation is a new statement for the role with a higher serial: clients
//! follow the highest serial they are shown and refuse to go back to a lower
//! one, so a stolen online key is replaced without ever trusting it again.
//!
//! The keys themselves, their roles and their files are [`crate::keys`]; a
//! statement travels in a [`crate::dsse`] envelope, served by the catalog at
//! `/v0.1/catalog/keys`.

use crate::dsse::{self, DsseError, Envelope};
use crate::keys::{KeyError, PublicKey, Role, SigningKey};
use crate::log::note::valid_key_name;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// DSSE payload type of a key statement.
pub const KEY_STATEMENT_PAYLOAD_TYPE: &str = "application/vnd.dev.mcp-trust.key-statement.v1+json";

/// Largest key-statement set read (bytes).
pub const MAX_KEY_SET_BYTES: usize = 64 * 1024;

/// Why a key-statement set could not be made or trusted.
#[derive(Debug, Error)]
pub enum KeySetError {
    /// The key-statement set is not the JSON shape `{"statements": [envelope, ...]}`.
    #[error("the key-statement set is malformed: {0}")]
    Malformed(String),
    /// A statement is not signed by the pinned root key.
    #[error("key statement #{index} is not signed by the pinned root key {root_keyid}: {reason}")]
    NotSignedByRoot {
        /// Position of the statement in the set.
        index: usize,
        /// Key id of the pinned root.
        root_keyid: String,
        /// Why the signature did not verify.
        reason: DsseError,
    },
    /// A root-signed statement whose content is invalid.
    #[error("key statement #{index}: {reason}")]
    BadStatement {
        /// Position of the statement in the set.
        index: usize,
        /// What is wrong.
        reason: String,
    },
    /// Two statements for one role with one serial but different keys.
    #[error("two {role} key statements carry serial {serial} with different content")]
    Conflicting {
        /// The role.
        role: Role,
        /// The serial.
        serial: u64,
    },
    /// No valid statement delegates this role.
    #[error("no key statement delegates the {role} role")]
    MissingRole {
        /// The role.
        role: Role,
    },
    /// The newest statement of a role has expired.
    #[error(
        "the {role} key {keyid} expired at {expires} (now {now}, tolerance {skew_seconds}s); the registry must publish a new root-signed key statement"
    )]
    Expired {
        /// The role.
        role: Role,
        /// The expired key.
        keyid: String,
        /// Its expiry.
        expires: Timestamp,
        /// The time checked against.
        now: Timestamp,
        /// The clock-skew tolerance applied.
        skew_seconds: i64,
    },
}

/// What the root key says about one online key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KeyStatement {
    /// What the key may sign.
    pub role: Role,
    /// Increases with every statement for this role; the highest one a client has seen wins.
    pub serial: u64,
    /// Hex SHA-256 of the raw public key.
    pub keyid: String,
    /// Always `ed25519`.
    pub algorithm: String,
    /// Base64 of the 32 raw public-key bytes.
    pub public_key: String,
    /// For the checkpoint role: the signed-note key name (the log's origin).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// When the root signed this statement.
    pub issued_at: Timestamp,
    /// After this instant the key is no longer trusted.
    pub expires: Timestamp,
}

impl KeyStatement {
    /// A statement delegating `role` to `key` from `issued_at` for `validity`.
    pub fn new(
        role: Role,
        serial: u64,
        key: &PublicKey,
        name: Option<String>,
        issued_at: Timestamp,
        validity: SignedDuration,
    ) -> Result<Self, KeyError> {
        let expires = issued_at
            .checked_add(validity)
            .map_err(|e| KeyError::Crypto(format!("expiry out of range: {e}")))?;
        Ok(KeyStatement {
            role,
            serial,
            keyid: key.keyid(),
            algorithm: "ed25519".into(),
            public_key: key.to_base64(),
            name,
            issued_at,
            expires,
        })
    }
}

/// Signs a statement with the root key: a DSSE envelope.
pub fn sign_statement(
    root: &SigningKey,
    statement: &KeyStatement,
) -> Result<Envelope, KeySetError> {
    let payload = crate::canonical::to_vec(statement)
        .map_err(|e| KeySetError::Malformed(format!("cannot encode the statement: {e}")))?;
    Ok(dsse::sign(KEY_STATEMENT_PAYLOAD_TYPE, &payload, root))
}

/// The body served at `/v0.1/catalog/keys`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeySet {
    /// Root-signed statements, any order.
    pub statements: Vec<Envelope>,
}

impl KeySet {
    /// The exact bytes to serve.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Installs a new root-signed statement (a rotation): it must verify
    /// against `root` and carry a higher serial than the role's current one,
    /// which it replaces. What an operator's `admin keys install` runs.
    pub fn install(&mut self, root: &PublicKey, envelope: Envelope) -> Result<(), KeySetError> {
        let payload =
            dsse::open(&envelope, KEY_STATEMENT_PAYLOAD_TYPE, root).map_err(|reason| {
                KeySetError::NotSignedByRoot {
                    index: self.statements.len(),
                    root_keyid: root.keyid(),
                    reason,
                }
            })?;
        let new: KeyStatement =
            serde_json::from_slice(&payload).map_err(|e| KeySetError::BadStatement {
                index: self.statements.len(),
                reason: e.to_string(),
            })?;
        let mut kept = Vec::with_capacity(self.statements.len() + 1);
        for (index, e) in self.statements.iter().enumerate() {
            let current: KeyStatement = dsse::open(e, KEY_STATEMENT_PAYLOAD_TYPE, root)
                .ok()
                .and_then(|p| serde_json::from_slice(&p).ok())
                .ok_or_else(|| KeySetError::BadStatement {
                    index,
                    reason: "the installed statement does not verify against this root".into(),
                })?;
            if current.role != new.role {
                kept.push(e.clone());
            } else if current.serial >= new.serial {
                return Err(KeySetError::Conflicting {
                    role: new.role,
                    serial: new.serial,
                });
            }
        }
        kept.push(envelope);
        self.statements = kept;
        Ok(())
    }
}

/// One online key the root vouches for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delegated {
    /// The statement, verified.
    pub statement: KeyStatement,
    /// The key it names.
    pub key: PublicKey,
}

/// The online keys a verified key-statement set delegates, one per role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedKeys {
    /// Signs the catalog index.
    pub catalog: Delegated,
    /// Signs log checkpoints.
    pub checkpoint: Delegated,
}

impl TrustedKeys {
    /// The delegation for `role`.
    pub fn get(&self, role: Role) -> &Delegated {
        match role {
            Role::Catalog => &self.catalog,
            Role::Checkpoint => &self.checkpoint,
        }
    }
}

/// Verifies a key-statement set against the pinned root key: every statement
/// root-signed and well formed, one newest statement per role, and that one
/// unexpired at `now` within `skew`.
pub fn verify_key_set(
    root: &PublicKey,
    bytes: &[u8],
    now: Timestamp,
    skew: SignedDuration,
) -> Result<TrustedKeys, KeySetError> {
    if bytes.len() > MAX_KEY_SET_BYTES {
        return Err(KeySetError::Malformed(format!(
            "{} bytes; at most {MAX_KEY_SET_BYTES} are read",
            bytes.len()
        )));
    }
    let set: KeySet =
        serde_json::from_slice(bytes).map_err(|e| KeySetError::Malformed(e.to_string()))?;
    let mut newest: [Option<Delegated>; 2] = [None, None];
    for (index, envelope) in set.statements.iter().enumerate() {
        let payload = dsse::open(envelope, KEY_STATEMENT_PAYLOAD_TYPE, root).map_err(|reason| {
            KeySetError::NotSignedByRoot {
                index,
                root_keyid: root.keyid(),
                reason,
            }
        })?;
        let bad = |reason: String| KeySetError::BadStatement { index, reason };
        let statement: KeyStatement =
            serde_json::from_slice(&payload).map_err(|e| bad(e.to_string()))?;
        if statement.algorithm != "ed25519" {
            return Err(bad(format!(
                "algorithm `{}` is not supported; only `ed25519` is",
                statement.algorithm
            )));
        }
        let key = PublicKey::from_base64(&statement.public_key).map_err(|e| bad(e.to_string()))?;
        if key.keyid() != statement.keyid {
            return Err(bad(format!(
                "keyid {} is not the SHA-256 of the key ({})",
                statement.keyid,
                key.keyid()
            )));
        }
        if statement.expires <= statement.issued_at {
            return Err(bad("expires is not after issuedAt".into()));
        }
        match (&statement.role, &statement.name) {
            (Role::Checkpoint, None) => {
                return Err(bad(
                    "a checkpoint key statement must carry its note key name".into(),
                ));
            }
            (Role::Checkpoint, Some(name)) if !valid_key_name(name) => {
                return Err(bad(format!(
                    "`{name}` is not a signed-note key name (non-empty, no spaces or `+`)"
                )));
            }
            _ => {}
        }
        let slot = &mut newest[statement.role as usize];
        match slot {
            Some(d) if d.statement.serial > statement.serial => {}
            Some(d) if d.statement.serial == statement.serial => {
                if d.statement != statement {
                    return Err(KeySetError::Conflicting {
                        role: statement.role,
                        serial: statement.serial,
                    });
                }
            }
            _ => *slot = Some(Delegated { statement, key }),
        }
    }
    let [catalog, checkpoint] = newest;
    let catalog = catalog.ok_or(KeySetError::MissingRole {
        role: Role::Catalog,
    })?;
    let checkpoint = checkpoint.ok_or(KeySetError::MissingRole {
        role: Role::Checkpoint,
    })?;
    for d in [&catalog, &checkpoint] {
        if now
            > d.statement
                .expires
                .checked_add(skew)
                .unwrap_or(Timestamp::MAX)
        {
            return Err(KeySetError::Expired {
                role: d.statement.role,
                keyid: d.statement.keyid.clone(),
                expires: d.statement.expires,
                now,
                skew_seconds: skew.as_secs(),
            });
        }
    }
    Ok(TrustedKeys {
        catalog,
        checkpoint,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statement(root: &SigningKey, role: Role, serial: u64) -> (Envelope, SigningKey) {
        let online = SigningKey::generate().unwrap();
        let name = (role == Role::Checkpoint).then(|| "log.example".to_owned());
        let now: Timestamp = "2025-01-01T00:00:00Z".parse().unwrap();
        let st = KeyStatement::new(
            role,
            serial,
            &online.public_key(),
            name,
            now,
            SignedDuration::from_hours(24),
        )
        .unwrap();
        (sign_statement(root, &st).unwrap(), online)
    }

    #[test]
    fn rotation_installs_a_higher_serial_and_refuses_a_lower_one() {
        let root = SigningKey::generate().unwrap();
        let now: Timestamp = "2025-01-01T01:00:00Z".parse().unwrap();
        let mut set = KeySet {
            statements: vec![
                statement(&root, Role::Catalog, 1).0,
                statement(&root, Role::Checkpoint, 1).0,
            ],
        };
        let (next, online) = statement(&root, Role::Catalog, 2);
        set.install(&root.public_key(), next).unwrap();
        assert_eq!(set.statements.len(), 2);
        let trusted = verify_key_set(
            &root.public_key(),
            &set.to_bytes(),
            now,
            SignedDuration::from_mins(5),
        )
        .unwrap();
        assert_eq!(trusted.catalog.key, online.public_key());
        assert_eq!(trusted.catalog.statement.serial, 2);
        let (stale, _) = statement(&root, Role::Catalog, 2);
        assert!(matches!(
            set.install(&root.public_key(), stale),
            Err(KeySetError::Conflicting { serial: 2, .. })
        ));
        let (forged, _) = statement(&SigningKey::generate().unwrap(), Role::Catalog, 9);
        assert!(matches!(
            set.install(&root.public_key(), forged),
            Err(KeySetError::NotSignedByRoot { .. })
        ));
    }

    #[test]
    fn a_set_without_a_checkpoint_key_is_refused() {
        let root = SigningKey::generate().unwrap();
        let set = KeySet {
            statements: vec![statement(&root, Role::Catalog, 1).0],
        };
        let now: Timestamp = "2025-01-01T01:00:00Z".parse().unwrap();
        assert!(matches!(
            verify_key_set(
                &root.public_key(),
                &set.to_bytes(),
                now,
                SignedDuration::ZERO
            ),
            Err(KeySetError::MissingRole {
                role: Role::Checkpoint
            })
        ));
    }
}
