//! IP addresses as policy sees them: which ones are public (the only ones Rapport calls out
//! to, see [`super::egress`]), and address ranges an operator writes in settings
//! (`10.0.0.0/8`, `2001:db8::1`) to name trusted relays or allowed hosts.
//!
//! The classification follows the IANA special-purpose registries (RFC 6890 and its
//! updates). An IPv6 address that embeds an IPv4 one (IPv4-mapped `::ffff:a.b.c.d`, the NAT64
//! prefix `64:ff9b::/96`, 6to4 `2002::/16`) is judged by the address it embeds, because that
//! is where a packet to it ends up.
//!
//! Rate limits and throttles count a client by [`client_key`]: an IPv4 address, or the /64 an
//! IPv6 address belongs to.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// Why an address is not a public one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonPublic {
    Unspecified,
    /// `0.0.0.0/8`.
    ThisNetwork,
    Loopback,
    /// RFC 1918: `10/8`, `172.16/12`, `192.168/16`.
    Private,
    /// RFC 6598 carrier-grade NAT: `100.64/10`.
    SharedAddressSpace,
    LinkLocal,
    /// `fc00::/7`.
    UniqueLocal,
    /// `fec0::/10`, deprecated but still routed inside some networks.
    SiteLocal,
    Multicast,
    /// `255.255.255.255`.
    Broadcast,
    /// `192.0.2/24`, `198.51.100/24`, `203.0.113/24`, `2001:db8::/32`, `3fff::/20`.
    Documentation,
    /// `198.18/15`.
    Benchmarking,
    /// Everything else outside the global unicast space: `240/4`, `192.0.0/24`,
    /// `2001::/23`, `100::/64`, IPv4-compatible IPv6, anything outside `2000::/3`.
    Reserved,
}

impl fmt::Display for NonPublic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NonPublic::Unspecified => "the unspecified address",
            NonPublic::ThisNetwork => "a \"this network\" address (0.0.0.0/8)",
            NonPublic::Loopback => "a loopback address",
            NonPublic::Private => "a private address (RFC 1918)",
            NonPublic::SharedAddressSpace => "a carrier-grade NAT address (100.64.0.0/10)",
            NonPublic::LinkLocal => "a link-local address",
            NonPublic::UniqueLocal => "a unique-local address (fc00::/7)",
            NonPublic::SiteLocal => "a site-local address (fec0::/10)",
            NonPublic::Multicast => "a multicast address",
            NonPublic::Broadcast => "the broadcast address",
            NonPublic::Documentation => "a documentation address",
            NonPublic::Benchmarking => "a benchmarking address (198.18.0.0/15)",
            NonPublic::Reserved => "a reserved, non-public address",
        })
    }
}

/// `None` for a public address; otherwise what kind of non-public address it is.
pub fn non_public(ip: IpAddr) -> Option<NonPublic> {
    match ip {
        IpAddr::V4(v4) => non_public_v4(v4),
        IpAddr::V6(v6) => non_public_v6(v6),
    }
}

fn non_public_v4(ip: Ipv4Addr) -> Option<NonPublic> {
    let [a, b, c, _] = ip.octets();
    let kind = if ip.is_unspecified() {
        NonPublic::Unspecified
    } else if a == 0 {
        NonPublic::ThisNetwork
    } else if a == 127 {
        NonPublic::Loopback
    } else if a == 10 || (a == 172 && (16..32).contains(&b)) || (a == 192 && b == 168) {
        NonPublic::Private
    } else if a == 100 && (64..128).contains(&b) {
        NonPublic::SharedAddressSpace
    } else if a == 169 && b == 254 {
        NonPublic::LinkLocal
    } else if ip.is_broadcast() {
        NonPublic::Broadcast
    } else if (224..240).contains(&a) {
        NonPublic::Multicast
    } else if (a, b, c) == (192, 0, 2) || (a, b, c) == (198, 51, 100) || (a, b, c) == (203, 0, 113)
    {
        NonPublic::Documentation
    } else if a == 198 && (b == 18 || b == 19) {
        NonPublic::Benchmarking
    } else if a >= 240 || (a, b, c) == (192, 0, 0) || (a, b, c) == (192, 88, 99) {
        // 240/4 "future use", IETF protocol assignments, the retired 6to4 relay anycast.
        NonPublic::Reserved
    } else {
        return None;
    };
    Some(kind)
}

