//! Validation at the edge: size caps before parsing deeper, the JSON Schema,
//! then the semantic rules in [`super::rules`]. Every problem becomes a
//! finding; nothing stops at the first one.

use super::{EXTENSION_KEY, Manifest, SecurityExtension, ServerJson, rules, schema};
use crate::finding::{self, Finding, Severity};
use jsonschema::error::ValidationErrorKind;
use serde_json::Value;

/// Largest manifest accepted, in bytes.
pub const MAX_MANIFEST_BYTES: usize = 1024 * 1024;
/// Most tools a manifest may declare.
pub const MAX_TOOLS: usize = 1000;

/// What validating a manifest produced.
#[derive(Debug, Clone)]
pub struct Report {
    /// The parsed manifest, when the input could be read as one.
    pub manifest: Option<Manifest>,
    /// Every problem found, sorted by path.
    pub findings: Vec<Finding>,
}

impl Report {
    /// True when no finding has error severity and the manifest was parsed.
    pub fn is_ok(&self) -> bool {
        self.manifest.is_some() && !finding::has_errors(&self.findings)
    }
}

/// Validation switches.
#[derive(Debug, Clone, Copy, Default)]
pub struct ValidateOptions {
    /// A manifest without the security extension is an error, not a warning
    /// (the registry's publish path sets this).
    pub require_extension: bool,
}

/// Validates manifest bytes: size cap, JSON, schema, semantics.
pub fn validate(bytes: &[u8], options: ValidateOptions) -> Report {
    if bytes.len() > MAX_MANIFEST_BYTES {
        return failed(
            Finding::error(
                "manifest-too-large",
                "",
                format!("the manifest is {} bytes; at most {MAX_MANIFEST_BYTES} are accepted", bytes.len()),
            )
            .hint("move long texts out of the manifest; a manifest describes a server, it does not embed data"),
        );
    }
    let value: Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) => {
            return failed(
                Finding::error("json-invalid", "", format!("not valid JSON: {e}")).hint(
                    "check the file with a JSON linter; server.json must be a single JSON object",
                ),
            );
        }
    };
    if let Err(e) = check_unique_keys(bytes) {
        return failed(
            Finding::error("json-duplicate-key", "", format!("not one reading: {e}")).hint(
                "JSON parsers disagree about repeated keys (first or last wins); give each key once",
            ),
        );
    }
    validate_value(&value, options)
}

/// Refuses JSON in which an object repeats a key, exactly or as
/// case-insensitive decoders read keys. Parsers disagree about which of two
/// repeated keys counts (this project's keeps the last, others the first),
/// and Go's `encoding/json`, which ToolHive and Docker's gateway read
/// `server.json` with, matches a struct field to any key equal under Unicode
/// case folding (`Identifier`, `ſtatus` with U+017F, the Kelvin sign for
/// `k`) and keeps the last. Either way a document with such keys can mean one
/// thing to the registry that hashed it and another to the gateway that runs
/// it. Tool input and output schemas are left to exact comparison: their
/// `properties` are data (`id` and `ID` may both be parameters), read into
/// maps, which Go matches exactly.
pub fn check_unique_keys(bytes: &[u8]) -> Result<(), String> {
    use serde::de::{DeserializeSeed, Deserializer, Error, MapAccess, SeqAccess, Visitor};
    #[derive(Clone, Copy)]
    struct Unique {
        /// Inside a tool schema: exact repeats only.
        exact_only: bool,
    }
    impl<'de> DeserializeSeed<'de> for Unique {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }
    impl<'de> Visitor<'de> for Unique {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("JSON")
        }
        fn visit_bool<E>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_str<E>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while seq.next_element_seed(self)?.is_some() {}
            Ok(())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            let mut seen = std::collections::HashSet::new();
            let mut folded: std::collections::HashMap<String, String> =
                std::collections::HashMap::new();
            while let Some(key) = map.next_key::<String>()? {
                if !seen.insert(key.clone()) {
                    return Err(A::Error::custom(format!(
                        "the key `{}` appears twice in one object",
                        key.escape_debug()
                    )));
                }
                if !self.exact_only
                    && let Some(other) = folded.insert(fold_case(&key), key.clone())
                {
                    return Err(A::Error::custom(format!(
                        "the keys `{}` and `{}` of one object are one key to case-insensitive \
                         decoders (Go's encoding/json, which gateways read server.json with)",
                        other.escape_debug(),
                        key.escape_debug()
                    )));
                }
                let child = Unique {
                    exact_only: self.exact_only || key == "inputSchema" || key == "outputSchema",
                };
                map.next_value_seed(child)?;
            }
            Ok(())
        }
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    Unique { exact_only: false }
        .deserialize(&mut de)
        .map_err(|e| e.to_string())?;
    de.end().map_err(|e| e.to_string())
}

