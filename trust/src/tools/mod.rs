//! The tool surface: what an MCP server announces in `tools/list` and what a
//! model reads before any tool is called. Gateway-level attacks live here — a
//! description changed after the user approved it (rug pull), instructions
//! hidden in tool metadata (poisoning), a server imitating another's tools
//! (shadowing) — so this module pins the surface by hash ([`pin`]), diffs a
//! live listing against the pin ([`diff`]), scans the text a model reads
//! ([`scan`]) and indexes the catalog's tool names ([`shadow`]), all offline.

pub mod diff;
pub mod eval;
pub mod eval_set;
pub mod listing;
pub mod pin;
pub mod scan;
pub mod shadow;

pub use diff::{SurfaceDiff, diff};
pub use listing::{ToolSource, parse_listing, parse_tools_file};
pub use pin::{SurfaceDigest, surface_digest, tool_digest};
pub use scan::{ScanPolicy, scan};
pub use shadow::ShadowIndex;

use thiserror::Error;

/// Every finding code the tool-surface checks can report (scan, shadowing, diff):
/// what a registry's [`ScanPolicy`] may name (see [`ScanPolicy::check`]).
pub fn all_codes() -> Vec<&'static str> {
    scan::RULES
        .iter()
        .chain(shadow::SHADOW_RULES)
        .map(|r| r.code)
        .chain(diff::DIFF_CODES.iter().copied())
        .collect()
}

/// Why a tool list could not be read (as opposed to a finding about its content).
#[derive(Debug, Error)]
pub enum ToolsError {
    /// The input is larger than the cap.
    #[error("the input is {size} bytes; at most {max} are read")]
    TooLarge {
        /// Input size in bytes.
        size: usize,
        /// The cap.
        max: usize,
    },
    /// The input is not JSON.
    #[error("not valid JSON: {0}")]
    Json(String),
    /// The JSON is not any of the accepted shapes, or a field has the wrong type.
    #[error("{path}: {reason}")]
    Shape {
        /// JSON pointer of the offending value.
        path: String,
        /// What is wrong and what was expected.
        reason: String,
    },
    /// A JSON-RPC response carries an error instead of a result.
    #[error("{path}: the server answered tools/list with JSON-RPC error {code}: {message}")]
    RpcError {
        /// JSON pointer of the response.
        path: String,
        /// JSON-RPC error code.
        code: i64,
        /// JSON-RPC error message.
        message: String,
    },
    /// Pages that are not one complete `nextCursor` chain.
    #[error("pages do not form one listing: {0}")]
    Pagination(String),
    /// A value could not be written as RFC 8785 canonical JSON.
    #[error("cannot canonicalize tool `{tool}`: {reason}")]
    Canonicalize {
        /// The tool's name.
        tool: String,
        /// Why (e.g. a number that is not finite).
        reason: String,
    },
}

impl ToolsError {
    pub(crate) fn shape(path: impl Into<String>, reason: impl Into<String>) -> Self {
        ToolsError::Shape {
            path: path.into(),
            reason: reason.into(),
        }
    }
}
