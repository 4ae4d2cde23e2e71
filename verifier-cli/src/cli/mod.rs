//! The command-line grammar of `mcp-verify`, every flag in one place: the
//! top-level command here, one file per command group beside it, and the
//! options several commands share (`output`, `signer`) in files of their own.
//! Only argument shapes and help text live in this module; what a command
//! does is in `commands/`, which imports its arguments from here.

pub mod catalog;
pub mod import;
pub mod manifest;
pub mod output;
pub mod profile;
pub mod publish;
pub mod run;
pub mod shell;
pub mod signer;
pub mod tools;
pub mod verify;
pub mod verify_bundle;

use clap::{CommandFactory, Parser, Subcommand};

/// Parses the process's arguments, exiting 2 with clap's message on a
/// usage error. `mcp-verify IMAGE` takes any first word as IMAGE, so a
/// mistyped subcommand (`mcp-verify verfy`) would be read as an image
/// named `verfy`. A first word that cannot be a pinned image reference (no
/// `/`, `:` or `@`), when no tag is to be resolved (`--resolve`), is
/// answered as a typo if it names a subcommand of a group (`mcp-verify pull`
/// → `catalog pull`) or is close to a top-level one.
pub fn parse() -> Cli {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let first = args
        .get(1)
        .and_then(|a| a.to_str())
        .unwrap_or_default()
        .to_owned();
    let resolving = args.iter().any(|a| a == "--resolve");
    if !first.is_empty()
        && !first.starts_with('-')
        && !first.contains(['/', ':', '@'])
        && !resolving
        && let Some(tip) = typo_tip(&first)
    {
        Cli::command()
            .error(
                clap::error::ErrorKind::InvalidSubcommand,
                format!(
                    "unrecognized subcommand '{first}'\n\n  tip: {tip}\n  (an image to verify is IMAGE@sha256:<digest>)"
                ),
            )
            .exit();
    }
    Cli::parse_from(args)
}

/// What `word`, given where a subcommand goes, was probably meant to be.
fn typo_tip(word: &str) -> Option<String> {
    let command = Cli::command();
    let top: Vec<&clap::Command> = command.get_subcommands().collect();
    if top.iter().any(|c| c.get_name() == word) {
        return None;
    }
    // A subcommand of a group, given without its group.
    for group in &top {
        if group.get_subcommands().any(|c| c.get_name() == word) {
            return Some(format!(
                "`{word}` is a subcommand of `{0}`: mcp-verify {0} {word}",
                group.get_name()
            ));
        }
    }
    // The measure and threshold clap uses for its own suggestions.
    top.iter()
        .map(|c| (strsim::jaro(word, c.get_name()), c.get_name()))
        .filter(|(score, _)| *score > 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, name)| format!("a similar subcommand exists: '{name}'"))
}

/// Verify MCP server images, manifests and catalogs; render least-privilege runtime profiles.
///
/// `mcp-verify IMAGE@sha256:<digest> [policy flags]` verifies an image (the same as
/// `mcp-verify verify …`; see `mcp-verify verify --help`).
///
/// Exit codes: 0 verified or clean, 1 verification or policy failed (or findings at
/// error severity), 2 usage error or unreadable input, 3 network or registry unreachable.
#[derive(Debug, Parser)]
#[command(
    name = "mcp-verify",
    version,
    propagate_version = true,
    max_term_width = 100,
    args_conflicts_with_subcommands = true,
    after_help = verify::EXAMPLES
)]
pub struct Cli {
    /// What to do; without a subcommand, verify IMAGE.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// `mcp-verify IMAGE@sha256:…`: the arguments of `verify`.
    #[command(flatten)]
    pub verify: verify::VerifyArgs,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Verify an image pinned by digest against its Sigstore signatures (and SLSA provenance).
    #[command(long_about = verify::LONG_ABOUT, after_help = verify::EXAMPLES)]
    Verify(verify::VerifyArgs),
    /// Check server.json manifests: JSON Schema and semantic rules, every finding at once.
    #[command(subcommand)]
    Manifest(manifest::ManifestCommand),
    /// Convert other catalogs into manifests.
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// Render the least-privilege runtime profile of a server for docker, Compose,
    /// Kubernetes, ToolHive or Docker's MCP catalog.
    #[command(long_about = profile::LONG_ABOUT, after_long_help = profile::EXAMPLES)]
    Profile(profile::ProfileArgs),
    /// Pin, check and scan MCP tool surfaces: rug pulls, tool poisoning, hidden text.
    #[command(subcommand)]
    Tools(tools::ToolsCommand),
    /// Verify one Sigstore bundle for an artifact file or a sha256: digest, offline.
    #[command(long_about = verify_bundle::LONG_ABOUT, after_help = verify_bundle::EXAMPLES)]
    VerifyBundle(verify_bundle::VerifyBundleArgs),
    /// Lint a manifest locally, then publish it to an mcp-registry (`POST /v0.1/publish`).
    ///
    /// The token comes from --token-file or MCP_REGISTRY_TOKEN. Exit 0 when published (or
    /// already published with the same bytes), 1 when refused, 2 on a usage error, 3 when
    /// the registry or the image's registry cannot be reached.
    #[command(after_help = publish::EXAMPLES)]
    Publish(publish::PublishArgs),
    /// Fetch and verify a registry's signed catalog and transparency log: rollback,
    /// freeze, mix-and-match and split view are refused.
    #[command(subcommand)]
    Catalog(catalog::CatalogCommand),
    /// Verify an image, run it under its least-privilege profile, and guard its tool
    /// surface on every message (stdio: use it as an MCP client's server command).
    #[command(long_about = run::RUN_ABOUT, after_help = run::RUN_EXAMPLES)]
    Run(Box<run::RunArgs>),
    /// Run a server that is not a container behind the tool-surface guard (stdio).
    #[command(long_about = run::GUARD_ABOUT, after_help = run::GUARD_EXAMPLES)]
    Guard(run::GuardArgs),
    /// Print the completion script of a shell (bash, zsh, fish, elvish, powershell).
    #[command(after_help = shell::EXAMPLES)]
    Completions(shell::CompletionsArgs),
    /// Print the manual page (roff), or write one page per command into a directory.
    #[command(after_help = shell::EXAMPLES)]
    Man(shell::ManArgs),
}
