//! Findings: what a check found wrong with an input, as opposed to an error
//! (the check could not run). Every finding has a stable code that users can
//! look up in `docs/findings.md`, a severity, and the JSON pointer of the
//! value it is about, so a user sees every problem at once and knows where.

use serde::{Deserialize, Serialize};
use std::fmt;

/// How serious a finding is. `Error` blocks (non-zero exit, refused publish).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; changes nothing.
    Info,
    /// Accepted, but the result is weaker than it could be.
    Warning,
    /// Refused.
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `pad`, not `write_str`, so width and alignment flags (`{:<7}`) apply.
        f.pad(match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// One problem found in an input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Finding {
    /// Stable identifier, listed in `docs/findings.md`.
    pub code: String,
    /// How serious it is.
    pub severity: Severity,
    /// JSON pointer (RFC 6901) to the offending value; `""` is the whole document.
    pub path: String,
    /// What is wrong, naming the offending value.
    pub message: String,
    /// How to fix it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub hint: String,
}

impl Finding {
    /// A finding with an empty hint.
    pub fn new(
        code: &str,
        severity: Severity,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            code: code.to_owned(),
            severity,
            path: path.into(),
            message: message.into(),
            hint: String::new(),
        }
    }

    /// An error-severity finding.
    pub fn error(code: &str, path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(code, Severity::Error, path, message)
    }

    /// A warning-severity finding.
    pub fn warning(code: &str, path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(code, Severity::Warning, path, message)
    }

    /// An info-severity finding.
    pub fn info(code: &str, path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(code, Severity::Info, path, message)
    }

    /// The same finding with a hint on how to fix it.
    #[must_use]
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = hint.into();
        self
    }
}

/// True when any finding has error severity.
pub fn has_errors(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Error)
}

/// Orders findings for stable output: by path, then code, then message.
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (a.path.as_str(), a.code.as_str(), a.message.as_str()).cmp(&(
            b.path.as_str(),
            b.code.as_str(),
            b.message.as_str(),
        ))
    });
}

/// Escapes one JSON pointer reference token (RFC 6901: `~` → `~0`, `/` → `~1`).
pub fn pointer_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Builds a JSON pointer from a base pointer and further tokens.
pub fn pointer(base: &str, tokens: &[&dyn fmt::Display]) -> String {
    let mut out = base.to_owned();
    for t in tokens {
        out.push('/');
        out.push_str(&pointer_token(&t.to_string()));
    }
    out
}
