//! The embedded store's listing indexes, so that a listing with `search` or
//! `updated_since` reads the versions it returns and a bounded number of
//! keys besides, not every version stored:
//!
//! - [`UPDATED`]: every version under its last update time. A listing with
//!   `updated_since` reads the keys from that time on; if there are more
//!   than [`UPDATED_READ_LIMIT`], matches are dense enough that walking
//!   names in order fills a page soon, and it does that instead.
//! - [`NAME_SUFFIXES`]: every server name under each suffix of its
//!   lowercased form (its first [`SUFFIX_BYTES`] bytes). A search of three
//!   bytes or more reads the keys that start with it (a longer search: with
//!   its last [`SUFFIX_BYTES`] bytes, then its first), which name exactly
//!   the servers holding it, when there are at most [`SCAN_LIMIT`] of them:
//!   then its cost follows what it finds, whatever else the catalog's names
//!   share.
//! - [`NAME_GRAMS`]: every server name under each trigram of its lowercased
//!   form, and [`GRAM_COUNTS`] how many names each trigram files. A search
//!   of three bytes or more with more suffix keys than that (it, or each of
//!   its two ends, is held that many times) reads the names filed under its
//!   rarest trigram in one pass when there are at most [`SCAN_LIMIT`] of
//!   them, and
//!   otherwise walks the names filed under all its trigrams at once,
//!   rarest first (a leapfrog join, in name order, seeking past names
//!   that lack one of them); a shorter search merges the names filed under
//!   the trigrams it starts. Every candidate is then checked against the
//!   search itself, so the index only ever narrows, and the counts only
//!   decide the order of its reads.
//!
//! All are kept in the write transaction that changes what they index, and
//! built at open from the stored versions when the database predates them.

use super::{AUDIT, Db, LATEST, VERSIONS, backend, begin_write, decode};
use crate::model::VersionRecord;
use crate::store::{Cursor, ListQuery, StoreError, VersionFilter, matches, matches_key};
use crate::time::to_micros;
use jiff::Timestamp;
use redb::{ReadTransaction, ReadableTable, TableDefinition, TableHandle, WriteTransaction};
use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap};
use std::ops::Bound;

/// Every version by its last update: (µs since the epoch, name, version).
pub(super) const UPDATED: TableDefinition<(i64, &str, &str), ()> =
    TableDefinition::new("versions_by_update");
/// Every server name under each trigram of its lowercased form followed by
/// two NUL bytes, so each byte of the name starts one trigram.
pub(super) const NAME_GRAMS: TableDefinition<([u8; 3], &str), ()> =
    TableDefinition::new("name_trigrams");
/// Every server name under each suffix of its lowercased form that starts
/// on a character, cut to [`SUFFIX_BYTES`] bytes: the keys that start with a
/// search name the servers that hold it.
pub(super) const NAME_SUFFIXES: TableDefinition<(&[u8], &str), ()> =
    TableDefinition::new("name_suffixes");
/// How many bytes of each suffix [`NAME_SUFFIXES`] keeps: a search longer
/// than that reads the keys that start with its first bytes and checks each
/// name against the whole of it.
const SUFFIX_BYTES: usize = 24;
/// How many names [`NAME_GRAMS`] files under each trigram, so a search
/// starts from its rarest trigram without counting. Only the order of a
/// search's reads depends on it, never what it answers.
pub(super) const GRAM_COUNTS: TableDefinition<[u8; 3], u64> =
    TableDefinition::new("name_trigram_counts");

/// Most keys an `updated_since` listing reads from [`UPDATED`] before it
/// walks names instead. Past it at least this many versions match, so at
/// 100,000 versions a walk meets a match every 50 versions or sooner on
/// average.
pub(super) const UPDATED_READ_LIMIT: usize = 2048;

/// The audit sequence number the indexes are known to be current at: every
/// audit record this binary appends moves it, in the same transaction. Any
/// write to the versions appends one, so a database opened with another
/// value was written by a binary that did not keep the indexes (an older
/// release after a rollback), and they are built again.
pub(super) const INDEX_STATE: TableDefinition<&str, u64> =
    TableDefinition::new("listing_index_state");
