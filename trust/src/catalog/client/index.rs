//! Stage 2 of a pull: the index. Its DSSE signature is the catalog key's;
//! it is neither expired nor issued in the future (within the clock-skew
//! tolerance); its version is not lower than the last one the same catalog
//! key signed, and the same version has the same bytes.

use super::error::ClientError;
use super::fetch::{Fetched, Resource};
use super::session::Session;
use super::state::State;
use crate::catalog::keys::TrustedKeys;
use crate::catalog::model::{INDEX_PAYLOAD_TYPE, IndexPayload};
use crate::dsse::{self, Envelope};
use crate::image::Digest;
use jiff::{SignedDuration, Timestamp};

/// An index whose signature, freshness and version passed.
pub(super) struct VerifiedIndex {
    /// The envelope, as served.
    pub envelope: Vec<u8>,
    /// The ETag it was served with.
    pub etag: Option<String>,
    /// The signed payload bytes.
    pub payload_bytes: Vec<u8>,
    /// The payload, parsed.
    pub payload: IndexPayload,
}

/// Fetches the index, asking with the ETag of the previous one (a 304
/// stands for the previous index, which is checked again), and opens it.
pub(super) fn fetch_index(
    session: &mut Session<'_>,
    keys: &TrustedKeys,
    previous: Option<&State>,
) -> Result<VerifiedIndex, ClientError> {
    let (envelope, etag) = match session.get(
        &Resource::Index,
        previous.and_then(|p| p.index_etag.as_deref()),
    )? {
        Fetched::Body { bytes, etag } => (bytes, etag),
        Fetched::NotModified => match previous {
            Some(p) => (p.index.clone().into_bytes(), p.index_etag.clone()),
            None => {
                return Err(ClientError::IndexMalformed(
                    "304 Not Modified without a previous index".into(),
                ));
            }
        },
    };
    let (payload_bytes, payload) =
        open_index(&envelope, keys, session.now, session.skew, previous)?;
    Ok(VerifiedIndex {
        envelope,
        etag,
        payload_bytes,
        payload,
    })
}

fn open_index(
    bytes: &[u8],
    keys: &TrustedKeys,
    now: Timestamp,
    skew: SignedDuration,
    previous: Option<&State>,
) -> Result<(Vec<u8>, IndexPayload), ClientError> {
    let envelope =
        Envelope::from_bytes(bytes).map_err(|e| ClientError::IndexMalformed(e.to_string()))?;
    let payload = dsse::open(&envelope, INDEX_PAYLOAD_TYPE, &keys.catalog.key)
        .map_err(ClientError::IndexSignature)?;
    let index = IndexPayload::parse(&payload).map_err(ClientError::IndexMalformed)?;
    if now > plus(index.expires, skew) {
        return Err(ClientError::Expired {
            version: index.catalog_version,
            expires: index.expires,
            now,
            skew_seconds: skew.as_secs(),
        });
    }
    if index.issued_at > plus(now, skew) {
        return Err(ClientError::IssuedInFuture {
            version: index.catalog_version,
            issued_at: index.issued_at,
            now,
            skew_seconds: skew.as_secs(),
        });
    }
    if index.catalog_version > crate::canonical::MAX_SAFE_INTEGER {
        return Err(ClientError::IndexMalformed(format!(
            "catalogVersion {} is beyond 2^53−1: no honest registry reaches it, and canonical JSON cannot write it exactly",
            index.catalog_version
        )));
    }
    // The version floor belongs to the catalog key that signed it (TUF
    // 5.3.11): once the root delegates to a newer catalog key (a new
    // serial naming another key), versions signed by the old one no
    // longer bind, so a fast-forward signed with a stolen key does not
    // outlive the key's rotation. A new statement for the same key keeps
    // the floor.
    let same_key = previous.is_some_and(|prev| {
        prev.catalog_key.serial == keys.catalog.statement.serial
            || prev.catalog_key.keyid == keys.catalog.statement.keyid
    });
    if let Some(prev) = previous.filter(|_| same_key) {
        let got = Digest::of(&payload);
        if index.catalog_version < prev.catalog_version {
            return Err(ClientError::Rollback {
                seen: prev.catalog_version,
                got: index.catalog_version,
            });
        }
        if index.catalog_version == prev.catalog_version && got != prev.index_sha256 {
            return Err(ClientError::VersionReused {
                version: index.catalog_version,
                seen: prev.index_sha256.clone(),
                got,
            });
        }
    }
    Ok((payload, index))
}

fn plus(t: Timestamp, d: SignedDuration) -> Timestamp {
    t.checked_add(d).unwrap_or(Timestamp::MAX)
}
