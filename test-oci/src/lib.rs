//! Test support for everything that talks to OCI registries: starts a real
//! `docker-registry` (the CNCF distribution server, Debian package
//! `docker-registry`) on a free loopback port with its own storage, puts a
//! small proxy in front of it that adds the OCI 1.1 referrers API (which
//! distribution 2.8 lacks) and can misbehave on request (endless, slow,
//! oversized or substituted responses), and pushes images and artifacts.
//!
//! Tests fail, never skip, when the registry cannot start: the test command
//! installs the package.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test support: a broken fixture should panic loudly

mod proxy;
mod push;
mod registry;

pub use proxy::{Misbehaviour, Proxy};
pub use push::{Descriptor, Pushed, Pusher, digest_of};
pub use registry::Registry;

/// A loopback registry with the referrers proxy in front: the usual test setup.
#[derive(Debug)]
pub struct TestRegistry {
    /// The real registry (direct address: no referrers API, like many registries).
    pub registry: Registry,
    /// The proxy (adds the referrers API, can misbehave).
    pub proxy: Proxy,
}

impl TestRegistry {
    /// Starts a registry and a proxy in front of it.
    pub async fn start() -> TestRegistry {
        let registry = Registry::start().await;
        let proxy = Proxy::start(registry.addr()).await;
        TestRegistry { registry, proxy }
    }

    /// `127.0.0.1:PORT` of the proxy (with the referrers API).
    pub fn with_referrers(&self) -> String {
        self.proxy.addr().to_string()
    }

    /// `127.0.0.1:PORT` of the registry itself (no referrers API: tag-schema fallback).
    pub fn without_referrers(&self) -> String {
        self.registry.addr().to_string()
    }

    /// A pusher that goes through the proxy, so the proxy learns the referrers.
    pub fn pusher(&self) -> Pusher {
        Pusher::new(&self.with_referrers())
    }
}
