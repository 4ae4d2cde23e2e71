use super::ranges::{IPV4, IPV6};
use super::*;
use std::net::Ipv6Addr;

/// One line of `testdata/network/addresses.txt`.
#[derive(Debug)]
pub(crate) struct AddressCase {
    pub ip: IpAddr,
    /// `None` for public; else the block named (`10.0.0.0/8`) and the carried IPv4 address, if any.
    pub expected: Option<(String, Option<Ipv4Addr>)>,
}

/// The address cases shared with the OCI client's and the registry's tests.
pub(crate) fn address_cases() -> Vec<AddressCase> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../testdata/network/addresses.txt"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let lines = text.lines().map(|l| l.split('#').next().unwrap().trim());
    lines
        .filter(|l| !l.is_empty())
        .map(|line| {
            let mut words = line.split_whitespace();
            let ip = words.next().unwrap().parse().unwrap();
            let expected = match words.next().unwrap() {
                "public" => None,
                range => Some((range.to_owned(), words.next().map(|c| c.parse().unwrap()))),
            };
            AddressCase { ip, expected }
        })
        .collect()
}

fn to_int(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(ip) => u128::from(u32::from(ip)),
        IpAddr::V6(ip) => u128::from(ip),
    }
}

fn same_family(like: IpAddr, n: u128) -> IpAddr {
    match like {
        IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::from(u32::try_from(n).unwrap())),
        IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::from(n)),
    }
}

fn all_ranges() -> impl Iterator<Item = &'static SpecialRange> {
    IPV4.iter().chain(IPV6)
}

/// The listed blocks strictly inside `range`.
fn nested(range: &SpecialRange) -> Vec<&'static SpecialRange> {
    all_ranges()
        .filter(|r| r.len > range.len && range.contains(r.network))
        .collect()
}

/// From `start`, stepping up (or down) past nested blocks, the first address
/// of `range` that no more specific block holds.
fn own_address(range: &SpecialRange, start: u128, up: bool) -> IpAddr {
    let mut n = start;
    while let Some(inner) = nested(range)
        .into_iter()
        .find(|r| r.contains(same_family(range.network, n)))
    {
        n = if up {
            to_int(inner.last()) + 1
        } else {
            to_int(inner.network) - 1
        };
    }
    same_family(range.network, n)
}

fn name_of(range: &SpecialRange) -> String {
    format!("{}/{}", range.network, range.len)
}

#[test]
fn every_block_refuses_its_own_addresses_by_name_and_admits_public_neighbours() {
    let mut public_neighbours = 0;
    for range in all_ranges() {
        let (first, last) = (to_int(range.network), to_int(range.last()));
        let own = [
            own_address(range, first, true),
            own_address(range, last, false),
            own_address(range, first / 2 + last / 2 + (first & last & 1), true),
        ];
        for ip in own {
            assert!(range.contains(ip), "{ip} outside {range}");
            let verdict = classify(ip);
            match (range.reach, range.carries, verdict) {
                // Judged as the IPv4 address it carries, whatever that is.
                (Reach::CarriedIpv4, [how], verdict) => {
                    let IpAddr::V6(v6) = ip else {
                        panic!("{range}")
                    };
                    let ipv4 = how.ipv4(v6);
                    let expected = match classify(IpAddr::V4(ipv4)) {
                        Verdict::Public => Verdict::Public,
                        Verdict::NonPublic(why) => Verdict::NonPublic(NonPublic {
                            ip,
                            range: why.range,
                            carried: Some((ipv4, *how)),
                        }),
                    };
                    assert_eq!(verdict, expected, "{ip} in {range}");
                }
                (Reach::NotPublic, _, Verdict::NonPublic(why)) if why.carried.is_none() => {
                    assert_eq!(why.range, range, "{ip}");
                    assert_eq!(why.ip, ip);
                }
                // A carried IPv4 address may be named instead, when it is not public.
                (Reach::NotPublic, carries, Verdict::NonPublic(why)) => {
                    let (ipv4, how) = why.carried.unwrap();
                    assert!(carries.contains(&how), "{ip}: {why}");
                    assert!(why.range.contains(IpAddr::V4(ipv4)), "{ip}: {why}");
                    assert!(!classify(IpAddr::V4(ipv4)).is_public());
                }
                (_, _, verdict) => panic!("{ip} in {range}: {verdict:?}"),
            }
        }
        let max = match range.network {
            IpAddr::V4(_) => u128::from(u32::MAX),
            IpAddr::V6(_) => u128::MAX,
        };
        let neighbours = [first.checked_sub(1), (last < max).then(|| last + 1)];
        for ip in neighbours.into_iter().flatten() {
            let ip = same_family(range.network, ip);
            if !all_ranges().any(|r| r.contains(ip)) {
                assert_eq!(classify(ip), Verdict::Public, "{ip} next to {range}");
                public_neighbours += 1;
            }
        }
    }
    assert!(public_neighbours > 20, "{public_neighbours}");
}

