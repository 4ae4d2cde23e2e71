//! `mcp-verify`: verifies MCP server images, manifests and catalogs, and
//! renders least-privilege runtime profiles. Every flag is defined in `cli/`,
//! what each command does is in `commands/`, and exit codes are decided in
//! one place here.

mod cli;
mod commands;
mod config;
mod exit;
mod input;
mod output;
mod progress;
mod report;
mod signer;

fn main() -> std::process::ExitCode {
    let cli = cli::parse();
    let code = match commands::run(cli) {
        Ok(outcome) => outcome,
        Err(err) => exit::report_error(&err),
    };
    std::process::ExitCode::from(code.code())
}
