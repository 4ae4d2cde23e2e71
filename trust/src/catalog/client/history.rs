//! Stage 6 of a pull: history. No entry seen before disappears, no
//! published field changes, a status only moves forward; every change
//! appears in the new log records and every new record in the catalog
//! ([`check_against_log`]). What changed is what the pull reports.

use super::error::ClientError;
use super::state::{Counts, LocalShards, State};
use crate::catalog::model::{Entry, IndexPayload, Shard, Status, shard_of};
use crate::log::LogRecord;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// What kind of change a pull found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ChangeKind {
    /// A new version.
    Added,
    /// A version was yanked.
    Yanked,
    /// A version was revoked: stop running it.
    Revoked,
}

/// One change since the last pull.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CatalogChange {
    /// What happened.
    pub change: ChangeKind,
    /// Server.
    pub name: String,
    /// Version.
    pub version: String,
    /// For an added version: its tool surface differs from the previous version's.
    pub reapproval_needed: bool,
    /// The tool-surface digest.
    pub tool_surface: String,
}

/// What the changed bins hold compared with the previous state.
pub(super) struct History<'a> {
    /// What changed, sorted later for the report.
    pub changes: Vec<CatalogChange>,
    /// The entries that are new or changed, and whether each is new: what
    /// the new log records must account for.
    pub changed: Vec<(&'a Entry, bool)>,
    /// The entries by status after the pull.
    pub counts: Counts,
}

/// Compares each changed bin of `shards` (parsed, `None` for an unchanged
/// bin) with the same bin of `previous_index`, read from `local`.
pub(super) fn compare<'a>(
    shards: &'a [Option<Shard>],
    changed_bins: &[u8],
    previous: Option<&State>,
    previous_index: Option<&IndexPayload>,
    local: &dyn LocalShards,
) -> Result<History<'a>, ClientError> {
    let mut changes = Vec::new();
    let mut changed: Vec<(&Entry, bool)> = Vec::new();
    let mut counts = previous.map(|p| p.counts).unwrap_or_default();
    for &bin in changed_bins {
        let new = shards[bin as usize]
            .as_ref()
            .map(|s| s.entries.as_slice())
            .unwrap_or(&[]);
        let old = match previous_index {
            None => None,
            Some(p) => {
                let r = &p.shards[bin as usize];
                let bytes = local.shard(&r.sha256).ok_or_else(|| {
                    ClientError::State(format!(
                        "shard {bin} of the accepted catalog ({}) is missing or damaged in the state directory; move the state away to start over",
                        r.sha256
                    ))
                })?;
                Some(
                    Shard::parse(&bytes, bin)
                        .map_err(|e| ClientError::State(format!("stored shard {bin}: {e}")))?,
                )
            }
        };
        if let Some(old) = &old {
            counts.remove(&old.entries);
        }
        counts.add(new);
        diff_shard(old.as_ref(), new, &mut changes, &mut changed)?;
    }
    Ok(History {
        changes,
        changed,
        counts,
    })
}

/// Compares one bin before and after; records changes and the entries that
/// are new or changed (which the log must account for).
fn diff_shard<'a>(
    old: Option<&Shard>,
    new: &'a [Entry],
    changes: &mut Vec<CatalogChange>,
    changed: &mut Vec<(&'a Entry, bool)>,
) -> Result<(), ClientError> {
    let by_key: HashMap<(&str, &str), &Entry> = new
        .iter()
        .map(|e| ((e.name.as_str(), e.version.as_str()), e))
        .collect();
    // Every version of each server in the bin, to find the one published
    // before a new version without rescanning the bin for each.
    let mut by_name: HashMap<&str, Vec<&Entry>> = HashMap::new();
    for e in new {
        by_name.entry(e.name.as_str()).or_default().push(e);
    }
    let mut seen_before: HashMap<(&str, &str), &Entry> = HashMap::new();
    // The newest active version of each server the previous state listed:
    // the surface a gateway following this catalog could have approved.
    let mut newest_before: HashMap<&str, &Entry> = HashMap::new();
    if let Some(old) = old {
        for o in &old.entries {
            if o.status == Status::Active {
                let slot = newest_before.entry(o.name.as_str()).or_insert(o);
                if o.log_index > slot.log_index {
                    *slot = o;
                }
            }
            let key = (o.name.as_str(), o.version.as_str());
            let Some(n) = by_key.get(&key) else {
                return Err(ClientError::EntryRemoved {
                    name: o.name.clone(),
                    version: o.version.clone(),
                });
            };
            if let Some(field) = rewritten_field(o, n) {
                return Err(ClientError::EntryRewritten {
                    name: o.name.clone(),
                    version: o.version.clone(),
                    field,
                });
            }
            if !o.status.may_become(n.status) {
                return Err(ClientError::StatusRegressed {
                    name: o.name.clone(),
                    version: o.version.clone(),
                    from: o.status.as_str(),
                    to: n.status.as_str(),
                });
            }
            seen_before.insert(key, o);
        }
    }
    for n in new {
        let key = (n.name.as_str(), n.version.as_str());
        let kind = match seen_before.get(&key) {
            None => ChangeKind::Added,
            Some(o) if o.status == n.status => continue,
            Some(_) if n.status == Status::Yanked => ChangeKind::Yanked,
            Some(_) => ChangeKind::Revoked,
        };
        changed.push((n, kind == ChangeKind::Added));
        changes.push(CatalogChange {
            change: kind,
            name: n.name.clone(),
            version: n.version.clone(),
            reapproval_needed: kind == ChangeKind::Added
                && surface_changed(n, &by_name, newest_before.get(n.name.as_str()).copied()),
            tool_surface: n.tool_surface.to_string(),
        });
        if kind == ChangeKind::Added && n.status != Status::Active {
            changes.push(CatalogChange {
                change: if n.status == Status::Yanked {
                    ChangeKind::Yanked
                } else {
                    ChangeKind::Revoked
                },
                name: n.name.clone(),
                version: n.version.clone(),
                reapproval_needed: false,
                tool_surface: n.tool_surface.to_string(),
            });
        }
    }
    Ok(())
}

