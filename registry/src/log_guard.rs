//! What the signer checks before it signs a checkpoint over log leaves it
//! has not signed before. The log is append-only and every gateway that
//! pulls it refuses, for good, a log holding a record it cannot accept: a
//! `key` record newer than the key statements served (`KeyBehindLog`), a
//! version published twice, a publish record the catalog entry does not
//! match, a status change the catalog does not show (`NotLogged`). The
//! registry writes none of these itself, but anyone with write access to
//! its database (no keys needed) can insert a well-formed leaf or rewrite a
//! stored version; signing it would freeze every gateway. So the signer
//! checks each new leaf against what it knows — the key statements it
//! holds, the signed shards, the stored versions — and signs nothing when
//! one fails: the last signed catalog stays served, and the error names
//! the leaf and what is wrong with it.

use crate::store::Pending;
use mcp_trust::catalog::keys::{KEY_STATEMENT_PAYLOAD_TYPE, KeySet, KeyStatement};
use mcp_trust::catalog::{Entry, Shard, Status};
use mcp_trust::keys::PublicKey;
use mcp_trust::log::LogRecord;
use std::collections::HashMap;

/// The key statements in `keys` (a `keys.json` body) signed by `root`
/// (whatever their expiry: only which keys the root delegated matters).
pub fn statements_in(root: &PublicKey, keys: &[u8]) -> Result<Vec<KeyStatement>, String> {
    let set: KeySet = serde_json::from_slice(keys).map_err(|e| e.to_string())?;
    set.statements
        .iter()
        .map(|envelope| {
            let payload = mcp_trust::dsse::open(envelope, KEY_STATEMENT_PAYLOAD_TYPE, root)
                .map_err(|e| {
                    format!("a key statement is not signed by this server's root key: {e}")
                })?;
            serde_json::from_slice(&payload).map_err(|e| e.to_string())
        })
        .collect()
}

/// What the new log records say about one version.
#[derive(Default, Clone)]
struct Logged {
    /// Index of its publish record among the new leaves.
    publish: Option<u64>,
    /// The furthest status the new records give it.
    status: Option<Status>,
}

