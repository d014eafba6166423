//! Where to connect: a host (DNS name or IP literal) and a port, parsed from what a person
//! types, and resolved to every address it has.
//!
//! Accepted forms: `HOST`, `HOST:PORT`, `[v6]`, `[v6]:PORT`, and a bare IPv6 literal
//! (`::1`, which cannot carry a port — its colons would be ambiguous).
//!
//! Layer: transport.

use std::fmt;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::str::FromStr;
use std::time::Duration;

use super::error::{NetError, Phase};

/// The SMTP port ([RFC 5321 §4.5.4](https://www.rfc-editor.org/rfc/rfc5321#section-4.5.4)).
pub const SMTP_PORT: u16 = 25;
/// Message submission ([RFC 6409 §3.1](https://www.rfc-editor.org/rfc/rfc6409#section-3.1)).
pub const SUBMISSION_PORT: u16 = 587;
/// Submission over implicit TLS ([RFC 8314 §7.3](https://www.rfc-editor.org/rfc/rfc8314#section-7.3)).
pub const SUBMISSIONS_PORT: u16 = 465;

/// A host and port. `host` never has brackets: an IPv6 literal is stored bare (`::1`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Target {
    pub host: String,
    pub port: u16,
}

/// Which address families to try.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AddressFamily {
    #[default]
    Any,
    V4Only,
    V6Only,
}

impl AddressFamily {
    pub(super) fn allows(self, addr: &SocketAddr) -> bool {
        match self {
            AddressFamily::Any => true,
            AddressFamily::V4Only => addr.is_ipv4(),
            AddressFamily::V6Only => addr.is_ipv6(),
        }
    }
}

impl Target {
    pub fn new(host: impl Into<String>, port: u16) -> Target {
        Target {
            host: host.into(),
            port,
        }
    }

    /// Parses `HOST`, `HOST:PORT`, `[v6]`, `[v6]:PORT` or a bare IPv6 literal; a missing
    /// port is `default_port`.
    pub fn parse(input: &str, default_port: u16) -> Result<Target, NetError> {
        let invalid = |reason: &str| NetError::InvalidTarget {
            input: input.to_string(),
            reason: reason.to_string(),
        };
        let text = input.trim();
        if text.is_empty() {
            return Err(invalid("empty host"));
        }
        let parse_port = |p: &str| -> Result<u16, NetError> {
            match p.parse::<u16>() {
                Ok(0) | Err(_) => Err(invalid("port must be a number from 1 to 65535")),
                Ok(port) => Ok(port),
            }
        };
        if let Some(rest) = text.strip_prefix('[') {
            let Some((inside, after)) = rest.split_once(']') else {
                return Err(invalid("missing ']' after the IPv6 address"));
            };
            let ip = Ipv6Addr::from_str(inside)
                .map_err(|_| invalid("not an IPv6 address inside [ ]"))?;
            let port = match after {
                "" => default_port,
                _ => match after.strip_prefix(':') {
                    Some(p) => parse_port(p)?,
                    None => return Err(invalid("expected ':PORT' after ']'")),
                },
            };
            return Ok(Target::new(ip.to_string(), port));
        }
        if text.matches(':').count() > 1 {
            return match Ipv6Addr::from_str(text) {
                Ok(ip) => Ok(Target::new(ip.to_string(), default_port)),
                Err(_) => Err(invalid(
                    "several ':' but not an IPv6 address (write [v6]:PORT for a port)",
                )),
            };
        }
        let (host, port) = match text.split_once(':') {
            Some((host, p)) => (host, parse_port(p)?),
            None => (text, default_port),
        };
        if host.is_empty() {
            return Err(invalid("empty host"));
        }
        if host
            .bytes()
            .any(|b| b.is_ascii_whitespace() || b.is_ascii_control() || b == b'/')
        {
            return Err(invalid("host contains spaces, control characters or '/'"));
        }
        Ok(Target::new(host, port))
    }

    /// The host as an IP address, if it is a literal.
    pub fn ip(&self) -> Option<IpAddr> {
        IpAddr::from_str(&self.host).ok()
    }

    /// Every address the host resolves to, in resolver order (RFC 6724 preference),
    /// filtered by `family`. IP literals are not looked up.
    pub async fn resolve(
        &self,
        family: AddressFamily,
        timeout: Duration,
    ) -> Result<Vec<SocketAddr>, NetError> {
        let all: Vec<SocketAddr> = match self.ip() {
            Some(ip) => vec![SocketAddr::new(ip, self.port)],
            None => {
                let lookup = tokio::net::lookup_host((self.host.as_str(), self.port));
                match tokio::time::timeout(timeout, lookup).await {
                    Err(_) => {
                        return Err(NetError::Timeout {
                            waiting_for: Phase::Resolve,
                            after: timeout,
                        });
                    }
                    Ok(Err(e)) => {
                        return Err(NetError::Resolve {
                            host: self.host.clone(),
                            reason: e.to_string(),
                        });
                    }
                    Ok(Ok(addrs)) => addrs.collect(),
                }
            }
        };
        let mut addrs: Vec<SocketAddr> = Vec::with_capacity(all.len());
        for addr in all.iter().filter(|a| family.allows(a)) {
            if !addrs.contains(addr) {
                addrs.push(*addr);
            }
        }
        if addrs.is_empty() {
            return Err(NetError::Resolve {
                host: self.host.clone(),
                reason: match (all.is_empty(), family) {
                    (true, _) => "no addresses".to_string(),
                    (false, AddressFamily::V4Only) => "no IPv4 address".to_string(),
                    (false, _) => "no IPv6 address".to_string(),
                },
            });
        }
        Ok(addrs)
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

impl FromStr for Target {
    type Err = NetError;

    /// Like [`Target::parse`] with the SMTP port 25 as default.
    fn from_str(s: &str) -> Result<Target, NetError> {
        Target::parse(s, SMTP_PORT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_forms_parse() {
        let cases = [
            ("mx.example.com", "mx.example.com", 25),
            ("mx.example.com:587", "mx.example.com", 587),
            ("127.0.0.1:2525", "127.0.0.1", 2525),
            ("[::1]:2525", "::1", 2525),
            ("[::1]", "::1", 25),
            ("::1", "::1", 25),
            ("2001:db8::25", "2001:db8::25", 25),
            (" localhost ", "localhost", 25),
        ];
        for (input, host, port) in cases {
            let t = Target::parse(input, 25).unwrap();
            assert_eq!((t.host.as_str(), t.port), (host, port), "{input}");
        }
    }

    #[test]
    fn bad_targets_are_rejected_with_a_reason() {
        for input in [
            "",
            "host:",
            "host:0",
            "host:99999",
            "[::1",
            "[nothost]:25",
            "[::1]x",
            "a:b:c",
            ":25",
            "a b",
        ] {
            let err = Target::parse(input, 25).unwrap_err();
            assert!(
                matches!(err, NetError::InvalidTarget { .. }),
                "{input}: {err}"
            );
        }
    }

    #[test]
    fn display_brackets_ipv6() {
        assert_eq!(Target::new("::1", 25).to_string(), "[::1]:25");
        assert_eq!(Target::new("mx", 465).to_string(), "mx:465");
    }
}
