//! `--output`, the one option every command has: readable text for a
//! terminal, or one JSON document for a program.

use clap::{Args, ValueEnum};

/// Output format shared by every command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum OutputFormat {
    /// Readable text for a terminal.
    #[default]
    Human,
    /// One JSON document on stdout (schemas in `schemas/`).
    Json,
}

/// `--output` flag shared by every command.
#[derive(Debug, Clone, Args)]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub output: OutputFormat,
}
