//! The keys the signer signs with, loaded from the directory `mcp-registry
//! admin keys init` writes: `root.pub`, `keys.json`, `catalog.key`,
//! `checkpoint.key`. The root key is never read. Replicas share these files;
//! none generates its own, except the embedded store on its first start.

use jiff::{SignedDuration, Timestamp};
use mcp_trust::catalog::keys::{KeyStatement, TrustedKeys, verify_key_set};
use mcp_trust::keys::{KeyError, PublicKey, Role, SigningKey, read_private_key, read_public_key};
use std::path::Path;

/// How long the online keys made on first start of the embedded store are trusted.
const AUTO_KEY_VALIDITY_DAYS: u32 = 90;

/// Why the catalog keys could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// A key file is missing, unreadable or wrong.
    #[error("catalog keys in {dir}: {reason}")]
    Keys {
        /// The key directory.
        dir: String,
        /// What is wrong and how to fix it.
        reason: String,
    },
}

/// The online keys and the root-signed statements that delegate them.
pub struct CatalogKeys {
    pub(super) root: PublicKey,
    pub(super) statements: Vec<u8>,
    /// The root-signed statements in `statements` (what a `key` record in
    /// the log must name).
    pub(super) held: Vec<KeyStatement>,
    pub(super) trusted: TrustedKeys,
    pub(super) catalog: SigningKey,
    pub(super) checkpoint: SigningKey,
    pub(super) origin: String,
}

impl std::fmt::Debug for CatalogKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CatalogKeys")
            .field("root", &self.root.keyid())
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

impl CatalogKeys {
    /// Loads `root.pub`, `keys.json`, `catalog.key` and `checkpoint.key` from
    /// `dir`: the statements must verify against the root and be unexpired at
    /// `now`, and each private key must be the one its statement names.
    pub fn load(dir: &Path, now: Timestamp) -> Result<CatalogKeys, SetupError> {
        let fail = |reason: String| SetupError::Keys {
            dir: dir.display().to_string(),
            reason,
        };
        let key_err = |e: KeyError| fail(e.to_string());
        let root = read_public_key(&dir.join("root.pub")).map_err(key_err)?;
        let path = dir.join("keys.json");
        let statements = std::fs::read(&path).map_err(|e| {
            fail(format!(
                "{}: {e} (create the keys with `mcp-registry admin keys init --dir {}`)",
                path.display(),
                dir.display()
            ))
        })?;
        let trusted =
            verify_key_set(&root, &statements, now, SignedDuration::ZERO).map_err(|e| {
                fail(format!(
                    "keys.json does not verify against root.pub: {e}; rotate the online keys with `mcp-registry admin keys rotate`"
                ))
            })?;
        let catalog = read_private_key(&dir.join("catalog.key")).map_err(key_err)?;
        let checkpoint = read_private_key(&dir.join("checkpoint.key")).map_err(key_err)?;
        for (role, key) in [(Role::Catalog, &catalog), (Role::Checkpoint, &checkpoint)] {
            let named = &trusted.get(role).key;
            if key.public_key() != *named {
                return Err(fail(format!(
                    "{role}.key (key id {}) is not the key keys.json delegates the {role} role to (key id {}); copy keys.json and the online keys written by the same `admin keys init` or `rotate`",
                    key.public_key().keyid(),
                    named.keyid()
                )));
            }
        }
        let origin =
            trusted.checkpoint.statement.name.clone().ok_or_else(|| {
                fail("the checkpoint key statement names no log origin".to_owned())
            })?;
        let held = crate::log_guard::statements_in(&root, &statements).map_err(fail)?;
        Ok(CatalogKeys {
            root,
            statements,
            held,
            trusted,
            catalog,
            checkpoint,
            origin,
        })
    }

    /// Loads the keys, first creating them (as `admin keys init` does) when
    /// `create` is set and `dir` holds no `keys.json`; returns a notice to
    /// print when it created them.
    pub fn load_or_create(
        dir: &Path,
        create: bool,
        now: Timestamp,
    ) -> Result<(CatalogKeys, Option<String>), SetupError> {
        let mut notice = None;
        if create && !dir.join("keys.json").exists() {
            let shown = crate::keys::init_dir(dir, "mcp-registry", AUTO_KEY_VALIDITY_DAYS, now)
                .map_err(|e| SetupError::Keys {
                    dir: dir.display().to_string(),
                    reason: e.to_string(),
                })?;
            notice = Some(format!(
                "created the catalog keys in {} (embedded store, first start):\n{shown}",
                dir.display()
            ));
        }
        Ok((Self::load(dir, now)?, notice))
    }

    /// The root public key gateways pin.
    pub fn root(&self) -> &PublicKey {
        &self.root
    }

    /// The log origin (the checkpoint key's note name).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The checkpoint key's C2SP verifier key (`origin+hash+base64key`):
    /// what a witness is configured with to follow this log.
    pub fn checkpoint_verifier_key(&self) -> String {
        mcp_trust::log::note::verifier_key(&self.origin, &self.checkpoint.public_key())
    }

    /// The serial of each role's key statement, in [`Role::ALL`] order.
    pub fn serials(&self) -> [u64; 2] {
        Role::ALL.map(|role| self.trusted.get(role).statement.serial)
    }
}
