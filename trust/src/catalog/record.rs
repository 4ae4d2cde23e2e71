//! The transparency-log records of catalog events: a version published,
//! yanked or revoked. A publish record commits to a catalog entry, so it is
//! built from the entry, and compared with one, here — above the log, which
//! knows nothing of the catalog. Every publisher of a catalog (the registry's
//! stores, the in-memory one) and every reader that checks one against the
//! log (the gateway's client, the registry's signer) goes through these.

use super::CatalogError;
use super::model::{Entry, Status};
use crate::log::LogRecord;
use jiff::Timestamp;

impl LogRecord {
    /// The publish record of a catalog entry: its identifying fields, and
    /// the hash of the whole immutable entry (whose `logIndex` is this
    /// record's position). Every publisher of a catalog — the registry's
    /// stores and the in-memory one — builds it here.
    pub fn publish_of(e: &Entry) -> Result<LogRecord, CatalogError> {
        Ok(LogRecord::Publish {
            name: e.name.clone(),
            version: e.version.clone(),
            manifest_sha256: e.manifest_sha256.clone(),
            image: e.image.clone(),
            tool_surface: e.tool_surface.clone(),
            entry_sha256: e.immutable_sha256()?,
            at: e.published_at,
        })
    }

    /// The record of a version that became `status` at `at`, with an
    /// optional reason; `None` for [`Status::Active`], which no record makes
    /// a version again (statuses only move forward).
    pub fn status_of(
        name: &str,
        version: &str,
        status: Status,
        reason: Option<String>,
        at: Timestamp,
    ) -> Option<LogRecord> {
        let (name, version) = (name.to_owned(), version.to_owned());
        match status {
            Status::Active => None,
            Status::Yanked => Some(LogRecord::Yank {
                name,
                version,
                reason,
                at,
            }),
            Status::Revoked => Some(LogRecord::Revoke {
                name,
                version,
                reason,
                at,
            }),
        }
    }

    /// For a publish record: the first field in which `entry`, listed at log
    /// index `index`, differs from what this record commits to — its name in
    /// the record and the entry's value — or `None` when they agree (and for
    /// any other kind of record). `entrySha256` covers what the other fields do
    /// not: the signer, the runtime hints and `toolsChanged`.
    pub fn publish_differs(
        &self,
        entry: &Entry,
        index: u64,
    ) -> Result<Option<(&'static str, String)>, CatalogError> {
        let LogRecord::Publish {
            manifest_sha256,
            image,
            tool_surface,
            entry_sha256,
            at,
            ..
        } = self
        else {
            return Ok(None);
        };
        let whole = entry.immutable_sha256()?;
        Ok(if entry.manifest_sha256 != *manifest_sha256 {
            Some(("manifestSha256", entry.manifest_sha256.to_string()))
        } else if entry.image != *image {
            Some(("image", entry.image.clone()))
        } else if entry.tool_surface != *tool_surface {
            Some(("toolSurface", entry.tool_surface.to_string()))
        } else if entry.published_at != *at {
            Some(("publishedAt", entry.published_at.to_string()))
        } else if entry.log_index != index {
            Some(("logIndex", entry.log_index.to_string()))
        } else if whole != *entry_sha256 {
            Some(("entrySha256", whole.to_string()))
        } else {
            None
        })
    }
}
