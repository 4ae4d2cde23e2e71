//! What every handler shares: the store, the publish service, limits, rate
//! limiters, metrics and the catalog.

use crate::config::{Cidr, Limits, ServeConfig};
use crate::metrics::Metrics;
use crate::publish::Publisher;
use crate::rate_limit::RateLimiter;
use crate::signer::CatalogService;
use crate::store::Store;
use crate::verify::ImageVerifier;
use axum::http::{HeaderMap, HeaderValue};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// The client address as the server believes it (see
/// [`AppState::client_ip`]), set on each request by `observe` for the
/// handlers to read.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub Option<IpAddr>);

/// Shared state of the server. Cloning it is one reference count: axum
/// clones the state several times per request (middleware, extractors, the
/// route's handler), so a clone per field would cost a dozen contended
/// atomic operations on every request.
#[derive(Debug, Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What [`AppState`] holds.
#[derive(Debug)]
pub struct Shared {
    /// Where records live.
    pub store: Arc<dyn Store>,
    /// Publishes versions and changes their status.
    pub publisher: Arc<Publisher>,
    /// Limits and timeouts.
    pub limits: Arc<Limits>,
    /// Metrics.
    pub metrics: Arc<Metrics>,
    /// Requests per client IP.
    pub ip_limiter: Arc<RateLimiter>,
    /// Authenticated requests per token.
    pub token_limiter: Arc<RateLimiter>,
    /// Proxies whose X-Forwarded-For is believed.
    pub trusted_proxies: Arc<Vec<Cidr>>,
    /// The signed catalog and the transparency log.
    pub catalog: Arc<CatalogService>,
    /// What the catalog page lists and searches.
    pub web: Arc<crate::web::index::Indexer>,
    /// Answers of `GET /v0.1/servers` kept while the store has not changed.
    pub list_pages: Arc<crate::handlers::page_cache::PageCache>,
}

impl AppState {
    /// Builds the state from a configuration, a store, a verifier and the catalog.
    pub fn new(
        config: &ServeConfig,
        store: Arc<dyn Store>,
        verifier: Arc<dyn ImageVerifier>,
        catalog: Arc<CatalogService>,
    ) -> AppState {
        let limits = Arc::new(config.limits.clone());
        let publisher = Arc::new(Publisher::from_config(
            config,
            store.clone(),
            verifier,
            Some(catalog.clone()),
        ));
        AppState(Arc::new(Shared {
            store,
            publisher,
            metrics: Arc::new(Metrics::default()),
            ip_limiter: Arc::new(RateLimiter::new(
                limits.rate_limit_per_ip,
                limits.rate_limit_per_ip.max(1),
            )),
            token_limiter: Arc::new(RateLimiter::new(
                limits.rate_limit_per_token,
                limits.rate_limit_per_token.max(1),
            )),
            trusted_proxies: Arc::new(config.trusted_proxies.clone()),
            limits,
            catalog,
            web: Arc::new(crate::web::index::Indexer::new(config.pages_show_mirrored)),
            list_pages: Arc::new(crate::handlers::page_cache::PageCache::new(
                config.limits.list_cache_bytes,
            )),
        }))
    }

    /// The client's address: the peer, or — only when the peer is a trusted
    /// proxy — the nearest untrusted address in `X-Forwarded-For`, read from
    /// the right (the hop the trusted proxy added) leftwards. A malformed hop
    /// stops the walk at the last address vouched for; what a client wrote
    /// left of its own address is never read.
    pub fn client_ip(&self, peer: Option<SocketAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        let peer = peer?.ip();
        let trusted = |ip: IpAddr| self.trusted_proxies.iter().any(|c| c.contains(ip));
        if !trusted(peer) {
            return Some(peer);
        }
        let values: Vec<&HeaderValue> = headers.get_all("x-forwarded-for").iter().collect();
        let mut client = peer;
        for value in values.into_iter().rev() {
            let Ok(text) = value.to_str() else {
                return Some(client);
            };
            for part in text.rsplit(',') {
                if !trusted(client) {
                    return Some(client);
                }
                match part.trim().parse::<IpAddr>() {
                    Ok(ip) => client = ip,
                    Err(_) => return Some(client),
                }
            }
        }
        Some(client)
    }
}
