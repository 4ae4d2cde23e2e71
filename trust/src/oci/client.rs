//! A bounded OCI distribution client: token authentication, byte-capped and
//! digest-checked manifest and referrer-list reads, counted blob reads, a
//! deadline around every operation, and a host policy applied to the URL,
//! to every address DNS returns and to every redirect.

use crate::image::Digest;
pub use crate::network::HostPolicy;
use crate::network::NonPublic;
use base64::Engine;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_LENGTH, HeaderMap, WWW_AUTHENTICATE};
use reqwest::{Method, StatusCode, Url};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use thiserror::Error;

/// Byte and count limits for everything read from a registry.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest manifest read (default 4 MiB).
    pub manifest_bytes: u64,
    /// Largest referrer list read (default 4 MiB).
    pub referrers_bytes: u64,
    /// Largest blob read, e.g. a bundle or a signature payload (default 16 MiB).
    pub blob_bytes: u64,
    /// Most signatures and attestations considered for one image (default 64).
    pub signatures: usize,
    /// Deadline for one whole operation (a manifest, a blob, a token), not per read.
    pub operation_deadline: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            manifest_bytes: 4 << 20,
            referrers_bytes: 4 << 20,
            blob_bytes: 16 << 20,
            signatures: 64,
            operation_deadline: Duration::from_secs(30),
        }
    }
}

/// Registry credentials: `user:password` per registry host.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    by_host: BTreeMap<String, (String, String)>,
}

impl Credentials {
    /// No credentials: anonymous access.
    pub fn anonymous() -> Self {
        Self::default()
    }

    /// Reads `auths` from a Docker `config.json` (`{"auths": {"host": {"auth": base64(user:pass)}}}`).
    /// Credential helpers are not run.
    pub fn from_docker_config(bytes: &[u8]) -> Result<Self, String> {
        let v: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
        let mut by_host = BTreeMap::new();
        if let Some(auths) = v.get("auths").and_then(|a| a.as_object()) {
            for (host, entry) in auths {
                let host = host
                    .trim_start_matches("https://")
                    .trim_start_matches("http://")
                    .trim_end_matches('/');
                let host = host
                    .strip_suffix("/v1")
                    .or_else(|| host.strip_suffix("/v2"))
                    .unwrap_or(host);
                let host = if host == "index.docker.io" {
                    "docker.io"
                } else {
                    host
                };
                if let Some(auth) = entry.get("auth").and_then(|a| a.as_str()) {
                    let decoded = base64::engine::general_purpose::STANDARD
                        .decode(auth)
                        .map_err(|_| format!("`auths.{host}.auth` is not base64"))?;
                    let text = String::from_utf8(decoded)
                        .map_err(|_| format!("`auths.{host}.auth` is not UTF-8"))?;
                    let (u, p) = text
                        .split_once(':')
                        .ok_or_else(|| format!("`auths.{host}.auth` is not user:password"))?;
                    by_host.insert(host.to_owned(), (u.to_owned(), p.to_owned()));
                }
            }
        }
        Ok(Credentials { by_host })
    }

    /// Adds credentials for one host.
    pub fn insert(&mut self, host: &str, user: &str, password: &str) {
        self.by_host
            .insert(host.to_owned(), (user.to_owned(), password.to_owned()));
    }

    fn get(&self, host: &str) -> Option<&(String, String)> {
        self.by_host.get(host)
    }
}

/// Everything that shapes a client.
#[derive(Debug, Clone, Default)]
pub struct ClientConfig {
    /// Limits on bytes, counts and time.
    pub limits: Limits,
    /// Hosts reached over plain HTTP (`--allow-insecure-registry`); HTTPS everywhere else.
    pub insecure_hosts: BTreeSet<String>,
    /// Credentials per host; sent only to that host.
    pub credentials: Credentials,
    /// Which hosts and addresses may be contacted.
    pub host_policy: HostPolicy,
}

