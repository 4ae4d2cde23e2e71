//! What the client asks for, and the thin trait that fetches it. The
//! verifier never sees URLs or files, only [`Resource`]s and bytes, so the
//! same verification runs over HTTP ([`super::http::HttpFetcher`]), over a
//! directory ([`crate::catalog::mirror::MirrorFetcher`]) and in tests.

use crate::image::Digest;
use std::time::Duration;
use thiserror::Error;

/// One thing the client fetches.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Resource {
    /// `GET /v0.1/catalog/keys`: the root-signed key statements.
    Keys,
    /// `GET /v0.1/catalog`: the signed index (a DSSE envelope).
    Index,
    /// `GET /v0.1/catalog/shards/{hex}`: one shard, by content hash.
    Shard(Digest),
    /// `GET /v0.1/log/checkpoint`: the signed checkpoint (a C2SP signed note).
    Checkpoint,
    /// `GET /v0.1/log/entries?start=&end=`: log records `start..end` (a page may hold fewer).
    Entries {
        /// First record.
        start: u64,
        /// One past the last record wanted.
        end: u64,
    },
    /// `GET /v0.1/log/proof/consistency?from=&to=`.
    Consistency {
        /// Old tree size.
        from: u64,
        /// New tree size.
        to: u64,
    },
}

impl Resource {
    /// The path and query under the registry's base URL.
    pub fn path(&self) -> String {
        match self {
            Resource::Keys => "/v0.1/catalog/keys".into(),
            Resource::Index => "/v0.1/catalog".into(),
            Resource::Shard(d) => format!("/v0.1/catalog/shards/{}", d.hex()),
            Resource::Checkpoint => "/v0.1/log/checkpoint".into(),
            Resource::Entries { start, end } => {
                format!("/v0.1/log/entries?start={start}&end={end}")
            }
            Resource::Consistency { from, to } => {
                format!("/v0.1/log/proof/consistency?from={from}&to={to}")
            }
        }
    }

    /// The inverse of [`Resource::path`], for servers and test servers.
    pub fn from_path(path_and_query: &str) -> Option<Resource> {
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        let param = |name: &str| -> Option<u64> {
            query
                .split('&')
                .filter_map(|kv| kv.split_once('='))
                .find(|(k, _)| *k == name)
                .and_then(|(_, v)| v.parse().ok())
        };
        match path {
            "/v0.1/catalog/keys" => Some(Resource::Keys),
            "/v0.1/catalog" => Some(Resource::Index),
            "/v0.1/log/checkpoint" => Some(Resource::Checkpoint),
            "/v0.1/log/entries" => Some(Resource::Entries {
                start: param("start")?,
                end: param("end")?,
            }),
            "/v0.1/log/proof/consistency" => Some(Resource::Consistency {
                from: param("from")?,
                to: param("to")?,
            }),
            _ => {
                let hex = path.strip_prefix("/v0.1/catalog/shards/")?;
                Digest::parse(&format!("sha256:{hex}")).map(Resource::Shard)
            }
        }
    }

    /// A short name for messages.
    pub fn describe(&self) -> String {
        match self {
            Resource::Keys => "key statements".into(),
            Resource::Index => "catalog index".into(),
            Resource::Shard(d) => format!("shard {}", d.hex()),
            Resource::Checkpoint => "log checkpoint".into(),
            Resource::Entries { start, end } => format!("log entries {start}..{end}"),
            Resource::Consistency { from, to } => format!("consistency proof {from}..{to}"),
        }
    }
}

/// Byte caps per resource and the per-request deadline. The defaults are
/// sized from the 100k-server benchmark (docs/performance.md): each cap is
/// well above what that catalog needs and far below what would hurt a gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Key statements (measured: ~1.3 KiB).
    pub keys: u64,
    /// The index envelope (measured: ~32 KiB, fixed by the 256 shards).
    pub index: u64,
    /// One shard (measured: ~0.27 MiB per shard at 100k servers).
    pub shard: u64,
    /// The checkpoint note (measured: ~0.2 KiB).
    pub checkpoint: u64,
    /// One page of log entries (measured: ~0.4 MiB for 1000 records).
    pub entries_page: u64,
    /// Records asked for per page.
    pub page_records: u64,
    /// A consistency proof (at most 2·64 hashes).
    pub consistency: u64,
    /// Deadline for one request, start to last byte.
    pub deadline: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            keys: 64 << 10,
            index: 256 << 10,
            shard: 8 << 20,
            checkpoint: 16 << 10,
            entries_page: 4 << 20,
            page_records: 1000,
            consistency: 16 << 10,
            deadline: Duration::from_secs(30),
        }
    }
}

