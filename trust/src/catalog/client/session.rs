//! One pull's traffic with the registry, shared by every stage: each
//! resource is fetched through the client's [`Fetcher`] under its byte cap,
//! a failure is named for the resource, and the bytes are counted for the
//! pull's figures; with the time and the clock-skew tolerance every check of
//! the pull is made against.

use super::error::ClientError;
use super::fetch::{FetchError, Fetched, Fetcher, Limits, Resource};
use jiff::{SignedDuration, Timestamp};

/// One pull in progress.
pub(super) struct Session<'a> {
    fetcher: &'a dyn Fetcher,
    /// Byte caps and page size.
    pub limits: &'a Limits,
    /// Clock-skew tolerance applied to every expiry and issue time.
    pub skew: SignedDuration,
    /// The time every check is made against.
    pub now: Timestamp,
    /// Body bytes fetched so far (decompressed).
    pub bytes: u64,
}

impl<'a> Session<'a> {
    /// A pull through `fetcher` within `limits`, checked at `now` with `skew`.
    pub(super) fn new(
        fetcher: &'a dyn Fetcher,
        limits: &'a Limits,
        skew: SignedDuration,
        now: Timestamp,
    ) -> Self {
        Session {
            fetcher,
            limits,
            skew,
            now,
            bytes: 0,
        }
    }

    /// Fetches `resource` under its cap, conditionally on `etag`.
    pub(super) fn get(
        &mut self,
        resource: &Resource,
        etag: Option<&str>,
    ) -> Result<Fetched, ClientError> {
        let cap = self.limits.cap(resource);
        let fetched =
            self.fetcher
                .fetch(resource, cap, etag)
                .map_err(|source| ClientError::Fetch {
                    resource: resource.describe(),
                    source,
                })?;
        if let Fetched::Body { bytes, .. } = &fetched {
            self.bytes += bytes.len() as u64;
        }
        Ok(fetched)
    }

    /// Fetches the whole body of `resource` under its cap.
    pub(super) fn get_body(&mut self, resource: &Resource) -> Result<Vec<u8>, ClientError> {
        match self.get(resource, None)? {
            Fetched::Body { bytes, .. } => Ok(bytes),
            Fetched::NotModified => Err(ClientError::Fetch {
                resource: resource.describe(),
                source: FetchError::Encoding {
                    what: resource.describe(),
                    reason: "304 Not Modified to an unconditional request".into(),
                },
            }),
        }
    }
}
