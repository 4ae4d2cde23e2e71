//! Image references and digest pinning. A [`PinnedImage`] can only be built
//! from a reference that names a `sha256` digest, so code that holds one
//! never has to ask again whether the image is pinned.

use std::fmt;
use thiserror::Error;

/// The registry that a reference without a registry host refers to.
pub const DEFAULT_REGISTRY: &str = "docker.io";

/// Why a string is not a usable pinned image reference.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ImageRefError {
    /// Empty, too long, or with characters no registry accepts.
    #[error("`{reference}` is not a valid image reference: {reason}")]
    Malformed {
        /// The offending reference.
        reference: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A tag (or nothing) but no digest: the bytes behind it can change.
    #[error("`{reference}` is not pinned: a tag can be moved to other bytes at any time")]
    TagOnly {
        /// The offending reference.
        reference: String,
    },
    /// `latest` (explicit or implied) and no digest.
    #[error("`{reference}` names `latest`, which is a moving target and not a version")]
    Latest {
        /// The offending reference.
        reference: String,
    },
    /// A digest that is not `sha256:` followed by 64 lowercase hex digits.
    #[error(
        "`{reference}` has digest `{digest}`, which is not `sha256:` followed by 64 lowercase hex digits"
    )]
    BadDigest {
        /// The offending reference.
        reference: String,
        /// The digest part.
        digest: String,
    },
}

/// A `sha256:` digest of 64 lowercase hex digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest(String);

impl Digest {
    /// Parses `sha256:<64 lowercase hex>`; anything else is refused.
    pub fn parse(s: &str) -> Option<Digest> {
        let hex = s.strip_prefix("sha256:")?;
        (hex.len() == 64
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
        .then(|| Digest(s.to_owned()))
    }

    /// The digest of `bytes`.
    pub fn of(bytes: &[u8]) -> Digest {
        Digest(format!(
            "sha256:{}",
            hex::encode(sigstore_crypto::sha256(bytes).as_bytes())
        ))
    }

    /// The full `sha256:<hex>` form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 64 hex digits.
    pub fn hex(&self) -> &str {
        &self.0["sha256:".len()..]
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Serde for [`Digest`] as its `sha256:<hex>` string.
pub mod digest_serde {
    use super::Digest;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes `sha256:<hex>`.
    pub fn serialize<S: Serializer>(d: &Digest, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(d.as_str())
    }

    /// Reads `sha256:<64 lowercase hex>`, refusing anything else.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Digest, D::Error> {
        let s = String::deserialize(d)?;
        Digest::parse(&s).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "`{s}` is not `sha256:` followed by 64 lowercase hex digits"
            ))
        })
    }
}

/// A parsed image reference, pinned or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// Registry host (with port), `docker.io` when the reference has none.
    pub registry: String,
    /// Repository path inside the registry (`library/` added for Docker Hub single names).
    pub repository: String,
    /// Tag, when the reference has one.
    pub tag: Option<String>,
    /// Digest, when the reference has one (already checked to be `sha256:<64 hex>`).
    pub digest: Option<Digest>,
}

/// An image reference that names a digest: the only form this project runs or verifies.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PinnedImage {
    /// Registry host (with port).
    pub registry: String,
    /// Repository path inside the registry.
    pub repository: String,
    /// The pinned digest. A tag given beside it is informational only.
    pub digest: Digest,
    /// The tag given beside the digest, if any; never used to fetch.
    pub tag: Option<String>,
}

const MAX_REFERENCE_LEN: usize = 1024;

impl ImageRef {
    /// Parses a Docker/OCI image reference (`[host[:port]/]path[:tag][@digest]`).
    pub fn parse(reference: &str) -> Result<ImageRef, ImageRefError> {
        let malformed = |reason: &str| ImageRefError::Malformed {
            reference: reference.to_owned(),
            reason: reason.to_owned(),
        };
        if reference.is_empty() {
            return Err(malformed("it is empty"));
        }
        if reference.len() > MAX_REFERENCE_LEN {
            return Err(malformed("it is longer than 1024 characters"));
        }
        if reference
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(malformed("it contains whitespace or control characters"));
        }
        let (name_and_tag, digest) = match reference.split_once('@') {
            Some((n, d)) => {
                let digest = Digest::parse(d).ok_or_else(|| ImageRefError::BadDigest {
                    reference: reference.to_owned(),
                    digest: d.to_owned(),
                })?;
                (n, Some(digest))
            }
            None => (reference, None),
        };
        // A tag is after the last ':' that follows the last '/'.
        let last_slash = name_and_tag.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match name_and_tag[last_slash..].rfind(':') {
            Some(i) => (
                &name_and_tag[..last_slash + i],
                Some(name_and_tag[last_slash + i + 1..].to_owned()),
            ),
            None => (name_and_tag, None),
        };
        if let Some(t) = &tag
            && (t.is_empty()
                || t.len() > 128
                || !t
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
                || t.starts_with(['.', '-']))
        {
            return Err(malformed(
                "its tag is not [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}",
            ));
        }
        let (registry, repository) = match name.split_once('/') {
            Some((first, rest))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (first.to_owned(), rest.to_owned())
            }
            _ => (DEFAULT_REGISTRY.to_owned(), name.to_owned()),
        };
        let repository = if registry == DEFAULT_REGISTRY && !repository.contains('/') {
            format!("library/{repository}")
        } else {
            repository
        };
        if !valid_host(&registry) {
            return Err(malformed("its registry host is not a valid host[:port]"));
        }
        if repository.is_empty() || !repository.split('/').all(valid_path_component) {
            return Err(malformed(
                "its repository path must be lowercase components of [a-z0-9] joined by '.', '_', '__' or '-', separated by '/'",
            ));
        }
        Ok(ImageRef {
            registry,
            repository,
            tag,
            digest,
        })
    }

    /// `registry/repository`, the form used to compare two references.
    pub fn full_repository(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// Pins the reference: refused unless it names a digest.
    pub fn pinned(self, reference: &str) -> Result<PinnedImage, ImageRefError> {
        match self.digest {
            Some(digest) => Ok(PinnedImage {
                registry: self.registry,
                repository: self.repository,
                digest,
                tag: self.tag,
            }),
            None if self.tag.as_deref().is_none_or(|t| t == "latest") => {
                Err(ImageRefError::Latest {
                    reference: reference.to_owned(),
                })
            }
            None => Err(ImageRefError::TagOnly {
                reference: reference.to_owned(),
            }),
        }
    }
}