/// Checks every leaf of `pending` that no signed checkpoint covers yet,
/// given the key statements this server holds (`held`, root-signed). Refuses:
///
/// - a leaf that is not a log record in canonical form (gateways recompute
///   the tree from the records they parse);
/// - a `key` record that is not the (role, serial, keyid) of a held statement;
/// - a `publish` record of a version the signed catalog already lists (it
///   was published at an earlier leaf), or of one published twice among the
///   new leaves;
/// - a `publish` record whose fields (`manifestSha256`, `image`,
///   `toolSurface`, `at`, `entrySha256`) or index do not match the stored
///   version's entry;
/// - a `yank` or `revoke` of a version neither listed nor newly published,
///   and a stored status other than the one the new records give.
///
/// The error names the leaf and the version, for the operator's log.
pub fn check_pending(held: &[KeyStatement], pending: &Pending) -> Result<(), String> {
    let covered = pending.current.as_ref().map_or(0, |c| c.tree_size);
    let skip = usize::try_from(covered.saturating_sub(pending.leaves_from)).unwrap_or(usize::MAX);
    let new = pending.leaves.get(skip..).unwrap_or_default();
    if new.is_empty() {
        return Ok(());
    }
    // Each stored version by its place in `pending.changed`, and what the
    // new leaves say of it at the same place: no name is copied, so the
    // check of a first signing at 100,000 versions adds a few MiB, not the
    // 20 MiB a map keyed by owned names took.
    let stored: HashMap<(&str, &str), usize> = pending
        .changed
        .iter()
        .enumerate()
        .map(|(i, e)| ((e.name.as_str(), e.version.as_str()), i))
        .collect();
    let mut shards: HashMap<u8, Shard> = HashMap::new();
    let mut logged: Vec<Logged> = vec![Logged::default(); pending.changed.len()];
    for (i, leaf) in new.iter().enumerate() {
        let index = covered + i as u64;
        let fail = |what: String| Err(format!("log leaf {index}: {what}"));
        let record: LogRecord = match serde_json::from_slice(leaf) {
            Ok(r) => r,
            Err(e) => return fail(format!("not a log record: {e}")),
        };
        match record.canonical_bytes() {
            Ok(bytes) if bytes == *leaf => {}
            Ok(_) => return fail("not in canonical form (RFC 8785)".into()),
            Err(e) => return fail(e.to_string()),
        }
        let (name, version) = match &record {
            LogRecord::Key {
                role,
                serial,
                keyid,
                ..
            } => {
                if !held
                    .iter()
                    .any(|s| s.role == *role && s.serial == *serial && s.keyid == *keyid)
                {
                    let ours: Vec<String> = held
                        .iter()
                        .filter(|s| s.role == *role)
                        .map(|s| format!("serial {} key id {}", s.serial, s.keyid))
                        .collect();
                    return fail(format!(
                        "a {role} key record of serial {serial}, key id {keyid}, which no key statement this server holds names (it holds {}); gateways would refuse the served keys as retired (KeyBehindLog)",
                        if ours.is_empty() {
                            "none".to_owned()
                        } else {
                            ours.join(", ")
                        }
                    ));
                }
                continue;
            }
            r => match r.server_version() {
                Some(named) => named,
                None => continue,
            },
        };
        let at = stored.get(&(name, version)).copied();
        match &record {
            LogRecord::Publish { .. } => {
                if let Some(first) = at.and_then(|i| logged[i].publish) {
                    return fail(format!(
                        "{name} {version} is published a second time (first at log leaf {first}); a version is published once"
                    ));
                }
                if let Some(old) = listed(&mut shards, pending, name, version)? {
                    return fail(format!(
                        "{name} {version} is published again; the signed catalog lists it, published at log leaf {}",
                        old.log_index
                    ));
                }
                let Some(at) = at else {
                    return fail(format!("{name} {version} is published but not stored"));
                };
                logged[at].publish = Some(index);
                let entry = &pending.changed[at];
                let differs = record
                    .publish_differs(entry, index)
                    .map_err(|e| format!("log leaf {index}: {e}"))?
                    .map(|(field, value)| format!("{field} {value}"));
                if let Some(field) = differs {
                    return fail(format!(
                        "the publish record of {name} {version} does not match the stored version, whose entry has {field}"
                    ));
                }
            }
            LogRecord::Yank { .. } | LogRecord::Revoke { .. } => {
                let Some(at) = at else {
                    return fail(format!(
                        "the new log leaves name {name} {version}, which is not stored"
                    ));
                };
                let slot = &mut logged[at];
                slot.status = Some(if matches!(record, LogRecord::Revoke { .. }) {
                    Status::Revoked
                } else {
                    slot.status.unwrap_or(Status::Active).max(Status::Yanked)
                });
            }
            LogRecord::Key { .. } => {}
        }
    }
    for (entry, l) in pending.changed.iter().zip(&logged) {
        if l.publish.is_none() && l.status.is_none() {
            continue; // no new leaf names it
        }
        let (name, version) = (entry.name.as_str(), entry.version.as_str());
        if l.publish.is_none() && listed(&mut shards, pending, name, version)?.is_none() {
            return Err(format!(
                "the new log leaves change the status of {name} {version}, which the log never published"
            ));
        }
        let expected = l.status.unwrap_or(Status::Active);
        if entry.status != expected {
            return Err(format!(
                "{name} {version} is stored {}, but the new log leaves make it {}",
                entry.status.as_str(),
                expected.as_str()
            ));
        }
    }
    Ok(())
}

/// The entry the signed catalog lists for (name, version), from the stored
/// shard `pending` carries (parsed once per bin; a bin never written is empty).
fn listed(
    shards: &mut HashMap<u8, Shard>,
    pending: &Pending,
    name: &str,
    version: &str,
) -> Result<Option<Entry>, String> {
    let bin = mcp_trust::catalog::shard_of(name);
    let shard = match shards.entry(bin) {
        std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
        std::collections::hash_map::Entry::Vacant(v) => {
            v.insert(match pending.shards.iter().find(|(b, _)| *b == bin) {
                Some((_, bytes)) if pending.current.is_some() => Shard::parse(bytes, bin)
                    .map_err(|e| format!("stored shard {bin:02x} is malformed: {e}"))?,
                _ => Shard::empty(bin),
            })
        }
    };
    Ok(shard.get(name, version).cloned())
}
