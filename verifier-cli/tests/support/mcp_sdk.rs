//! The real MCP parts the guard tests drive, installed once per machine at
//! exact versions: the official Python SDK (`mcp` on PyPI) in a venv, and the
//! reference servers from npm. Kept under `$MCP_TRUST_VENVS` (default
//! `~/.cache/mcp-trust/venvs`), reused while their version marker matches.

use super::process::run;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The Python SDK's version.
pub const MCP_PYTHON: &str = "1.23.1";
/// The npm reference servers' version.
pub const NPM_SERVERS: &str = "2026.8.31";
/// The npm reference servers installed.
pub const NPM_PACKAGES: &[&str] = &[
    "@modelcontextprotocol/server-everything",
    "@modelcontextprotocol/server-filesystem",
];

fn cache() -> PathBuf {
    match std::env::var_os("MCP_TRUST_VENVS") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => PathBuf::from(std::env::var_os("HOME").expect("HOME is set"))
            .join(".cache/mcp-trust/venvs"),
    }
}

/// Installs into `dir` unless its marker says `version` is there; a lock
/// file keeps concurrent test processes from installing twice.
fn installed(dir: &Path, version: &str, install: impl FnOnce(&Path)) {
    let marker = dir.join(".installed");
    if std::fs::read_to_string(&marker).is_ok_and(|v| v == version) {
        return;
    }
    std::fs::create_dir_all(dir).unwrap();
    let lock = std::fs::File::create(dir.with_extension("lock")).unwrap();
    lock.lock().unwrap();
    if std::fs::read_to_string(&marker).is_ok_and(|v| v == version) {
        return;
    }
    install(dir);
    std::fs::write(&marker, version).unwrap();
}

/// The venv's python, with `mcp` installed.
pub fn python() -> PathBuf {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON
        .get_or_init(|| {
            let dir = cache().join(format!("mcp-sdk-{MCP_PYTHON}"));
            installed(&dir, MCP_PYTHON, |dir| {
                run(Command::new("python3").args(["-m", "venv"]).arg(dir));
                run(Command::new(dir.join("bin/pip")).args([
                    "install",
                    "-q",
                    "--disable-pip-version-check",
                    &format!("mcp=={MCP_PYTHON}"),
                ]));
            });
            dir.join("bin/python")
        })
        .clone()
}

/// The entry script of an installed npm reference server, e.g. `server-everything`.
pub fn npm_server(name: &str) -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    let dir = DIR.get_or_init(|| {
        let dir = cache().join(format!("npm-mcp-{NPM_SERVERS}"));
        installed(&dir, NPM_SERVERS, |dir| {
            std::fs::write(dir.join("package.json"), "{\"private\": true}\n").unwrap();
            let specs: Vec<String> = NPM_PACKAGES
                .iter()
                .map(|p| format!("{p}@{NPM_SERVERS}"))
                .collect();
            run(Command::new("npm")
                .current_dir(dir)
                .args(["install", "--no-audit", "--no-fund", "--save-exact"])
                .args(&specs));
        });
        dir
    });
    dir.join("node_modules/@modelcontextprotocol")
        .join(name)
        .join("dist/index.js")
}