/// Why talking to a registry failed.
#[derive(Debug, Error)]
pub enum OciError {
    /// Connection refused, DNS failure, TLS failure: the registry could not be reached.
    #[error("registry {host} unreachable: {reason}")]
    Unreachable {
        /// Registry host.
        host: String,
        /// What failed.
        reason: String,
    },
    /// The operation did not finish before its deadline.
    #[error("{what} from {host} did not complete within {seconds}s")]
    Deadline {
        /// Registry host.
        host: String,
        /// What was being read.
        what: String,
        /// The deadline.
        seconds: u64,
    },
    /// The host or one of its addresses is refused by policy.
    #[error("refused to contact {host}: {reason}")]
    HostRefused {
        /// Registry host.
        host: String,
        /// Why.
        reason: String,
    },
    /// More bytes than the limit.
    #[error("{what} is larger than the {limit}-byte limit")]
    TooLarge {
        /// What was being read.
        what: String,
        /// The limit.
        limit: u64,
    },
    /// Content does not hash to the digest it was requested by.
    #[error("{what}: registry returned content with digest {actual}, not the requested {expected}")]
    DigestMismatch {
        /// What was being read.
        what: String,
        /// Requested digest.
        expected: String,
        /// Digest of what came back.
        actual: String,
    },
    /// An HTTP status the operation cannot use.
    #[error("{what}: HTTP {status} from {url}")]
    Status {
        /// What was being read.
        what: String,
        /// The status.
        status: u16,
        /// The URL.
        url: String,
    },
    /// Authentication failed or the token endpoint answered nonsense.
    #[error("authentication with {host} failed: {reason}")]
    Auth {
        /// Registry host.
        host: String,
        /// Why.
        reason: String,
    },
    /// JSON that is not the expected OCI document.
    #[error("{what} is malformed: {reason}")]
    Malformed {
        /// What was being read.
        what: String,
        /// Why.
        reason: String,
    },
}

impl OciError {
    /// True when the failure means "could not reach" (exit 3, HTTP 502) rather than "refused" (exit 1).
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            OciError::Unreachable { .. } | OciError::Deadline { .. }
        ) || matches!(self, OciError::Status { status, .. } if *status >= 500 || *status == 429)
    }
}

/// What a GET returned: the bytes, and the content type the registry gave.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The body, within its cap.
    pub bytes: Vec<u8>,
    /// `Content-Type`.
    pub content_type: Option<String>,
}

/// A bounded client for one or more registries.
#[derive(Debug, Clone)]
pub struct OciClient {
    http: reqwest::Client,
    config: Arc<ClientConfig>,
    tokens: Arc<Mutex<HashMap<(String, String), String>>>,
}

#[derive(Debug)]
struct PolicyResolver {
    policy: HostPolicy,
}