#[test]
fn the_tables_are_in_order_without_host_bits_or_duplicates() {
    for table in [IPV4, IPV6] {
        for pair in table.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            assert!(
                (to_int(a.network), a.len) < (to_int(b.network), b.len),
                "{a} before {b}"
            );
        }
        for range in table {
            let bits = if range.network.is_ipv4() { 32 } else { 128 };
            assert!(range.len <= bits, "{range}");
            assert!(
                range.contains(range.last()) && to_int(range.network) <= to_int(range.last()),
                "{range}"
            );
            let host_bits = u128::MAX.checked_shr(128 - u32::from(bits) + u32::from(range.len));
            assert_eq!(
                to_int(range.network) & host_bits.unwrap_or(0),
                0,
                "{range} has host bits"
            );
            assert!(
                range.network.is_ipv6() || range.carries.is_empty(),
                "{range}"
            );
        }
    }
}

#[test]
fn listed_addresses_get_their_verdict() {
    let cases = address_cases();
    assert!(cases.len() > 50, "{}", cases.len());
    for case in cases {
        let verdict = match classify(case.ip) {
            Verdict::Public => None,
            Verdict::NonPublic(why) => {
                assert_eq!(why.ip, case.ip);
                Some((name_of(why.range), why.carried.map(|(ipv4, _)| ipv4)))
            }
        };
        assert_eq!(verdict, case.expected, "{}", case.ip);
    }
}

#[test]
fn a_refusal_names_the_block_and_its_rfc() {
    let why = |ip: &str| match classify(ip.parse().unwrap()) {
        Verdict::NonPublic(why) => why.to_string(),
        Verdict::Public => panic!("{ip} is public"),
    };
    assert_eq!(
        why("192.0.0.8"),
        "192.0.0.8 is in 192.0.0.0/24 (IETF protocol assignments, RFC 6890)"
    );
    assert_eq!(
        why("2002:a00:1::1"),
        "2002:a00:1::1 carries 10.0.0.1 (6to4), which is in 10.0.0.0/8 (private use, RFC 1918)"
    );
    assert_eq!(
        why("2001:0:808:808:8000:ffff:f5ff:fffe"),
        "2001:0:808:808:8000:ffff:f5ff:fffe carries 10.0.0.1 (Teredo client), which is in 10.0.0.0/8 (private use, RFC 1918)"
    );
    assert_eq!(
        why("255.255.255.255"),
        "255.255.255.255 is in 255.255.255.255/32 (limited broadcast, RFC 919)"
    );
}