/// The key of that number names the indexes' layout. Releases that kept
/// them without [`GRAM_COUNTS`] read and move only `through-audit`, and
/// those that kept the counts but not [`NAME_SUFFIXES`] only
/// `through-audit` and `through-audit-2` ([`EARLIER_LAYOUTS`]); this one
/// reads only its own key and keeps all three (the tables those releases
/// read are the same), so a write by one of them makes this one build its
/// indexes again. A build cut short by this release leaves every key gone;
/// one by an earlier release leaves this one's key, but that key is behind
/// the last audit record already (the earlier release builds only after
/// writes this one's key did not follow).
const THROUGH_AUDIT: &str = "through-audit-3";
const EARLIER_LAYOUTS: [&str; 2] = ["through-audit-2", "through-audit"];
const STATE_KEYS: [&str; 3] = [THROUGH_AUDIT, EARLIER_LAYOUTS[0], EARLIER_LAYOUTS[1]];

type GramsTable = redb::ReadOnlyTable<([u8; 3], &'static str), ()>;
type GramRange = redb::Range<'static, ([u8; 3], &'static str), ()>;

/// Most names a search reads off its rarest trigram in one pass. A
/// sequential read costs far less a key than a join's seek, so a trigram
/// filing this many or fewer is read whole and each name checked against the
/// search; past it the join leaps over names that lack another trigram.
const SCAN_LIMIT: usize = 2048;

/// The trigrams a name is filed under.
fn grams(lowercase: &[u8]) -> BTreeSet<[u8; 3]> {
    let mut padded = lowercase.to_vec();
    padded.extend([0, 0]);
    padded.windows(3).map(|w| [w[0], w[1], w[2]]).collect()
}

/// Files `record` in the indexes; `before` is the last update time of the
/// stored record it replaces, `None` for a new version.
pub(super) fn index_version(
    txn: &WriteTransaction,
    before: Option<Timestamp>,
    record: &VersionRecord,
) -> Result<(), StoreError> {
    let (name, version) = (record.entry.name.as_str(), record.entry.version.as_str());
    {
        let mut updated = txn.open_table(UPDATED).map_err(backend)?;
        if let Some(t) = before {
            updated
                .remove((to_micros(t), name, version))
                .map_err(backend)?;
        }
        updated
            .insert((to_micros(record.updated_at), name, version), ())
            .map_err(backend)?;
    }
    if before.is_none() {
        index_name(txn, name)?;
    }
    Ok(())
}

fn index_name(txn: &WriteTransaction, name: &str) -> Result<(), StoreError> {
    let mut table = txn.open_table(NAME_GRAMS).map_err(backend)?;
    let mut counts = txn.open_table(GRAM_COUNTS).map_err(backend)?;
    let lowercase = name.to_lowercase();
    let all = grams(lowercase.as_bytes());
    let Some(first) = all.first() else {
        return Ok(());
    };
    if table.get((*first, name)).map_err(backend)?.is_some() {
        return Ok(()); // filed with an earlier version
    }
    for gram in all {
        table.insert((gram, name), ()).map_err(backend)?;
        let count = counts.get(gram).map_err(backend)?.map_or(0, |c| c.value());
        counts.insert(gram, count + 1).map_err(backend)?;
    }
    let mut suffixes = txn.open_table(NAME_SUFFIXES).map_err(backend)?;
    for (at, _) in lowercase.char_indices() {
        let suffix = &lowercase.as_bytes()[at..];
        suffixes
            .insert((&suffix[..suffix.len().min(SUFFIX_BYTES)], name), ())
            .map_err(backend)?;
    }
    Ok(())
}

/// Records, with audit record `seq` appended in `txn`, that the indexes
/// are current at it: only when they were current at the record before,
/// so indexes left stale (a build cut short, a write by a binary that did
/// not keep them) stay stale until the next open builds them.
pub(super) fn follow_audit(txn: &WriteTransaction, seq: u64) -> Result<(), StoreError> {
    let mut state = txn.open_table(INDEX_STATE).map_err(backend)?;
    for key in STATE_KEYS {
        let current = state.get(key).map_err(backend)?.map(|v| v.value()) == seq.checked_sub(1);
        if current {
            state.insert(key, seq).map_err(backend)?;
        }
    }
    Ok(())
}

/// Records that the indexes are current at audit record `seq`.
fn note_audit(txn: &WriteTransaction, seq: u64) -> Result<(), StoreError> {
    let mut state = txn.open_table(INDEX_STATE).map_err(backend)?;
    for key in STATE_KEYS {
        state.insert(key, seq).map_err(backend)?;
    }
    Ok(())
}

