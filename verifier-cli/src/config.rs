//! Settings that come from outside the command line. This is the only module
//! of `mcp-verify` that reads environment variables or secret files.

use anyhow::{Context, bail};
use std::path::Path;

/// Environment variable holding the registry publish token.
pub const TOKEN_VAR: &str = "MCP_REGISTRY_TOKEN";

/// The registry token: from `token_file` when given, else from `MCP_REGISTRY_TOKEN`.
pub fn registry_token(token_file: Option<&Path>) -> anyhow::Result<String> {
    let token = match token_file {
        Some(path) => std::fs::read_to_string(path)
            .with_context(|| format!("cannot read token file {}", path.display()))?,
        None => std::env::var(TOKEN_VAR).unwrap_or_default(),
    };
    let token = token.trim().to_owned();
    if token.is_empty() {
        bail!("no registry token: give --token-file or set {TOKEN_VAR}");
    }
    Ok(token)
}

/// `$DOCKER_CONFIG/config.json`, else `$HOME/.docker/config.json`, when it exists.
pub fn docker_config_path() -> Option<std::path::PathBuf> {
    let dir = std::env::var_os("DOCKER_CONFIG")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".docker"))
        })?;
    let path = dir.join("config.json");
    path.is_file().then_some(path)
}
