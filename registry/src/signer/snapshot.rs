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

/// A body ready to serve: identity bytes, gzip bytes once made, and their
/// strong ETags. A start over a large catalog serves as soon as the shards
/// are read and hashed (compressing the 256 shards, 70 MiB at 100,000
/// servers, took seconds): gzip is made in the background after each load
/// ([`Snapshot::compress_all`], on a blocking thread, each body once), and
/// until a body's gzip is made it is served as identity, with its own ETag.
/// No request ever compresses.
#[derive(Debug, Clone)]
pub struct Body {
    /// The bytes.
    pub identity: Bytes,
    /// The bytes, gzip-compressed, once made (`None` inside: compression
    /// failed, and identity is served).
    gzip: Arc<std::sync::OnceLock<Option<Bytes>>>,
    /// `"<hex sha256>"`.
    pub etag: HeaderValue,
    /// `"<hex sha256>.gz"`.
    pub gzip_etag: HeaderValue,
    /// `Content-Type`.
    pub content_type: &'static str,
}

impl Body {
    /// `bytes` with their ETags; gzip is made by [`Body::compress`].
    pub fn new(bytes: Vec<u8>, content_type: &'static str) -> Result<Body, StoreError> {
        let hex = mcp_trust::image::Digest::of(&bytes).hex().to_owned();
        let header = |s: String| {
            HeaderValue::from_str(&s).map_err(|e| StoreError::Corrupt(format!("ETag: {e}")))
        };
        Ok(Body {
            etag: header(format!("\"{hex}\""))?,
            gzip_etag: header(format!("\"{hex}.gz\""))?,
            identity: Bytes::from(bytes),
            gzip: Arc::default(),
            content_type,
        })
    }

    /// The gzip bytes, if made (and compression did not fail).
    pub fn gzip(&self) -> Option<&Bytes> {
        self.gzip.get().and_then(Option::as_ref)
    }

    /// Makes the gzip bytes if no one has; concurrent callers wait for the
    /// one that compresses. CPU work: call it off the async threads.
    pub fn compress(&self) -> Option<&Bytes> {
        self.gzip
            .get_or_init(|| match build::gzip(&self.identity) {
                Ok(g) => Some(Bytes::from(g)),
                Err(e) => {
                    tracing::error!(error = %e, "cannot gzip a catalog body; it is served uncompressed");
                    None
                }
            })
            .as_ref()
    }

    /// Bytes this body holds or will: identity, and gzip (a third of the
    /// identity until it is made, about what JSON compresses to).
    fn held_bytes(&self) -> usize {
        self.identity.len() + self.gzip().map_or(self.identity.len() / 3, Bytes::len)
    }
}

