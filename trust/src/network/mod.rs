//! The one network policy for outgoing connections to OCI registries, so
//! that a publisher cannot point the registry server at its own network
//! (SSRF). The registry's publish-time pre-check of an image's host and the
//! OCI client's checks of every DNS answer, IP literal and redirect both go
//! through [`HostPolicy`]; neither classifies an address itself.
//!
//! [`classify`] judges an address against the special-purpose blocks of
//! [`ranges`] (taken from the IANA special-purpose address registries; see
//! there): the most specific block holding it decides.
//!
//! - Outside every block, an address is public.
//! - In a block whose addresses reach the IPv4 address they carry
//!   (IPv4-mapped `::ffff:0:0/96`, NAT64's well-known prefix `64:ff9b::/96`),
//!   it is judged as that IPv4 address: public exactly when it is.
//! - In any other block it is not public. When the block carries IPv4
//!   addresses (IPv4-compatible `::/96`, 6to4 `2002::/16`, Teredo
//!   `2001::/32`, whose server and client addresses are both judged) and one
//!   of them is not public, the verdict names that IPv4 address and its
//!   block, which says more than the IPv6 block does; otherwise it names the
//!   IPv6 block. Such an address is refused even when every IPv4 address it
//!   carries is public: 6to4, Teredo and IPv4-compatible addresses are
//!   tunnels and relays, not where an OCI registry is served.
//!
//! This replaces two classifiers, the registry's and the OCI client's, that
//! disagreed; every disagreement is settled toward refusing:
//! `192.0.0.0/24` is refused whole (the client called it public); `2002::/16`
//! is refused whatever IPv4 address it carries, and so is the
//! IPv4-compatible `::a.b.c.d` (the client judged only the carried address);
//! `64:ff9b:1::/48` is refused (the registry called it public); a loopback
//! address reached through IPv4-mapped or NAT64 form is refused even where
//! loopback is allowed (the registry allowed it). Blocks of the registries
//! that neither refused before are refused too: `192.88.99.0/24`,
//! `100::/64`, `2001::/23` (Teredo included), `3fff::/20`, `5f00::/16` and
//! the IPv6 space the IETF reserves outside `2000::/3`.
//!
//! Loopback (`127.0.0.0/8`, `::1`) is allowed only when a policy says so
//! explicitly, for tests against a registry on this machine, and never
//! through a form that carries it (`::ffff:127.0.0.1` stays refused).

pub mod ranges;

pub use ranges::{Embedding, Reach, SpecialRange};

use std::collections::BTreeSet;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr};

/// What [`classify`] says of an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// A public destination.
    Public,
    /// In a special-purpose block, or carrying an IPv4 address that is.
    NonPublic(NonPublic),
}

/// Why an address is not public: the block that holds it, or the IPv4
/// address it carries and that address's block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NonPublic {
    /// The address judged.
    pub ip: IpAddr,
    /// The block named: the address's own, or the carried IPv4 address's.
    pub range: &'static SpecialRange,
    /// The carried IPv4 address `range` holds, and where it was carried.
    pub carried: Option<(Ipv4Addr, Embedding)>,
}

impl Verdict {
    /// True for [`Verdict::Public`].
    pub fn is_public(&self) -> bool {
        matches!(self, Verdict::Public)
    }
}

impl fmt::Display for NonPublic {
    /// `192.0.0.8 is in 192.0.0.0/24 (IETF protocol assignments, RFC 6890)`, or
    /// `2002:a00:1:: carries 10.0.0.1 (6to4), which is in 10.0.0.0/8 (private use, RFC 1918)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.carried {
            None => write!(f, "{} is in {}", self.ip, self.range),
            Some((ipv4, how)) => write!(
                f,
                "{} carries {ipv4} ({}), which is in {}",
                self.ip,
                how.describe(),
                self.range
            ),
        }
    }
}

impl std::error::Error for NonPublic {}

/// Judges one address; see the module documentation for the rule.
pub fn classify(ip: IpAddr) -> Verdict {
    let Some(range) = ranges::most_specific(ip) else {
        return Verdict::Public;
    };
    if let IpAddr::V6(v6) = ip {
        for &how in range.carries {
            let ipv4 = how.ipv4(v6);
            if let Verdict::NonPublic(inner) = classify(IpAddr::V4(ipv4)) {
                return Verdict::NonPublic(NonPublic {
                    ip,
                    range: inner.range,
                    carried: Some((ipv4, how)),
                });
            }
        }
    }
    match range.reach {
        Reach::CarriedIpv4 => Verdict::Public,
        Reach::NotPublic => Verdict::NonPublic(NonPublic {
            ip,
            range,
            carried: None,
        }),
    }
}

/// Which registry hosts and addresses may be contacted. `mcp-verify` allows
/// every host and address (a CI runner may use an internal registry); the
/// registry server uses [`HostPolicy::public_only`].
#[derive(Debug, Clone, Default)]
pub struct HostPolicy {
    /// When set, only these registry hosts (`host` or `host:port`, compared case-insensitively).
    pub allowed_hosts: Option<BTreeSet<String>>,
    /// Refuse every address [`classify`] does not call public.
    pub public_addresses_only: bool,
    /// Loopback addresses allowed even with `public_addresses_only` (tests).
    pub allow_loopback: bool,
}

impl HostPolicy {
    /// The registry server's policy: only the `allowed` hosts, only public
    /// addresses, and loopback ones too when `allow_loopback` (tests).
    pub fn public_only(allowed: impl IntoIterator<Item = String>, allow_loopback: bool) -> Self {
        HostPolicy {
            allowed_hosts: Some(
                allowed
                    .into_iter()
                    .map(|h| h.to_ascii_lowercase())
                    .collect(),
            ),
            public_addresses_only: true,
            allow_loopback,
        }
    }

    /// Whether the registry host `host` (`host` or `host:port`) may be contacted at all.
    pub fn allows_host(&self, host: &str) -> bool {
        self.allowed_hosts
            .as_ref()
            .is_none_or(|allowed| allowed.iter().any(|a| a.eq_ignore_ascii_case(host)))
    }

    /// Checks one address: a DNS answer, an IP literal in a URL or a redirect.
    pub fn check_addr(&self, ip: IpAddr) -> Result<(), NonPublic> {
        if !self.public_addresses_only {
            return Ok(());
        }
        match classify(ip) {
            Verdict::Public => Ok(()),
            Verdict::NonPublic(why)
                if self.allow_loopback && why.carried.is_none() && why.range.is_loopback() =>
            {
                Ok(())
            }
            Verdict::NonPublic(why) => Err(why),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests;