/// Versions filed per transaction when the indexes are built: the pages a
/// transaction dirties stay in memory until it commits, so one transaction
/// over 100,000 versions held tens of MiB more than the server ever does.
pub(super) const BUILD_CHUNK: usize = 5_000;

/// The last audit record's number when the indexes must be built again: a
/// database written before them, or since by a binary that did not keep
/// them (its audit records are past the one the indexes were noted at).
/// `None` when they are current.
pub(super) fn stale(txn: &WriteTransaction) -> Result<Option<u64>, StoreError> {
    let existing: BTreeSet<String> = txn
        .list_tables()
        .map_err(backend)?
        .map(|t| t.name().to_owned())
        .collect();
    let last_audit = {
        let audit = txn.open_table(AUDIT).map_err(backend)?;
        audit.last().map_err(backend)?.map_or(0, |(k, _)| k.value())
    };
    let through = {
        let state = txn.open_table(INDEX_STATE).map_err(backend)?;
        state
            .get(THROUGH_AUDIT)
            .map_err(backend)?
            .map(|v| v.value())
    };
    let current = through == Some(last_audit)
        && existing.contains(UPDATED.name())
        && existing.contains(NAME_GRAMS.name())
        && existing.contains(GRAM_COUNTS.name())
        && existing.contains(NAME_SUFFIXES.name());
    Ok((!current).then_some(last_audit))
}

/// Files every stored version in the indexes again, emptied first, in
/// transactions of `chunk` versions ([`BUILD_CHUNK`] outside tests); the
/// last notes `last_audit`.
/// Until it does the indexes are stale, so a build cut short (a crash) is
/// done again at the next open. Runs at open, before anything else writes.
pub(super) fn rebuild(db: &Db, last_audit: u64, chunk: usize) -> Result<(), StoreError> {
    tracing::info!(
        "building the listing indexes from the stored versions (once, for a database written \
         before them or by a binary that did not keep them); a large store takes a while"
    );
    let txn = begin_write(db)?;
    txn.delete_table(UPDATED).map_err(backend)?;
    txn.delete_table(NAME_GRAMS).map_err(backend)?;
    txn.delete_table(GRAM_COUNTS).map_err(backend)?;
    txn.delete_table(NAME_SUFFIXES).map_err(backend)?;
    {
        let mut state = txn.open_table(INDEX_STATE).map_err(backend)?;
        for key in STATE_KEYS {
            state.remove(key).map_err(backend)?;
        }
    }
    txn.open_table(UPDATED).map_err(backend)?;
    txn.open_table(NAME_GRAMS).map_err(backend)?;
    txn.open_table(GRAM_COUNTS).map_err(backend)?;
    txn.open_table(NAME_SUFFIXES).map_err(backend)?;
    txn.commit().map_err(backend)?;
    let mut after: Option<(String, String)> = None;
    let mut filed = 0;
    loop {
        let txn = begin_write(db)?;
        let mut filing: Vec<(String, String, Timestamp)> = Vec::with_capacity(chunk);
        {
            let versions = txn.open_table(VERSIONS).map_err(backend)?;
            let from = match &after {
                Some((n, v)) => Bound::Excluded((n.as_str(), v.as_str())),
                None => Bound::Unbounded,
            };
            let range = versions
                .range::<(&str, &str)>((from, Bound::Unbounded))
                .map_err(backend)?;
            for item in range.take(chunk) {
                let (key, value) = item.map_err(backend)?;
                let (name, version) = key.value();
                let record: VersionRecord = decode(value.value())?;
                filing.push((name.to_owned(), version.to_owned(), record.updated_at));
            }
        }
        if filing.is_empty() {
            note_audit(&txn, last_audit)?;
            txn.commit().map_err(backend)?;
            break;
        }
        {
            let mut updated = txn.open_table(UPDATED).map_err(backend)?;
            for (name, version, at) in &filing {
                updated
                    .insert((to_micros(*at), name.as_str(), version.as_str()), ())
                    .map_err(backend)?;
            }
        }
        let names: BTreeSet<&str> = filing.iter().map(|(n, _, _)| n.as_str()).collect();
        for name in names {
            index_name(&txn, name)?;
        }
        txn.commit().map_err(backend)?;
        filed += filing.len();
        after = filing.pop().map(|(n, v, _)| (n, v));
    }
    tracing::info!(
        versions = filed,
        "filed the stored versions in the listing indexes"
    );
    malloc_tune::release_free_memory();
    Ok(())
}

