//! What to sign next, decided under the store's write lock from what is
//! pending: log leaves appended by publishes and status changes since the
//! last signing, the stored index, shards and key statements. A key rotation
//! becomes a log record; a pending leaf or stored version a gateway would
//! refuse stops the signing; otherwise the touched shards are rewritten and
//! the next index and checkpoint signed, for the store to write in the same
//! transaction.

use super::keys::CatalogKeys;
use crate::config::CatalogOptions;
use crate::store::{Pending, SignedCatalog, Signing, StoreError};
use jiff::{SignedDuration, Timestamp};
use mcp_trust::catalog::build;
use mcp_trust::catalog::keys::KeyStatement;
use mcp_trust::catalog::{Catalog, INDEX_PAYLOAD_TYPE, IndexPayload, LogHead};
use mcp_trust::dsse::Envelope;
use mcp_trust::keys::{PublicKey, Role};
use mcp_trust::log::{self, Checkpoint, LeafHashes, LogRecord, MemoryTree};
use std::sync::Mutex;

/// Warn this long before an online key statement expires.
const KEY_EXPIRY_WARNING: SignedDuration = SignedDuration::from_hours(24 * 14);

pub(super) fn plus(t: Timestamp, d: SignedDuration) -> Timestamp {
    t.checked_add(d).unwrap_or(Timestamp::MAX)
}

/// The payload of a stored index (signed here, so only decoded).
pub(super) fn index_payload(index: &str) -> Result<IndexPayload, StoreError> {
    let envelope = Envelope::from_bytes(index.as_bytes())
        .map_err(|e| StoreError::Corrupt(format!("stored index: {e}")))?;
    let bytes = envelope
        .payload_bytes()
        .map_err(|e| StoreError::Corrupt(format!("stored index: {e}")))?;
    IndexPayload::parse(&bytes).map_err(|e| StoreError::Corrupt(format!("stored index: {e}")))
}

/// The payload of the stored index, once its signature verifies under the
/// catalog key its stored key statements name (checked against this
/// server's root key). The shards it references are then bytes this
/// registry signed, which a signing splices rather than re-encodes.
fn verified_index_payload(
    statements: &[KeyStatement],
    index: &str,
) -> Result<IndexPayload, String> {
    let catalog = statements
        .iter()
        .filter(|s| s.role == Role::Catalog)
        .max_by_key(|s| s.serial)
        .ok_or("the stored key statements name no catalog key")?;
    let key = PublicKey::from_base64(&catalog.public_key)
        .map_err(|e| format!("the stored catalog key statement: {e}"))?;
    let envelope =
        Envelope::from_bytes(index.as_bytes()).map_err(|e| format!("the stored index: {e}"))?;
    let payload = mcp_trust::dsse::open(&envelope, INDEX_PAYLOAD_TYPE, &key).map_err(|e| {
        format!(
            "the stored index does not verify under the catalog key {} its key statements name: {e}",
            catalog.keyid
        )
    })?;
    IndexPayload::parse(&payload).map_err(|e| format!("the stored index: {e}"))
}

/// Appends `leaves` (starting at index `from`) to `tree`; leaves it holds
/// already must hash the same (the stored log was never rewritten).
pub(super) fn extend(tree: &mut MemoryTree, from: u64, leaves: &[Vec<u8>]) -> Result<(), String> {
    for (i, leaf) in leaves.iter().enumerate() {
        let index = from + i as u64;
        let hash = log::leaf_hash(leaf);
        if index < tree.size() {
            let seen = tree.leaf_hash(index).map_err(|e| e.to_string())?;
            if seen != hash {
                return Err(format!(
                    "log leaf {index} differs from the one this server saw before: the stored log was rewritten"
                ));
            }
        } else if index == tree.size() {
            tree.push_hash(hash);
        } else {
            return Err(format!(
                "log leaf {index} follows a gap (the tree holds {})",
                tree.size()
            ));
        }
    }
    Ok(())
}

/// The stored key statements, checked against our root.
fn stored_statements(root: &PublicKey, keys: &str) -> Result<Vec<KeyStatement>, String> {
    crate::log_guard::statements_in(root, keys.as_bytes())
        .map_err(|e| format!("the stored key statements: {e}"))
}

/// Serial of each role in a stored key-statement set.
fn stored_serials(statements: &[KeyStatement]) -> [u64; 2] {
    // Expiry does not matter here: only which statements were served.
    let mut serials = [0u64; 2];
    for s in statements {
        let slot = &mut serials[s.role as usize];
        *slot = (*slot).max(s.serial);
    }
    serials
}

/// Why a signing was refused because of what the store holds: a pending
/// leaf or a stored version or shard a gateway would refuse once signed.
fn refusal(problem: String) -> String {
    format!(
        "refusing to sign: {problem}. This server does not write such leaves or versions; someone with write access to the database may have. Nothing was signed and the last signed catalog is still served until it expires; signing resumes once the pending log leaves, the stored versions and the stored shards agree"
    )
}

