//! Which OCI registries the registry will fetch from. Checked before any
//! verification: the image's registry host must be on the configured
//! allowlist, and every address it resolves to must be public — private,
//! loopback, link-local, shared, multicast and reserved ranges are refused
//! (loopback only when explicitly allowed, for tests), so a publisher cannot
//! point the registry at its own internal network.

use mcp_trust::Finding;
use mcp_trust::image::PinnedImage;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

const RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);

/// Allowlist of OCI registry hosts and address rules.
#[derive(Debug, Clone, Default)]
pub struct HostPolicy {
    allowed: Vec<String>,
    allow_loopback: bool,
}

/// Why an image's registry may not be contacted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostRejection {
    /// Refused by policy (→ 422 with this finding).
    Refused(Finding),
    /// The host name did not resolve (→ 502).
    Unresolvable(String),
}

impl HostPolicy {
    /// A policy allowing exactly these `host[:port]` entries (compared case-insensitively).
    pub fn new(allowed: impl IntoIterator<Item = String>, allow_loopback: bool) -> HostPolicy {
        HostPolicy {
            allowed: allowed
                .into_iter()
                .map(|h| h.to_ascii_lowercase())
                .collect(),
            allow_loopback,
        }
    }

    /// The allowlisted hosts.
    pub fn allowed(&self) -> &[String] {
        &self.allowed
    }

    /// Checks the image's registry host; on success returns the addresses it resolved to.
    pub async fn check(
        &self,
        image: &PinnedImage,
        path: &str,
    ) -> Result<Vec<SocketAddr>, HostRejection> {
        let host = image.registry.to_ascii_lowercase();
        if !self.allowed.contains(&host) {
            return Err(HostRejection::Refused(
                Finding::error(
                    "image-registry-not-allowed",
                    path,
                    format!(
                        "the image is hosted on `{host}`, which is not one of this registry's allowed OCI registries ({})",
                        if self.allowed.is_empty() { "none configured".to_owned() } else { self.allowed.join(", ") }
                    ),
                )
                .hint("push the image to an allowed registry, or ask the operator to allow this one"),
            ));
        }
        let (name, port) = split_host_port(&host);
        let lookup = tokio::net::lookup_host((name, port));
        let addrs: Vec<SocketAddr> = match tokio::time::timeout(RESOLVE_TIMEOUT, lookup).await {
            Ok(Ok(addrs)) => addrs.collect(),
            Ok(Err(e)) => {
                return Err(HostRejection::Unresolvable(format!(
                    "`{name}` does not resolve: {e}"
                )));
            }
            Err(_) => {
                return Err(HostRejection::Unresolvable(format!(
                    "resolving `{name}` timed out"
                )));
            }
        };
        if addrs.is_empty() {
            return Err(HostRejection::Unresolvable(format!(
                "`{name}` resolves to no address"
            )));
        }
        for addr in &addrs {
            if let Some(range) = self.forbidden_range(addr.ip()) {
                return Err(HostRejection::Refused(
                    Finding::error(
                        "image-registry-private-address",
                        path,
                        format!("the image's registry `{host}` resolves to {} ({range}); the registry never fetches from non-public addresses", addr.ip()),
                    )
                    .hint("host the image on a public OCI registry"),
                ));
            }
        }
        Ok(addrs)
    }

    fn forbidden_range(&self, ip: IpAddr) -> Option<&'static str> {
        let range = classify(ip)?;
        (!(range == "loopback" && self.allow_loopback)).then_some(range)
    }
}

fn split_host_port(host: &str) -> (&str, u16) {
    match host.rsplit_once(':') {
        Some((name, port)) if !name.contains(':') => (name, port.parse().unwrap_or(443)),
        _ => (host, 443),
    }
}

/// The name of the non-public range `ip` is in, or `None` for a public address.
pub fn classify(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

fn classify_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    Some(match (a, b, c) {
        (0, _, _) => "unspecified (0.0.0.0/8)",
        (127, _, _) => "loopback",
        (10, _, _) => "private (10.0.0.0/8)",
        (172, 16..=31, _) => "private (172.16.0.0/12)",
        (192, 168, _) => "private (192.168.0.0/16)",
        (169, 254, _) => "link-local (169.254.0.0/16)",
        (100, 64..=127, _) => "shared address space (100.64.0.0/10)",
        (192, 0, 0) => "IETF protocol assignments (192.0.0.0/24)",
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => "documentation",
        (198, 18..=19, _) => "benchmarking (198.18.0.0/15)",
        (224..=239, _, _) => "multicast",
        (240..=255, _, _) => "reserved (240.0.0.0/4)",
        _ => return None,
    })
}

fn classify_v6(ip: Ipv6Addr) -> Option<&'static str> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return classify_v4(v4);
    }
    let s = ip.segments();
    if ip.is_loopback() {
        return Some("loopback");
    }
    Some(match s[0] {
        0 if ip.is_unspecified() => "unspecified (::)",
        0 => "IPv4-compatible or reserved (::/8)",
        // NAT64: judge the IPv4 address it embeds.
        0x64 if s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] => {
            let [a, b] = s[6].to_be_bytes();
            let [c, d] = s[7].to_be_bytes();
            return classify_v4(Ipv4Addr::new(a, b, c, d));
        }
        0x2001 if s[1] == 0x0db8 => "documentation (2001:db8::/32)",
        0x2002 => "6to4 (2002::/16)",
        x if x & 0xfe00 == 0xfc00 => "unique local (fc00::/7)",
        x if x & 0xffc0 == 0xfe80 => "link-local (fe80::/10)",
        x if x & 0xffc0 == 0xfec0 => "site-local (fec0::/10)",
        x if x & 0xff00 == 0xff00 => "multicast (ff00::/8)",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_non_public_addresses() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
            "::ffff:127.0.0.1",
            "64:ff9b::a00:1",
            "ff02::1",
        ] {
            assert!(classify(ip.parse().unwrap()).is_some(), "{ip}");
        }
    }

    #[test]
    fn accepts_public_addresses() {
        for ip in [
            "140.82.112.34",
            "8.8.8.8",
            "172.32.0.1",
            "2606:50c0:8000::154",
            "64:ff9b::808:808",
        ] {
            assert_eq!(classify(ip.parse().unwrap()), None, "{ip}");
        }
    }

    fn image(host: &str) -> PinnedImage {
        PinnedImage::parse(&format!("{host}/acme/weather@sha256:{}", "a".repeat(64))).unwrap()
    }

    #[tokio::test]
    async fn refuses_host_not_on_allowlist() {
        let policy = HostPolicy::new(["ghcr.io".to_owned()], false);
        let Err(HostRejection::Refused(f)) = policy.check(&image("quay.io"), "/x").await else {
            panic!("accepted");
        };
        assert_eq!(f.code, "image-registry-not-allowed");
    }

    #[tokio::test]
    async fn refuses_allowlisted_host_resolving_to_private_address() {
        let policy = HostPolicy::new(
            ["10.0.0.7:5000".to_owned(), "localhost:5000".to_owned()],
            false,
        );
        for host in ["10.0.0.7:5000", "localhost:5000"] {
            let Err(HostRejection::Refused(f)) = policy.check(&image(host), "/x").await else {
                panic!("accepted {host}");
            };
            assert_eq!(f.code, "image-registry-private-address");
        }
    }

    #[tokio::test]
    async fn loopback_only_when_configured() {
        let policy = HostPolicy::new(["127.0.0.1:5000".to_owned()], true);
        assert!(policy.check(&image("127.0.0.1:5000"), "/x").await.is_ok());
    }
}