/// How many keys a listing reads from an index before it takes another
/// way ([`UPDATED_READ_LIMIT`] and [`SCAN_LIMIT`]; tests lower them to reach
/// the other ways on a small catalog).
#[derive(Clone, Copy, Debug)]
pub(super) struct ReadLimits {
    pub(super) updated: usize,
    pub(super) scan: usize,
}

impl Default for ReadLimits {
    fn default() -> ReadLimits {
        ReadLimits {
            updated: UPDATED_READ_LIMIT,
            scan: SCAN_LIMIT,
        }
    }
}

/// One page of a listing with `search` or `updated_since` (the caller
/// lists without either by walking the versions or the latest index).
pub(super) fn list_indexed(
    txn: &ReadTransaction,
    query: &ListQuery,
    limits: ReadLimits,
) -> Result<Option<Vec<VersionRecord>>, StoreError> {
    if let Some(since) = query.updated_since
        && let Some(found) = updated_since(txn, query, since, limits.updated)?
    {
        return Ok(Some(found));
    }
    match &query.search {
        Some(search) if !search.is_empty() => {
            searched(txn, query, &search.to_lowercase(), limits.scan).map(Some)
        }
        _ => Ok(None),
    }
}

/// Whether `(name, version)` comes after the cursor in this listing's order.
fn after_cursor(query: &ListQuery, name: &str, version: &str) -> bool {
    match &query.cursor {
        None => true,
        Some(c) if query.version == VersionFilter::Latest => name > c.name.as_str(),
        Some(c) => (name, version) > (c.name.as_str(), c.version.as_str()),
    }
}

/// The versions changed since `since`, in listing order, if no more than
/// `read_limit` versions changed since then.
fn updated_since(
    txn: &ReadTransaction,
    query: &ListQuery,
    since: Timestamp,
    read_limit: usize,
) -> Result<Option<Vec<VersionRecord>>, StoreError> {
    let updated = txn.open_table(UPDATED).map_err(backend)?;
    let from = (to_micros(since), "", "");
    // Counted first, without copying a key: a dense listing stops here.
    let changed = updated
        .range::<(i64, &str, &str)>(from..)
        .map_err(backend)?
        .take(read_limit.saturating_add(1))
        .count();
    if changed > read_limit {
        return Ok(None);
    }
    let mut keys = Vec::with_capacity(changed);
    for item in updated
        .range::<(i64, &str, &str)>(from..)
        .map_err(backend)?
    {
        let (key, _) = item.map_err(backend)?;
        let (_, name, version) = key.value();
        if after_cursor(query, name, version) && matches_key(query, name, version) {
            keys.push((name.to_owned(), version.to_owned()));
        }
    }
    keys.sort_unstable();
    let versions = txn.open_table(VERSIONS).map_err(backend)?;
    let mut items = Vec::new();
    for (name, version) in keys {
        items.extend(stored_match(&versions, query, &name, &version)?);
        if items.len() > query.limit {
            break;
        }
    }
    Ok(Some(items))
}

type VersionsTable = redb::ReadOnlyTable<(&'static str, &'static str), &'static [u8]>;

/// The stored record of (name, version), if there is one and it passes the
/// listing's filters.
fn stored_match(
    versions: &VersionsTable,
    query: &ListQuery,
    name: &str,
    version: &str,
) -> Result<Option<VersionRecord>, StoreError> {
    let Some(bytes) = versions.get((name, version)).map_err(backend)? else {
        return Ok(None);
    };
    let record: VersionRecord = decode(bytes.value())?;
    Ok(matches(query, &record).then_some(record))
}