/// Decides what to sign from what is pending: runs under the store's write
/// lock, so its view of the stored catalog and log is the one written next.
pub(super) fn plan(
    keys: &CatalogKeys,
    tree: &Mutex<MemoryTree>,
    options: &CatalogOptions,
    now: Timestamp,
    pending: Pending,
) -> Result<Option<Signing>, String> {
    for role in Role::ALL {
        let expires = keys.trusted.get(role).statement.expires;
        if expires <= now {
            return Err(format!(
                "the {role} key's statement expired at {expires}: rotate it with `mcp-registry admin keys rotate --role {role}`, copy the files here and send this server SIGHUP"
            ));
        }
        if expires <= plus(now, KEY_EXPIRY_WARNING) {
            tracing::warn!(%role, %expires, "online key statement expires soon: rotate it");
        }
    }
    // Key statements: ours may be newer than the stored ones (a rotation,
    // logged now), never older (a replica with stale key files).
    let statements = match &pending.current {
        Some(c) => Some(stored_statements(&keys.root, &c.keys)?),
        None => None,
    };
    let stored = statements.as_deref().map(stored_serials);
    let mut append = Vec::new();
    for role in Role::ALL {
        let mine = &keys.trusted.get(role).statement;
        let theirs = stored.map_or(0, |s| s[role as usize]);
        if mine.serial < theirs {
            return Err(format!(
                "this server's {role} key statement has serial {}, older than the catalog's {theirs}: copy the current keys.json and online keys to it",
                mine.serial
            ));
        }
        if mine.serial > theirs {
            let record = LogRecord::Key {
                role,
                serial: mine.serial,
                keyid: mine.keyid.clone(),
                at: now,
            };
            append.push(record.canonical_bytes().map_err(|e| e.to_string())?);
        }
    }
    // Nothing goes into the tree a checkpoint covers that a gateway would
    // refuse: once signed, a leaf is in the append-only log for good.
    crate::log_guard::check_pending(&keys.held, &pending).map_err(refusal)?;
    let mut tree = tree
        .lock()
        .map_err(|_| "log tree lock poisoned".to_owned())?;
    extend(&mut tree, pending.leaves_from, &pending.leaves)?;
    // The tree holds their hashes now; a first signing over a large log
    // would otherwise keep every leaf's bytes through the whole signing.
    drop(pending.leaves);
    let stored_index = match (&pending.current, &statements) {
        (Some(c), Some(statements)) => {
            Some(verified_index_payload(statements, &c.index).map_err(refusal)?)
        }
        _ => None,
    };
    let due = match (&pending.current, &stored_index) {
        (Some(c), Some(stored)) => {
            !append.is_empty()
                || pending.log_size > c.tree_size
                || now >= plus(stored.issued_at, options.refresh_every)
                || c.keys.as_bytes() != keys.statements.as_slice()
        }
        _ => true,
    };
    if !due {
        return Ok(None);
    }
    let (size, root) = if append.is_empty() {
        (tree.size(), tree.root())
    } else {
        let mut next = tree.clone();
        for leaf in &append {
            next.push(leaf);
        }
        (next.size(), next.root())
    };
    drop(tree);
    let head = LogHead {
        origin: keys.origin.clone(),
        tree_size: size,
        root_hash: root.to_base64(),
    };
    let empty = Catalog::new().encode().map_err(|e| e.to_string())?;
    let (previous, mut shards): (IndexPayload, Vec<(u8, Vec<u8>)>) = match stored_index {
        Some(stored) => (stored, pending.shards),
        None => (
            build::index_payload(
                0,
                now,
                options.validity,
                LogHead {
                    origin: keys.origin.clone(),
                    tree_size: 0,
                    root_hash: log::empty_root().to_base64(),
                },
                empty.iter().map(|s| s.reference.clone()).collect(),
            )
            .map_err(|e| e.to_string())?,
            Vec::new(),
        ),
    };
    // A bin never written holds the empty shard.
    for e in &empty {
        if !shards.iter().any(|(b, _)| *b == e.bin) {
            shards.push((e.bin, e.bytes.clone()));
        }
    }
    let entries = pending.changed;
    let previous_shards: Vec<(u8, &[u8])> = shards
        .iter()
        .map(|(b, bytes)| (*b, bytes.as_slice()))
        .collect();
    let (rewritten, index) = build::apply_all(
        &previous,
        &previous_shards,
        entries,
        head,
        now,
        options.validity,
        &keys.catalog,
    )
    .map_err(|e| refusal(e.to_string()))?;
    let checkpoint = log::note::sign(
        &Checkpoint {
            origin: keys.origin.clone(),
            size,
            root,
            extensions: Vec::new(),
        },
        &keys.origin,
        &keys.checkpoint,
    )
    .map_err(|e| e.to_string())?;
    let mut written: Vec<(u8, Vec<u8>)> = rewritten.into_iter().map(|s| (s.bin, s.bytes)).collect();
    if pending.current.is_none() {
        for e in empty {
            if !written.iter().any(|(b, _)| *b == e.bin) {
                written.push((e.bin, e.bytes));
            }
        }
    }
    Ok(Some(Signing {
        append,
        catalog: SignedCatalog {
            version: index.payload.catalog_version,
            tree_size: size,
            index: String::from_utf8(index.bytes).map_err(|e| e.to_string())?,
            checkpoint,
            keys: String::from_utf8(keys.statements.clone()).map_err(|e| e.to_string())?,
        },
        shards: written,
    }))
}