/// Whether a version's tool surface needs approval: the registry says so, or
/// it differs from the surface of the version of the same server published
/// just before it (checked here rather than taken on the registry's word),
/// or from the newest active version the previous state listed (so a change
/// followed by a version that keeps it is flagged on both when one pull
/// brings them).
fn surface_changed(
    n: &Entry,
    by_name: &HashMap<&str, Vec<&Entry>>,
    newest_before: Option<&Entry>,
) -> bool {
    let previous = by_name
        .get(n.name.as_str())
        .into_iter()
        .flatten()
        .filter(|e| e.log_index < n.log_index)
        .max_by_key(|e| e.log_index);
    n.tools_changed
        || previous.is_some_and(|p| p.tool_surface != n.tool_surface)
        || newest_before.is_some_and(|p| p.tool_surface != n.tool_surface)
}

fn rewritten_field(o: &Entry, n: &Entry) -> Option<&'static str> {
    if o.manifest_sha256 != n.manifest_sha256 {
        Some("manifestSha256")
    } else if o.image != n.image {
        Some("image")
    } else if o.signer != n.signer {
        Some("signer")
    } else if o.tool_surface != n.tool_surface {
        Some("toolSurface")
    } else if o.tools_changed != n.tools_changed {
        Some("toolsChanged")
    } else if o.runtime != n.runtime {
        Some("runtime")
    } else if o.published_at != n.published_at {
        Some("publishedAt")
    } else if o.log_index != n.log_index {
        Some("logIndex")
    } else {
        None
    }
}

/// What the new log records say about one version.
struct Logged<'a> {
    publish: Option<(u64, &'a LogRecord)>,
    status: Status,
}

/// Every new or changed entry appears in the new records (a new version with
/// its publish record), and every new record is reflected in the catalog
/// with the same content and final status.
pub(super) fn check_against_log(
    records: &[(u64, LogRecord)],
    changed: &[(&Entry, bool)],
    shards: &[Option<Shard>],
    tree_size: u64,
) -> Result<(), ClientError> {
    let mut logged: BTreeMap<(&str, &str), Logged<'_>> = BTreeMap::new();
    for (i, r) in records {
        let Some(key) = r.server_version() else {
            continue;
        };
        let slot = logged.entry(key).or_insert(Logged {
            publish: None,
            status: Status::Active,
        });
        match r {
            LogRecord::Publish { name, version, .. } => {
                if let Some((first, _)) = slot.publish {
                    return Err(ClientError::NotLogged {
                        name: name.clone(),
                        version: version.clone(),
                        reason: format!(
                            "the log publishes it twice (records {first} and {i}); a version is published once"
                        ),
                    });
                }
                slot.publish = Some((*i, r));
            }
            LogRecord::Yank { .. } => slot.status = slot.status.max(Status::Yanked),
            LogRecord::Revoke { .. } => slot.status = Status::Revoked,
            LogRecord::Key { .. } => {}
        }
    }
    let not_logged = |e: &Entry, reason: String| ClientError::NotLogged {
        name: e.name.clone(),
        version: e.version.clone(),
        reason,
    };
    for (e, added) in changed {
        match logged.get(&(e.name.as_str(), e.version.as_str())) {
            None => {
                return Err(not_logged(
                    e,
                    format!(
                        "the catalog shows it {} but the log records added since the last pull (up to size {tree_size}) do not",
                        if *added {
                            "published"
                        } else {
                            e.status.as_str()
                        }
                    ),
                ));
            }
            Some(l) if *added && l.publish.is_none() => {
                return Err(not_logged(
                    e,
                    "the catalog shows a new version whose publish record is not among the new log records".into(),
                ));
            }
            Some(_) => {}
        }
    }
    let added: std::collections::BTreeSet<(&str, &str)> = changed
        .iter()
        .filter(|(_, added)| *added)
        .map(|(e, _)| (e.name.as_str(), e.version.as_str()))
        .collect();
    for ((name, version), l) in &logged {
        let bin = shard_of(name) as usize;
        let entry = shards[bin]
            .as_ref()
            .and_then(|s| s.get(name, version))
            .ok_or_else(|| ClientError::NotLogged {
                name: (*name).to_owned(),
                version: (*version).to_owned(),
                reason: "the log records a change the catalog does not show".into(),
            })?;
        if let Some((index, _)) = l.publish
            && !added.contains(&(*name, *version))
        {
            return Err(not_logged(
                entry,
                format!(
                    "the log publishes it again at record {index}, but it was already listed; a version is published once"
                ),
            ));
        }
        if let Some((index, record)) = l.publish {
            let differs = record.publish_differs(entry, index).map_err(|e| {
                not_logged(entry, format!("its immutable fields cannot be hashed: {e}"))
            })?;
            if let Some((field, _)) = differs {
                // Past the named fields, the signer, runtime hints or
                // `toolsChanged` differ from what the log committed to.
                let field = match field {
                    "entrySha256" => "signer, runtime or toolsChanged (the entry's hash)",
                    other => other,
                };
                return Err(not_logged(
                    entry,
                    format!("its {field} differs from the publish record at log index {index}"),
                ));
            }
        }
        if entry.status != l.status {
            return Err(not_logged(
                entry,
                format!(
                    "the catalog says {}, the log says {}",
                    entry.status.as_str(),
                    l.status.as_str()
                ),
            ));
        }
    }
    Ok(())
}
