//! `mcp-registry`: the signed MCP catalog registry. A request enters at
//! [`router`] and is read and rendered in [`handlers`] (one file per
//! resource); a publish or a status change is decided in [`publish`] (the
//! steps in one documented order: manifests checked by `mcp_trust::manifest`,
//! images verified through [`verify::ImageVerifier`]); bytes hit disk only in
//! [`store`]; [`signer`] signs what the store committed. The binary
//! (`main.rs`) reads [`config`] and starts [`server`].

pub mod admin;
pub mod auth;
pub mod config;
pub mod error;
pub mod handlers;
pub mod host_policy;
pub mod keys;
pub mod log_guard;
pub mod metrics;
pub mod model;
pub mod namespace;
pub mod observe;
pub mod publish;
pub mod rate_limit;
pub mod router;
pub mod server;
pub mod signer;
pub mod state;
pub mod store;
pub mod sync;
#[cfg(feature = "test-support")]
pub mod testing;
pub mod time;
pub mod verify;
pub mod web;
pub mod witness;
pub mod witnessing;
