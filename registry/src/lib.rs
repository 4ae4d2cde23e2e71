//! `mcp-registry`: the signed MCP catalog registry. A request enters at
//! [`router`], is handled in [`handlers`] (one file per resource), manifests
//! are checked by `mcp_trust::manifest`, images are verified through
//! [`verify::ImageVerifier`], and bytes hit disk only in [`store`]. The
//! binary (`main.rs`) reads [`config`] and starts [`server`].

pub mod admin;
pub mod auth;
pub mod catalog;
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
pub mod rate_limit;
pub mod router;
pub mod server;
pub mod state;
pub mod store;
#[cfg(feature = "test-support")]
pub mod testing;
pub mod time;
pub mod verify;
