//! The grammar of `mcp-verify completions` and `mcp-verify man`: what a
//! package or a user installs so the shell completes every flag and `man`
//! documents it, generated from this same grammar so they cannot drift.

use clap::Args;
use std::path::PathBuf;

/// Examples of `completions` and `man`.
pub const EXAMPLES: &str = "Examples:
  mcp-verify completions bash > /etc/bash_completion.d/mcp-verify
  mcp-verify completions zsh > \"${fpath[1]}/_mcp-verify\"
  mcp-verify completions fish > ~/.config/fish/completions/mcp-verify.fish
  mcp-verify man | man -l -
  mcp-verify man --dir /usr/local/share/man/man1";

/// Arguments of `completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

/// Arguments of `man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write one page per command (mcp-verify.1, mcp-verify-catalog-pull.1, …) into this
    /// directory instead of printing the top-level page.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}
