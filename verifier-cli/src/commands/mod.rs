//! What each command does, one file per command group (its grammar is the
//! file of the same name under `cli/`); `run` dispatches.

pub mod catalog;
pub mod export;
pub mod guard;
pub mod import;
pub mod manifest;
pub mod profile;
pub mod publish;
pub mod run;
pub mod shell;
pub mod shutdown;
pub mod tools;
pub mod verify;
pub mod verify_bundle;

use crate::cli::import::ImportCommand;
use crate::cli::manifest::ManifestCommand;
use crate::cli::tools::ToolsCommand;
use crate::cli::{Cli, Command};
use crate::exit::Exit;

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<Exit> {
    let Some(command) = cli.command else {
        if cli.verify.image.is_none() && cli.verify.manifest.is_none() {
            anyhow::bail!(
                "nothing to do: give IMAGE@sha256:<digest> to verify, or a subcommand (see `mcp-verify --help`)"
            );
        }
        return verify::run(&cli.verify);
    };
    match command {
        Command::Verify(args) => verify::run(&args),
        Command::Manifest(ManifestCommand::Lint(args)) => manifest::lint(&args),
        Command::Import(ImportCommand::DockerCatalog(args)) => import::docker_catalog(&args),
        Command::Profile(args) => profile::run(&args),
        Command::Tools(ToolsCommand::Check(args)) => tools::check(&args),
        Command::Tools(ToolsCommand::Pin(args)) => tools::pin(&args),
        Command::Tools(ToolsCommand::Scan(args)) => tools::scan(&args),
        Command::VerifyBundle(args) => verify_bundle::run(&args),
        Command::Publish(args) => publish::run(&args),
        Command::Catalog(command) => catalog::run(&command),
        Command::Run(args) => run::run(&args),
        Command::Guard(args) => guard::run(&args),
        Command::Completions(args) => shell::completions(&args),
        Command::Man(args) => shell::man(&args),
    }
}
