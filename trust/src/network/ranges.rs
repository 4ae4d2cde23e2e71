//! The special-purpose address blocks, as IANA lists them, each with its
//! prefix, name and RFC, so a refusal can say which block an address is in
//! and where that block is defined.
//!
//! Sources: the IANA IPv4 and IPv6 Special-Purpose Address Registries
//! (<https://www.iana.org/assignments/iana-ipv4-special-registry>,
//! <https://www.iana.org/assignments/iana-ipv6-special-registry>, both as
//! updated in 2024-2025), and for blocks those registries leave out, the IANA
//! IPv4 Address Space Registry (multicast) and IPv6 Address Space Registry
//! (multicast, site-local, and every block reserved by the IETF outside the
//! global unicast space `2000::/3`).
//!
//! Blocks nest: a lookup names the most specific block holding the address
//! (`255.255.255.255` is the limited broadcast address, not merely in
//! `240.0.0.0/4`). Registry entries inside a block that is listed whole are
//! not repeated, since the whole block is refused: in `0.0.0.0/8`,
//! `0.0.0.0/32`; in `192.0.0.0/24`, DS-Lite `192.0.0.0/29`, the dummy address
//! `192.0.0.8/32`, the PCP and TURN anycast addresses `192.0.0.9/32` and
//! `192.0.0.10/32`, NAT64/DNS64 discovery `192.0.0.170/31`; in
//! `192.88.99.0/24`, the 6a44 relay `192.88.99.2/32`; in `100::/8`, the dummy
//! prefix `100:0:0:1::/64`; in `2001::/23`, the PCP, TURN and DNS-SD anycast
//! addresses `2001:1::1/128` to `2001:1::3/128`, benchmarking `2001:2::/48`,
//! AMT `2001:3::/32`, AS112 `2001:4:112::/48`, ORCHIDv2 `2001:20::/28` and
//! drone remote ID `2001:30::/28`. IANA marks some of those globally
//! reachable; they are anycast and protocol addresses, and none of them
//! serves an OCI registry, so the enclosing block is refused whole. The
//! blocks IANA marks globally reachable that are outside any refused block
//! (AS112 `192.31.196.0/24`, `192.175.48.0/24`, `2620:4f:8000::/48`; AMT
//! `192.52.193.0/24`) are not listed: they are public.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// One special-purpose address block: prefix, IANA name, defining RFC, and
/// how an address in it is judged.
#[derive(Debug, PartialEq, Eq)]
pub struct SpecialRange {
    /// First address of the block.
    pub network: IpAddr,
    /// Prefix length in bits.
    pub len: u8,
    /// Name of the block, after IANA's.
    pub name: &'static str,
    /// Where the block is defined.
    pub rfc: &'static str,
    /// Whether an address in the block is refused, or judged as the IPv4 address it carries.
    pub reach: Reach,
    /// IPv4 addresses an address in the block carries (IPv6 blocks only).
    pub carries: &'static [Embedding],
}

/// How an address in a special-purpose block is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Not a public destination: every address in the block is refused.
    NotPublic,
    /// A packet to the address goes to the IPv4 address it carries, so it
    /// is judged as that address (IPv4-mapped, NAT64's well-known prefix).
    CarriedIpv4,
}

/// Where an IPv6 address carries an IPv4 address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Embedding {
    /// `::ffff:a.b.c.d`, the last 32 bits (RFC 4291).
    Mapped,
    /// `::a.b.c.d`, the last 32 bits (deprecated, RFC 4291).
    Compatible,
    /// `64:ff9b::a.b.c.d`, the last 32 bits (RFC 6052).
    Nat64,
    /// `2002:AABB:CCDD::/48`, bits 16 to 47 (RFC 3056).
    SixToFour,
    /// The Teredo server, bits 32 to 63 of `2001::/32` (RFC 4380).
    TeredoServer,
    /// The Teredo client, the last 32 bits inverted (RFC 4380).
    TeredoClient,
}

impl Embedding {
    /// The IPv4 address `ip` carries in this form.
    pub fn ipv4(self, ip: Ipv6Addr) -> Ipv4Addr {
        let s = ip.segments();
        let join = |hi: u16, lo: u16| (u32::from(hi) << 16) | u32::from(lo);
        Ipv4Addr::from(match self {
            Embedding::Mapped | Embedding::Compatible | Embedding::Nat64 => join(s[6], s[7]),
            Embedding::SixToFour => join(s[1], s[2]),
            Embedding::TeredoServer => join(s[2], s[3]),
            Embedding::TeredoClient => !join(s[6], s[7]),
        })
    }

    /// How a message names the form.
    pub fn describe(self) -> &'static str {
        match self {
            Embedding::Mapped => "IPv4-mapped",
            Embedding::Compatible => "IPv4-compatible",
            Embedding::Nat64 => "NAT64",
            Embedding::SixToFour => "6to4",
            Embedding::TeredoServer => "Teredo server",
            Embedding::TeredoClient => "Teredo client",
        }
    }
}

