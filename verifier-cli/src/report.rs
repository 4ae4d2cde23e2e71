//! What the commands report: the data a command builds and `output`
//! renders, for a terminal (`output::human`) or as the JSON document of
//! `--output json`. It sits below both, so neither imports the other's types.

use serde::Serialize;
use std::collections::BTreeMap;

/// Findings for one file, as printed.
#[derive(Debug, Serialize)]
pub struct FileReport {
    /// The file as given on the command line.
    pub file: String,
    /// Every finding, sorted by path.
    pub findings: Vec<mcp_trust::Finding>,
}

/// One converted (or rejected) Docker catalog entry, as `import docker-catalog` reports it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EntryReport {
    /// The server.yaml read.
    pub source: String,
    /// Docker's name for the server.
    pub name: Option<String>,
    /// Where the manifest was written, with `--out-dir`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub written_to: Option<String>,
    /// Whether a manifest was produced.
    pub converted: bool,
    /// What the conversion could not carry over (paths into server.yaml).
    pub import_findings: Vec<mcp_trust::Finding>,
    /// Validation of the produced manifest (paths into the manifest).
    pub manifest_findings: Vec<mcp_trust::Finding>,
    /// The manifest, in JSON output only when not written to a file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manifest: Option<serde_json::Value>,
}

/// Totals over all entries of an import.
#[derive(Debug, Default, Serialize)]
pub struct ImportSummary {
    /// Entries read.
    pub entries: usize,
    /// Entries converted into a manifest.
    pub converted: usize,
    /// Entries rejected.
    pub rejected: usize,
    /// Converted manifests without error findings.
    pub clean: usize,
    /// How often each finding code occurred (import and manifest findings).
    pub by_code: BTreeMap<String, usize>,
}

/// What `tools check` found.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolsCheckReport {
    /// The manifest as given.
    pub manifest: String,
    /// The live listing as given.
    pub tools_list: String,
    /// Tools pinned.
    pub pinned_tools: usize,
    /// Tools listed live.
    pub live_tools: usize,
    /// Set digest of the pin.
    pub pinned_digest: String,
    /// Set digest of the live surface.
    pub live_digest: String,
    /// True when the live surface equals the pin.
    pub matches: bool,
    /// Every difference, as findings.
    pub findings: Vec<mcp_trust::Finding>,
}

/// The JSON document of a `catalog pull` or `catalog verify` run.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CatalogReport {
    /// Where the catalog came from.
    pub source: String,
    /// True when every check passed.
    pub verified: bool,
    /// The failing check, when one failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<&'static str>,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// True for a first pull (nothing remembered): no changes are listed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial: Option<bool>,
    /// Figures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<mcp_trust::catalog::client::Summary>,
    /// Changes since the remembered catalog.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<Vec<mcp_trust::catalog::client::CatalogChange>>,
    /// True when the state directory was updated.
    pub state_updated: bool,
}
