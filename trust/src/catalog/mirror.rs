//! One catalog snapshot as files: what a registry exports, what a gateway
//! copies to an air-gapped host, and what `mcp-verify catalog verify DIR`
//! checks offline. The layout mirrors the HTTP API:
//!
//! ```text
//! DIR/keys.json              GET /v0.1/catalog/keys
//! DIR/index.json             GET /v0.1/catalog
//! DIR/shards/<hex>.json      GET /v0.1/catalog/shards/<hex>
//! DIR/checkpoint             GET /v0.1/log/checkpoint
//! DIR/log/entries.json       every log record, {"start": 0, "entries": [...]}
//! ```
//!
//! [`MirrorFetcher`] answers the client's requests from such a directory;
//! entry pages and consistency proofs are computed from `log/entries.json`
//! (the client verifies them like any server's).

use super::CatalogError;
use super::client::fetch::{FetchError, Fetched, Fetcher, Resource};
use crate::image::Digest;
use crate::log::{ConsistencyBody, EntriesPage, LogRecord, MemoryTree, consistency_proof, record};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Largest `log/entries.json` a mirror reads (1 GiB).
pub const MAX_MIRROR_LOG_BYTES: u64 = 1 << 30;

/// The files of one snapshot.
#[derive(Debug, Clone, Default)]
pub struct Mirror {
    /// Body of `/v0.1/catalog/keys`.
    pub keys: Vec<u8>,
    /// Body of `/v0.1/catalog`.
    pub index: Vec<u8>,
    /// Every shard the index names, by hash.
    pub shards: Vec<(Digest, Vec<u8>)>,
    /// Body of `/v0.1/log/checkpoint`.
    pub checkpoint: Vec<u8>,
    /// Every log record, in order.
    pub records: Vec<LogRecord>,
}

impl Mirror {
    /// Writes the layout under `dir` (created when missing).
    pub fn write(&self, dir: &Path) -> Result<(), CatalogError> {
        let io = |path: &Path, e: std::io::Error| CatalogError::Io {
            path: path.display().to_string(),
            reason: e.to_string(),
        };
        for sub in ["shards", "log"] {
            let p = dir.join(sub);
            std::fs::create_dir_all(&p).map_err(|e| io(&p, e))?;
        }
        let page = EntriesPage {
            start: 0,
            entries: self.records.clone(),
        };
        let entries = serde_json::to_vec(&page).map_err(|e| CatalogError::Encode(e.to_string()))?;
        let mut files: Vec<(PathBuf, &[u8])> = vec![
            (dir.join("keys.json"), &self.keys),
            (dir.join("index.json"), &self.index),
            (dir.join("checkpoint"), &self.checkpoint),
            (dir.join("log/entries.json"), &entries),
        ];
        for (d, bytes) in &self.shards {
            files.push((dir.join(format!("shards/{}.json", d.hex())), bytes));
        }
        for (path, bytes) in files {
            std::fs::write(&path, bytes).map_err(|e| io(&path, e))?;
        }
        Ok(())
    }
}

/// Answers client requests from a mirror directory.
#[derive(Debug)]
pub struct MirrorFetcher {
    dir: PathBuf,
    page_records: u64,
    log: OnceLock<Result<(Vec<LogRecord>, MemoryTree), FetchError>>,
}

impl MirrorFetcher {
    /// A fetcher over `dir`, serving at most `page_records` records per page.
    pub fn new(dir: impl Into<PathBuf>, page_records: u64) -> Self {
        MirrorFetcher {
            dir: dir.into(),
            page_records: page_records.max(1),
            log: OnceLock::new(),
        }
    }

    fn file(&self, resource: &Resource) -> Option<PathBuf> {
        Some(self.dir.join(match resource {
            Resource::Keys => "keys.json".to_owned(),
            Resource::Index => "index.json".to_owned(),
            Resource::Shard(d) => format!("shards/{}.json", d.hex()),
            Resource::Checkpoint => "checkpoint".to_owned(),
            Resource::Entries { .. } | Resource::Consistency { .. } => return None,
        }))
    }

