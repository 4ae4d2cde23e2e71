//! What the registry serves of the catalog: an in-memory snapshot of one
//! stored signing — index, checkpoint, key statements and shards — with
//! precompressed bodies and strong ETags, so the catalog and log endpoints
//! answer without touching the store. Shards an index replaced stay
//! servable a while, for gateways in the middle of a pull.

use crate::store::{SignedCatalog, Store, StoreError};
use axum::http::HeaderValue;
use bytes::Bytes;
use jiff::Timestamp;
use mcp_trust::catalog::build::{self, JSON, NOTE};
use mcp_trust::catalog::{IndexPayload, SHARD_COUNT};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// How long a shard stays servable after the index stops naming it.
pub const SHARD_GRACE: Duration = Duration::from_secs(300);
/// Most replaced shards kept servable.
const MAX_RETIRED_SHARDS: usize = 4096;
/// Most bytes (identity and gzip) of replaced shards kept servable. Under
/// steady publishing the grace window holds every shard replaced in the
/// last [`SHARD_GRACE`]: at a large catalog (0.3 MiB shards) and a publish a
/// second that would be over 100 MiB, for gateways that need a replaced shard
/// only for the seconds of one pull. Past this bound the oldest go first.
pub const MAX_RETIRED_BYTES: usize = 32 << 20;

/// A body ready to serve: identity bytes, gzip bytes made on first use, and
/// their strong ETags. A start over a large catalog serves as soon as the
/// shards are read and hashed: compressing 256 shards (70 MiB at 100,000
/// servers) took seconds, and is now done in the background after a load
/// ([`Snapshot::compress_all`]) or by the first request that wants it.
#[derive(Debug, Clone)]
pub struct Body {
    /// The bytes.
    pub identity: Bytes,
    /// The bytes, gzip-compressed, once made.
    gzip: std::sync::OnceLock<Bytes>,
    /// `"<hex sha256>"`.
    pub etag: HeaderValue,
    /// `"<hex sha256>.gz"`.
    pub gzip_etag: HeaderValue,
    /// `Content-Type`.
    pub content_type: &'static str,
}

impl Body {
    /// `bytes` with their ETags; gzip is made when first asked for.
    pub fn new(bytes: Vec<u8>, content_type: &'static str) -> Result<Body, StoreError> {
        let hex = mcp_trust::image::Digest::of(&bytes).hex().to_owned();
        let header = |s: String| {
            HeaderValue::from_str(&s).map_err(|e| StoreError::Corrupt(format!("ETag: {e}")))
        };
        Ok(Body {
            etag: header(format!("\"{hex}\""))?,
            gzip_etag: header(format!("\"{hex}.gz\""))?,
            identity: Bytes::from(bytes),
            gzip: std::sync::OnceLock::new(),
            content_type,
        })
    }

    /// The gzip bytes (made now if no one asked before), or `None` when
    /// compression failed: the identity bytes are served then.
    pub fn gzip(&self) -> Option<&Bytes> {
        if let Some(g) = self.gzip.get() {
            return Some(g);
        }
        match build::gzip(&self.identity) {
            Ok(g) => Some(self.gzip.get_or_init(|| Bytes::from(g))),
            Err(e) => {
                tracing::error!(error = %e, "cannot gzip a catalog body; serving it uncompressed");
                None
            }
        }
    }

    /// Bytes held: identity, and gzip once made.
    fn held_bytes(&self) -> usize {
        self.identity.len() + self.gzip.get().map_or(0, Bytes::len)
    }
}

/// What is served, from one stored signing.
#[derive(Debug)]
pub struct Snapshot {
    /// `catalogVersion`.
    pub version: u64,
    /// Log size of the index and checkpoint.
    pub tree_size: u64,
    /// When the index was signed.
    pub issued_at: Timestamp,
    /// When it expires.
    pub expires: Timestamp,
    /// `/v0.1/catalog`.
    pub index: Body,
    /// `/v0.1/log/checkpoint`.
    pub checkpoint: Body,
    /// `/v0.1/catalog/keys`.
    pub keys: Body,
    /// Shards by hex SHA-256: this index's, and those of indexes replaced
    /// less than [`SHARD_GRACE`] ago (a client mid-pull still finds them).
    shards: HashMap<String, Arc<Body>>,
    current: Vec<String>,
    /// Shards no longer named by the index, with when they stopped being named.
    retired: Vec<(std::time::Instant, String)>,
    /// Bytes of the largest shard the index names.
    largest_shard: u64,
}