impl SpecialRange {
    /// Whether `ip` is in the block (an IPv4 address is never in an IPv6 block).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.len)).unwrap_or(0);
                (u32::from(net) ^ u32::from(ip)) & mask == 0
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.len))
                    .unwrap_or(0);
                (u128::from(net) ^ u128::from(ip)) & mask == 0
            }
            _ => false,
        }
    }

    /// The last address of the block.
    pub fn last(&self) -> IpAddr {
        match self.network {
            IpAddr::V4(net) => {
                let host = u32::MAX.checked_shr(u32::from(self.len)).unwrap_or(0);
                IpAddr::V4(Ipv4Addr::from(u32::from(net) | host))
            }
            IpAddr::V6(net) => {
                let host = u128::MAX.checked_shr(u32::from(self.len)).unwrap_or(0);
                IpAddr::V6(Ipv6Addr::from(u128::from(net) | host))
            }
        }
    }

    /// True for the loopback blocks, `127.0.0.0/8` and `::1/128`.
    pub fn is_loopback(&self) -> bool {
        self.network.is_loopback()
    }
}

impl fmt::Display for SpecialRange {
    /// `192.0.0.0/24 (IETF protocol assignments, RFC 6890)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{} ({}, {})",
            self.network, self.len, self.name, self.rfc
        )
    }
}

const fn v4(net: [u8; 4], len: u8, name: &'static str, rfc: &'static str) -> SpecialRange {
    SpecialRange {
        network: IpAddr::V4(Ipv4Addr::new(net[0], net[1], net[2], net[3])),
        len,
        name,
        rfc,
        reach: Reach::NotPublic,
        carries: &[],
    }
}

const fn v6(net: [u16; 8], len: u8, name: &'static str, rfc: &'static str) -> SpecialRange {
    SpecialRange {
        network: IpAddr::V6(Ipv6Addr::new(
            net[0], net[1], net[2], net[3], net[4], net[5], net[6], net[7],
        )),
        len,
        name,
        rfc,
        reach: Reach::NotPublic,
        carries: &[],
    }
}

impl SpecialRange {
    const fn carrying(self, carries: &'static [Embedding]) -> SpecialRange {
        SpecialRange { carries, ..self }
    }

    const fn judged_as_carried_ipv4(self) -> SpecialRange {
        SpecialRange {
            reach: Reach::CarriedIpv4,
            ..self
        }
    }
}

/// The IPv4 special-purpose blocks, in address order.
pub static IPV4: &[SpecialRange] = &[
    v4([0, 0, 0, 0], 8, "this network", "RFC 791"),
    v4([10, 0, 0, 0], 8, "private use", "RFC 1918"),
    v4([100, 64, 0, 0], 10, "shared address space", "RFC 6598"),
    v4([127, 0, 0, 0], 8, "loopback", "RFC 1122"),
    v4([169, 254, 0, 0], 16, "link local", "RFC 3927"),
    v4([172, 16, 0, 0], 12, "private use", "RFC 1918"),
    v4([192, 0, 0, 0], 24, "IETF protocol assignments", "RFC 6890"),
    v4([192, 0, 2, 0], 24, "documentation (TEST-NET-1)", "RFC 5737"),
    v4(
        [192, 88, 99, 0],
        24,
        "deprecated 6to4 relay anycast",
        "RFC 7526",
    ),
    v4([192, 168, 0, 0], 16, "private use", "RFC 1918"),
    v4([198, 18, 0, 0], 15, "benchmarking", "RFC 2544"),
    v4(
        [198, 51, 100, 0],
        24,
        "documentation (TEST-NET-2)",
        "RFC 5737",
    ),
    v4(
        [203, 0, 113, 0],
        24,
        "documentation (TEST-NET-3)",
        "RFC 5737",
    ),
    v4([224, 0, 0, 0], 4, "multicast", "RFC 5771"),
    v4([240, 0, 0, 0], 4, "reserved", "RFC 1112"),
    v4([255, 255, 255, 255], 32, "limited broadcast", "RFC 919"),
];