/// `key` with every character folded as case-insensitive matching does:
/// upper then lower case, so `ſ` (U+017F) is `s` and the Kelvin sign is `k`.
fn fold_case(key: &str) -> String {
    key.chars()
        .flat_map(char::to_uppercase)
        .flat_map(char::to_lowercase)
        .collect()
}

/// Validates an already-parsed manifest document.
pub fn validate_value(value: &Value, options: ValidateOptions) -> Report {
    let ext_pointer = format!("/_meta/{}", finding::pointer_token(EXTENSION_KEY));
    if let Some(tools) = value
        .pointer(&format!("{ext_pointer}/tools"))
        .and_then(Value::as_array)
        && tools.len() > MAX_TOOLS
    {
        return failed(
            Finding::error(
                "too-many-tools",
                format!("{ext_pointer}/tools"),
                format!(
                    "{} tools declared; at most {MAX_TOOLS} are accepted",
                    tools.len()
                ),
            )
            .hint("split the server: no model can choose well among more than a thousand tools"),
        );
    }

    let mut findings = schema_findings(value, &ext_pointer);

    let server: Option<ServerJson> = serde_json::from_value(value.clone()).ok();
    let security = value
        .pointer(&ext_pointer)
        .map(|v| serde_json::from_value::<SecurityExtension>(v.clone()));
    let manifest = match (server, security) {
        (Some(server), None) => Some(Manifest {
            server,
            security: None,
        }),
        (Some(server), Some(Ok(sec))) => Some(Manifest {
            server,
            security: Some(sec),
        }),
        (_, Some(Err(e))) => {
            if findings.is_empty() {
                findings.push(Finding::error(
                    "schema-violation",
                    ext_pointer.clone(),
                    e.to_string(),
                ));
            }
            None
        }
        (None, _) => {
            if findings.is_empty() {
                findings.push(Finding::error(
                    "schema-violation",
                    "",
                    "the document is not a server.json object with name, description and version",
                ));
            }
            None
        }
    };

    if let Some(m) = &manifest {
        let semantic = rules::check(m, &ext_pointer, options.require_extension);
        // A semantic finding says more than the schema's generic message about the same value.
        findings.retain(|f| !semantic.iter().any(|s| s.path == f.path));
        findings.extend(semantic);
    }
    findings.extend(rules::check_characters(value, &ext_pointer));
    if let Some(at) = crate::canonical::unsafe_integer(value, &mut String::new()) {
        findings.push(
            Finding::error(
                "number-not-exact",
                at,
                "an integer beyond ±2^53−1: canonical JSON (RFC 8785), JavaScript and Go's float64 cannot hold it exactly, so its hash and its meaning would depend on the reader",
            )
            .hint("write it as a string, or use a smaller number"),
        );
    }
    finding::sort(&mut findings);
    findings.dedup();
    Report { manifest, findings }
}

fn failed(f: Finding) -> Report {
    Report {
        manifest: None,
        findings: vec![f],
    }
}

fn schema_findings(value: &Value, ext_pointer: &str) -> Vec<Finding> {
    schema::manifest_validator()
        .iter_errors(value)
        .map(|e| {
            let path = e.instance_path().to_string();
            let in_extension = path.starts_with(ext_pointer);
            match e.kind() {
                ValidationErrorKind::AdditionalProperties { unexpected } if in_extension => Finding::error(
                    "extension-unknown-field",
                    path,
                    format!("unknown field(s) {} in the security extension", quote_list(unexpected)),
                )
                .hint("check the spelling against docs/manifest.md: unknown fields in a security policy are refused, never ignored"),
                _ => Finding::new("schema-violation", Severity::Error, path, e.to_string())
                    .hint("see docs/manifest.md for the field's type and limits"),
            }
        })
        .collect()
}

fn quote_list(items: &[String]) -> String {
    items
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