impl PinnedImage {
    /// Parses a reference that must name a `sha256` digest.
    pub fn parse(reference: &str) -> Result<PinnedImage, ImageRefError> {
        ImageRef::parse(reference)?.pinned(reference)
    }

    /// `registry/repository`, without tag or digest.
    pub fn full_repository(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }
}

impl fmt::Display for PinnedImage {
    /// `registry/repository@sha256:…`: the tag is dropped, the digest is what counts.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}@{}", self.registry, self.repository, self.digest)
    }
}

fn valid_host(host: &str) -> bool {
    let (name, port) = match host.rsplit_once(':') {
        Some((n, p)) => (n, Some(p)),
        None => (host, None),
    };
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.parse::<u16>().is_ok());
    port_ok
        && !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

fn valid_path_component(component: &str) -> bool {
    // [a-z0-9]+ separated by '.', '_', '__' or one or more '-'
    let bytes = component.as_bytes();
    if bytes.is_empty()
        || !bytes[0].is_ascii_alphanumeric()
        || !bytes[bytes.len() - 1].is_ascii_alphanumeric()
    {
        return false;
    }
    let mut prev_sep: Option<u8> = None;
    let mut run = 0;
    for &b in bytes {
        if b.is_ascii_lowercase() || b.is_ascii_digit() {
            prev_sep = None;
            run = 0;
        } else if matches!(b, b'.' | b'_' | b'-') {
            run += 1;
            match (prev_sep, b) {
                (None, _) => {}
                (Some(b'-'), b'-') => {}
                (Some(b'_'), b'_') if run == 2 => {}
                _ => return false,
            }
            prev_sep = Some(b);
        } else {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:c811d58de79c92f03214e63aa339484e488d694ae8a6283b5f3f17a9faf50172";

    #[test]
    fn accepts_digest_reference() {
        let p = PinnedImage::parse(&format!("ghcr.io/acme/weather@{D}")).unwrap();
        assert_eq!(p.registry, "ghcr.io");
        assert_eq!(p.repository, "acme/weather");
        assert_eq!(p.digest.as_str(), D);
    }

    #[test]
    fn tag_and_digest_keeps_digest() {
        let p = PinnedImage::parse(&format!("ghcr.io/acme/weather:v1@{D}")).unwrap();
        assert_eq!(p.tag.as_deref(), Some("v1"));
        assert_eq!(p.to_string(), format!("ghcr.io/acme/weather@{D}"));
    }

    #[test]
    fn rejects_tag_without_digest() {
        assert!(matches!(
            PinnedImage::parse("ghcr.io/acme/weather:v1"),
            Err(ImageRefError::TagOnly { .. })
        ));
    }

    #[test]
    fn rejects_latest_and_bare_name() {
        assert!(matches!(
            PinnedImage::parse("ghcr.io/acme/weather:latest"),
            Err(ImageRefError::Latest { .. })
        ));
        assert!(matches!(
            PinnedImage::parse("mcp/weather"),
            Err(ImageRefError::Latest { .. })
        ));
    }

    #[test]
    fn rejects_uppercase_or_short_digest() {
        let upper = D.to_uppercase().replace("SHA256", "sha256");
        assert!(matches!(
            PinnedImage::parse(&format!("a/b@{upper}")),
            Err(ImageRefError::BadDigest { .. })
        ));
        assert!(matches!(
            PinnedImage::parse("a/b@sha256:abc"),
            Err(ImageRefError::BadDigest { .. })
        ));
        assert!(matches!(
            PinnedImage::parse(&format!("a/b@sha512:{}", &D[7..])),
            Err(ImageRefError::BadDigest { .. })
        ));
    }

    #[test]
    fn docker_hub_names_are_normalized() {
        let a = ImageRef::parse("nginx").unwrap();
        let b = ImageRef::parse("docker.io/library/nginx:1").unwrap();
        assert_eq!(a.full_repository(), b.full_repository());
        let c = ImageRef::parse("mcp/github").unwrap();
        assert_eq!(c.full_repository(), "docker.io/mcp/github");
    }

    #[test]
    fn registry_with_port_is_not_a_tag() {
        let r = ImageRef::parse(&format!("127.0.0.1:5000/probe@{D}")).unwrap();
        assert_eq!(r.registry, "127.0.0.1:5000");
        assert_eq!(r.tag, None);
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "UPPER/case@x",
            "a b",
            "ghcr.io/-x/y",
            "ghcr.io//y",
            "a/b:",
            "a/b:-x",
        ] {
            assert!(ImageRef::parse(bad).is_err(), "{bad}");
        }
    }
}