/// The versions of servers whose lowercased name contains `needle`, in
/// listing order from the cursor on.
fn searched(
    txn: &ReadTransaction,
    query: &ListQuery,
    needle: &str,
    scan_limit: usize,
) -> Result<Vec<VersionRecord>, StoreError> {
    let latest = query.version == VersionFilter::Latest;
    let versions = txn.open_table(VERSIONS).map_err(backend)?;
    let latest_index = txn.open_table(LATEST).map_err(backend)?;
    let (from, cursor) = match &query.cursor {
        // The latest listing resumes after the cursor's server; the full
        // listing may have more versions of it.
        Some(c) if latest => (Bound::Excluded(c.name.clone()), None),
        Some(c) => (Bound::Included(c.name.clone()), Some(c)),
        None => (Bound::Unbounded, None),
    };
    let mut names = Names::new(txn, needle.as_bytes(), from, scan_limit)?;
    let mut items = Vec::new();
    while let Some(name) = names.next_name()? {
        if !holds(&name, needle.as_bytes()) {
            continue;
        }
        if latest {
            if let Some(version) = latest_index.get(name.as_str()).map_err(backend)? {
                items.extend(stored_match(&versions, query, &name, version.value())?);
            }
        } else if let VersionFilter::Exact(version) = &query.version {
            if cursor.is_some_and(|c| c.name == name && c.version >= *version) {
                continue;
            }
            items.extend(stored_match(&versions, query, &name, version)?);
        } else {
            let start = match cursor {
                Some(Cursor { name: n, version }) if *n == name => {
                    Bound::Excluded((name.as_str(), version.as_str()))
                }
                _ => Bound::Included((name.as_str(), "")),
            };
            for item in versions
                .range::<(&str, &str)>((start, Bound::Unbounded))
                .map_err(backend)?
            {
                let (key, value) = item.map_err(backend)?;
                if key.value().0 != name {
                    break;
                }
                let record: VersionRecord = decode(value.value())?;
                if matches(query, &record) {
                    items.push(record);
                    if items.len() > query.limit {
                        break;
                    }
                }
            }
        }
        if items.len() > query.limit {
            break;
        }
    }
    Ok(items)
}

/// Server names filed under suffixes or trigrams, in name order, from a
/// bound on.
struct Names {
    table: GramsTable,
    kind: Walk,
}

enum Walk {
    /// The names that hold the search, read off its suffixes or its
    /// rarest trigram when they name few enough ([`SCAN_LIMIT`]).
    Listed(std::vec::IntoIter<String>),
    /// Names filed under every one of these trigrams (a search of three
    /// bytes or more); `next` is where the next join starts.
    Join {
        grams: Vec<[u8; 3]>,
        next: Option<Bound<String>>,
    },
    /// Names filed under any trigram that starts with the search (one or
    /// two bytes), merged: each trigram's next name, smallest first.
    Merge {
        heap: BinaryHeap<Reverse<(String, usize)>>,
        ranges: Vec<GramRange>,
        grams: Vec<[u8; 3]>,
        last: Option<String>,
    },
}

impl Names {
    fn new(
        txn: &ReadTransaction,
        needle: &[u8],
        from: Bound<String>,
        scan_limit: usize,
    ) -> Result<Names, StoreError> {
        let table = txn.open_table(NAME_GRAMS).map_err(backend)?;
        let suffixes = txn.open_table(NAME_SUFFIXES).map_err(backend)?;
        let kind = if needle.len() >= 3
            && let Some(names) = suffix_names(&suffixes, needle, &from, scan_limit)?
        {
            Walk::Listed(names.into_iter())
        } else if needle.len() >= 3 {
            // The rarest trigrams by their stored counts: the rarest is read
            // whole if it files few names, or else every trigram joins,
            // rarest first.
            let counts = txn.open_table(GRAM_COUNTS).map_err(backend)?;
            let mut grams = Vec::new();
            for gram in needle
                .windows(3)
                .map(|w| [w[0], w[1], w[2]])
                .collect::<BTreeSet<_>>()
            {
                let count = counts.get(gram).map_err(backend)?.map_or(0, |c| c.value());
                grams.push((count, gram));
            }
            grams.sort_unstable();
            // Every trigram joins: names could be published to make any
            // subset common while the whole is rare.
            let grams: Vec<[u8; 3]> = grams.into_iter().map(|(_, gram)| gram).collect();
            match rare_names(&table, grams[0], &from, needle, scan_limit)? {
                Some(names) => Walk::Listed(names.into_iter()),
                None => Walk::Join {
                    grams,
                    next: Some(from),
                },
            }
        } else {
            // Every trigram that starts with the search, one range each.
            let mut grams = Vec::new();
            let mut low = [0u8; 3];
            low[..needle.len()].copy_from_slice(needle);
            let mut high = [0xFFu8; 3];
            high[..needle.len()].copy_from_slice(needle);
            let mut at = Bound::Included((low, ""));
            loop {
                let mut range = table
                    .range::<([u8; 3], &str)>((at, Bound::Unbounded))
                    .map_err(backend)?;
                let Some(item) = range.next() else { break };
                let gram = item.map_err(backend)?.0.value().0;
                if gram > high {
                    break;
                }
                grams.push(gram);
                match next_gram(gram) {
                    Some(next) => at = Bound::Included((next, "")),
                    None => break,
                }
            }
            let mut ranges = Vec::with_capacity(grams.len());
            let mut heap = BinaryHeap::new();
            for (i, gram) in grams.iter().enumerate() {
                let mut range = names_under(&table, *gram, &from)?;
                if let Some(name) = name_under(&mut range, *gram)? {
                    heap.push(Reverse((name, i)));
                }
                ranges.push(range);
            }
            Walk::Merge {
                heap,
                ranges,
                grams,
                last: None,
            }
        };
        Ok(Names { table, kind })
    }

