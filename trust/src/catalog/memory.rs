//! A whole catalog publisher in memory, for tests, benchmarks and tools:
//! keys, entries, log and checkpoint, with the same steps a registry takes
//! on each change (append the log record, sign a checkpoint, rewrite one
//! shard, re-sign the index), built from the same parts — the log records
//! of [`LogRecord::publish_of`] and [`LogRecord::status_of`], the transitions
//! of [`Lifecycle`], the shard and index builders of [`super::build`]. No
//! production code depends on it.

use super::CatalogError;
use super::build::{self, Catalog, EncodedShard, SignedIndex};
use super::keys::{KeySet, KeyStatement, sign_statement};
use super::mirror::Mirror;
use super::model::{Entry, Lifecycle, LogHead, Status};
use crate::dsse::Envelope;
use crate::keys::{PublicKey, Role, SigningKey};
use crate::log::{self, Checkpoint, LogRecord, MemoryTree};
use jiff::{SignedDuration, Timestamp};

/// How long an index is valid by default: one day.
pub const DEFAULT_INDEX_VALIDITY: SignedDuration = SignedDuration::from_hours(24);
/// How long an online key statement is valid by default: one year.
pub const DEFAULT_KEY_VALIDITY: SignedDuration = SignedDuration::from_hours(24 * 365);

/// A signed catalog and its log, held in memory.
#[derive(Debug)]
pub struct MemoryRegistry {
    root: SigningKey,
    catalog_key: SigningKey,
    checkpoint_key: SigningKey,
    statements: Vec<(Role, Envelope)>,
    serials: [u64; 2],
    origin: String,
    /// Validity of each signed index.
    pub index_validity: SignedDuration,
    /// Validity of each key statement.
    pub key_validity: SignedDuration,
    catalog: Catalog,
    shards: Vec<EncodedShard>,
    index: SignedIndex,
    records: Vec<LogRecord>,
    tree: MemoryTree,
    checkpoint: String,
}

impl MemoryRegistry {
    /// An empty catalog (version 1) with fresh keys, for log `origin`.
    pub fn new(origin: &str, now: Timestamp) -> Result<Self, CatalogError> {
        Self::with_entries(origin, now, Vec::new())
    }

    /// A catalog holding `entries` (version 1): each one logged as published
    /// (its `logIndex` set), then yanked or revoked when its status says so.
    pub fn with_entries(
        origin: &str,
        now: Timestamp,
        mut entries: Vec<Entry>,
    ) -> Result<Self, CatalogError> {
        let root = SigningKey::generate()?;
        let catalog_key = SigningKey::generate()?;
        let checkpoint_key = SigningKey::generate()?;
        let mut records = Vec::with_capacity(entries.len());
        let mut tree = MemoryTree::new();
        let mut later = Vec::new();
        for e in &mut entries {
            e.log_index = tree.size();
            let record = LogRecord::publish_of(e)?;
            tree.push_hash(record.leaf_hash()?);
            records.push(record);
            if let Some(record) =
                LogRecord::status_of(&e.name, &e.version, e.status, None, e.published_at)
            {
                later.push(record);
            }
        }
        for record in later {
            tree.push_hash(record.leaf_hash()?);
            records.push(record);
        }
        let catalog = Catalog::from_entries(entries)?;
        let shards = catalog.encode()?;
        let mut reg = MemoryRegistry {
            root,
            catalog_key,
            checkpoint_key,
            statements: Vec::new(),
            serials: [0, 0],
            origin: origin.to_owned(),
            index_validity: DEFAULT_INDEX_VALIDITY,
            key_validity: DEFAULT_KEY_VALIDITY,
            catalog,
            index: SignedIndex {
                payload: build::index_payload(
                    0,
                    now,
                    DEFAULT_INDEX_VALIDITY,
                    LogHead {
                        origin: origin.to_owned(),
                        tree_size: 0,
                        root_hash: log::empty_root().to_base64(),
                    },
                    Vec::new(),
                )?,
                envelope: Envelope {
                    payload: String::new(),
                    payload_type: String::new(),
                    signatures: Vec::new(),
                },
                bytes: Vec::new(),
            },
            shards,
            records,
            tree,
            checkpoint: String::new(),
        };
        for role in Role::ALL {
            reg.delegate(role, now)?;
        }
        reg.sign_checkpoint()?;
        let refs = reg.shards.iter().map(|s| s.reference.clone()).collect();
        let payload = build::index_payload(1, now, reg.index_validity, reg.log_head(), refs)?;
        reg.index = build::sign_index(payload, &reg.catalog_key)?;
        Ok(reg)
    }

