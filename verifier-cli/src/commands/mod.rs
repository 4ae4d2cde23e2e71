//! One module per command; `run` dispatches.

pub mod import;
pub mod lint;
pub mod profile;

use crate::cli::{Cli, Command, ImportCommand, ManifestCommand, ToolsCommand};
pub mod tools;
pub mod verify_bundle;

use crate::exit::Exit;

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<Exit> {
    match cli.command {
        Command::Manifest(ManifestCommand::Lint(args)) => lint::run(&args),
        Command::Import(ImportCommand::DockerCatalog(args)) => import::docker_catalog(&args),
        Command::Profile(args) => profile::run(&args),
        Command::Tools(ToolsCommand::Check(args)) => tools::check(&args),
        Command::Tools(ToolsCommand::Pin(args)) => tools::pin(&args),
        Command::Tools(ToolsCommand::Scan(args)) => tools::scan(&args),
        Command::VerifyBundle(args) => verify_bundle::run(&args),
    }
}
