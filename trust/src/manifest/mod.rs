//! The manifest: an official MCP `server.json` carrying this project's
//! security extension. [`validate`] is the one place a manifest is checked:
//! size caps, then the JSON Schema in `schemas/`, then semantic rules, every
//! problem reported as a [`Finding`](crate::finding::Finding).

pub mod egress;
pub mod model;
pub mod rules;
pub mod schema;
pub mod validate;

pub use model::*;
pub use validate::{Report, ValidateOptions, check_unique_keys, validate, validate_value};

/// A parsed manifest: the official part (unknown fields kept) and the typed extension.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// The official `server.json`, `_meta` included verbatim.
    pub server: ServerJson,
    /// This project's extension, when present.
    pub security: Option<SecurityExtension>,
}

impl Manifest {
    /// Serializes back to JSON exactly as read: official fields this project does
    /// not know, and the extension as written, are kept.
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(&self.server).unwrap_or(serde_json::Value::Null)
    }

    /// Replaces the security extension, in the typed view and in `_meta`.
    pub fn set_security(&mut self, security: SecurityExtension) {
        let value = serde_json::to_value(&security).unwrap_or(serde_json::Value::Null);
        self.server
            .meta
            .get_or_insert_with(Default::default)
            .insert(EXTENSION_KEY.to_owned(), value);
        self.security = Some(security);
    }
}
