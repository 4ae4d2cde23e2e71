//! Signing keys and the root-signed key statements that delegate to them.
//!
//! An offline root key signs one statement per online role — the catalog key
//! that signs the index, the checkpoint key that signs log checkpoints — each
//! with a serial number and an expiry. Gateways pin only the root public key.
//! Rotation is a new statement for the role with a higher serial: clients
//! follow the highest serial they are shown and refuse to go back to a lower
//! one, so a stolen online key is replaced without ever trusting it again.
//!
//! Keys are Ed25519 (aws-lc-rs). Private keys are PKCS#8 PEM files of mode
//! 0600; a file readable by group or others is refused when read.

use super::dsse::{self, DsseError, Envelope};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::Path;
use thiserror::Error;

/// DSSE payload type of a key statement.
pub const KEY_STATEMENT_PAYLOAD_TYPE: &str = "application/vnd.dev.mcp-trust.key-statement.v1+json";

/// Largest key-statement set read (bytes).
pub const MAX_KEY_SET_BYTES: usize = 64 * 1024;

/// Why a key or a key statement could not be made, read or trusted.
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

/// An Ed25519 public key.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PublicKey([u8; 32]);

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.keyid())
    }
}

/// DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410), before the 32 key bytes.
const ED25519_SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

impl PublicKey {
    /// From the 32 raw key bytes.
    pub fn from_raw(bytes: [u8; 32]) -> Self {
        PublicKey(bytes)
    }

    /// The 32 raw key bytes.
    pub fn raw(&self) -> &[u8; 32] {
        &self.0
    }

    /// Key id: lowercase hex SHA-256 of the 32 raw key bytes.
    pub fn keyid(&self) -> String {
        hex::encode(sigstore_crypto::sha256(&self.0).as_bytes())
    }

    /// Base64 of the raw key bytes, as carried in key statements.
    pub fn to_base64(&self) -> String {
        B64.encode(self.0)
    }

    /// Parses base64 of 32 raw key bytes.
    pub fn from_base64(s: &str) -> Result<Self, KeyError> {
        let bytes = B64.decode(s).map_err(|e| KeyError::BadKey {
            kind: "public key",
            reason: format!("not base64: {e}"),
        })?;
        let raw: [u8; 32] = bytes.try_into().map_err(|v: Vec<u8>| KeyError::BadKey {
            kind: "public key",
            reason: format!("{} bytes instead of 32", v.len()),
        })?;
        Ok(PublicKey(raw))
    }

    /// PEM `PUBLIC KEY` (SubjectPublicKeyInfo).
    pub fn to_pem(&self) -> String {
        let mut der = ED25519_SPKI_PREFIX.to_vec();
        der.extend_from_slice(&self.0);
        pem_encode("PUBLIC KEY", &der)
    }

    /// Parses a PEM `PUBLIC KEY` holding an Ed25519 key.
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let der = pem_decode(pem, "PUBLIC KEY").map_err(|reason| KeyError::BadKey {
            kind: "public key",
            reason,
        })?;
        let raw = der
            .strip_prefix(&ED25519_SPKI_PREFIX[..])
            .and_then(|k| <[u8; 32]>::try_from(k).ok())
            .ok_or_else(|| KeyError::BadKey {
                kind: "public key",
                reason: "the SubjectPublicKeyInfo is not an Ed25519 key (RFC 8410)".into(),
            })?;
        Ok(PublicKey(raw))
    }

    /// True when `sig` is this key's Ed25519 signature over `msg`.
    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        use aws_lc_rs::signature::{ED25519, UnparsedPublicKey};
        UnparsedPublicKey::new(&ED25519, &self.0)
            .verify(msg, sig)
            .is_ok()
    }
}

/// An Ed25519 private key.
pub struct SigningKey {
    pair: aws_lc_rs::signature::Ed25519KeyPair,
    public: PublicKey,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey({})", self.public.keyid())
    }
}

impl SigningKey {
    /// A fresh random key.
    pub fn generate() -> Result<Self, KeyError> {
        let pair = aws_lc_rs::signature::Ed25519KeyPair::generate()
            .map_err(|_| KeyError::Crypto("Ed25519 key generation failed".into()))?;
        Ok(Self::from_pair(pair))
    }

    fn from_pair(pair: aws_lc_rs::signature::Ed25519KeyPair) -> Self {
        use aws_lc_rs::signature::KeyPair;
        let mut raw = [0u8; 32];
        raw.copy_from_slice(pair.public_key().as_ref());
        SigningKey {
            pair,
            public: PublicKey(raw),
        }
    }

    /// The public half.
    pub fn public_key(&self) -> PublicKey {
        self.public
    }