/// Why the host policy refused a connection. It travels through reqwest's
/// error chain (from the resolver and the redirect policy), where
/// [`transport_error`] finds it and reports a refusal, not an unreachable host.
#[derive(Debug, Error)]
enum Refused {
    #[error("URL without host")]
    NoHost,
    #[error(transparent)]
    Address(#[from] NonPublic),
    #[error("{host} resolves to no allowed address: {first}")]
    Resolved { host: String, first: NonPublic },
    #[error("a redirect from https to plain http ({to}) is refused")]
    Downgrade { to: String },
}

impl reqwest::dns::Resolve for PolicyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.policy.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let mut refused = None;
            let mut allowed = Vec::with_capacity(addrs.len());
            for addr in addrs {
                match policy.check_addr(addr.ip()) {
                    Ok(()) => allowed.push(addr),
                    Err(why) => refused = refused.or(Some(why)),
                }
            }
            if allowed.is_empty() {
                let err: Box<dyn std::error::Error + Send + Sync> = match refused {
                    Some(first) => Box::new(Refused::Resolved { host, first }),
                    None => format!("{host}: no address").into(),
                };
                return Err(err);
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

impl OciClient {
    /// Builds a client; fails only if the TLS stack cannot start.
    pub fn new(config: ClientConfig) -> Result<Self, OciError> {
        let policy = config.host_policy.clone();
        let redirect_policy = policy.clone();
        let insecure_hosts = config.insecure_hosts.clone();
        let public_only = policy.public_addresses_only;
        let builder = reqwest::Client::builder();
        // Through a proxy the proxy resolves the names, out of the address
        // check's sight: where only public addresses may be reached, no
        // proxy from the environment is used.
        let builder = if public_only {
            builder.no_proxy()
        } else {
            builder
        };
        let http = builder
            .dns_resolver(Arc::new(PolicyResolver { policy }))
            .redirect(reqwest::redirect::Policy::custom(move |attempt| {
                if attempt.previous().len() >= 5 {
                    return attempt.error("more than 5 redirects");
                }
                if let Err(e) =
                    no_downgrade(attempt.previous().last(), attempt.url(), &insecure_hosts)
                {
                    return attempt.error(e);
                }
                match check_url(&redirect_policy, attempt.url()) {
                    Ok(()) => attempt.follow(),
                    Err(e) => attempt.error(e),
                }
            }))
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("mcp-trust/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| OciError::Unreachable {
                host: String::new(),
                reason: format!("cannot start HTTP client: {e}"),
            })?;
        Ok(OciClient {
            http,
            config: Arc::new(config),
            tokens: Default::default(),
        })
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.config.limits
    }

    fn base(&self, registry: &str) -> String {
        let host = if registry == "docker.io" {
            "registry-1.docker.io"
        } else {
            registry
        };
        let scheme = if self.config.insecure_hosts.contains(registry) {
            "http"
        } else {
            "https"
        };
        format!("{scheme}://{host}")
    }

    /// GETs a manifest by digest: capped, and refused unless its bytes hash to that digest.
    pub async fn manifest_by_digest(
        &self,
        registry: &str,
        repo: &str,
        digest: &Digest,
    ) -> Result<Fetched, OciError> {
        let url = format!("{}/v2/{repo}/manifests/{digest}", self.base(registry));
        let what = format!("manifest {repo}@{digest}");
        let f = self
            .get_capped(
                registry,
                repo,
                &url,
                MANIFEST_ACCEPT,
                self.config.limits.manifest_bytes,
                &what,
            )
            .await?;
        check_digest(&what, digest, &f.bytes)?;
        Ok(f)
    }

    /// GETs a manifest by tag (capped); returns `None` on 404. The caller checks what it names.
    pub async fn manifest_by_tag(
        &self,
        registry: &str,
        repo: &str,
        tag: &str,
    ) -> Result<Option<(Fetched, Digest)>, OciError> {
        let url = format!("{}/v2/{repo}/manifests/{tag}", self.base(registry));
        let what = format!("manifest {repo}:{tag}");
        match self
            .get_capped(
                registry,
                repo,
                &url,
                MANIFEST_ACCEPT,
                self.config.limits.manifest_bytes,
                &what,
            )
            .await
        {
            Ok(f) => {
                let d = Digest::of(&f.bytes);
                Ok(Some((f, d)))
            }
            Err(OciError::Status { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// GETs the referrers of a digest (OCI 1.1); `None` when the registry has no referrers API.
    pub async fn referrers(
        &self,
        registry: &str,
        repo: &str,
        digest: &Digest,
    ) -> Result<Option<Fetched>, OciError> {
        let url = format!("{}/v2/{repo}/referrers/{digest}", self.base(registry));
        let what = format!("referrers of {repo}@{digest}");
        match self
            .get_capped(
                registry,
                repo,
                &url,
                "application/vnd.oci.image.index.v1+json",
                self.config.limits.referrers_bytes,
                &what,
            )
            .await
        {
            Ok(f) => Ok(Some(f)),
            // 404 (no such API) and 400/405 from older registries mean "use the tag schema".
            Err(OciError::Status {
                status: 404 | 400 | 405,
                ..
            }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// GETs a blob by digest through a byte counter, checked against its digest.
    pub async fn blob(
        &self,
        registry: &str,
        repo: &str,
        digest: &Digest,
    ) -> Result<Vec<u8>, OciError> {
        let url = format!("{}/v2/{repo}/blobs/{digest}", self.base(registry));
        let what = format!("blob {repo}@{digest}");
        let f = self
            .get_capped(
                registry,
                repo,
                &url,
                "*/*",
                self.config.limits.blob_bytes,
                &what,
            )
            .await?;
        check_digest(&what, digest, &f.bytes)?;
        Ok(f.bytes)
    }

    /// Resolves a tag to the digest of the manifest it names now (for `--resolve`).
    pub async fn resolve_tag(
        &self,
        registry: &str,
        repo: &str,
        tag: &str,
    ) -> Result<Digest, OciError> {
        match self.manifest_by_tag(registry, repo, tag).await? {
            Some((_, d)) => Ok(d),
            None => Err(OciError::Status {
                what: format!("tag {repo}:{tag}"),
                status: 404,
                url: format!("{}/v2/{repo}/manifests/{tag}", self.base(registry)),
            }),
        }
    }

    async fn get_capped(
        &self,
        registry: &str,
        repo: &str,
        url: &str,
        accept: &str,
        cap: u64,
        what: &str,
    ) -> Result<Fetched, OciError> {
        let deadline = self.config.limits.operation_deadline;
        match tokio::time::timeout(
            deadline,
            self.get_capped_inner(registry, repo, url, accept, cap, what),
        )
        .await
        {
            Ok(r) => r,
            Err(_) => Err(OciError::Deadline {
                host: registry.to_owned(),
                what: what.to_owned(),
                seconds: deadline.as_secs(),
            }),
        }
    }

    async fn get_capped_inner(
        &self,
        registry: &str,
        repo: &str,
        url: &str,
        accept: &str,
        cap: u64,
        what: &str,
    ) -> Result<Fetched, OciError> {
        let parsed = Url::parse(url).map_err(|e| OciError::Malformed {
            what: what.to_owned(),
            reason: e.to_string(),
        })?;
        if !self.config.host_policy.allows_host(registry) {
            return Err(OciError::HostRefused {
                host: registry.to_owned(),
                reason: format!("registry host `{registry}` is not on the allowlist"),
            });
        }
        check_url(&self.config.host_policy, &parsed).map_err(|e| OciError::HostRefused {
            host: registry.to_owned(),
            reason: e.to_string(),
        })?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut req = self
                .http
                .request(Method::GET, parsed.clone())
                .header(ACCEPT, accept);
            if let Some(auth) = self.authorization(registry, repo) {
                req = req.header(AUTHORIZATION, auth);
            }
            let resp = req.send().await.map_err(|e| transport_error(registry, e))?;
            let status = resp.status();
            if status == StatusCode::UNAUTHORIZED && attempt == 1 {
                let answered_by = resp.url().clone();
                self.authenticate(registry, repo, &answered_by, resp.headers())
                    .await?;
                continue;
            }
            if !status.is_success() {
                return Err(OciError::Status {
                    what: what.to_owned(),
                    status: status.as_u16(),
                    url: url.to_owned(),
                });
            }
            let content_type = resp
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(|s| s.split(';').next().unwrap_or(s).trim().to_owned());
            if let Some(len) = resp
                .headers()
                .get(CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok())
                && len > cap
            {
                return Err(OciError::TooLarge {
                    what: what.to_owned(),
                    limit: cap,
                });
            }
            let bytes = read_capped(resp, cap, what, registry).await?;
            return Ok(Fetched {
                bytes,
                content_type,
            });
        }
    }

    fn authorization(&self, registry: &str, repo: &str) -> Option<String> {
        if let Ok(tokens) = self.tokens.lock()
            && let Some(t) = tokens.get(&(registry.to_owned(), repo.to_owned()))
        {
            return Some(t.clone());
        }
        None
    }

    async fn authenticate(
        &self,
        registry: &str,
        repo: &str,
        answered_by: &Url,
        headers: &HeaderMap,
    ) -> Result<(), OciError> {
        let auth_err = |reason: String| OciError::Auth {
            host: registry.to_owned(),
            reason,
        };
        let challenge = headers
            .get(WWW_AUTHENTICATE)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| auth_err("401 without a WWW-Authenticate challenge".into()))?;
        // Credentials configured for this registry answer a challenge from
        // this registry only: not one from a host a redirect led to.
        let creds = if authority(answered_by).as_deref() == Some(&registry.to_ascii_lowercase()) {
            self.config.credentials.get(registry)
        } else {
            None
        };
        let value = if let Some(params) = challenge
            .strip_prefix("Bearer ")
            .or_else(|| challenge.strip_prefix("bearer "))
        {
            let params = parse_challenge(params);
            let realm = params
                .get("realm")
                .ok_or_else(|| auth_err("Bearer challenge without realm".into()))?;
            let mut url = Url::parse(realm)
                .map_err(|e| auth_err(format!("realm `{realm}` is not a URL: {e}")))?;
            check_url(&self.config.host_policy, &url).map_err(|e| OciError::HostRefused {
                host: url.host_str().unwrap_or("").to_owned(),
                reason: e.to_string(),
            })?;
            {
                let mut q = url.query_pairs_mut();
                if let Some(service) = params.get("service") {
                    q.append_pair("service", service);
                }
                q.append_pair("scope", &format!("repository:{repo}:pull"));
            }
            // Credentials go to the token realm of their own registry only:
            // the registry's own host, or Docker Hub's token service for Docker
            // Hub. Any other realm gets an anonymous token request.
            let realm_is_own = credentials_may_go_to(registry, &url);
            let mut req = self.http.get(url);
            if let (Some((u, p)), true) = (creds, realm_is_own) {
                req = req.basic_auth(u, Some(p));
            }
            let resp = req.send().await.map_err(|e| transport_error(registry, e))?;
            if !resp.status().is_success() {
                return Err(auth_err(format!(
                    "token endpoint answered HTTP {}",
                    resp.status().as_u16()
                )));
            }
            let body = read_capped(resp, 64 * 1024, "token response", registry).await?;
            let v: serde_json::Value = serde_json::from_slice(&body)
                .map_err(|e| auth_err(format!("token response is not JSON: {e}")))?;
            let token = v
                .get("token")
                .or_else(|| v.get("access_token"))
                .and_then(|t| t.as_str())
                .ok_or_else(|| auth_err("token response has no token".into()))?;
            format!("Bearer {token}")
        } else if challenge.starts_with("Basic") || challenge.starts_with("basic") {
            let (u, p) = creds.ok_or_else(|| {
                auth_err("registry asks for a password and none is configured".into())
            })?;
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"))
            )
        } else {
            return Err(auth_err(format!("unsupported challenge `{challenge}`")));
        };
        if let Ok(mut tokens) = self.tokens.lock() {
            tokens.insert((registry.to_owned(), repo.to_owned()), value);
        }
        Ok(())
    }
}

const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json";

/// `host[:port]` of a URL, lowercase, as registries are named.
fn authority(url: &Url) -> Option<String> {
    let host = url.host_str()?.to_ascii_lowercase();
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    })
}

/// Whether the credentials configured for `registry` may be sent to the
/// token realm `realm`: only to the registry's own host, or from Docker Hub
/// to its token service. A hostile registry or a redirect cannot name another
/// host and collect them.
fn credentials_may_go_to(registry: &str, realm: &Url) -> bool {
    let registry = registry.to_ascii_lowercase();
    let Some(realm_host) = authority(realm) else {
        return false;
    };
    if realm.scheme() != "https" && realm_host != registry {
        return false;
    }
    realm_host == registry
        || (matches!(
            registry.as_str(),
            "docker.io" | "index.docker.io" | "registry-1.docker.io"
        ) && realm_host == "auth.docker.io")
}

/// Checks a URL's host when it is an IP literal (names are checked when DNS
/// answers). Redirects to blob storage go to other hosts: the allowlist names
/// registries, while addresses are checked for every connection.
/// A registry reached over TLS cannot redirect the client to plain http,
/// where anyone on the path answers: only a host configured as insecure
/// (`host` or `host:port`) is reached without TLS.
fn no_downgrade(
    previous: Option<&Url>,
    next: &Url,
    insecure_hosts: &BTreeSet<String>,
) -> Result<(), Refused> {
    let from_tls = previous.is_some_and(|p| p.scheme() == "https");
    if !from_tls || next.scheme() != "http" {
        return Ok(());
    }
    let host = next.host_str().unwrap_or_default();
    let with_port = next.port().map(|port| format!("{host}:{port}"));
    if insecure_hosts.contains(host) || with_port.is_some_and(|h| insecure_hosts.contains(&h)) {
        return Ok(());
    }
    Err(Refused::Downgrade {
        to: next.to_string(),
    })
}

fn check_url(policy: &HostPolicy, url: &Url) -> Result<(), Refused> {
    let host = url.host_str().ok_or(Refused::NoHost)?;
    if let Ok(ip) = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
    {
        policy.check_addr(ip)?;
    }
    Ok(())
}

fn check_digest(what: &str, expected: &Digest, bytes: &[u8]) -> Result<(), OciError> {
    let actual = Digest::of(bytes);
    if &actual != expected {
        return Err(OciError::DigestMismatch {
            what: what.to_owned(),
            expected: expected.to_string(),
            actual: actual.to_string(),
        });
    }
    Ok(())
}

async fn read_capped(
    mut resp: reqwest::Response,
    cap: u64,
    what: &str,
    registry: &str,
) -> Result<Vec<u8>, OciError> {
    let mut out = Vec::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| transport_error(registry, e))?
    {
        if out.len() as u64 + chunk.len() as u64 > cap {
            return Err(OciError::TooLarge {
                what: what.to_owned(),
                limit: cap,
            });
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

fn transport_error(registry: &str, e: reqwest::Error) -> OciError {
    let mut reason = e.to_string();
    let mut refused = false;
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        reason.push_str(": ");
        reason.push_str(&s.to_string());
        refused |= s.is::<Refused>();
        source = s.source();
    }
    if refused {
        return OciError::HostRefused {
            host: registry.to_owned(),
            reason,
        };
    }
    OciError::Unreachable {
        host: registry.to_owned(),
        reason,
    }
}

fn parse_challenge(params: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut rest = params.trim();
    while !rest.is_empty() {
        let Some((key, after)) = rest.split_once('=') else {
            break;
        };
        let key = key
            .trim()
            .trim_start_matches(',')
            .trim()
            .to_ascii_lowercase();
        let (value, after) = if let Some(q) = after.strip_prefix('"') {
            match q.find('"') {
                Some(end) => (&q[..end], &q[end + 1..]),
                None => (q, ""),
            }
        } else {
            match after.find(',') {
                Some(end) => (&after[..end], &after[end..]),
                None => (after, ""),
            }
        };
        out.insert(key, value.to_owned());
        rest = after.trim_start_matches([',', ' ']);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_bearer_challenge() {
        let p = parse_challenge(
            r#"realm="https://ghcr.io/token",service="ghcr.io",scope="repository:a/b:pull""#,
        );
        assert_eq!(p["realm"], "https://ghcr.io/token");
        assert_eq!(p["service"], "ghcr.io");
        assert_eq!(p["scope"], "repository:a/b:pull");
    }

    #[test]
    fn url_literals_are_judged_as_the_network_policy_judges_them() {
        let policy = HostPolicy::public_only([], false);
        for case in crate::network::tests::address_cases() {
            let url = match case.ip {
                IpAddr::V4(ip) => format!("https://{ip}:5000/v2/"),
                IpAddr::V6(ip) => format!("https://[{ip}]:5000/v2/"),
            };
            let verdict = check_url(&policy, &Url::parse(&url).unwrap()).map_err(|e| e.to_string());
            let expected = policy.check_addr(case.ip).map_err(|e| e.to_string());
            assert_eq!(verdict, expected, "{url}");
            assert_eq!(verdict.is_ok(), case.expected.is_none(), "{url}");
        }
    }

    #[test]
    fn url_hosts_in_every_ipv4_and_ipv6_spelling_are_judged_as_the_address_they_name() {
        let policy = HostPolicy::public_only([], false);
        for url in [
            "https://2130706433/v2/",
            "https://0x7f.1/v2/",
            "https://0x7F000001/v2/",
            "https://017700000001/v2/",
            "https://127.1/v2/",
            "https://127.0.0.1./v2/",
            "https://2852039166/v2/",
            "https://0xa9.0xfe.0xa9.0xfe/v2/",
            "https://0251.0376.0251.0376/v2/",
            "https://169.254.169.254.:443/v2/",
            "https://user:secret@10.0.0.1/v2/",
            "https://[::ffff:7f00:1]/v2/",
            "https://[0:0:0:0:0:FFFF:169.254.169.254]/v2/",
            "https://[FD00:EC2::254]:5000/v2/",
            "https://[64:ff9b::a9fe:a9fe]/v2/",
            "https://[2002:a9fe:a9fe::1]/v2/",
            "HTTPS://0X7F.0.0.1/v2/",
        ] {
            let parsed = Url::parse(url).unwrap();
            assert!(
                check_url(&policy, &parsed).is_err(),
                "{url} (host {:?}) was allowed",
                parsed.host_str()
            );
        }
        // A scoped literal (zone id) is not a URL the client can be sent to at all.
        for url in ["https://[fe80::1%25eth0]/v2/", "https://[fe80::1%eth0]/v2/"] {
            assert!(Url::parse(url).is_err(), "{url} parsed");
        }
    }

    /// A loopback registry answering each request with `answer(request head,
    /// its own port)`, and a client allowed to reach it (and only it) over
    /// plain http.
    async fn answering_registry(
        answer: impl Fn(&str, u16) -> String + Send + 'static,
    ) -> (String, OciClient) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let registry = listener.local_addr().unwrap().to_string();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((mut conn, _)) = listener.accept().await {
                let mut buf = [0u8; 4096];
                let n = conn.read(&mut buf).await.unwrap_or(0);
                let head = String::from_utf8_lossy(&buf[..n]).to_string();
                let _ = conn.write_all(answer(&head, port).as_bytes()).await;
            }
        });
        let client = OciClient::new(ClientConfig {
            insecure_hosts: [registry.clone()].into(),
            host_policy: HostPolicy::public_only([registry.clone()], true),
            ..Default::default()
        })
        .unwrap();
        (registry, client)
    }

    #[tokio::test]
    async fn redirects_and_token_realms_naming_metadata_addresses_in_any_spelling_are_refused() {
        let (registry, client) = answering_registry(|head, _| {
            let path = head.split_whitespace().nth(1).unwrap_or("").to_owned();
            let target = path
                .strip_prefix("/v2/acme/")
                .and_then(|rest| rest.split('/').next())
                .unwrap_or("")
                .to_owned();
            let host = match target.as_str() {
                "decimal" | "realm-decimal" => "2852039166",
                "hex" => "0xa9fea9fe",
                "octal" => "0251.0376.0251.0376",
                "dot" => "169.254.169.254.",
                "ula" | "realm-ula" => "[fd00:ec2::254]",
                _ => "[::ffff:a9fe:a9fe]",
            };
            if target.starts_with("realm-") {
                format!(
                    "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm=\"http://{host}/token\",service=\"x\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                )
            } else {
                format!(
                    "HTTP/1.1 302 Found\r\nLocation: http://{host}/latest/meta-data/\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                )
            }
        })
        .await;
        let digest = Digest::of(b"x");
        for repo in [
            "decimal",
            "hex",
            "octal",
            "dot",
            "ula",
            "mapped",
            "realm-decimal",
            "realm-ula",
        ] {
            let err = client
                .manifest_by_digest(&registry, &format!("acme/{repo}"), &digest)
                .await
                .unwrap_err();
            assert!(matches!(err, OciError::HostRefused { .. }), "{repo}: {err}");
        }
    }

    #[tokio::test]
    async fn names_resolving_to_refused_addresses_are_refused_not_unreachable() {
        let client = OciClient::new(ClientConfig {
            host_policy: HostPolicy::public_only(["localhost:9".to_owned()], false),
            ..Default::default()
        })
        .unwrap();
        let digest = Digest::of(b"x");
        let err = client
            .manifest_by_digest("localhost:9", "acme/weather", &digest)
            .await
            .unwrap_err();
        let OciError::HostRefused { reason, .. } = &err else {
            panic!("{err}");
        };
        assert!(reason.contains("(loopback, RFC "), "{reason}");
    }

    #[test]
    fn a_redirect_from_https_to_plain_http_is_refused_unless_the_host_is_insecure() {
        let url = |u: &str| Url::parse(u).unwrap();
        let insecure: BTreeSet<String> = ["mirror.internal:5000".to_owned()].into();
        let tls = url("https://ghcr.io/v2/a/manifests/sha256:00");
        for (previous, next, allowed) in [
            (
                Some(&tls),
                "https://pkg-containers.githubusercontent.com/x",
                true,
            ),
            (
                Some(&tls),
                "http://pkg-containers.githubusercontent.com/x",
                false,
            ),
            (Some(&tls), "http://ghcr.io/v2/a/manifests/sha256:00", false),
            (Some(&tls), "http://mirror.internal:5000/x", true),
            (Some(&tls), "http://mirror.internal:5001/x", false),
            (None, "http://mirror.internal:5000/x", true),
        ] {
            let got = no_downgrade(previous, &url(next), &insecure);
            assert_eq!(got.is_ok(), allowed, "{next}: {got:?}");
        }
        let err = no_downgrade(Some(&tls), &url("http://evil.example/x"), &insecure).unwrap_err();
        assert_eq!(
            err.to_string(),
            "a redirect from https to plain http (http://evil.example/x) is refused"
        );
    }

    #[tokio::test]
    async fn redirects_to_refused_addresses_are_refused() {
        let (registry, client) = answering_registry(|head, port| {
            let location = if head.contains(" /v2/acme/mapped/") {
                format!("http://[::ffff:127.0.0.1]:{port}/")
            } else {
                "http://192.0.0.8/".to_owned()
            };
            format!(
                "HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
        })
        .await;
        let digest = Digest::of(b"x");
        for (repo, named) in [
            (
                "acme/protocol",
                "192.0.0.8 is in 192.0.0.0/24 (IETF protocol assignments, RFC 6890)",
            ),
            (
                "acme/mapped",
                "carries 127.0.0.1 (IPv4-mapped), which is in 127.0.0.0/8 (loopback",
            ),
        ] {
            let err = client
                .manifest_by_digest(&registry, repo, &digest)
                .await
                .unwrap_err();
            let OciError::HostRefused { reason, .. } = &err else {
                panic!("{repo}: {err}");
            };
            assert!(reason.contains(named), "{repo}: {reason}");
        }
    }

    #[test]
    fn credentials_go_to_their_own_registrys_realm_only() {
        let url = |u: &str| Url::parse(u).unwrap();
        assert!(credentials_may_go_to(
            "ghcr.io",
            &url("https://ghcr.io/token?scope=x")
        ));
        assert!(credentials_may_go_to(
            "GHCR.io",
            &url("https://ghcr.io/token")
        ));
        assert!(credentials_may_go_to(
            "localhost:5000",
            &url("http://localhost:5000/token")
        ));
        assert!(credentials_may_go_to(
            "registry-1.docker.io",
            &url("https://auth.docker.io/token")
        ));
        for (registry, realm) in [
            ("ghcr.io", "https://evil.example/token"),
            ("ghcr.io", "https://ghcr.io.evil.example/token"),
            ("ghcr.io", "https://ghcr.io:8443/token"),
            ("localhost:5000", "http://localhost:5001/token"),
            ("registry.example", "https://auth.docker.io/token"),
            ("ghcr.io", "http://evil.example/token"),
        ] {
            assert!(
                !credentials_may_go_to(registry, &url(realm)),
                "{registry} -> {realm}"
            );
        }
        assert_eq!(
            authority(&url("https://GHCR.io/v2/")).as_deref(),
            Some("ghcr.io")
        );
        assert_eq!(
            authority(&url("http://localhost:5000/v2/")).as_deref(),
            Some("localhost:5000")
        );
    }

    #[test]
    fn docker_config_credentials_are_per_host() {
        let cfg = br#"{"auths":{"https://index.docker.io/v1/":{"auth":"dTpw"},"ghcr.io":{"auth":"YWxpY2U6czNjcmV0"}}}"#;
        let c = Credentials::from_docker_config(cfg).unwrap();
        assert_eq!(c.get("docker.io"), Some(&("u".to_owned(), "p".to_owned())));
        assert_eq!(
            c.get("ghcr.io"),
            Some(&("alice".to_owned(), "s3cret".to_owned()))
        );
        assert_eq!(c.get("quay.io"), None);
        assert!(Credentials::from_docker_config(br#"{"auths":{"x":{"auth":"!!"}}}"#).is_err());
    }
}