fn non_public_v6(ip: Ipv6Addr) -> Option<NonPublic> {
    if let Some(v4) = embedded_v4(ip) {
        return non_public_v4(v4);
    }
    let segments = ip.segments();
    let first = segments[0];
    let kind = if ip.is_unspecified() {
        NonPublic::Unspecified
    } else if ip.is_loopback() {
        NonPublic::Loopback
    } else if first & 0xff00 == 0xff00 {
        NonPublic::Multicast
    } else if first & 0xfe00 == 0xfc00 {
        NonPublic::UniqueLocal
    } else if first & 0xffc0 == 0xfe80 {
        NonPublic::LinkLocal
    } else if first & 0xffc0 == 0xfec0 {
        NonPublic::SiteLocal
    } else if (first, segments[1]) == (0x2001, 0x0db8) || first & 0xfff0 == 0x3ff0 {
        // 3fff::/20 (RFC 9637) sits inside 3ff0::/12 with the retired 6bone; neither is public.
        NonPublic::Documentation
    } else if first & 0xe000 != 0x2000 || (first == 0x2001 && segments[1] < 0x0200) {
        // Outside global unicast (2000::/3), or IETF protocol assignments (2001::/23: Teredo,
        // ORCHID, benchmarking): none is a place a webhook lives.
        NonPublic::Reserved
    } else {
        return None;
    };
    Some(kind)
}

/// The IPv4 address an IPv6 one stands for, when it embeds one: IPv4-mapped
/// (`::ffff:0:0/96`), IPv4-compatible (`::/96`, deprecated: judged by what it embeds, so
/// `::127.0.0.1` is loopback), NAT64 (`64:ff9b::/96`) and 6to4 (`2002::/16`).
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let tail = || Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    if s[..5] == [0, 0, 0, 0, 0] && s[5] == 0xffff {
        Some(tail())
    } else if s[..6] == [0, 0, 0, 0, 0, 0] && (s[6] != 0 || s[7] > 1) {
        // `::` and `::1` are IPv6's own unspecified and loopback addresses.
        Some(tail())
    } else if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        Some(tail())
    } else if s[0] == 0x2002 {
        Some(Ipv4Addr::new(
            (s[1] >> 8) as u8,
            s[1] as u8,
            (s[2] >> 8) as u8,
            s[2] as u8,
        ))
    } else {
        None
    }
}

/// An IPv4-mapped IPv6 address as the IPv4 address it is (a listener on `[::]` sees IPv4
/// clients that way); any other address unchanged.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

/// The prefix that stands for one IPv6 client. A host, or a whole household, is handed a /64
/// (RFC 6177, RFC 7934) and may pick any of its 2^64 addresses for each request, so a limit
/// per address would be no limit at all.
pub const IPV6_CLIENT_PREFIX: u8 = 64;

/// Who a request counts against in a rate limit or a throttle: the IPv4 address (an
/// IPv4-mapped IPv6 address as the IPv4 address it maps), or the /64 of an IPv6 address.
/// Shown as `192.0.2.7` or `2001:db8:1:2::/64`.
pub fn client_key(ip: IpAddr) -> IpNet {
    match canonical(ip) {
        IpAddr::V4(v4) => IpNet {
            network: IpAddr::V4(v4),
            prefix: 32,
        },
        IpAddr::V6(v6) => IpNet::masked(v6, IPV6_CLIENT_PREFIX),
    }
}

