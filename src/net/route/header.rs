//! The PROXY protocol header a load balancer such as HAProxy sends before the client's
//! bytes, telling the server whom it forwards: version 1 is one line of text, version 2 a
//! binary block ([the HAProxy specification](https://www.haproxy.org/download/2.8/doc/proxy-protocol.txt),
//! §2.1 and §2.2). Sending one lets smtpx test a server that sits behind such a proxy
//! (Postfix `smtpd_upstream_proxy_protocol = haproxy`) as the proxy would reach it.
//!
//! Sans-IO: addresses in, bytes out, and back ([`parse_header`], for the sandbox behind a
//! proxy). Only the TCP forms are written, with no TLVs; any form is read.
//!
//! Layer: transport (plain data).

use std::fmt;
use std::net::{IpAddr, SocketAddr};

/// Which version of the header to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyVersion {
    /// Human-readable: `PROXY TCP4 SRC DST SPORT DPORT\r\n` (spec §2.1).
    V1,
    /// Binary, with a 12-byte signature no SMTP client would send (spec §2.2).
    V2,
}

impl fmt::Display for ProxyVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ProxyVersion::V1 => "v1",
            ProxyVersion::V2 => "v2",
        })
    }
}

/// The header to send: its version and the client address it claims (`None`: the address
/// this connection really comes from, as a proxy in front of the server would report it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProxyHeader {
    pub version: ProxyVersion,
    pub source: Option<SocketAddr>,
}

/// The signature that opens every version 2 header (spec §2.2).
const V2_SIGNATURE: [u8; 12] = [
    0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A,
];
/// Version 2, command PROXY: the connection was relayed for the addresses that follow.
const V2_PROXY: u8 = 0x21;
/// Address family and transport: TCP over IPv4, TCP over IPv6.
const V2_TCP4: u8 = 0x11;
const V2_TCP6: u8 = 0x21;

/// Both addresses in one family: the header has one family field, so when only one side
/// is IPv6 the IPv4 side is written IPv4-mapped (`::ffff:a.b.c.d`), which is the same host.
fn same_family(source: SocketAddr, destination: SocketAddr) -> (SocketAddr, SocketAddr) {
    let mapped = |addr: SocketAddr| match addr.ip() {
        IpAddr::V4(ip) => SocketAddr::new(IpAddr::V6(ip.to_ipv6_mapped()), addr.port()),
        IpAddr::V6(_) => addr,
    };
    if source.is_ipv4() == destination.is_ipv4() {
        (source, destination)
    } else {
        (mapped(source), mapped(destination))
    }
}

impl ProxyHeader {
    /// The header's bytes for a connection from `source` (when the header names none) to
    /// `destination`.
    pub fn encode(&self, source: SocketAddr, destination: SocketAddr) -> Vec<u8> {
        let (source, destination) = same_family(self.source.unwrap_or(source), destination);
        match self.version {
            ProxyVersion::V1 => {
                let family = if source.is_ipv4() { "TCP4" } else { "TCP6" };
                format!(
                    "PROXY {family} {} {} {} {}\r\n",
                    source.ip(),
                    destination.ip(),
                    source.port(),
                    destination.port()
                )
                .into_bytes()
            }
            ProxyVersion::V2 => {
                let mut bytes = V2_SIGNATURE.to_vec();
                bytes.push(V2_PROXY);
                match (source.ip(), destination.ip()) {
                    (IpAddr::V4(src), IpAddr::V4(dst)) => {
                        bytes.push(V2_TCP4);
                        bytes.extend_from_slice(&12u16.to_be_bytes());
                        bytes.extend_from_slice(&src.octets());
                        bytes.extend_from_slice(&dst.octets());
                    }
                    (src, dst) => {
                        let v6 = |ip: IpAddr| match ip {
                            IpAddr::V4(ip) => ip.to_ipv6_mapped(),
                            IpAddr::V6(ip) => ip,
                        };
                        bytes.push(V2_TCP6);
                        bytes.extend_from_slice(&36u16.to_be_bytes());
                        bytes.extend_from_slice(&v6(src).octets());
                        bytes.extend_from_slice(&v6(dst).octets());
                    }
                }
                bytes.extend_from_slice(&source.port().to_be_bytes());
                bytes.extend_from_slice(&destination.port().to_be_bytes());
                bytes
            }
        }
    }
}

/// What a received PROXY header says about the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyClaim {
    /// The proxy relays a TCP connection from `source` to `destination`.
    Relayed {
        version: ProxyVersion,
        source: SocketAddr,
        destination: SocketAddr,
    },
    /// The proxy speaks for itself (v2 LOCAL, v1 UNKNOWN, or a family other than TCP): the
    /// TCP peer is the client (spec §2.1, §2.2).
    Unknown { version: ProxyVersion },
}