    fn delegate(&mut self, role: Role, now: Timestamp) -> Result<(), CatalogError> {
        let slot = role as usize;
        self.serials[slot] += 1;
        let (key, name) = match role {
            Role::Catalog => (self.catalog_key.public_key(), None),
            Role::Checkpoint => (self.checkpoint_key.public_key(), Some(self.origin.clone())),
        };
        let statement =
            KeyStatement::new(role, self.serials[slot], &key, name, now, self.key_validity)?;
        let envelope = sign_statement(&self.root, &statement)?;
        self.statements.retain(|(r, _)| *r != role);
        self.statements.push((role, envelope));
        Ok(())
    }

    fn log_head(&self) -> LogHead {
        LogHead {
            origin: self.origin.clone(),
            tree_size: self.tree.size(),
            root_hash: self.tree.root().to_base64(),
        }
    }

    fn sign_checkpoint(&mut self) -> Result<(), CatalogError> {
        let cp = Checkpoint {
            origin: self.origin.clone(),
            size: self.tree.size(),
            root: self.tree.root(),
            extensions: Vec::new(),
        };
        self.checkpoint = log::note::sign(&cp, &self.origin, &self.checkpoint_key)?;
        Ok(())
    }

    fn append(&mut self, record: LogRecord) -> Result<u64, CatalogError> {
        let index = self.tree.push_hash(record.leaf_hash()?);
        self.records.push(record);
        self.sign_checkpoint()?;
        Ok(index)
    }

    fn apply(&mut self, entry: Entry, now: Timestamp) -> Result<(), CatalogError> {
        let bin = entry.shard();
        let change = build::apply(
            &self.index.payload,
            &self.shards[bin as usize].bytes,
            entry.clone(),
            self.log_head(),
            now,
            self.index_validity,
            &self.catalog_key,
        )?;
        self.catalog.upsert(entry)?;
        self.shards[bin as usize] = change.shard;
        self.index = change.index;
        Ok(())
    }

    /// Publishes a new version: logs it (setting its `logIndex`), rewrites its shard, re-signs.
    pub fn publish(&mut self, mut entry: Entry, now: Timestamp) -> Result<(), CatalogError> {
        if self
            .catalog
            .shard(entry.shard())
            .get(&entry.name, &entry.version)
            .is_some()
        {
            return Err(CatalogError::Entry(format!(
                "{} {} is already published",
                entry.name, entry.version
            )));
        }
        entry.status = Status::Active;
        entry.log_index = self.tree.size();
        self.append(LogRecord::publish_of(&entry)?)?;
        self.apply(entry, now)
    }

    /// Yanks or revokes a version: logs it, rewrites its shard, re-signs.
    pub fn set_status(
        &mut self,
        name: &str,
        version: &str,
        status: Status,
        now: Timestamp,
    ) -> Result<(), CatalogError> {
        let mut entry = self
            .catalog
            .shard(super::model::shard_of(name))
            .get(name, version)
            .cloned()
            .ok_or_else(|| CatalogError::Entry(format!("{name} {version} is not published")))?;
        let record = Lifecycle::to(status)
            .and_then(|change| change.apply(entry.status).ok())
            .and_then(|status| LogRecord::status_of(name, version, status, None, now))
            .ok_or_else(|| {
                CatalogError::Entry(format!(
                    "{name} {version} is {} and cannot become {}",
                    entry.status.as_str(),
                    status.as_str()
                ))
            })?;
        entry.status = status;
        self.append(record)?;
        self.apply(entry, now)
    }

    /// Re-signs the index unchanged, as the next version (before it expires).
    pub fn refresh(&mut self, now: Timestamp) -> Result<(), CatalogError> {
        self.index = build::refresh(
            &self.index.payload,
            self.log_head(),
            now,
            self.index_validity,
            &self.catalog_key,
        )?;
        Ok(())
    }

