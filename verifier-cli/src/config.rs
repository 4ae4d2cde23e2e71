//! The only place the command line reads its environment: where Docker
//! keeps registry credentials.

use std::path::PathBuf;

/// `$DOCKER_CONFIG/config.json`, else `$HOME/.docker/config.json`, when it exists.
pub fn docker_config_path() -> Option<PathBuf> {
    let dir = std::env::var_os("DOCKER_CONFIG")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".docker")))?;
    let path = dir.join("config.json");
    path.is_file().then_some(path)
}
