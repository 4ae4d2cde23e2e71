//! What every handler shares: the store, the image verifier, the host policy,
//! limits, rate limiters, the verification semaphore, metrics and the catalog.

use crate::catalog::CatalogService;
use crate::config::{Cidr, Limits, ServeConfig};
use crate::host_policy::HostPolicy;
use crate::metrics::Metrics;
use crate::rate_limit::RateLimiter;
use crate::store::Store;
use crate::verify::ImageVerifier;
use axum::http::{HeaderMap, HeaderValue};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use tokio::sync::Semaphore;

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

/// A verification counted against its namespace's share of the slots;
/// released on drop.
#[derive(Debug)]
pub struct VerifyPermit {
    state: AppState,
    namespace: String,
}

impl Drop for VerifyPermit {
    fn drop(&mut self) {
        let mut verifying = self
            .state
            .verifying
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(n) = verifying.get_mut(&self.namespace) {
            *n -= 1;
            if *n == 0 {
                verifying.remove(&self.namespace);
            }
        }
    }
}

impl AppState {
    /// Most verifications one namespace may have in flight: half the slots
    /// (at least one).
    pub fn verifications_per_namespace(&self) -> usize {
        (self.limits.verify_concurrency / 2).max(1)
    }

    /// Counts a verification for `namespace`, or `None` when the namespace
    /// already has its share in flight.
    pub fn verify_permit(&self, namespace: &str) -> Option<VerifyPermit> {
        let mut verifying = self
            .verifying
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let n = verifying.entry(namespace.to_owned()).or_default();
        if *n >= self.verifications_per_namespace() {
            return None;
        }
        *n += 1;
        Some(VerifyPermit {
            state: self.clone(),
            namespace: namespace.to_owned(),
        })
    }
}

/// Every listed server's tools, for the shadowing check, and how much of the
/// store's log they cover.
#[derive(Debug, Default)]
pub struct ToolIndex {
    /// The index.
    pub index: mcp_trust::tools::shadow::ShadowIndex,
    /// Log leaves read into it.
    pub covered: u64,
}

impl ToolIndex {
    /// Indexes a stored version's tools (replacing its server's); whether it had any.
    pub fn insert_record(&mut self, record: &crate::model::VersionRecord) -> bool {
        let report = mcp_trust::manifest::validate(record.manifest.as_bytes(), Default::default());
        match report.manifest.and_then(|m| m.security) {
            Some(security) => {
                self.index.insert(&record.name, &security.tools);
                true
            }
            None => false,
        }
    }
}

/// What [`AppState`] holds.
#[derive(Debug)]
pub struct Shared {
    /// Where records live.
    pub store: Arc<dyn Store>,
    /// Verifies images on publish.
    pub verifier: Arc<dyn ImageVerifier>,
    /// Which OCI registries may be contacted.
    pub hosts: Arc<HostPolicy>,
    /// Limits and timeouts.
    pub limits: Arc<Limits>,
    /// Metrics.
    pub metrics: Arc<Metrics>,
    /// Requests per client IP.
    pub ip_limiter: Arc<RateLimiter>,
    /// Authenticated requests per token.
    pub token_limiter: Arc<RateLimiter>,
    /// Caps verifications running at once.
    pub verify_slots: Arc<Semaphore>,
    /// Verifications in flight by namespace: one namespace holds at most
    /// half the slots, so one publisher cannot starve the others.
    pub verifying: std::sync::Mutex<std::collections::HashMap<String, usize>>,
    /// Proxies whose X-Forwarded-For is believed.
    pub trusted_proxies: Arc<Vec<Cidr>>,
    /// Which tool-scan codes block a publish (errors) or are recorded (warnings).
    pub scan_policy: Arc<mcp_trust::tools::ScanPolicy>,
    /// Every listed server's tool names, for the shadowing check on publish.
    pub tool_index: Arc<tokio::sync::RwLock<ToolIndex>>,
    /// The signed catalog and the transparency log.
    pub catalog: Arc<CatalogService>,
}

impl AppState {
    /// Builds the state from a configuration, a store, a verifier and the catalog.
    pub fn new(
        config: &ServeConfig,
        store: Arc<dyn Store>,
        verifier: Arc<dyn ImageVerifier>,
        catalog: Arc<CatalogService>,
    ) -> AppState {
        let limits = config.limits.clone();
        AppState(Arc::new(Shared {
            store,
            verifier,
            hosts: Arc::new(HostPolicy::new(
                config.allowed_registries.iter().cloned(),
                config.allow_loopback_registries,
            )),
            metrics: Arc::new(Metrics::default()),
            ip_limiter: Arc::new(RateLimiter::new(
                limits.rate_limit_per_ip,
                limits.rate_limit_per_ip.max(1),
            )),
            token_limiter: Arc::new(RateLimiter::new(
                limits.rate_limit_per_token,
                limits.rate_limit_per_token.max(1),
            )),
            verify_slots: Arc::new(Semaphore::new(limits.verify_concurrency.max(1))),
            verifying: std::sync::Mutex::default(),
            trusted_proxies: Arc::new(config.trusted_proxies.clone()),
            limits: Arc::new(limits),
            scan_policy: Arc::new(config.scan_policy.clone()),
            tool_index: Arc::default(),
            catalog,
        }))
    }

    /// Indexes the tools of every server's latest active version, so a publish
    /// is checked for shadowing against the whole catalog; returns how many
    /// servers were indexed.
    pub async fn load_tool_index(&self) -> Result<usize, crate::store::StoreError> {
        use crate::store::{ListQuery, VersionFilter};
        let mut index = self.tool_index.write().await;
        // Read first: a version published while the listing runs is read
        // again by the next refresh (inserting is idempotent).
        index.covered = self.store.log_size().await?;
        let mut query = ListQuery {
            cursor: None,
            limit: 1000,
            search: None,
            updated_since: None,
            version: VersionFilter::Latest,
        };
        let mut servers = 0;
        loop {
            let page = self.store.list(&query).await?;
            for record in &page.items {
                if index.insert_record(record) {
                    servers += 1;
                }
            }
            match page.next {
                Some(next) => query.cursor = Some(next),
                None => return Ok(servers),
            }
        }
    }

    /// Brings the tool index up to the store's log: the versions published
    /// since it was last brought up, by any replica sharing the store, are
    /// indexed before a publish is checked against it.
    pub async fn refresh_tool_index(&self) -> Result<(), crate::store::StoreError> {
        let mut index = self.tool_index.write().await;
        self.refresh_tool_index_locked(&mut index).await
    }

    /// [`AppState::refresh_tool_index`] with the index's write lock already held.
    pub async fn refresh_tool_index_locked(
        &self,
        index: &mut ToolIndex,
    ) -> Result<(), crate::store::StoreError> {
        let size = self.store.log_size().await?;
        while index.covered < size {
            let end = size.min(index.covered.saturating_add(1000));
            let leaves = self.store.log_leaves(index.covered, end).await?;
            if leaves.is_empty() {
                break;
            }
            for leaf in &leaves {
                let record: mcp_trust::log::LogRecord = serde_json::from_slice(leaf)
                    .map_err(|e| crate::store::StoreError::Corrupt(format!("log leaf: {e}")))?;
                if let mcp_trust::log::LogRecord::Publish { name, version, .. } = record
                    && let Some(v) = self.store.version(&name, &version).await?
                {
                    index.insert_record(&v);
                }
            }
            index.covered += leaves.len() as u64;
        }
        Ok(())
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
