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
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{name}` is not a DNS name (letters, digits and '-' in dot-separated labels)"
        ))
    }
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
