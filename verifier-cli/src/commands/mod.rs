//! One module per command; `run` dispatches.

pub mod lint;
pub mod publish;

use crate::cli::{Cli, Command, ManifestCommand};
use crate::exit::Exit;

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<Exit> {
    match cli.command {
        Command::Manifest(ManifestCommand::Lint(args)) => lint::run(&args),
        Command::Publish(args) => publish::run(&args),
    }
}
