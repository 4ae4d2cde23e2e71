//! Signature and attestation discovery in OCI registries.
//!
//! Everything read from a registry is bounded: manifests and referrer lists
//! are fetched by our own streamed request with a byte cap and a digest
//! check, blobs through a byte counter, and each whole operation runs under
//! a deadline, so a registry that sends one byte a second cannot hold a
//! verifier forever. `oci-client` reads manifests and referrer lists whole
//! and offers no hook for a DNS or redirect policy, so this module speaks the
//! small part of the distribution API it needs (token auth, GET manifest,
//! referrers, blob) itself, over one `reqwest` client whose every
//! connection goes through the network policy's [`HostPolicy`]
//! (`crate::network`).
//!
//! Only the exact pinned digest is looked at: an image index is never
//! walked to its platform manifests, nor a platform manifest to its index.

pub mod client;
pub mod discovery;

pub use client::{ClientConfig, Credentials, HostPolicy, Limits, OciClient, OciError};
pub use discovery::{
    Discovered, FoundSignature, SignatureSource, discover, discover_legacy, discover_referrers,
};

/// Media type of a Sigstore bundle v0.3 (cosign v3 stores signatures and attestations under it).
pub const SIGSTORE_BUNDLE_V03: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
/// Media type of a legacy cosign simple-signing layer (`sha256-<hex>.sig`).
pub const COSIGN_SIMPLE_SIGNING: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
/// Media type of a legacy cosign attestation layer (`sha256-<hex>.att`).
pub const DSSE_ENVELOPE: &str = "application/vnd.dsse.envelope.v1+json";
