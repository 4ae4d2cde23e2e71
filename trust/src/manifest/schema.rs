//! The JSON Schemas in `schemas/`, compiled once and used by the validator,
//! so the published schema and the code that enforces it cannot drift.

use jsonschema::{Registry, Validator};
use serde_json::Value;
use std::sync::OnceLock;

/// `schemas/security-extension.v1.schema.json`.
pub const EXTENSION_SCHEMA: &str =
    include_str!("../../../schemas/security-extension.v1.schema.json");
/// `schemas/server-manifest.v1.schema.json`.
pub const MANIFEST_SCHEMA: &str = include_str!("../../../schemas/server-manifest.v1.schema.json");
/// `$id` of the extension schema, by which the manifest schema refers to it.
pub const EXTENSION_SCHEMA_ID: &str =
    "https://mcp-trust.dev/schemas/security-extension.v1.schema.json";

/// The compiled manifest schema (extension included), built on first use.
pub fn manifest_validator() -> &'static Validator {
    static V: OnceLock<Validator> = OnceLock::new();
    V.get_or_init(|| {
        compile(MANIFEST_SCHEMA)
            .unwrap_or_else(|e| panic!("built-in manifest schema does not compile: {e}"))
    })
}

/// The compiled extension schema alone, built on first use.
pub fn extension_validator() -> &'static Validator {
    static V: OnceLock<Validator> = OnceLock::new();
    V.get_or_init(|| {
        compile(EXTENSION_SCHEMA)
            .unwrap_or_else(|e| panic!("built-in extension schema does not compile: {e}"))
    })
}

fn compile(schema: &str) -> Result<Validator, String> {
    let schema: Value = serde_json::from_str(schema).map_err(|e| e.to_string())?;
    let extension: Value = serde_json::from_str(EXTENSION_SCHEMA).map_err(|e| e.to_string())?;
    let registry = Registry::new()
        .add(EXTENSION_SCHEMA_ID, extension)
        .and_then(|b| b.prepare())
        .map_err(|e| e.to_string())?;
    jsonschema::options()
        .with_registry(&registry)
        .build(&schema)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn built_in_schemas_compile() {
        let _ = super::manifest_validator();
        let _ = super::extension_validator();
    }
}
