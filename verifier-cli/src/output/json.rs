//! JSON output: pretty, stable key order, one document per run.

use serde::Serialize;

/// Pretty-prints a value as JSON.
pub fn to_string<T: Serialize>(value: &T) -> anyhow::Result<String> {
    Ok(serde_json::to_string_pretty(value)?)
}