    fn next_name(&mut self) -> Result<Option<String>, StoreError> {
        match &mut self.kind {
            Walk::Listed(names) => Ok(names.next()),
            Walk::Join { grams, next } => {
                let Some(from) = next else { return Ok(None) };
                let found = join(&self.table, grams, from)?;
                *next = found.clone().map(Bound::Excluded);
                Ok(found)
            }
            Walk::Merge {
                heap,
                ranges,
                grams,
                last,
            } => {
                while let Some(Reverse((name, i))) = heap.pop() {
                    if let Some(next) = name_under(&mut ranges[i], grams[i])? {
                        heap.push(Reverse((next, i)));
                    }
                    if last.as_deref() == Some(name.as_str()) {
                        continue; // filed under two of the trigrams
                    }
                    *last = Some(name.clone());
                    return Ok(Some(name));
                }
                Ok(None)
            }
        }
    }
}

/// The names from `from` on filed under a suffix that starts with `needle`,
/// in name order, or `None` when more than `limit` suffixes do (then the
/// trigrams are read instead). A needle longer than [`SUFFIX_BYTES`] is
/// looked for by its last bytes, then its first (names share their
/// namespace's first bytes more often than their last): every name that
/// holds it holds both, and the caller checks each name against all of it.
fn suffix_names(
    table: &redb::ReadOnlyTable<(&'static [u8], &'static str), ()>,
    needle: &[u8],
    from: &Bound<String>,
    limit: usize,
) -> Result<Option<Vec<String>>, StoreError> {
    // A stored suffix starts on a character, so the last bytes do too.
    let tail = (needle.len().saturating_sub(SUFFIX_BYTES)..needle.len())
        .find(|&at| needle[at] & 0xC0 != 0x80)
        .map_or(needle, |at| &needle[at..]);
    let head = &needle[..needle.len().min(SUFFIX_BYTES)];
    for prefix in [tail, head] {
        if let Some(names) = names_under_suffix(table, prefix, from, limit)? {
            return Ok(Some(names));
        }
        if tail.len() == needle.len() {
            break; // one window: the needle itself
        }
    }
    Ok(None)
}

/// The names from `from` on filed under a suffix that starts with
/// `prefix`, or `None` past `limit` suffixes.
fn names_under_suffix(
    table: &redb::ReadOnlyTable<(&'static [u8], &'static str), ()>,
    prefix: &[u8],
    from: &Bound<String>,
    limit: usize,
) -> Result<Option<Vec<String>>, StoreError> {
    let keys = || {
        table
            .range::<(&[u8], &str)>((Bound::Included((prefix, "")), Bound::Unbounded))
            .map_err(backend)
    };
    // Counted first, without copying a name: a common search stops here.
    let mut under = 0;
    for item in keys()? {
        let (key, _) = item.map_err(backend)?;
        if !key.value().0.starts_with(prefix) {
            break;
        }
        if under == limit {
            return Ok(None);
        }
        under += 1;
    }
    let mut names = BTreeSet::new();
    for item in keys()?.take(under) {
        let (key, _) = item.map_err(backend)?;
        let (_, name) = key.value();
        let after = match from {
            Bound::Included(n) => name >= n.as_str(),
            Bound::Excluded(n) => name > n.as_str(),
            Bound::Unbounded => true,
        };
        if after {
            names.insert(name.to_owned());
        }
    }
    Ok(Some(names.into_iter().collect()))
}

/// The names filed under `gram` from `from` on whose lowercased form
/// contains `needle`, read in one pass, or `None` when the trigram files
/// more than `limit` names from there (then a join reads fewer keys).
fn rare_names(
    table: &GramsTable,
    gram: [u8; 3],
    from: &Bound<String>,
    needle: &[u8],
    limit: usize,
) -> Result<Option<Vec<String>>, StoreError> {
    let mut names = Vec::new();
    for (read, item) in names_under(table, gram, from)?.enumerate() {
        let (key, _) = item.map_err(backend)?;
        let (g, name) = key.value();
        if g != gram {
            break;
        }
        if read == limit {
            return Ok(None);
        }
        if holds(name, needle) {
            names.push(name.to_owned());
        }
    }
    Ok(Some(names))
}

