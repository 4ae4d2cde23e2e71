//! `mcp-verify` against a real `mcp-registry` server (with its deterministic
//! test verifier), over HTTP: one module per command that talks to it.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod catalog_export;
mod catalog_monitor;
mod catalog_pull;
mod publish;
