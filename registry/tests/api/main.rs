//! Integration tests of the registry: a real server on a loopback port and a
//! real HTTP client. Modules mirror the URL tree; `store_suite` runs the same
//! `Store` tests on the embedded store and on a real PostgreSQL the harness
//! starts itself.

// Test code fails by panicking, helpers included.
#![allow(clippy::unwrap_used)]

mod cli;
mod log_guard;
mod ops;
mod store_suite;
mod support;
mod sync;
mod v0_1;
mod web;
mod witness;