#[test]
fn loopback_is_allowed_only_explicitly_and_never_through_a_carrying_form() {
    let strict = HostPolicy::public_only([], false);
    let tests = HostPolicy::public_only([], true);
    for ip in ["127.0.0.1", "127.255.0.9", "::1"] {
        let ip = ip.parse().unwrap();
        assert!(strict.check_addr(ip).is_err(), "{ip}");
        assert_eq!(tests.check_addr(ip), Ok(()), "{ip}");
    }
    for ip in [
        "::ffff:127.0.0.1",
        "64:ff9b::127.0.0.1",
        "::127.0.0.1",
        "2002:7f00:1::1",
        "10.0.0.1",
        "::",
        "0.0.0.0",
    ] {
        let ip = ip.parse().unwrap();
        assert!(tests.check_addr(ip).is_err(), "{ip}");
    }
}

#[test]
fn without_public_only_every_address_and_host_is_allowed() {
    let open = HostPolicy::default();
    assert!(open.allows_host("registry.internal:5000"));
    for case in address_cases() {
        assert_eq!(open.check_addr(case.ip), Ok(()), "{}", case.ip);
    }
}

#[test]
fn allowed_hosts_are_compared_without_case() {
    let policy =
        HostPolicy::public_only(["GHCR.io".to_owned(), "localhost:5000".to_owned()], false);
    assert!(policy.allows_host("ghcr.io"));
    assert!(policy.allows_host("GHCR.IO"));
    assert!(policy.allows_host("localhost:5000"));
    assert!(!policy.allows_host("localhost:5001"));
    assert!(!policy.allows_host("ghcr.io.evil.example"));
}

#[test]
fn cloud_metadata_addresses_are_refused_in_every_form_even_with_loopback_allowed() {
    for policy in [
        HostPolicy::public_only([], false),
        HostPolicy::public_only([], true),
    ] {
        for ip in [
            "169.254.169.254",
            "169.254.170.2",
            "100.100.100.200",
            "::ffff:169.254.169.254",
            "::ffff:a9fe:a9fe",
            "0:0:0:0:0:FFFF:A9FE:A9FE",
            "64:ff9b::169.254.169.254",
            "64:ff9b:1::a9fe:a9fe",
            "::169.254.169.254",
            "2002:a9fe:a9fe::",
            "2002:a9fe:a9fe:ffff:ffff:ffff:ffff:ffff",
            "2001:0:a9fe:a9fe::1",
            "2001:0:808:808::5601:5601",
            "fd00:ec2::254",
            "fd00:ec2::23",
            "fe80::a9fe:a9fe",
            "::ffff:0:a9fe:a9fe",
        ] {
            let parsed: IpAddr = ip.parse().unwrap();
            assert!(policy.check_addr(parsed).is_err(), "{ip} was allowed");
        }
    }
}

#[test]
fn loopback_in_teredo_and_local_nat64_forms_stays_refused_where_loopback_is_allowed() {
    let tests = HostPolicy::public_only([], true);
    for ip in [
        "2001:0:7f00:1::1",
        "2001:0:808:808::80ff:fffe",
        "64:ff9b:1::7f00:1",
        "::ffff:7f00:1",
        "::7f00:1",
        "0:0:0:0:0:0:0:1",
    ] {
        let parsed: IpAddr = ip.parse().unwrap();
        if parsed == IpAddr::V6(Ipv6Addr::LOCALHOST) {
            assert_eq!(tests.check_addr(parsed), Ok(()), "{ip}");
            continue;
        }
        assert!(tests.check_addr(parsed).is_err(), "{ip} was allowed");
    }
}

#[test]
fn an_allowlist_entry_matches_only_its_exact_spelling() {
    let policy = HostPolicy::public_only(["ghcr.io".to_owned()], false);
    for host in [
        "ghcr.io.",
        "ghcr.io:443",
        "ghcr.io:5000",
        "user@ghcr.io",
        "ghcr.io@10.0.0.1",
        "ghcr.io/../10.0.0.1",
        "xn--ghcr-io",
        "ghcr\u{2024}io",
        "ghcr.io\0",
        " ghcr.io",
    ] {
        assert!(!policy.allows_host(host), "{host:?} was allowed");
    }
}