/// What is served, from one stored signing.
#[derive(Debug, Clone)]
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
    /// This snapshot serving `note` as its checkpoint (the same checkpoint
    /// with witness cosignatures added).
    pub fn with_checkpoint_note(&self, note: String) -> Result<Snapshot, StoreError> {
        let checkpoint = Body::new(note.into_bytes(), NOTE)?;
        let _ = checkpoint.compress();
        Ok(Snapshot {
            checkpoint,
            ..self.clone()
        })
    }

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
        let size = |hex: &str| o.shards.get(hex).map(|b| b.held_bytes());
        retired = still_retired(
            replaced,
            o.retired.iter().cloned(),
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

/// Which replaced shards stay servable at `now`: every shard of the index
/// just replaced (`just_replaced`: a gateway that fetched that index moments
/// ago may be fetching them now) that the new index does not name
/// (`current`), then the shards replaced earlier (`earlier`, newest first)
/// within the limits of time, number and bytes (the first past a limit ends
/// the list, so the newest are kept). Shards no longer known (`size` `None`)
/// are skipped.
fn still_retired(
    just_replaced: impl Iterator<Item = (std::time::Instant, String)>,
    earlier: impl Iterator<Item = (std::time::Instant, String)>,
    now: std::time::Instant,
    current: impl Fn(&str) -> bool,
    size: impl Fn(&str) -> Option<usize>,
    limits: RetiredLimits,
) -> Vec<(std::time::Instant, String)> {
    let mut kept = Vec::new();
    let mut bytes = 0usize;
    for (at, hex) in just_replaced {
        if current(&hex) {
            continue;
        }
        let Some(n) = size(&hex) else { continue };
        bytes = bytes.saturating_add(n);
        kept.push((at, hex));
    }
    for (at, hex) in earlier {
        if now.duration_since(at) >= limits.grace || kept.len() >= limits.count {
            break;
        }
        if current(&hex) || kept.iter().any(|(_, h)| *h == hex) {
            continue;
        }
        let Some(n) = size(&hex) else { continue };
        bytes = bytes.saturating_add(n);
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
            let _ = body.compress();
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

    /// Shards "e0".."e{n-1}", replaced a second apart before `now`, newest first.
    fn earlier(now: Instant, n: u64) -> Vec<(Instant, String)> {
        (0..n)
            .map(|i| (now - Duration::from_secs(i + 1), format!("e{i}")))
            .collect()
    }

    fn hexes(kept: &[(Instant, String)]) -> Vec<&str> {
        kept.iter().map(|(_, h)| h.as_str()).collect()
    }

    #[test]
    fn earlier_replaced_shards_are_kept_newest_first_within_time_count_and_bytes() {
        let now = Instant::now();
        let all = earlier(now, 400);
        let kept = |l: RetiredLimits| {
            still_retired(
                std::iter::empty(),
                all.iter().cloned(),
                now,
                |_| false,
                |_| Some(1000),
                l,
            )
        };
        // Time: replaced 300 s ago or more is gone.
        assert_eq!(kept(limits(4096, usize::MAX)).len(), 299);
        // Count.
        assert_eq!(hexes(&kept(limits(3, usize::MAX))), ["e0", "e1", "e2"]);
        // Bytes: 1000 each, 25,500 allowed: the 25 newest.
        let by_bytes = kept(limits(4096, 25_500));
        assert_eq!(by_bytes.len(), 25);
        assert_eq!(by_bytes[0].1, "e0");
    }

    #[test]
    fn the_shards_of_the_index_just_replaced_are_kept_whatever_their_bytes() {
        // A gateway that fetched the previous index a moment ago is fetching
        // its shards now: all of them stay, even past the byte bound; older
        // ones go first.
        let now = Instant::now();
        let just: Vec<(Instant, String)> = (0..256).map(|i| (now, format!("j{i}"))).collect();
        let kept = still_retired(
            just.into_iter(),
            earlier(now, 10).into_iter(),
            now,
            |hex| hex == "j7",
            |_| Some(400 << 10),
            RetiredLimits::DEFAULT,
        );
        assert_eq!(
            kept.len(),
            255,
            "every replaced shard but the one still named"
        );
        assert!(!hexes(&kept).contains(&"j7"));
        assert!(
            hexes(&kept).iter().all(|h| h.starts_with('j')),
            "older ones are past the bound"
        );
    }

    #[test]
    fn a_shard_the_new_index_names_or_that_is_unknown_is_not_retired() {
        let now = Instant::now();
        let kept = still_retired(
            std::iter::empty(),
            earlier(now, 5).into_iter(),
            now,
            |hex| hex == "e1",
            |hex| (hex != "e3").then_some(10),
            limits(4096, usize::MAX),
        );
        assert_eq!(hexes(&kept), ["e0", "e2", "e4"]);
    }

    #[test]
    fn the_byte_bound_holds_a_large_catalog_under_steady_publishing() {
        // 0.4 MiB shards (identity and gzip at 100k servers), one replaced a
        // second: the grace window alone would keep 300 of them (120 MiB).
        let now = Instant::now();
        let kept = still_retired(
            std::iter::once((now, "j".to_owned())),
            earlier(now, 600).into_iter(),
            now,
            |_| false,
            |_| Some(400 << 10),
            RetiredLimits::DEFAULT,
        );
        let bytes: usize = kept.len() * (400 << 10);
        assert!(bytes <= MAX_RETIRED_BYTES, "{bytes}");
        assert_eq!(kept.len(), MAX_RETIRED_BYTES / (400 << 10));
    }

    #[test]
    fn a_body_is_served_as_identity_until_compressed_once() {
        let body = Body::new(b"{\"a\":1}".repeat(100), JSON).unwrap();
        assert!(
            body.gzip().is_none(),
            "nothing is compressed on construction"
        );
        let copy = body.clone();
        let gz = body.compress().unwrap().clone();
        // The clone shares the compressed bytes: one compression per body.
        assert_eq!(copy.gzip(), Some(&gz));
        let plain = mcp_trust::catalog::client::fetch::gunzip_capped(&gz, 1 << 20, "body").unwrap();
        assert_eq!(plain, body.identity);
    }
}
