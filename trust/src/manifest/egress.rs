//! The one egress grammar: `host`, `host:port`, `*.domain`, `*.domain:port`,
//! `*:port` (any host on that port) and `*` (open network). Hosts are DNS
//! names or IP literals (IPv6 in brackets).

use serde::Serialize;
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

/// Which hosts an egress rule admits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "camelCase")]
pub enum HostPattern {
    /// Exactly this DNS name (lowercased).
    Name(String),
    /// Any subdomain of this domain (`*.example.com`; not the apex itself).
    Subdomains(String),
    /// An IPv4 or IPv6 literal.
    Ip(String),
    /// Any host.
    Any,
}

/// One parsed egress rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EgressRule {
    /// Hosts admitted.
    pub host: HostPattern,
    /// Port admitted; any port when absent.
    pub port: Option<u16>,
}

/// What [`EgressRule::local_target`] says of a cloud metadata service.
pub const METADATA: &str = "a cloud metadata service";

fn local_v4(v4: Ipv4Addr) -> Option<&'static str> {
    if v4.is_loopback() {
        Some("the loopback address")
    } else if v4.is_unspecified() {
        Some("the unspecified address (this host)")
    } else if v4.is_link_local()
        || v4 == Ipv4Addr::new(100, 100, 100, 200)
        || v4 == Ipv4Addr::new(168, 63, 129, 16)
    {
        // 169.254.0.0/16 holds every cloud's credential endpoints (EC2 and
        // Azure IMDS at .169.254, ECS task credentials at .170.2, EKS Pod
        // Identity at .170.23, ...): no server in a container needs it.
        Some(METADATA)
    } else {
        None
    }
}

/// The IPv4 address inside an IPv6 one that reaches it: IPv4-mapped
/// (`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`) or NAT64 (`64:ff9b::/96`).
fn embedded_v4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(v4) = v6.to_ipv4_mapped() {
        return Some(v4);
    }
    let s = v6.segments();
    let tail = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    let compatible = s[..6] == [0; 6] && !v6.is_loopback() && !v6.is_unspecified();
    let nat64 = s[..6] == [0x64, 0xff9b, 0, 0, 0, 0];
    (compatible || nat64).then_some(tail)
}

impl EgressRule {
    /// Parses one allowlist entry; the error says what is wrong.
    pub fn parse(entry: &str) -> Result<EgressRule, String> {
        if entry == "*" {
            return Ok(EgressRule {
                host: HostPattern::Any,
                port: None,
            });
        }
        let (host, port) = split_port(entry)?;
        let port = match port {
            None => None,
            Some(p) => Some(parse_port(p)?),
        };
        let host = if host == "*" {
            if port.is_none() {
                return Err(
                    "`*` with a port is `*:PORT`; a bare `*` opens the whole network".into(),
                );
            }
            HostPattern::Any
        } else if let Some(domain) = host.strip_prefix("*.") {
            check_dns_name(domain)?;
            if !domain.contains('.') {
                return Err(format!(
                    "`*.{domain}` would admit every name under a top-level domain"
                ));
            }
            HostPattern::Subdomains(domain.to_ascii_lowercase())
        } else if host.contains('*') {
            return Err("a wildcard is only allowed as the whole host (`*:PORT`) or as the first label (`*.example.com`)".into());
        } else if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            v6.parse::<Ipv6Addr>()
                .map_err(|_| format!("`{v6}` is not an IPv6 address"))?;
            HostPattern::Ip(v6.to_owned())
        } else if host.parse::<Ipv4Addr>().is_ok() {
            HostPattern::Ip(host.to_owned())
        } else {
            check_dns_name(host)?;
            HostPattern::Name(host.to_ascii_lowercase())
        };
        Ok(EgressRule { host, port })
    }

    /// What local destination this rule admits, when it names one: the
    /// container's own loopback, the host or a neighbour on the link, or a
    /// cloud metadata service (which hands out the node's credentials).
    pub fn local_target(&self) -> Option<&'static str> {
        match &self.host {
            HostPattern::Ip(ip) => match ip.parse::<std::net::IpAddr>().ok()? {
                std::net::IpAddr::V4(v4) => local_v4(v4),
                std::net::IpAddr::V6(v6) => {
                    if let Some(what) = embedded_v4(v6).and_then(local_v4) {
                        Some(what)
                    } else if v6.is_loopback() {
                        Some("the loopback address")
                    } else if v6.is_unspecified() {
                        Some("the unspecified address (this host)")
                    } else if matches!(
                        v6.segments(),
                        [0xfd00, 0xec2, ..] | [0xfd20, 0xce, ..] | [0xfd00, 0xa9fe, 0xa9fe, ..]
                    ) || v6 == Ipv6Addr::new(0xfd00, 0x42, 0, 0, 0, 0, 0, 0x42)
                        || v6 == Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0xa9fe, 0xa9fe)
                    {
                        // EC2 and EKS (fd00:ec2::/32), Google Cloud (fd20:ce::/32),
                        // Akamai/Linode (fd00:a9fe:a9fe::/48, fe80::a9fe:a9fe),
                        // Scaleway (fd00:42::42).
                        Some(METADATA)
                    } else if (v6.segments()[0] & 0xffc0) == 0xfe80 {
                        Some("a link-local address")
                    } else {
                        None
                    }
                }
            },
            HostPattern::Name(n) => {
                if n == "localhost" || n.ends_with(".localhost") {
                    Some("the loopback address")
                } else if matches!(
                    n.as_str(),
                    "metadata"
                        | "metadata.google.internal"
                        | "instance-data"
                        | "instance-data.ec2.internal"
                ) {
                    Some(METADATA)
                } else {
                    None
                }
            }
            HostPattern::Subdomains(d) if d == "google.internal" || d == "ec2.internal" => {
                Some(METADATA)
            }
            HostPattern::Subdomains(_) | HostPattern::Any => None,
        }
    }

    /// True when this rule admits every host (`*:port` or `*`).
    pub fn is_any_host(&self) -> bool {
        self.host == HostPattern::Any
    }
}