    /// Replaces the online key of `role` with a fresh one: a new root-signed
    /// statement with the next serial, logged; the index is re-signed.
    /// Returns the key it replaced.
    pub fn rotate(&mut self, role: Role, now: Timestamp) -> Result<SigningKey, CatalogError> {
        let fresh = SigningKey::generate()?;
        let old = match role {
            Role::Catalog => std::mem::replace(&mut self.catalog_key, fresh),
            Role::Checkpoint => std::mem::replace(&mut self.checkpoint_key, fresh),
        };
        self.delegate(role, now)?;
        let new_key = match role {
            Role::Catalog => self.catalog_key.public_key(),
            Role::Checkpoint => self.checkpoint_key.public_key(),
        };
        self.append(LogRecord::Key {
            role,
            serial: self.serials[role as usize],
            keyid: new_key.keyid(),
            at: now,
        })?;
        self.refresh(now)?;
        Ok(old)
    }

    /// The root public key gateways pin.
    pub fn root_public_key(&self) -> PublicKey {
        self.root.public_key()
    }

    /// The offline root key (tests forge statements with it).
    pub fn root_key(&self) -> &SigningKey {
        &self.root
    }

    /// The online catalog key.
    pub fn catalog_key(&self) -> &SigningKey {
        &self.catalog_key
    }

    /// The online checkpoint key.
    pub fn checkpoint_key(&self) -> &SigningKey {
        &self.checkpoint_key
    }

    /// The log origin (also the checkpoint key's note name).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The current signed index.
    pub fn index(&self) -> &SignedIndex {
        &self.index
    }

    /// The current checkpoint note.
    pub fn checkpoint(&self) -> &str {
        &self.checkpoint
    }

    /// The log records.
    pub fn records(&self) -> &[LogRecord] {
        &self.records
    }

    /// The log tree.
    pub fn tree(&self) -> &MemoryTree {
        &self.tree
    }

    /// The shard bytes, by bin.
    pub fn shards(&self) -> &[EncodedShard] {
        &self.shards
    }

    /// The entries.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The key-statement set as served.
    pub fn key_set(&self) -> KeySet {
        KeySet {
            statements: self.statements.iter().map(|(_, e)| e.clone()).collect(),
        }
    }

    /// The current snapshot as files.
    pub fn mirror(&self) -> Mirror {
        Mirror {
            keys: self.key_set().to_bytes(),
            index: self.index.bytes.clone(),
            shards: self
                .shards
                .iter()
                .map(|s| (s.reference.sha256.clone(), s.bytes.clone()))
                .collect(),
            checkpoint: self.checkpoint.clone().into_bytes(),
            records: self.records.clone(),
        }
    }
}

/// A realistic synthetic entry number `i` (unique name, pinned image,
/// keyless signer, some with egress and secrets), for tests and benchmarks.
pub fn synthetic_entry(i: u64, published_at: Timestamp) -> Entry {
    use super::model::{KeylessSigner, RuntimeHints, Signer};
    use crate::image::Digest;
    use crate::manifest::Network;
    let publisher = i / 4;
    let repo = format!("publisher{publisher}/mcp-server-{i}");
    Entry {
        name: format!("io.github.publisher{publisher}/mcp-server-{i}"),
        version: "1.0.0".into(),
        status: Status::Active,
        manifest_sha256: Digest::of(format!("manifest {i}").as_bytes()),
        image: format!(
            "ghcr.io/{repo}@{}",
            Digest::of(format!("image {i}").as_bytes())
        ),
        signer: Signer::Keyless(KeylessSigner {
            identity: format!(
                "https://github.com/{repo}/.github/workflows/release.yml@refs/tags/v1.0.0"
            ),
            issuer: "https://token.actions.githubusercontent.com".into(),
        }),
        tool_surface: Digest::of(format!("tools {i}").as_bytes()),
        tools_changed: false,
        runtime: RuntimeHints {
            network: if i.is_multiple_of(3) {
                Network::None
            } else {
                Network::Egress(vec![format!("api.service{}.example.com:443", i % 100)])
            },
            read_only: i.is_multiple_of(2),
            secrets: if i.is_multiple_of(4) {
                Vec::new()
            } else {
                vec!["API_TOKEN".into()]
            },
        },
        published_at,
        log_index: 0,
    }
}
