//! What the CLI's test crates (and its benches) share. Each crate uses its
//! part, so parts unused in one crate are not dead code.
#![allow(dead_code)]

pub mod catalog_server;
pub mod mcp_sdk;
pub mod probe;
pub mod process;