/// An address range as an operator writes it: `192.0.2.7`, `10.0.0.0/8`, `2001:db8::/32`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IpNet {
    network: IpAddr,
    prefix: u8,
}

impl IpNet {
    /// The `prefix`-bit range `ip` is in, its host bits cleared.
    fn masked(ip: Ipv6Addr, prefix: u8) -> IpNet {
        let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
        IpNet {
            network: IpAddr::V6(Ipv6Addr::from(u128::from(ip) & mask)),
            prefix,
        }
    }

    /// Whether `ip` is inside the range (IPv4-mapped IPv6 addresses count as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, canonical(ip)) {
            (IpAddr::V4(network), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(network) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(network), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(network) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl FromStr for IpNet {
    type Err = String;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let input = input.trim();
        let bad = || format!("\"{input}\" is not an IP address or a range like 10.0.0.0/8");
        let (address, prefix) = match input.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (input, None),
        };
        let address = address
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .map_err(|_| bad())?;
        let address = canonical(address);
        let width = if address.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => width,
            Some(prefix) => prefix
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= width)
                .ok_or_else(bad)?,
        };
        Ok(IpNet {
            network: address,
            prefix,
        })
    }
}

impl fmt::Display for IpNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = if self.network.is_ipv4() { 32 } else { 128 };
        if self.prefix == width {
            write!(f, "{}", self.network)
        } else {
            write!(f, "{}/{}", self.network, self.prefix)
        }
    }
}