impl Snapshot {
    /// The shard with this hex SHA-256, if this index names it or one replaced
    /// less than [`SHARD_GRACE`] ago did.
    pub fn shard(&self, hex: &str) -> Option<&Arc<Body>> {
        self.shards.get(hex)
    }

    /// The hex SHA-256 of each shard the index names, in bin order.
    pub fn current_shards(&self) -> impl Iterator<Item = &str> {
        self.current.iter().map(String::as_str)
    }

    /// Bytes of the largest shard the index names (what the shard budget
    /// keeps below the gateways' cap).
    pub fn largest_shard_bytes(&self) -> u64 {
        self.largest_shard
    }
}

/// The shards one snapshot serves.
pub(super) struct ServedShards {
    by_hex: HashMap<String, Arc<Body>>,
    current: Vec<String>,
    retired: Vec<(std::time::Instant, String)>,
    largest: u64,
}

/// Reads the shards `payload` (the index of catalog `version`) names: those
/// `old` serves are reused, the others are read from `store` and must have
/// the hash the index names. Shards `old` served that the index no longer
/// names stay servable for [`SHARD_GRACE`].
pub(super) async fn read_shards(
    store: &dyn Store,
    version: u64,
    payload: &IndexPayload,
    old: Option<&Snapshot>,
) -> Result<ServedShards, StoreError> {
    let mut shards: HashMap<String, Arc<Body>> = HashMap::with_capacity(SHARD_COUNT * 2);
    let mut current = Vec::with_capacity(SHARD_COUNT);
    let largest_shard = payload.shards.iter().map(|r| r.size).max().unwrap_or(0);
    if largest_shard > mcp_trust::catalog::MAX_SHARD_BYTES {
        // Only versions stored before the budgets existed can do this.
        tracing::warn!(
            largest_shard,
            budget = mcp_trust::catalog::MAX_SHARD_BYTES,
            "a catalog shard is over the shard budget; gateways refuse shards over 8 MiB"
        );
    }
    for (bin, reference) in payload.shards.iter().enumerate() {
        let hex = reference.sha256.hex().to_owned();
        let reused = old.and_then(|o| o.shards.get(&hex).cloned());
        let body = match reused {
            Some(b) => b,
            None => {
                let bin = u8::try_from(bin)
                    .map_err(|_| StoreError::Corrupt("more than 256 shards".into()))?;
                let bytes = store.catalog_shard(bin).await?.ok_or_else(|| {
                    StoreError::Corrupt(format!("shard {bin} of catalog {} is not stored", version))
                })?;
                let got = mcp_trust::image::Digest::of(&bytes);
                if got != reference.sha256 {
                    // Signed by another replica since: the next sync serves that.
                    return Err(StoreError::Corrupt(format!(
                        "stored shard {bin} is {got}, catalog {} names {}",
                        version, reference.sha256
                    )));
                }
                Arc::new(Body::new(bytes, JSON)?)
            }
        };
        shards.insert(hex.clone(), body);
        current.push(hex);
    }
    // Keep recently replaced shards servable, newest first, bounded in
    // time, number and bytes.
    let mut retired = Vec::new();
    if let Some(o) = old {
        let now = std::time::Instant::now();
        let replaced = o.current.iter().map(|hex| (now, hex.clone()));
        let candidates = replaced.chain(o.retired.iter().cloned());
        let size = |hex: &str| o.shards.get(hex).map(|b| b.held_bytes());
        retired = still_retired(
            candidates,
            now,
            |hex| shards.contains_key(hex),
            size,
            RetiredLimits::DEFAULT,
        );
        for (_, hex) in &retired {
            if let Some(b) = o.shards.get(hex) {
                shards.insert(hex.clone(), b.clone());
            }
        }
    }
    Ok(ServedShards {
        by_hex: shards,
        current,
        retired,
        largest: largest_shard,
    })
}

/// How long, how many and how many bytes of replaced shards stay servable.
#[derive(Debug, Clone, Copy)]
struct RetiredLimits {
    grace: Duration,
    count: usize,
    bytes: usize,
}

impl RetiredLimits {
    const DEFAULT: RetiredLimits = RetiredLimits {
        grace: SHARD_GRACE,
        count: MAX_RETIRED_SHARDS,
        bytes: MAX_RETIRED_BYTES,
    };
}

