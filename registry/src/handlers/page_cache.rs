//! Answers of `GET /v0.1/servers` kept as the bytes sent, keyed by the
//! validated query, each valid while the store's change counter
//! ([`crate::store::Store::change_counter`]) has not moved since it was read.
//! A store that cannot count the changes other processes make (PostgreSQL,
//! whose other replicas write too) has no counter, and nothing is kept.
//!
//! The counter is read before the store is: a page read before a commit and
//! kept under the count from before it is stale once the commit counts, and
//! the writer acknowledges only after counting. Memory is bounded by
//! [`MAX_BYTES`] unless configured otherwise (each entry charged its key, its page and
//! [`ENTRY_OVERHEAD`]) and [`MAX_ENTRIES`]: an entry that would go past
//! either empties the cache first (the pages worth keeping are a few first
//! pages, so clearing costs little and needs no eviction order an attacker
//! could steer; at worst every answer is assembled, as without a cache).

use bytes::Bytes;
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// Most bytes kept: pages, keys and [`ENTRY_OVERHEAD`] each.
pub const MAX_BYTES: usize = 16 << 20;
/// Most answers kept.
pub const MAX_ENTRIES: usize = 4096;
/// Largest answer kept: bigger ones are assembled each time.
pub const MAX_PAGE_BYTES: usize = 1 << 20;
/// What an entry is charged beyond its key and page (map slot, headers).
pub const ENTRY_OVERHEAD: usize = 128;

/// The kept pages, and how many answers were served from them or not.
#[derive(Debug)]
pub struct PageCache {
    inner: Mutex<Pages>,
    max_bytes: usize,
    kept: AtomicU64,
    read: AtomicU64,
}

impl Default for PageCache {
    fn default() -> PageCache {
        PageCache::new(MAX_BYTES)
    }
}

#[derive(Debug, Default)]
struct Pages {
    /// The change counter the pages were read under.
    counter: u64,
    by_query: HashMap<String, Bytes>,
    bytes: usize,
}

impl PageCache {
    /// A cache of at most `max_bytes` (0: keeps nothing).
    pub fn new(max_bytes: usize) -> PageCache {
        PageCache {
            inner: Mutex::default(),
            max_bytes,
            kept: AtomicU64::new(0),
            read: AtomicU64::new(0),
        }
    }

    /// Whether anything is kept at all.
    pub fn enabled(&self) -> bool {
        self.max_bytes > 0
    }

    /// The page kept for `query` under `counter`, if any.
    pub fn get(&self, counter: u64, query: &str) -> Option<Bytes> {
        let found = {
            let pages = self.inner.lock().unwrap_or_else(|e| e.into_inner());
            (pages.counter == counter)
                .then(|| pages.by_query.get(query).cloned())
                .flatten()
        };
        let tally = if found.is_some() {
            &self.kept
        } else {
            &self.read
        };
        tally.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// Answers served from a kept page, and answers read from the store
    /// while pages could be kept.
    pub fn counts(&self) -> (u64, u64) {
        (
            self.kept.load(Ordering::Relaxed),
            self.read.load(Ordering::Relaxed),
        )
    }

    /// Keeps `page` for `query`, read after the counter said `counter`.
    /// Pages of an older count are dropped; a page of an older count than
    /// those kept is not kept.
    pub fn put(&self, counter: u64, query: String, page: Bytes) {
        if page.len() > MAX_PAGE_BYTES {
            return;
        }
        let charge = query.len() + page.len() + ENTRY_OVERHEAD;
        if charge > self.max_bytes {
            return;
        }
        let mut pages = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if counter < pages.counter {
            return;
        }
        if let Some(old) = pages.by_query.remove(&query) {
            pages.bytes -= query.len() + old.len() + ENTRY_OVERHEAD;
        }
        if counter > pages.counter
            || pages.bytes + charge > self.max_bytes
            || pages.by_query.len() >= MAX_ENTRIES
        {
            pages.by_query.clear();
            pages.bytes = 0;
            pages.counter = counter;
        }
        pages.bytes += charge;
        pages.by_query.insert(query, page);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_served_only_under_the_count_it_was_read_at() {
        let cache = PageCache::default();
        cache.put(3, "q".into(), Bytes::from_static(b"three"));
        assert_eq!(cache.get(3, "q").as_deref(), Some(&b"three"[..]));
        assert_eq!(cache.get(4, "q"), None);
        assert_eq!(cache.get(3, "other"), None);
        // A later count drops the older pages; an older one is not kept.
        cache.put(5, "r".into(), Bytes::from_static(b"five"));
        assert_eq!(cache.get(3, "q"), None);
        assert_eq!(cache.get(5, "q"), None);
        cache.put(4, "q".into(), Bytes::from_static(b"four"));
        assert_eq!(cache.get(4, "q"), None);
        assert_eq!(cache.get(5, "r").as_deref(), Some(&b"five"[..]));
    }

    #[test]
    fn memory_stays_within_its_bound() {
        let cache = PageCache::default();
        let page = Bytes::from(vec![b'x'; MAX_PAGE_BYTES]);
        let charged = |pages: &Pages| {
            pages
                .by_query
                .iter()
                .map(|(k, v)| k.len() + v.len() + ENTRY_OVERHEAD)
                .sum::<usize>()
        };
        for i in 0..(2 * MAX_BYTES / MAX_PAGE_BYTES) {
            cache.put(1, format!("q{i}"), page.clone());
            let pages = cache.inner.lock().unwrap();
            assert!(pages.bytes <= MAX_BYTES);
            assert_eq!(pages.bytes, charged(&pages));
        }
        cache.put(1, "big".into(), Bytes::from(vec![0; MAX_PAGE_BYTES + 1]));
        assert_eq!(cache.get(1, "big"), None);
        // Long keys with tiny pages are charged their keys, and the entry
        // count is bounded too.
        let cache = PageCache::default();
        for i in 0..(3 * MAX_ENTRIES) {
            cache.put(1, format!("{i:>60000}"), Bytes::from_static(b"{}"));
            let pages = cache.inner.lock().unwrap();
            assert!(pages.bytes <= MAX_BYTES && pages.by_query.len() <= MAX_ENTRIES);
            assert_eq!(pages.bytes, charged(&pages));
        }
        // Replacing a page charges it once.
        let cache = PageCache::default();
        cache.put(1, "q".into(), Bytes::from_static(b"abc"));
        cache.put(1, "q".into(), Bytes::from_static(b"de"));
        assert_eq!(cache.inner.lock().unwrap().bytes, 1 + 2 + ENTRY_OVERHEAD);
        assert_eq!(cache.get(1, "q").as_deref(), Some(&b"de"[..]));
        assert_eq!(cache.get(1, "r"), None);
        assert_eq!(cache.counts(), (1, 1));
    }
}
