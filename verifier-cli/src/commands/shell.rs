//! `mcp-verify completions` and `mcp-verify man`: generated from the
//! grammar in `cli/` by clap_complete and clap_mangen.

use crate::cli::Cli;
use crate::cli::shell::{CompletionsArgs, ManArgs};
use crate::exit::Exit;
use crate::output;
use anyhow::Context;
use clap::CommandFactory;

/// Prints the completion script of `args.shell`.
pub fn completions(args: &CompletionsArgs) -> anyhow::Result<Exit> {
    let mut command = Cli::command();
    // Generated whole first: the generator panics on a write error, and a
    // closed pipe is not one.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "mcp-verify", &mut script);
    output::stdout::print(script)?;
    Ok(Exit::Ok)
}

/// Prints the top-level manual page, or writes every command's into `args.dir`.
pub fn man(args: &ManArgs) -> anyhow::Result<Exit> {
    let command = Cli::command();
    match &args.dir {
        Some(dir) => clap_mangen::generate_to(command, dir)
            .with_context(|| format!("cannot write the manual pages into {}", dir.display()))?,
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(command)
                .render(&mut page)
                .context("cannot render the manual page")?;
            output::stdout::print(page)?;
        }
    }
    Ok(Exit::Ok)
}