    /// Reads one file of the mirror: opened once, a regular file, at most
    /// `cap` bytes read whatever its size claims (a FIFO, a device or a file
    /// growing while read cannot make the read unbounded).
    fn read(&self, path: &Path, cap: u64, what: &str) -> Result<Vec<u8>, FetchError> {
        use std::io::Read;
        let url = path.display().to_string();
        let unreachable = |e: std::io::Error| FetchError::Unreachable {
            url: url.clone(),
            reason: e.to_string(),
        };
        let file = std::fs::File::open(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => FetchError::Status {
                url: url.clone(),
                status: 404,
            },
            _ => unreachable(e),
        })?;
        let meta = file.metadata().map_err(unreachable)?;
        if !meta.is_file() {
            return Err(FetchError::Encoding {
                what: what.to_owned(),
                reason: format!("{url} is not a regular file"),
            });
        }
        if meta.len() > cap {
            return Err(FetchError::TooLarge {
                what: what.to_owned(),
                cap,
            });
        }
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        file.take(cap.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(unreachable)?;
        if bytes.len() as u64 > cap {
            return Err(FetchError::TooLarge {
                what: what.to_owned(),
                cap,
            });
        }
        Ok(bytes)
    }

    fn log(&self) -> Result<&(Vec<LogRecord>, MemoryTree), FetchError> {
        self.log
            .get_or_init(|| {
                let path = self.dir.join("log/entries.json");
                let bytes = self.read(&path, MAX_MIRROR_LOG_BYTES, "log/entries.json")?;
                let page: EntriesPage =
                    serde_json::from_slice(&bytes).map_err(|e| FetchError::Encoding {
                        what: path.display().to_string(),
                        reason: format!("not a log entries file: {e}"),
                    })?;
                let bad = |reason: String| FetchError::Encoding {
                    what: path.display().to_string(),
                    reason,
                };
                if page.start != 0 {
                    return Err(bad("a mirror's log starts at record 0".into()));
                }
                let mut tree = MemoryTree::new();
                for r in &page.entries {
                    tree.push_hash(r.leaf_hash().map_err(|e| bad(e.to_string()))?);
                }
                Ok((page.entries, tree))
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

impl Fetcher for MirrorFetcher {
    fn fetch(
        &self,
        resource: &Resource,
        cap: u64,
        _if_none_match: Option<&str>,
    ) -> Result<Fetched, FetchError> {
        let what = resource.describe();
        let bytes = match resource {
            Resource::Entries { start, end } => {
                let (records, _) = self.log()?;
                let len = records.len() as u64;
                if start >= end || *end > len {
                    return Err(FetchError::Status {
                        url: resource.path(),
                        status: 404,
                    });
                }
                let stop = (*end).min(start + self.page_records);
                let page = EntriesPage {
                    start: *start,
                    entries: records[*start as usize..stop as usize].to_vec(),
                };
                serde_json::to_vec(&page).unwrap_or_default()
            }
            Resource::Consistency { from, to } => {
                let (_, tree) = self.log()?;
                let hashes =
                    consistency_proof(tree, *from, *to).map_err(|_| FetchError::Status {
                        url: resource.path(),
                        status: 404,
                    })?;
                let body = ConsistencyBody {
                    from: *from,
                    to: *to,
                    hashes: record::hashes_to_base64(&hashes),
                };
                serde_json::to_vec(&body).unwrap_or_default()
            }
            other => {
                let path = self.file(other).unwrap_or_default();
                return Ok(Fetched::Body {
                    bytes: self.read(&path, cap, &what)?,
                    etag: None,
                });
            }
        };
        if bytes.len() as u64 > cap {
            return Err(FetchError::TooLarge { what, cap });
        }
        Ok(Fetched::Body { bytes, etag: None })
    }
}