/// Whether the lowercased form of `name` contains `needle` (lowercase),
/// without lowercasing an ASCII name into a new string.
fn holds(name: &str, needle: &[u8]) -> bool {
    if name.is_ascii() {
        name.as_bytes()
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
    } else {
        name.to_lowercase()
            .as_bytes()
            .windows(needle.len())
            .any(|w| w == needle)
    }
}

/// The trigram after `gram` in key order.
fn next_gram(gram: [u8; 3]) -> Option<[u8; 3]> {
    let n = u32::from_be_bytes([0, gram[0], gram[1], gram[2]]).checked_add(1)?;
    let [_, a, b, c] = n.to_be_bytes();
    (n <= 0x00FF_FFFF).then_some([a, b, c])
}

/// The keys filed under `gram` from the name bound `from` on (the range runs
/// on past the trigram: [`name_under`] stops at its end).
fn names_under(
    table: &GramsTable,
    gram: [u8; 3],
    from: &Bound<String>,
) -> Result<GramRange, StoreError> {
    let start = match from {
        Bound::Included(n) => Bound::Included((gram, n.as_str())),
        Bound::Excluded(n) => Bound::Excluded((gram, n.as_str())),
        Bound::Unbounded => Bound::Included((gram, "")),
    };
    table
        .range::<([u8; 3], &str)>((start, Bound::Unbounded))
        .map_err(backend)
}

/// The next name of `range` while it is still under `gram`.
fn name_under(range: &mut GramRange, gram: [u8; 3]) -> Result<Option<String>, StoreError> {
    match range.next() {
        Some(item) => {
            let (key, _) = item.map_err(backend)?;
            let (g, name) = key.value();
            Ok((g == gram).then(|| name.to_owned()))
        }
        None => Ok(None),
    }
}

