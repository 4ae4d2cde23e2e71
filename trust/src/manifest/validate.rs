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
    validate_value(&value, options)
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
        let semantic = rules::check(m, &ext_pointer, options);
        // A semantic finding says more than the schema's generic message about the same value.
        findings.retain(|f| !semantic.iter().any(|s| s.path == f.path));
        findings.extend(semantic);
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
