//! Which OCI registries the registry will fetch from, checked when a version
//! is published, before any verification: the image's registry host must be
//! on the configured allowlist, and every address it resolves to must be
//! public, so a publisher cannot point the registry at its own internal
//! network. Both rules are `mcp_trust::network`'s [`network::HostPolicy`],
//! the same policy the OCI client applies to every connection, DNS answer
//! and redirect when it fetches signatures; this module resolves the name
//! and turns a refusal into a finding. Loopback addresses pass only when
//! explicitly allowed (`--allow-loopback-registries`, for tests).

use mcp_trust::Finding;
use mcp_trust::image::PinnedImage;
use mcp_trust::network;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

const RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);

/// The publish-time check of an image's registry host.
#[derive(Debug, Clone, Default)]
pub struct HostPolicy {
    policy: network::HostPolicy,
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
    /// Allows exactly these `host[:port]` entries (compared case-insensitively)
    /// at public addresses, and at loopback ones when `allow_loopback`.
    pub fn new(allowed: impl IntoIterator<Item = String>, allow_loopback: bool) -> HostPolicy {
        HostPolicy {
            policy: network::HostPolicy::public_only(allowed, allow_loopback),
        }
    }

    /// Checks the image's registry host; on success returns the addresses it resolved to.
    pub async fn check(
        &self,
        image: &PinnedImage,
        path: &str,
    ) -> Result<Vec<SocketAddr>, HostRejection> {
        let host = image.registry.to_ascii_lowercase();
        if !self.policy.allows_host(&host) {
            let allowed = self.policy.allowed_hosts.iter().flatten();
            let allowed = allowed.map(String::as_str).collect::<Vec<_>>();
            return Err(HostRejection::Refused(
                Finding::error(
                    "image-registry-not-allowed",
                    path,
                    format!(
                        "the image is hosted on `{host}`, which is not one of this registry's allowed OCI registries ({})",
                        if allowed.is_empty() { "none configured".to_owned() } else { allowed.join(", ") }
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
            self.check_address(&host, addr.ip(), path)?;
        }
        Ok(addrs)
    }

    /// Checks one address the registry host `host` resolved to.
    pub fn check_address(&self, host: &str, ip: IpAddr, path: &str) -> Result<(), HostRejection> {
        self.policy.check_addr(ip).map_err(|why| {
            HostRejection::Refused(
                Finding::error(
                    "image-registry-private-address",
                    path,
                    format!("the image's registry `{host}` resolves to a non-public address: {why}; the registry never fetches from non-public addresses"),
                )
                .hint("host the image on a public OCI registry"),
            )
        })
    }
}

fn split_host_port(host: &str) -> (&str, u16) {
    match host.rsplit_once(':') {
        Some((name, port)) if !name.contains(':') => (name, port.parse().unwrap_or(443)),
        _ => (host, 443),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The addresses of `testdata/network/addresses.txt`, and the first, last,
    /// middle and neighbouring addresses of every special-purpose block.
    fn addresses() -> Vec<IpAddr> {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../testdata/network/addresses.txt"
        );
        let text = std::fs::read_to_string(path).unwrap();
        let listed = text
            .lines()
            .filter_map(|l| l.split('#').next()?.split_whitespace().next());
        let mut out: Vec<IpAddr> = listed.map(|a| a.parse().unwrap()).collect();
        let int = |ip: IpAddr| match ip {
            IpAddr::V4(a) => u128::from(u32::from(a)),
            IpAddr::V6(a) => u128::from(a),
        };
        for range in network::ranges::IPV4.iter().chain(network::ranges::IPV6) {
            let (first, last) = (int(range.network), int(range.last()));
            let middle = first / 2 + last / 2;
            let (below, above) = (first.wrapping_sub(1), last.wrapping_add(1));
            for n in [
                below,
                first,
                first + 1,
                middle,
                last.saturating_sub(1),
                last,
                above,
            ] {
                out.push(match range.network {
                    IpAddr::V4(_) => IpAddr::V4((n as u32).into()),
                    IpAddr::V6(_) => IpAddr::V6(n.into()),
                });
            }
        }
        out
    }

    #[tokio::test]
    async fn the_pre_check_and_the_oci_client_judge_every_address_alike() {
        for allow_loopback in [false, true] {
            let oci_client = mcp_trust::oci::HostPolicy::public_only([], allow_loopback);
            for ip in addresses() {
                let literal = match ip {
                    IpAddr::V4(_) => format!("{ip}:5000"),
                    IpAddr::V6(_) => format!("[{ip}]:5000"),
                };
                let pre_check = HostPolicy::new([literal.clone()], allow_loopback);
                let ours = pre_check.check_address(&literal, ip, "/x");
                let theirs = oci_client.check_addr(ip);
                match (&ours, &theirs) {
                    (Ok(()), Ok(())) => {}
                    (Err(HostRejection::Refused(f)), Err(why)) => {
                        assert_eq!(f.code, "image-registry-private-address");
                        assert!(f.message.contains(&why.to_string()), "{}", f.message);
                    }
                    _ => panic!("{ip}: pre-check {ours:?}, OCI client {theirs:?}"),
                }
                // The whole pre-check, for the addresses an image reference can name.
                if ip.is_ipv4() {
                    let whole = pre_check.check(&image(&literal), "/x").await;
                    assert_eq!(whole.is_ok(), theirs.is_ok(), "{ip}: {whole:?}");
                }
            }
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
    async fn allowlisted_hosts_in_numeric_ipv4_spellings_are_judged_by_the_address_they_resolve_to()
    {
        let mut parsed = 0;
        for host in [
            "2130706433:5000",
            "0x7f.1:5000",
            "017700000001:5000",
            "127.1:5000",
            "2852039166:5000",
            "0xa9fea9fe:5000",
            "10.1:5000",
        ] {
            let policy = HostPolicy::new([host.to_owned()], false);
            let Ok(image) =
                PinnedImage::parse(&format!("{host}/acme/weather@sha256:{}", "a".repeat(64)))
            else {
                continue;
            };
            parsed += 1;
            match policy.check(&image, "/x").await {
                Err(HostRejection::Refused(f)) => {
                    assert_eq!(f.code, "image-registry-private-address", "{host}")
                }
                Err(HostRejection::Unresolvable(_)) => {}
                Ok(addrs) => panic!("{host} allowed at {addrs:?}"),
            }
        }
        assert!(
            parsed > 0,
            "no numeric spelling parsed as an image reference"
        );
    }

    #[tokio::test]
    async fn a_host_outside_the_allowlist_is_refused_before_it_is_resolved() {
        let policy = HostPolicy::new(["ghcr.io".to_owned()], false);
        for host in [
            "GHCR.IO.",
            "ghcr.io:443",
            "ghcr.io.attacker.example",
            "localhost",
        ] {
            let Ok(image) =
                PinnedImage::parse(&format!("{host}/acme/weather@sha256:{}", "a".repeat(64)))
            else {
                continue;
            };
            let Err(HostRejection::Refused(f)) = policy.check(&image, "/x").await else {
                panic!("{host} passed the allowlist");
            };
            assert_eq!(f.code, "image-registry-not-allowed", "{host}");
        }
    }

    #[test]
    fn image_references_naming_ipv6_literals_zones_or_userinfo_never_reach_the_network() {
        for host in [
            "[::1]:5000",
            "[fd00:ec2::254]",
            "[::ffff:169.254.169.254]:5000",
            "[fe80::1%eth0]:5000",
            "user@ghcr.io",
            "ghcr.io@169.254.169.254",
        ] {
            let reference = format!("{host}/acme/weather@sha256:{}", "a".repeat(64));
            assert!(
                PinnedImage::parse(&reference).is_err(),
                "{reference} parsed"
            );
        }
    }

    #[tokio::test]
    async fn loopback_only_when_configured() {
        let policy = HostPolicy::new(["127.0.0.1:5000".to_owned()], true);
        assert!(policy.check(&image("127.0.0.1:5000"), "/x").await.is_ok());
    }
}