    /// Ed25519 signature over `msg`.
    pub fn sign(&self, msg: &[u8]) -> Vec<u8> {
        self.pair.sign(msg).as_ref().to_vec()
    }

    /// PEM `PRIVATE KEY` (PKCS#8).
    pub fn to_pem(&self) -> Result<String, KeyError> {
        let doc = self
            .pair
            .to_pkcs8()
            .map_err(|_| KeyError::Crypto("cannot encode the key as PKCS#8".into()))?;
        Ok(pem_encode("PRIVATE KEY", doc.as_ref()))
    }

    /// Parses a PEM `PRIVATE KEY` (PKCS#8) holding an Ed25519 key.
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let der = pem_decode(pem, "PRIVATE KEY").map_err(|reason| KeyError::BadKey {
            kind: "private key",
            reason,
        })?;
        let pair = aws_lc_rs::signature::Ed25519KeyPair::from_pkcs8(&der).map_err(|e| {
            KeyError::BadKey {
                kind: "private key",
                reason: format!("not an Ed25519 PKCS#8 key: {e}"),
            }
        })?;
        Ok(Self::from_pair(pair))
    }
}

/// Writes a private key to a new file of mode 0600; an existing file is never overwritten.
pub fn write_private_key(path: &Path, key: &SigningKey) -> Result<(), KeyError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let file_err = |reason: String| KeyError::File {
        path: path.display().to_string(),
        reason,
    };
    let pem = key.to_pem()?;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| file_err(format!("cannot create: {e}")))?;
    f.write_all(pem.as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|e| file_err(format!("cannot write: {e}")))
}

/// Reads a private key, refusing a file that group or others may read or write.
pub fn read_private_key(path: &Path) -> Result<SigningKey, KeyError> {
    use std::os::unix::fs::MetadataExt;
    let display = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| KeyError::File {
        path: display.clone(),
        reason: format!("cannot read: {e}"),
    })?;
    let mode = meta.mode() & 0o7777;
    if mode & 0o077 != 0 {
        return Err(KeyError::Permissions {
            path: display,
            mode,
        });
    }
    let pem = std::fs::read_to_string(path).map_err(|e| KeyError::File {
        path: display.clone(),
        reason: format!("cannot read: {e}"),
    })?;
    SigningKey::from_pem(&pem).map_err(|e| KeyError::File {
        path: display,
        reason: e.to_string(),
    })
}

/// Writes a public key as PEM (mode 0644); an existing file is never overwritten.
pub fn write_public_key(path: &Path, key: &PublicKey) -> Result<(), KeyError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let file_err = |reason: String| KeyError::File {
        path: path.display().to_string(),
        reason,
    };
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o644)
        .open(path)
        .map_err(|e| file_err(format!("cannot create: {e}")))?;
    f.write_all(key.to_pem().as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|e| file_err(format!("cannot write: {e}")))
}

/// Reads a PEM public key.
pub fn read_public_key(path: &Path) -> Result<PublicKey, KeyError> {
    let display = path.display().to_string();
    let pem = std::fs::read_to_string(path).map_err(|e| KeyError::File {
        path: display.clone(),
        reason: format!("cannot read: {e}"),
    })?;
    PublicKey::from_pem(&pem).map_err(|e| KeyError::File {
        path: display,
        reason: e.to_string(),
    })
}

