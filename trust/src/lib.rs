//! Domain logic for the MCP trust layer: manifests and their findings, image
//! references, the network policy for registry connections, Sigstore
//! verification, tool surfaces, the signed catalog, the transparency log and
//! runtime profiles. No HTTP server, CLI or database code lives here; the
//! binaries parse input, call this, and render.

pub mod canonical;
pub mod catalog;
pub mod finding;
pub mod image;
pub mod import;
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