/// A comma-separated list of ranges (`RAPPORT_SMTP_RELAYS`); blanks between commas ignored.
pub fn parse_list(input: &str) -> Result<Vec<IpNet>, String> {
    input
        .split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(str::parse)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(address: &str) -> Option<NonPublic> {
        non_public(address.parse().unwrap())
    }

    #[test]
    fn public_addresses_are_public() {
        for address in [
            "1.1.1.1",
            "8.8.8.8",
            "93.184.215.14",
            "100.63.255.255",
            "100.128.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.0.1.1",
            "192.169.0.1",
            "198.17.255.255",
            "198.20.0.0",
            "223.255.255.255",
            "2606:4700:4700::1111",
            "2a00:1450:4001:82a::200e",
            "2001:4860:4860::8888",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:0808:0808::1",
        ] {
            assert_eq!(kind(address), None, "{address}");
        }
    }

    #[test]
    fn every_special_range_is_named() {
        use NonPublic::*;
        for (address, expected) in [
            ("0.0.0.0", Unspecified),
            ("0.1.2.3", ThisNetwork),
            ("127.0.0.1", Loopback),
            ("127.255.255.254", Loopback),
            ("10.0.0.1", Private),
            ("172.16.0.1", Private),
            ("172.31.255.255", Private),
            ("192.168.1.1", Private),
            ("100.64.0.1", SharedAddressSpace),
            ("100.127.255.255", SharedAddressSpace),
            ("169.254.169.254", LinkLocal),
            ("224.0.0.1", Multicast),
            ("239.255.255.250", Multicast),
            ("255.255.255.255", Broadcast),
            ("192.0.2.10", Documentation),
            ("198.51.100.10", Documentation),
            ("203.0.113.10", Documentation),
            ("198.18.0.1", Benchmarking),
            ("198.19.255.255", Benchmarking),
            ("240.0.0.1", Reserved),
            ("192.0.0.8", Reserved),
            ("::", Unspecified),
            ("::1", Loopback),
            ("fc00::1", UniqueLocal),
            ("fd12:3456:789a::1", UniqueLocal),
            ("fe80::1", LinkLocal),
            ("febf::1", LinkLocal),
            ("fec0::1", SiteLocal),
            ("ff02::1", Multicast),
            ("2001:db8::1", Documentation),
            ("3fff::1", Documentation),
            ("2001::1", Reserved),
            ("2001:2::1", Reserved),
            ("100::1", Reserved),
            ("4000::1", Reserved),
            ("1234::1", Reserved),
        ] {
            assert_eq!(kind(address), Some(expected), "{address}");
        }
    }

    #[test]
    fn embedded_ipv4_is_judged_by_what_it_embeds() {
        use NonPublic::*;
        for (address, expected) in [
            ("::ffff:127.0.0.1", Loopback),
            ("::ffff:10.1.2.3", Private),
            ("::ffff:169.254.169.254", LinkLocal),
            ("::ffff:0.0.0.0", Unspecified),
            ("::127.0.0.1", Loopback),
            ("::10.0.0.1", Private),
            ("64:ff9b::7f00:1", Loopback),
            ("64:ff9b::a9fe:a9fe", LinkLocal),
            ("2002:7f00:0001::1", Loopback),
            ("2002:c0a8:0101::1", Private),
        ] {
            assert_eq!(kind(address), Some(expected), "{address}");
        }
    }

    #[test]
    fn a_client_is_its_ipv4_address_or_its_ipv6_64() {
        let key = |address: &str| client_key(address.parse().unwrap());
        assert_eq!(
            key("2001:db8:1:2::1"),
            key("2001:db8:1:2:ffff:ffff:ffff:ffff"),
            "two addresses of one /64 are one client"
        );
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db9:1:2::1"));
        assert_eq!(key("2001:db8:1:2:abcd::9").to_string(), "2001:db8:1:2::/64");
        assert!(key("2001:db8:1:2::1").contains("2001:db8:1:2:ffff::1".parse().unwrap()));
        assert_eq!(key("::1").to_string(), "::/64");
        assert_eq!(key("192.0.2.7"), key("::ffff:192.0.2.7"));
        assert_ne!(
            key("192.0.2.7"),
            key("192.0.2.8"),
            "IPv4 counts per address"
        );
        assert_eq!(key("::ffff:192.0.2.7").to_string(), "192.0.2.7");
        assert_eq!(key("10.0.0.1").to_string(), "10.0.0.1");
    }

    #[test]
    fn ranges_parse_and_contain() {
        let net: IpNet = "10.0.0.0/8".parse().unwrap();
        assert!(net.contains("10.200.1.1".parse().unwrap()));
        assert!(net.contains("::ffff:10.200.1.1".parse().unwrap()));
        assert!(!net.contains("11.0.0.1".parse().unwrap()));
        assert!(!net.contains("::1".parse().unwrap()));
        let one: IpNet = " 192.0.2.7 ".parse().unwrap();
        assert!(one.contains("192.0.2.7".parse().unwrap()));
        assert!(!one.contains("192.0.2.8".parse().unwrap()));
        assert_eq!(one.to_string(), "192.0.2.7");
        let v6: IpNet = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains("2001:db8:1::5".parse().unwrap()));
        assert!(!v6.contains("2001:db9::5".parse().unwrap()));
        assert_eq!(v6.to_string(), "2001:db8::/32");
        let everything: IpNet = "0.0.0.0/0".parse().unwrap();
        assert!(everything.contains("8.8.8.8".parse().unwrap()));
        let mapped: IpNet = "::ffff:127.0.0.1".parse().unwrap();
        assert!(mapped.contains("127.0.0.1".parse().unwrap()));
        assert!(
            "[::1]"
                .parse::<IpNet>()
                .unwrap()
                .contains("::1".parse().unwrap())
        );
        for bad in [
            "",
            "10.0.0.0/33",
            "::/129",
            "mail.example.com",
            "10.0.0.0/x",
            "1.2.3",
        ] {
            assert!(bad.parse::<IpNet>().is_err(), "{bad}");
        }
        assert_eq!(
            parse_list("127.0.0.1, 10.0.0.0/8,,").unwrap(),
            vec![
                "127.0.0.1".parse::<IpNet>().unwrap(),
                "10.0.0.0/8".parse().unwrap()
            ]
        );
        assert!(parse_list("127.0.0.1, nope").unwrap_err().contains("nope"));
    }
}