/// The first name from `from` on filed under every one of `grams`: each
/// trigram in turn seeks to the largest name seen so far, until all agree.
fn join(
    table: &GramsTable,
    grams: &[[u8; 3]],
    from: &Bound<String>,
) -> Result<Option<String>, StoreError> {
    let first_at = |gram: [u8; 3], bound: &Bound<String>| -> Result<Option<String>, StoreError> {
        name_under(&mut names_under(table, gram, bound)?, gram)
    };
    let Some(first) = grams.first() else {
        return Ok(None);
    };
    let Some(mut candidate) = first_at(*first, from)? else {
        return Ok(None);
    };
    // How many trigrams in a row, around the ring, hold `candidate`.
    let (mut agreeing, mut i) = (1, 0);
    while agreeing < grams.len() {
        i = (i + 1) % grams.len();
        match first_at(grams[i], &Bound::Included(candidate.clone()))? {
            None => return Ok(None),
            Some(name) if name == candidate => agreeing += 1,
            Some(name) => {
                candidate = name;
                agreeing = 1;
            }
        }
    }
    Ok(Some(candidate))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A search longer than the kept suffixes finds every name that holds
    /// it, and no other, wherever its last bytes start: on a character of
    /// one, two or three bytes, so that the cut falls inside one.
    #[test]
    fn long_searches_find_what_holds_them_by_their_last_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let db = redb::Database::create(dir.path().join("t.redb")).unwrap();
        let names = [
            "io.github.acme/ünïcödé-ünïcödé-ünïcödé-x",
            "io.github.acme/ünïcödé-ünïcödé-ünïcödé-y",
            "io.github.acme/€€€€€€€€€€€€-tail",
            "io.github.acme/Straße-ẞtraße-straße-STRASSE",
            "io.github.acme/server-1",
            // A search held twice by one name; lowercasing that lengthens.
            "io.github.acme/abcabcabcabcabcabcabcabcabcabcabc",
            "io.github.acme/İİİİİİİİİİİİ-x",
        ];
        let txn = db.begin_write().unwrap();
        for name in names {
            index_name(&txn, name).unwrap();
        }
        txn.commit().unwrap();
        use redb::ReadableDatabase;
        let txn = db.begin_read().unwrap();
        let table = txn.open_table(NAME_SUFFIXES).unwrap();
        let mut checked = 0;
        for name in names {
            let lowercase = name.to_lowercase();
            // Every substring of 20 characters or more, starting anywhere.
            let starts: Vec<usize> = lowercase.char_indices().map(|(i, _)| i).collect();
            for &start in &starts {
                for &end in starts.iter().chain([&lowercase.len()]) {
                    let needle = &lowercase[start..end.max(start)];
                    if needle.chars().count() < 20 {
                        continue;
                    }
                    let found = suffix_names(&table, needle.as_bytes(), &Bound::Unbounded, 64)
                        .unwrap()
                        .unwrap();
                    let found: Vec<&str> = found
                        .iter()
                        .map(String::as_str)
                        .filter(|n| holds(n, needle.as_bytes()))
                        .collect();
                    let mut want: Vec<&str> = names
                        .iter()
                        .copied()
                        .filter(|n| holds(n, needle.as_bytes()))
                        .collect();
                    want.sort_unstable();
                    assert_eq!(found, want, "{needle}");
                    checked += 1;
                }
            }
        }
        assert!(checked > 500, "{checked}");
    }

    /// A search whose suffix keys number the limit is answered from them;
    /// one more and the trigrams are read instead.
    #[test]
    fn suffixes_answer_up_to_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let db = redb::Database::create(dir.path().join("t.redb")).unwrap();
        let txn = db.begin_write().unwrap();
        for i in 0..5 {
            index_name(&txn, &format!("io.github.zz/alpha-{i}")).unwrap();
        }
        txn.commit().unwrap();
        use redb::ReadableDatabase;
        let txn = db.begin_read().unwrap();
        let table = txn.open_table(NAME_SUFFIXES).unwrap();
        let read = |limit| suffix_names(&table, b"alpha", &Bound::Unbounded, limit).unwrap();
        assert_eq!(read(5).map(|n| n.len()), Some(5));
        assert_eq!(read(4), None);
        let from = Bound::Excluded("io.github.zz/alpha-2".to_owned());
        let after = suffix_names(&table, b"alpha", &from, 5).unwrap().unwrap();
        assert_eq!(after, ["io.github.zz/alpha-3", "io.github.zz/alpha-4"]);
    }

    #[test]
    fn an_audit_record_moves_the_index_note_only_from_the_record_before() {
        let dir = tempfile::tempdir().unwrap();
        let db = redb::Database::create(dir.path().join("t.redb")).unwrap();
        let through = |db: &redb::Database| -> Option<u64> {
            use redb::ReadableDatabase;
            let txn = db.begin_read().unwrap();
            let state = txn.open_table(INDEX_STATE).unwrap();
            state.get(THROUGH_AUDIT).unwrap().map(|v| v.value())
        };
        let step = |db: &redb::Database, note: Option<u64>, seq: u64| {
            let txn = db.begin_write().unwrap();
            if let Some(n) = note {
                note_audit(&txn, n).unwrap();
            } else {
                txn.open_table(INDEX_STATE)
                    .unwrap()
                    .remove(THROUGH_AUDIT)
                    .unwrap();
            }
            follow_audit(&txn, seq).unwrap();
            txn.commit().unwrap();
        };
        // Current at the record before: moves with it.
        step(&db, Some(0), 1);
        assert_eq!(through(&db), Some(1));
        // The key of the layout before the trigram counts is kept too, each
        // moving only from the record before.
        let before = |db: &redb::Database| -> Option<u64> {
            use redb::ReadableDatabase;
            let txn = db.begin_read().unwrap();
            let state = txn.open_table(INDEX_STATE).unwrap();
            state.get(EARLIER_LAYOUTS[1]).unwrap().map(|v| v.value())
        };
        assert_eq!(before(&db), Some(1));
        {
            let txn = db.begin_write().unwrap();
            txn.open_table(INDEX_STATE)
                .unwrap()
                .insert(EARLIER_LAYOUTS[1], 0)
                .unwrap();
            follow_audit(&txn, 2).unwrap();
            txn.commit().unwrap();
        }
        assert_eq!((through(&db), before(&db)), (Some(2), Some(0)));
        step(&db, Some(1), 2);
        step(&db, Some(4), 5);
        assert_eq!(through(&db), Some(5));
        // Stale (no note, or one behind): stays stale for the next open.
        step(&db, None, 6);
        assert_eq!(through(&db), None);
        step(&db, Some(2), 7);
        assert_eq!(through(&db), Some(2));
    }
}