fn pem_encode(label: &str, der: &[u8]) -> String {
    let b64 = B64.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

fn pem_decode(pem: &str, label: &str) -> Result<Vec<u8>, String> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let text = pem.trim();
    let body = text
        .strip_prefix(begin.as_str())
        .and_then(|rest| rest.strip_suffix(end.as_str()))
        .ok_or_else(|| format!("expected one `{begin}` … `{end}` block"))?;
    let b64: String = body.split_whitespace().collect();
    B64.decode(b64.as_bytes())
        .map_err(|e| format!("the PEM body is not base64: {e}"))
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
pub fn sign_statement(root: &SigningKey, statement: &KeyStatement) -> Result<Envelope, KeyError> {
    let payload = crate::canonical::to_vec(statement)
        .map_err(|e| KeyError::Malformed(format!("cannot encode the statement: {e}")))?;
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
    pub fn install(&mut self, root: &PublicKey, envelope: Envelope) -> Result<(), KeyError> {
        let payload =
            dsse::open(&envelope, KEY_STATEMENT_PAYLOAD_TYPE, root).map_err(|reason| {
                KeyError::NotSignedByRoot {
                    index: self.statements.len(),
                    root_keyid: root.keyid(),
                    reason,
                }
            })?;
        let new: KeyStatement =
            serde_json::from_slice(&payload).map_err(|e| KeyError::BadStatement {
                index: self.statements.len(),
                reason: e.to_string(),
            })?;
        let mut kept = Vec::with_capacity(self.statements.len() + 1);
        for (index, e) in self.statements.iter().enumerate() {
            let current: KeyStatement = dsse::open(e, KEY_STATEMENT_PAYLOAD_TYPE, root)
                .ok()
                .and_then(|p| serde_json::from_slice(&p).ok())
                .ok_or_else(|| KeyError::BadStatement {
                    index,
                    reason: "the installed statement does not verify against this root".into(),
                })?;
            if current.role != new.role {
                kept.push(e.clone());
            } else if current.serial >= new.serial {
                return Err(KeyError::Conflicting {
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
) -> Result<TrustedKeys, KeyError> {
    if bytes.len() > MAX_KEY_SET_BYTES {
        return Err(KeyError::Malformed(format!(
            "{} bytes; at most {MAX_KEY_SET_BYTES} are read",
            bytes.len()
        )));
    }
    let set: KeySet =
        serde_json::from_slice(bytes).map_err(|e| KeyError::Malformed(e.to_string()))?;
    let mut newest: [Option<Delegated>; 2] = [None, None];
    for (index, envelope) in set.statements.iter().enumerate() {
        let payload = dsse::open(envelope, KEY_STATEMENT_PAYLOAD_TYPE, root).map_err(|reason| {
            KeyError::NotSignedByRoot {
                index,
                root_keyid: root.keyid(),
                reason,
            }
        })?;
        let bad = |reason: String| KeyError::BadStatement { index, reason };
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
            (Role::Checkpoint, Some(name)) if !crate::log::note::valid_key_name(name) => {
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
                    return Err(KeyError::Conflicting {
                        role: statement.role,
                        serial: statement.serial,
                    });
                }
            }
            _ => *slot = Some(Delegated { statement, key }),
        }
    }
    let [catalog, checkpoint] = newest;
    let catalog = catalog.ok_or(KeyError::MissingRole {
        role: Role::Catalog,
    })?;
    let checkpoint = checkpoint.ok_or(KeyError::MissingRole {
        role: Role::Checkpoint,
    })?;
    for d in [&catalog, &checkpoint] {
        if now
            > d.statement
                .expires
                .checked_add(skew)
                .unwrap_or(Timestamp::MAX)
        {
            return Err(KeyError::Expired {
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
            Err(KeyError::Conflicting { serial: 2, .. })
        ));
        let (forged, _) = statement(&SigningKey::generate().unwrap(), Role::Catalog, 9);
        assert!(matches!(
            set.install(&root.public_key(), forged),
            Err(KeyError::NotSignedByRoot { .. })
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
            Err(KeyError::MissingRole {
                role: Role::Checkpoint
            })
        ));
    }

    #[test]
    fn private_key_round_trips_through_pem_and_signs() {
        let k = SigningKey::generate().unwrap();
        let back = SigningKey::from_pem(&k.to_pem().unwrap()).unwrap();
        assert_eq!(back.public_key(), k.public_key());
        let sig = back.sign(b"m");
        assert!(k.public_key().verify(b"m", &sig));
        assert!(!k.public_key().verify(b"n", &sig));
    }

    #[test]
    fn public_key_round_trips_through_spki_pem() {
        let k = SigningKey::generate().unwrap().public_key();
        assert_eq!(PublicKey::from_pem(&k.to_pem()).unwrap(), k);
    }

    #[test]
    fn rejects_a_p256_public_key_pem() {
        let p256 = sigstore_crypto::KeyPair::generate_ecdsa_p256().unwrap();
        let pem = p256.public_key_der().unwrap().to_pem();
        assert!(matches!(
            PublicKey::from_pem(&pem),
            Err(KeyError::BadKey {
                kind: "public key",
                ..
            })
        ));
    }

    #[test]
    fn private_key_file_is_written_0600_and_never_overwritten() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("root.key");
        let k = SigningKey::generate().unwrap();
        write_private_key(&path, &k).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert!(matches!(
            write_private_key(&path, &k),
            Err(KeyError::File { .. })
        ));
        assert_eq!(
            read_private_key(&path).unwrap().public_key(),
            k.public_key()
        );
    }

    #[test]
    fn rejects_a_private_key_file_readable_by_group_or_others() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("online.key");
        write_private_key(&path, &SigningKey::generate().unwrap()).unwrap();
        for mode in [0o640, 0o604, 0o660, 0o602] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            match read_private_key(&path) {
                Err(KeyError::Permissions { mode: m, .. }) => assert_eq!(m, mode),
                other => panic!("mode {mode:o}: {other:?}"),
            }
        }
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).unwrap();
        read_private_key(&path).unwrap();
    }
}