impl Limits {
    /// The byte cap for `resource` (decompressed).
    pub fn cap(&self, resource: &Resource) -> u64 {
        match resource {
            Resource::Keys => self.keys,
            Resource::Index => self.index,
            Resource::Shard(_) => self.shard,
            Resource::Checkpoint => self.checkpoint,
            Resource::Entries { .. } => self.entries_page,
            Resource::Consistency { .. } => self.consistency,
        }
    }
}

/// What a fetch returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// The body (decompressed), and its ETag when the server sent one.
    Body {
        /// The bytes.
        bytes: Vec<u8>,
        /// The `ETag` header.
        etag: Option<String>,
    },
    /// `304 Not Modified` to a conditional request.
    NotModified,
}

/// Why a fetch failed. None of these says anything about the catalog's
/// authenticity; they say the bytes did not arrive whole.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FetchError {
    /// The server could not be reached.
    #[error("{url} unreachable: {reason}")]
    Unreachable {
        /// The URL or file.
        url: String,
        /// What failed.
        reason: String,
    },
    /// The server answered with an error status.
    #[error("{url} answered HTTP {status}")]
    Status {
        /// The URL.
        url: String,
        /// The status code.
        status: u16,
    },
    /// The body is larger than the cap (declared, streamed or decompressed).
    #[error("{what} is larger than the {cap}-byte cap")]
    TooLarge {
        /// What was fetched.
        what: String,
        /// The cap.
        cap: u64,
    },
    /// The body ended early (connection closed before the declared length).
    #[error("{what} was truncated: {reason}")]
    Truncated {
        /// What was fetched.
        what: String,
        /// What happened.
        reason: String,
    },
    /// The request did not complete before the deadline.
    #[error("{what} did not arrive within {seconds}s")]
    Deadline {
        /// What was fetched.
        what: String,
        /// The deadline.
        seconds: u64,
    },
    /// The body is compressed in a way that cannot be read.
    #[error("{what}: {reason}")]
    Encoding {
        /// What was fetched.
        what: String,
        /// What is wrong.
        reason: String,
    },
}

/// Fetches resources. Implementations cap every body at `cap` bytes after
/// decompression and return [`Fetched::NotModified`] only when `if_none_match`
/// was given and matched.
pub trait Fetcher {
    /// Fetches one resource.
    fn fetch(
        &self,
        resource: &Resource,
        cap: u64,
        if_none_match: Option<&str>,
    ) -> Result<Fetched, FetchError>;
}

impl<F: Fetcher + ?Sized> Fetcher for &F {
    fn fetch(
        &self,
        resource: &Resource,
        cap: u64,
        if_none_match: Option<&str>,
    ) -> Result<Fetched, FetchError> {
        (**self).fetch(resource, cap, if_none_match)
    }
}

/// Reads a gzip body, refusing more than `cap` decompressed bytes.
pub fn gunzip_capped(body: &[u8], cap: u64, what: &str) -> Result<Vec<u8>, FetchError> {
    use std::io::Read;
    let mut out = Vec::new();
    let mut dec = flate2::read::GzDecoder::new(body).take(cap.saturating_add(1));
    dec.read_to_end(&mut out)
        .map_err(|e| FetchError::Encoding {
            what: what.to_owned(),
            reason: format!("not valid gzip: {e}"),
        })?;
    if out.len() as u64 > cap {
        return Err(FetchError::TooLarge {
            what: what.to_owned(),
            cap,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_round_trip() {
        for r in [
            Resource::Keys,
            Resource::Index,
            Resource::Shard(Digest::of(b"x")),
            Resource::Checkpoint,
            Resource::Entries { start: 5, end: 900 },
            Resource::Consistency { from: 3, to: 9 },
        ] {
            assert_eq!(Resource::from_path(&r.path()), Some(r));
        }
        assert_eq!(Resource::from_path("/v0.1/catalog/shards/zz"), None);
    }

    #[test]
    fn gzip_bomb_is_refused_at_the_cap() {
        let bomb = {
            use std::io::Write;
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            enc.write_all(&vec![b' '; 1 << 20]).unwrap();
            enc.finish().unwrap()
        };
        assert!(bomb.len() < 4096);
        assert_eq!(
            gunzip_capped(&bomb, 64 << 10, "shard"),
            Err(FetchError::TooLarge {
                what: "shard".into(),
                cap: 64 << 10
            })
        );
        assert_eq!(
            gunzip_capped(&bomb, 1 << 20, "shard").unwrap().len(),
            1 << 20
        );
    }
}