/// The IPv6 special-purpose blocks, and the blocks reserved by the IETF
/// outside global unicast `2000::/3`, in address order.
pub static IPV6: &[SpecialRange] = &[
    v6([0; 8], 8, "reserved by the IETF", "RFC 4291"),
    v6([0; 8], 96, "IPv4-compatible (deprecated)", "RFC 4291").carrying(&[Embedding::Compatible]),
    v6([0; 8], 128, "unspecified", "RFC 4291"),
    v6([0, 0, 0, 0, 0, 0, 0, 1], 128, "loopback", "RFC 4291"),
    v6([0, 0, 0, 0, 0, 0xffff, 0, 0], 96, "IPv4-mapped", "RFC 4291")
        .carrying(&[Embedding::Mapped])
        .judged_as_carried_ipv4(),
    v6(
        [0x64, 0xff9b, 0, 0, 0, 0, 0, 0],
        96,
        "IPv4/IPv6 translation (NAT64)",
        "RFC 6052",
    )
    .carrying(&[Embedding::Nat64])
    .judged_as_carried_ipv4(),
    v6(
        [0x64, 0xff9b, 1, 0, 0, 0, 0, 0],
        48,
        "local-use IPv4/IPv6 translation",
        "RFC 8215",
    ),
    v6(
        [0x100, 0, 0, 0, 0, 0, 0, 0],
        8,
        "reserved by the IETF",
        "RFC 4291",
    ),
    v6([0x100, 0, 0, 0, 0, 0, 0, 0], 64, "discard only", "RFC 6666"),
    v6(
        [0x200, 0, 0, 0, 0, 0, 0, 0],
        7,
        "reserved by the IETF",
        "RFC 4048",
    ),
    v6(
        [0x400, 0, 0, 0, 0, 0, 0, 0],
        6,
        "reserved by the IETF",
        "RFC 4291",
    ),
    v6(
        [0x800, 0, 0, 0, 0, 0, 0, 0],
        5,
        "reserved by the IETF",
        "RFC 4291",
    ),
    v6(
        [0x1000, 0, 0, 0, 0, 0, 0, 0],
        4,
        "reserved by the IETF",
        "RFC 4291",
    ),
    v6(
        [0x2001, 0, 0, 0, 0, 0, 0, 0],
        23,
        "IETF protocol assignments",
        "RFC 2928",
    ),
    v6([0x2001, 0, 0, 0, 0, 0, 0, 0], 32, "Teredo", "RFC 4380")
        .carrying(&[Embedding::TeredoServer, Embedding::TeredoClient]),
    v6(
        [0x2001, 0xdb8, 0, 0, 0, 0, 0, 0],
        32,
        "documentation",
        "RFC 3849",
    ),
    v6([0x2002, 0, 0, 0, 0, 0, 0, 0], 16, "6to4", "RFC 3056").carrying(&[Embedding::SixToFour]),
    v6(
        [0x3fff, 0, 0, 0, 0, 0, 0, 0],
        20,
        "documentation",
        "RFC 9637",
    ),
    v6(
        [0x4000, 0, 0, 0, 0, 0, 0, 0],
        3,
        "reserved by the IETF",
        "RFC 4291",
    ),
    v6(
        [0x5f00, 0, 0, 0, 0, 0, 0, 0],
        16,
        "segment routing (SRv6) SIDs",
        "RFC 9602",
    ),
    v6(
        [0x6000, 0, 0, 0, 0, 0, 0, 0],
        3,
        "reserved by the IETF",
        "RFC 4291",
    ),
    v6(
        [0x8000, 0, 0, 0, 0, 0, 0, 0],
        3,
        "reserved by the IETF",
        "RFC 4291",
    ),
    v6(
        [0xa000, 0, 0, 0, 0, 0, 0, 0],
        3,
        "reserved by the IETF",
        "RFC 4291",
    ),
    v6(
        [0xc000, 0, 0, 0, 0, 0, 0, 0],
        3,
        "reserved by the IETF",
        "RFC 4291",
    ),
    v6(
        [0xe000, 0, 0, 0, 0, 0, 0, 0],
        4,
        "reserved by the IETF",
        "RFC 4291",
    ),
    v6(
        [0xf000, 0, 0, 0, 0, 0, 0, 0],
        5,
        "reserved by the IETF",
        "RFC 4291",
    ),
    v6(
        [0xf800, 0, 0, 0, 0, 0, 0, 0],
        6,
        "reserved by the IETF",
        "RFC 4291",
    ),
    v6([0xfc00, 0, 0, 0, 0, 0, 0, 0], 7, "unique local", "RFC 4193"),
    v6(
        [0xfe00, 0, 0, 0, 0, 0, 0, 0],
        9,
        "reserved by the IETF",
        "RFC 4291",
    ),
    v6(
        [0xfe80, 0, 0, 0, 0, 0, 0, 0],
        10,
        "link-local unicast",
        "RFC 4291",
    ),
    v6(
        [0xfec0, 0, 0, 0, 0, 0, 0, 0],
        10,
        "site-local (deprecated)",
        "RFC 3879",
    ),
    v6([0xff00, 0, 0, 0, 0, 0, 0, 0], 8, "multicast", "RFC 4291"),
];

/// The most specific block holding `ip`, if any.
pub fn most_specific(ip: IpAddr) -> Option<&'static SpecialRange> {
    let table = match ip {
        IpAddr::V4(_) => IPV4,
        IpAddr::V6(_) => IPV6,
    };
    table
        .iter()
        .filter(|r| r.contains(ip))
        .max_by_key(|r| r.len)
}
