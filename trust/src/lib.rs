//! Domain logic for the MCP trust layer: manifests and their findings, image
//! references, the network policy for registry connections, Sigstore
//! verification, tool surfaces, the signed catalog, the transparency log and
//! runtime profiles. No HTTP server, CLI or database code lives here; the
//! binaries parse input, call this, and render.
//!
//! The Ed25519 [`keys`] sit below both the catalog and the log, which sign
//! with them; the [`dsse`] envelope wraps what the catalog signs, and
//! [`image::Digest`] names every SHA-256 either of them pins.

pub mod body;
pub mod canonical;
pub mod catalog;
pub mod dsse;
pub mod finding;
pub mod guard;
pub mod image;
pub mod import;
pub mod keys;
pub mod log;
pub mod manifest;
pub mod network;
pub mod oci;
pub mod profile;
pub mod provenance;
pub mod signature;
pub mod tools;
pub mod verification;

pub use finding::{Finding, Severity};