impl fmt::Display for EgressRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.host {
            HostPattern::Any if self.port.is_none() => return f.write_str("*"),
            HostPattern::Any => f.write_str("*")?,
            HostPattern::Name(n) => f.write_str(n)?,
            HostPattern::Subdomains(d) => write!(f, "*.{d}")?,
            HostPattern::Ip(ip) if ip.contains(':') => write!(f, "[{ip}]")?,
            HostPattern::Ip(ip) => f.write_str(ip)?,
        }
        match self.port {
            Some(p) => write!(f, ":{p}"),
            None => Ok(()),
        }
    }
}

fn split_port(entry: &str) -> Result<(&str, Option<&str>), String> {
    if entry.starts_with('[') {
        let close = entry
            .find(']')
            .ok_or("an IPv6 literal needs a closing `]`")?;
        let rest = &entry[close + 1..];
        return match rest.strip_prefix(':') {
            Some(p) => Ok((&entry[..=close], Some(p))),
            None if rest.is_empty() => Ok((entry, None)),
            None => Err("unexpected text after `]`".into()),
        };
    }
    match entry.split_once(':') {
        Some((h, p)) if !p.contains(':') => Ok((h, Some(p))),
        Some(_) => Err("more than one `:`; write IPv6 addresses in brackets, `[::1]:443`".into()),
        None => Ok((entry, None)),
    }
}

fn parse_port(p: &str) -> Result<u16, String> {
    match p.parse::<u16>() {
        Ok(0) | Err(_) => Err(format!("`{p}` is not a port (1-65535)")),
        Ok(n) => Ok(n),
    }
}

fn check_dns_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        });
    if !ok {
        return Err(format!(
            "`{name}` is not a DNS name (letters, digits and '-' in dot-separated labels)"
        ));
    }
    // No top-level domain is numeric, but resolvers (inet_aton) read
    // `2852039166`, `0xa9fea9fe` or `169.254.43518` as IPv4 addresses, so
    // such a "name" would be an address that no address rule checked.
    let last = name.rsplit('.').next().unwrap_or(name);
    if last.chars().all(|c| c.is_ascii_digit()) || last.to_ascii_lowercase().starts_with("0x") {
        return Err(format!(
            "`{name}` ends in a numeric label: resolvers read it as an IPv4 address in another notation; write the address in dotted-decimal form, or the host name"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form() {
        for (input, shown) in [
            ("api.example.com", "api.example.com"),
            ("API.Example.com:443", "api.example.com:443"),
            ("*.example.com", "*.example.com"),
            ("*.example.com:8443", "*.example.com:8443"),
            ("*:443", "*:443"),
            ("*", "*"),
            ("10.0.0.1:5432", "10.0.0.1:5432"),
            ("[::1]:8080", "[::1]:8080"),
        ] {
            assert_eq!(
                EgressRule::parse(input).unwrap().to_string(),
                shown,
                "{input}"
            );
        }
    }

    #[test]
    fn rejects_malformed_entries() {
        for bad in [
            "",
            "*.com",
            "a*.example.com",
            "host:0",
            "host:99999",
            "host:x",
            "::1",
            "ex ample.com",
            "*.*.com",
            "-a.com",
            "[::1",
        ] {
            assert!(EgressRule::parse(bad).is_err(), "{bad}");
        }
    }
}
