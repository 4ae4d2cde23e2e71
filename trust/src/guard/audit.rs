//! The audit trail of a guarded server: one JSON line per `tools/call`
//! (answered, refused, or left unanswered when the server stopped), in the
//! shape `schemas/guard-audit.v1.schema.json` describes. Argument values are
//! kept only when asked for; their SHA-256 (over RFC 8785 canonical JSON) is
//! always there, so two calls with the same arguments can be matched without
//! the log holding what they were.

use crate::image::Digest;
use serde::Serialize;
use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::time::SystemTime;

/// Format number of a record.
pub const AUDIT_FORMAT: u32 = 1;

/// The server a session guards, as the audit names it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerIdentity {
    /// The server's name (from its manifest), or the command for `guard`.
    pub name: String,
    /// Its version, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The image digest it runs from, when it is a container.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_digest: Option<String>,
}

/// How a call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuditOutcome {
    /// The server answered with a result.
    Ok,
    /// The server answered with a result marked `isError`.
    ToolError,
    /// The server answered with a JSON-RPC error.
    Error,
    /// The guard answered; the server never saw the call.
    Refused,
    /// The server stopped before answering.
    NoAnswer,
    /// The client cancelled the call (`notifications/cancelled`) before an answer.
    Cancelled,
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditRecord {
    /// [`AUDIT_FORMAT`].
    pub format: u32,
    /// When the call arrived (RFC 3339, UTC).
    pub time: String,
    /// The server.
    pub server: ServerIdentity,
    /// The tool called.
    pub tool: String,
    /// The JSON-RPC id of the call.
    pub request_id: Value,
    /// `sha256:<hex>` of the arguments' canonical JSON (`null` when absent).
    pub arguments_sha256: String,
    /// The arguments, only with `--audit-arguments`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arguments: Option<Value>,
    /// How it ended.
    pub outcome: AuditOutcome,
    /// Why it was refused, or the error the server returned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Milliseconds from the call to its answer.
    pub duration_ms: f64,
}

impl AuditRecord {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        server: &ServerIdentity,
        tool: &str,
        request_id: &Value,
        arguments_sha256: Digest,
        arguments: Option<Value>,
        outcome: AuditOutcome,
        detail: Option<String>,
        at: SystemTime,
        duration_ms: f64,
    ) -> Self {
        let time = jiff::Timestamp::try_from(at)
            .map(|t| t.to_string())
            .unwrap_or_default();
        AuditRecord {
            format: AUDIT_FORMAT,
            time,
            server: server.clone(),
            tool: tool.to_owned(),
            request_id: request_id.clone(),
            arguments_sha256: arguments_sha256.to_string(),
            arguments,
            outcome,
            detail,
            duration_ms: (duration_ms * 1000.0).round() / 1000.0,
        }
    }
}

/// An append-only audit file.
#[derive(Debug)]
pub struct AuditLog {
    file: std::fs::File,
}

impl AuditLog {
    /// Opens (creating, mode 0600) `path` for appending. Refused: a symbolic
    /// link, anything but a regular file, a file of another user, a file
    /// others may read or write (they could read the arguments or forge
    /// records), and a path that changed while it was being opened.
    pub fn open(path: &Path) -> std::io::Result<Self> {
        use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
        let refuse = |why: &str| Err(std::io::Error::other(format!("{}: {why}", path.display())));
        let before = std::fs::symlink_metadata(path).ok();
        if before.as_ref().is_some_and(|m| m.file_type().is_symlink()) {
            return refuse("is a symbolic link; give the audit file itself");
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)?;
        let meta = file.metadata()?;
        let now = std::fs::symlink_metadata(path)?;
        let same = |m: &std::fs::Metadata| m.dev() == meta.dev() && m.ino() == meta.ino();
        if !meta.is_file() {
            return refuse("is not a regular file");
        }
        if !same(&now) || before.as_ref().is_some_and(|b| !same(b)) {
            return refuse("was replaced while it was being opened");
        }
        let me = std::fs::metadata("/proc/self").map(|m| m.uid()).ok();
        if me.is_some_and(|uid| uid != meta.uid()) {
            return refuse("belongs to another user");
        }
        if meta.mode() & 0o077 != 0 {
            return refuse(&format!(
                "has mode {:04o}: others may read or write it; `chmod 600` it or remove it",
                meta.mode() & 0o7777
            ));
        }
        Ok(AuditLog { file })
    }

    /// Appends the records, one line each, in a single write, and flushes them.
    pub fn append(&mut self, records: &[AuditRecord]) -> std::io::Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        let mut buf = Vec::new();
        for r in records {
            serde_json::to_writer(&mut buf, r)?;
            buf.push(b'\n');
        }
        self.file.write_all(&buf)?;
        self.file.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_symlinked_or_shared_audit_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target");
        std::fs::write(&target, "").unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).unwrap();
        std::os::unix::fs::symlink(&target, dir.path().join("link.jsonl")).unwrap();
        let err = AuditLog::open(&dir.path().join("link.jsonl")).unwrap_err();
        assert!(
            err.to_string()
                .ends_with("is a symbolic link; give the audit file itself")
        );
        let shared = dir.path().join("shared.jsonl");
        std::fs::write(&shared, "").unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o666)).unwrap();
        let err = AuditLog::open(&shared).unwrap_err();
        assert!(err.to_string().contains("has mode 0666"), "{err}");
        assert!(AuditLog::open(dir.path()).is_err());
        // A new file is created private and used.
        let fresh = dir.path().join("fresh.jsonl");
        AuditLog::open(&fresh).unwrap();
        assert_eq!(
            std::fs::metadata(&fresh).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}