/// Why received bytes are not a PROXY header.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a PROXY protocol header: {0}")]
pub struct HeaderError(pub &'static str);

/// The longest version 1 line, CRLF included (spec §2.1).
const V1_MAX: usize = 107;

/// Reads a PROXY header (either version) at the start of `bytes`: `Ok(None)` while more
/// bytes are needed, else the claim and how many bytes the header took. Sans-IO, for a
/// server that sits behind a proxy (the sandbox with `--accept-proxy-protocol`).
pub fn parse_header(bytes: &[u8]) -> Result<Option<(ProxyClaim, usize)>, HeaderError> {
    let starts = |sig: &[u8]| {
        let n = bytes.len().min(sig.len());
        bytes[..n] == sig[..n]
    };
    if starts(&V2_SIGNATURE) {
        return parse_v2(bytes);
    }
    if starts(b"PROXY ") {
        return parse_v1(bytes);
    }
    Err(HeaderError(
        "it starts with neither \"PROXY \" nor the version 2 signature",
    ))
}

fn parse_v1(bytes: &[u8]) -> Result<Option<(ProxyClaim, usize)>, HeaderError> {
    let Some(end) = bytes.windows(2).position(|w| w == b"\r\n") else {
        return if bytes.len() >= V1_MAX {
            Err(HeaderError("the version 1 line is longer than 107 bytes"))
        } else {
            Ok(None)
        };
    };
    let consumed = end + 2;
    if consumed > V1_MAX {
        return Err(HeaderError("the version 1 line is longer than 107 bytes"));
    }
    let line = std::str::from_utf8(&bytes[..end])
        .map_err(|_| HeaderError("the version 1 line is not ASCII"))?;
    let words: Vec<&str> = line.split(' ').collect();
    let claim = match words.as_slice() {
        ["PROXY", "UNKNOWN", ..] => ProxyClaim::Unknown {
            version: ProxyVersion::V1,
        },
        ["PROXY", family @ ("TCP4" | "TCP6"), src, dst, sport, dport] => {
            let ip = |text: &str| -> Result<IpAddr, HeaderError> {
                let ip: IpAddr = text
                    .parse()
                    .map_err(|_| HeaderError("an address of the version 1 line is not an IP"))?;
                if ip.is_ipv4() != (*family == "TCP4") {
                    return Err(HeaderError(
                        "an address is not of the family the line names",
                    ));
                }
                Ok(ip)
            };
            let port = |text: &str| -> Result<u16, HeaderError> {
                text.parse()
                    .map_err(|_| HeaderError("a port of the version 1 line is not a number"))
            };
            ProxyClaim::Relayed {
                version: ProxyVersion::V1,
                source: SocketAddr::new(ip(src)?, port(sport)?),
                destination: SocketAddr::new(ip(dst)?, port(dport)?),
            }
        }
        _ => {
            return Err(HeaderError(
                "the version 1 line has not the spec's six fields",
            ));
        }
    };
    Ok(Some((claim, consumed)))
}

fn parse_v2(bytes: &[u8]) -> Result<Option<(ProxyClaim, usize)>, HeaderError> {
    let [.., version_command, family, high, low] = match bytes.get(..16) {
        Some(head) => <[u8; 16]>::try_from(head).map_err(|_| HeaderError("short header"))?,
        None => return Ok(None),
    };
    if version_command >> 4 != 2 {
        return Err(HeaderError(
            "the version 2 header has another version number",
        ));
    }
    let length = usize::from(u16::from_be_bytes([high, low]));
    let Some(body) = bytes.get(16..16 + length) else {
        return Ok(None);
    };
    let unknown = ProxyClaim::Unknown {
        version: ProxyVersion::V2,
    };
    let claim = match (version_command & 0x0F, family) {
        (0, _) => unknown,
        (1, V2_TCP4) if length >= 12 => {
            let ip = |at: usize| IpAddr::from([body[at], body[at + 1], body[at + 2], body[at + 3]]);
            let port = |at: usize| u16::from_be_bytes([body[at], body[at + 1]]);
            ProxyClaim::Relayed {
                version: ProxyVersion::V2,
                source: SocketAddr::new(ip(0), port(8)),
                destination: SocketAddr::new(ip(4), port(10)),
            }
        }
        (1, V2_TCP6) if length >= 36 => {
            let ip = |at: usize| {
                let octets: [u8; 16] = body[at..at + 16].try_into().unwrap_or([0; 16]);
                IpAddr::from(octets)
            };
            let port = |at: usize| u16::from_be_bytes([body[at], body[at + 1]]);
            ProxyClaim::Relayed {
                version: ProxyVersion::V2,
                source: SocketAddr::new(ip(0), port(32)),
                destination: SocketAddr::new(ip(16), port(34)),
            }
        }
        (1, V2_TCP4 | V2_TCP6) => {
            return Err(HeaderError("the version 2 addresses are cut short"));
        }
        (1, _) => unknown,
        _ => return Err(HeaderError("the version 2 header has an unknown command")),
    };
    Ok(Some((claim, 16 + length)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(text: &str) -> SocketAddr {
        text.parse().expect("a socket address")
    }

    fn header(version: ProxyVersion, source: Option<&str>) -> ProxyHeader {
        ProxyHeader {
            version,
            source: source.map(addr),
        }
    }

    #[test]
    fn version_1_is_the_specs_text_line() {
        let h = header(ProxyVersion::V1, Some("192.0.2.7:4321"));
        assert_eq!(
            h.encode(addr("127.0.0.1:50000"), addr("127.0.0.1:10027")),
            b"PROXY TCP4 192.0.2.7 127.0.0.1 4321 10027\r\n"
        );
        let h = header(ProxyVersion::V1, None);
        assert_eq!(
            h.encode(addr("[2001:db8::1]:1"), addr("[::1]:25")),
            b"PROXY TCP6 2001:db8::1 ::1 1 25\r\n"
        );
    }

    #[test]
    fn version_2_matches_the_specs_layout_for_ipv4() {
        let h = header(ProxyVersion::V2, Some("192.0.2.7:4321"));
        let bytes = h.encode(addr("127.0.0.1:50000"), addr("127.0.0.1:10027"));
        let mut expected = V2_SIGNATURE.to_vec();
        expected.extend_from_slice(&[0x21, 0x11, 0x00, 12]);
        expected.extend_from_slice(&[192, 0, 2, 7, 127, 0, 0, 1]);
        expected.extend_from_slice(&[0x10, 0xE1, 0x27, 0x2B]);
        assert_eq!(bytes, expected);
    }

    #[test]
    fn mixed_families_are_written_as_ipv6_with_the_ipv4_side_mapped() {
        let h = header(ProxyVersion::V2, Some("[2001:db8::7]:4321"));
        let bytes = h.encode(addr("127.0.0.1:50000"), addr("127.0.0.1:25"));
        assert_eq!(&bytes[12..16], &[0x21, 0x21, 0x00, 36]);
        assert_eq!(bytes.len(), 16 + 36);
        let dst: [u8; 16] = bytes[32..48].try_into().expect("16 bytes");
        assert_eq!(
            std::net::Ipv6Addr::from(dst),
            "::ffff:127.0.0.1"
                .parse::<std::net::Ipv6Addr>()
                .expect("v6")
        );
        let h = header(ProxyVersion::V1, Some("192.0.2.7:4321"));
        assert_eq!(
            h.encode(addr("127.0.0.1:1"), addr("[::1]:25")),
            b"PROXY TCP6 ::ffff:192.0.2.7 ::1 4321 25\r\n"
        );
    }

    #[test]
    fn what_is_encoded_parses_back_and_partial_input_asks_for_more() {
        for version in [ProxyVersion::V1, ProxyVersion::V2] {
            for (source, destination) in [
                ("192.0.2.7:4321", "127.0.0.1:25"),
                ("[2001:db8::7]:4321", "[::1]:25"),
            ] {
                let h = header(version, Some(source));
                let bytes = h.encode(addr("127.0.0.1:1"), addr(destination));
                for cut in 0..bytes.len() {
                    assert_eq!(
                        parse_header(&bytes[..cut]),
                        Ok(None),
                        "{version} cut at {cut}"
                    );
                }
                let mut more = bytes.clone();
                more.extend_from_slice(b"EHLO x\r\n");
                assert_eq!(
                    parse_header(&more),
                    Ok(Some((
                        ProxyClaim::Relayed {
                            version,
                            source: addr(source),
                            destination: addr(destination),
                        },
                        bytes.len()
                    )))
                );
            }
        }
    }

    #[test]
    fn other_bytes_and_broken_headers_are_refused() {
        assert!(parse_header(b"EHLO client\r\n").is_err());
        assert!(parse_header(b"PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n").is_err());
        assert!(parse_header(b"PROXY TCP4 ::1 ::1 1 2\r\n").is_err());
        assert!(parse_header(&[b"PROXY ".as_slice(), &[b'x'; 120]].concat()).is_err());
        let local = [V2_SIGNATURE.as_slice(), &[0x20, 0x00, 0, 0]].concat();
        assert_eq!(
            parse_header(&local),
            Ok(Some((
                ProxyClaim::Unknown {
                    version: ProxyVersion::V2
                },
                16
            )))
        );
        let short = [V2_SIGNATURE.as_slice(), &[0x21, 0x11, 0, 4, 1, 2, 3, 4]].concat();
        assert!(parse_header(&short).is_err());
    }
}