/// Which of `candidates` (replaced shards with the time each was replaced,
/// newest first) stay servable at `now`: not named by the new index
/// (`current`), still known (`size`), and within the limits; the first past
/// a limit ends the list, so the newest are kept.
fn still_retired(
    candidates: impl Iterator<Item = (std::time::Instant, String)>,
    now: std::time::Instant,
    current: impl Fn(&str) -> bool,
    size: impl Fn(&str) -> Option<usize>,
    limits: RetiredLimits,
) -> Vec<(std::time::Instant, String)> {
    let mut kept = Vec::new();
    let mut bytes = 0;
    for (at, hex) in candidates {
        if now.duration_since(at) >= limits.grace || kept.len() >= limits.count {
            break;
        }
        if current(&hex) {
            continue;
        }
        let Some(n) = size(&hex) else { continue };
        bytes += n;
        if bytes > limits.bytes {
            break;
        }
        kept.push((at, hex));
    }
    kept
}

impl Snapshot {
    /// Makes the gzip bytes of every body not compressed yet (run in the
    /// background after a load, so requests rarely pay for it).
    pub fn compress_all(&self) {
        for body in [&self.index, &self.checkpoint, &self.keys]
            .into_iter()
            .chain(self.shards.values().map(|b| &**b))
        {
            let _ = body.gzip();
        }
    }

    /// What is served of `signed`, whose index payload is `payload`, with
    /// the shards read for it.
    pub(super) fn new(
        signed: SignedCatalog,
        payload: &IndexPayload,
        shards: ServedShards,
    ) -> Result<Snapshot, StoreError> {
        Ok(Snapshot {
            version: signed.version,
            tree_size: signed.tree_size,
            issued_at: payload.issued_at,
            expires: payload.expires,
            index: Body::new(signed.index.into_bytes(), JSON)?,
            checkpoint: Body::new(signed.checkpoint.into_bytes(), NOTE)?,
            keys: Body::new(signed.keys.into_bytes(), JSON)?,
            shards: shards.by_hex,
            current: shards.current,
            retired: shards.retired,
            largest_shard: shards.largest,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    fn limits(count: usize, bytes: usize) -> RetiredLimits {
        RetiredLimits {
            grace: Duration::from_secs(300),
            count,
            bytes,
        }
    }

    /// Shards "0".."n", replaced a second apart, newest first.
    fn candidates(now: Instant, n: u64) -> Vec<(Instant, String)> {
        (0..n)
            .map(|i| (now - Duration::from_secs(i), i.to_string()))
            .collect()
    }

    #[test]
    fn replaced_shards_are_kept_newest_first_within_time_count_and_bytes() {
        let now = Instant::now();
        let all = candidates(now, 400);
        let kept = |l: RetiredLimits| {
            still_retired(all.iter().cloned(), now, |_| false, |_| Some(1000), l)
                .into_iter()
                .map(|(_, h)| h)
                .collect::<Vec<_>>()
        };
        // Time: replaced 300 s ago or more is gone.
        assert_eq!(kept(limits(4096, usize::MAX)).len(), 300);
        // Count.
        assert_eq!(
            kept(limits(10, usize::MAX)),
            (0..10).map(|i| i.to_string()).collect::<Vec<_>>()
        );
        // Bytes: 1000 each, 25,500 allowed: the 25 newest.
        assert_eq!(kept(limits(4096, 25_500)).len(), 25);
        assert_eq!(kept(limits(4096, 25_500))[0], "0");
    }

    #[test]
    fn a_shard_the_new_index_names_or_that_is_unknown_is_not_retired() {
        let now = Instant::now();
        let kept = still_retired(
            candidates(now, 5).into_iter(),
            now,
            |hex| hex == "1",
            |hex| (hex != "3").then_some(10),
            limits(4096, usize::MAX),
        );
        let hexes: Vec<&str> = kept.iter().map(|(_, h)| h.as_str()).collect();
        assert_eq!(hexes, ["0", "2", "4"]);
    }

    #[test]
    fn the_byte_bound_holds_a_large_catalog_under_steady_publishing() {
        // 0.4 MiB shards (identity and gzip at 100k servers), one replaced a
        // second: the grace window alone would keep 300 of them (120 MiB).
        let now = Instant::now();
        let kept = still_retired(
            candidates(now, 600).into_iter(),
            now,
            |_| false,
            |_| Some(400 << 10),
            RetiredLimits::DEFAULT,
        );
        let bytes: usize = kept.len() * (400 << 10);
        assert!(bytes <= MAX_RETIRED_BYTES, "{bytes}");
        assert_eq!(kept.len(), MAX_RETIRED_BYTES / (400 << 10));
    }
}
