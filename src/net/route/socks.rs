//! A SOCKS5 proxy between smtpx and the server ([RFC 1928](https://www.rfc-editor.org/rfc/rfc1928),
//! user name and password per [RFC 1929](https://www.rfc-editor.org/rfc/rfc1929)): the classic
//! way to test port 25 from another vantage point is `ssh -D 1080 somewhere`. The server's
//! host name is passed to the proxy unresolved (what curl calls `socks5h`), so the name is
//! resolved where the connection really starts, and TLS then runs end to end through the
//! tunnel.
//!
//! Security invariant: the password never appears in any `Display` or `Debug` form, so it
//! cannot reach output, a transcript or JSON through an error or a note.
//!
//! Layer: transport.

use std::fmt;
use std::time::Duration;

use tokio::net::TcpStream;
use tokio_socks::tcp::Socks5Stream;
use zeroize::Zeroizing;

use crate::event::failure::{IoErrorKind, IoFailure, ProxyFailure};

use super::super::target::Target;

/// The SOCKS port ([RFC 1928 §3](https://www.rfc-editor.org/rfc/rfc1928#section-3)).
pub const SOCKS_PORT: u16 = 1080;

/// A SOCKS5 proxy as given by `socks5://[USER:PASSWORD@]HOST[:PORT]`.
#[derive(Clone, PartialEq, Eq)]
pub struct SocksProxy {
    pub server: Target,
    pub credentials: Option<SocksCredentials>,
}

/// A user name and password for the proxy (RFC 1929: each 1 to 255 bytes).
#[derive(Clone, PartialEq, Eq)]
pub struct SocksCredentials {
    pub user: String,
    pub password: Zeroizing<String>,
}

impl fmt::Debug for SocksProxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SocksProxy({self})")
    }
}

/// `socks5://USER:***@HOST:PORT`: the password is never shown.
impl fmt::Display for SocksProxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("socks5://")?;
        if let Some(credentials) = &self.credentials {
            write!(f, "{}:***@", credentials.user)?;
        }
        write!(f, "{}", self.server)
    }
}

/// Why a proxy URL is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid proxy '{shown}': {reason}")]
pub struct ProxyUrlError {
    /// The URL with any password replaced.
    pub shown: String,
    pub reason: String,
}

/// Decodes `%XX` escapes, so a user name or password may hold `:` or `@`.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

impl SocksProxy {
    /// Parses `socks5://[USER:PASSWORD@]HOST[:PORT]` (`socks5h://` is the same here: names
    /// are always resolved by the proxy). The port defaults to 1080.
    pub fn parse(input: &str) -> Result<SocksProxy, ProxyUrlError> {
        let (scheme, rest) = input.split_once("://").unwrap_or(("", input));
        // Everything up to the last '@' is user information, which may hold a password.
        let (userinfo, hostport) = match rest.rsplit_once('@') {
            Some((userinfo, hostport)) => (Some(userinfo), hostport),
            None => (None, rest),
        };
        let shown = match userinfo {
            Some(info) => {
                let user = info.split_once(':').map_or(info, |(user, _)| user);
                format!("{scheme}://{user}:***@{hostport}")
            }
            None => input.to_string(),
        };
        let error = |reason: &str| ProxyUrlError {
            shown: shown.clone(),
            reason: reason.to_string(),
        };
        if !scheme.eq_ignore_ascii_case("socks5") && !scheme.eq_ignore_ascii_case("socks5h") {
            return Err(error(
                "only socks5://[USER:PASSWORD@]HOST[:PORT] is supported",
            ));
        }
        let hostport = hostport.trim_end_matches('/');
        let server = Target::parse(hostport, SOCKS_PORT).map_err(|e| match e {
            crate::net::NetError::InvalidTarget { reason, .. } => error(&reason),
            other => error(&other.to_string()),
        })?;
        let credentials = match userinfo {
            None => None,
            Some(info) => {
                let Some((user, password)) = info.split_once(':') else {
                    return Err(error(
                        "give both a user name and a password: USER:PASSWORD@",
                    ));
                };
                let (Some(user), Some(password)) = (percent_decode(user), percent_decode(password))
                else {
                    return Err(error(
                        "a %-escape in the user name or password is not valid",
                    ));
                };
                // RFC 1929 §2: one length byte each, and neither may be empty.
                let fits = |s: &str| (1..=255).contains(&s.len());
                if !fits(&user) || !fits(&password) {
                    return Err(error(
                        "the user name and the password must each be 1 to 255 bytes (RFC 1929)",
                    ));
                }
                Some(SocksCredentials {
                    user,
                    password: Zeroizing::new(password),
                })
            }
        };
        Ok(SocksProxy {
            server,
            credentials,
        })
    }

    /// Asks the proxy, over `tcp` (already connected to it), for a connection to `target`,
    /// within `wait`. On success the stream carries the server's bytes.
    pub(super) async fn open(
        &self,
        tcp: TcpStream,
        target: &Target,
        wait: Duration,
    ) -> Result<TcpStream, ProxyFailure> {
        let destination = (target.host.as_str(), target.port);
        let handshake = async {
            match &self.credentials {
                None => Socks5Stream::connect_with_socket(tcp, destination).await,
                Some(c) => {
                    Socks5Stream::connect_with_password_and_socket(
                        tcp,
                        destination,
                        &c.user,
                        &c.password,
                    )
                    .await
                }
            }
        };
        match tokio::time::timeout(wait, handshake).await {
            Ok(Ok(stream)) => Ok(stream.into_inner()),
            Ok(Err(error)) => Err(self.failure(error)),
            Err(_) => Err(ProxyFailure::TimedOut { after: wait }),
        }
    }

    fn failure(&self, error: tokio_socks::Error) -> ProxyFailure {
        use tokio_socks::Error as E;
        let protocol = |detail: &str| ProxyFailure::Protocol {
            detail: detail.to_string(),
        };
        match error {
            E::Io(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                protocol("it closed the connection in the middle of the SOCKS exchange")
            }
            E::Io(e) => ProxyFailure::Io {
                error: IoFailure::from(&e),
            },
            E::NoAcceptableAuthMethods | E::AuthorizationRequired => {
                ProxyFailure::NoAcceptableMethod {
                    offered_password: self.credentials.is_some(),
                }
            }
            E::PasswordAuthFailure(_) => ProxyFailure::AuthenticationFailed,
            E::GeneralSocksServerFailure => ProxyFailure::Refused { code: 0x01 },
            E::ConnectionNotAllowedByRuleset => ProxyFailure::Refused { code: 0x02 },
            E::NetworkUnreachable => ProxyFailure::Refused { code: 0x03 },
            E::HostUnreachable => ProxyFailure::Refused { code: 0x04 },
            E::ConnectionRefused => ProxyFailure::Refused { code: 0x05 },
            E::TtlExpired => ProxyFailure::Refused { code: 0x06 },
            E::CommandNotSupported => ProxyFailure::Refused { code: 0x07 },
            E::AddressTypeNotSupported => ProxyFailure::Refused { code: 0x08 },
            E::InvalidResponseVersion => protocol("its reply is not SOCKS version 5"),
            E::InvalidReservedByte => protocol("its reply has a non-zero reserved byte"),
            E::UnknownAddressType => protocol("its reply has an unknown address type"),
            // tokio-socks reports an unassigned reply code under this name too.
            E::UnknownAuthMethod => protocol(
                "it chose an authentication method not offered, or sent an unassigned reply code",
            ),
            E::InvalidTargetAddress(reason) | E::InvalidAuthValues(reason) => ProxyFailure::Io {
                error: IoFailure {
                    kind: IoErrorKind::InvalidInput,
                    message: reason.to_string(),
                },
            },
            other => protocol(&other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_proxy_url_gives_host_port_and_credentials() {
        let proxy = SocksProxy::parse("socks5://alice:s3cr%40t@127.0.0.1:1081").expect("valid");
        assert_eq!(proxy.server, Target::new("127.0.0.1", 1081));
        let credentials = proxy.credentials.as_ref().expect("credentials");
        assert_eq!(credentials.user, "alice");
        assert_eq!(credentials.password.as_str(), "s3cr@t");
        let proxy = SocksProxy::parse("socks5h://proxy.test").expect("valid");
        assert_eq!(proxy.server, Target::new("proxy.test", SOCKS_PORT));
        assert!(proxy.credentials.is_none());
        let proxy = SocksProxy::parse("socks5://[::1]:1080/").expect("valid");
        assert_eq!(proxy.server, Target::new("::1", 1080));
    }

    #[test]
    fn the_password_never_shows_in_display_debug_or_errors() {
        let proxy = SocksProxy::parse("socks5://alice:hunter2@127.0.0.1:1081").expect("valid");
        assert_eq!(proxy.to_string(), "socks5://alice:***@127.0.0.1:1081");
        assert!(!format!("{proxy:?}").contains("hunter2"));
        for bad in [
            "http://alice:hunter2@127.0.0.1:1081",
            "socks5://alice:hunter2@127.0.0.1:99999",
            "socks5://alice:hunter2@",
            "socks5://alice:%zzhunter2@127.0.0.1",
        ] {
            let error = SocksProxy::parse(bad).expect_err(bad);
            assert!(!error.to_string().contains("hunter2"), "{error}");
            assert!(error.to_string().contains("alice:***@"), "{error}");
        }
    }

    #[test]
    fn empty_or_missing_credentials_are_refused() {
        assert!(SocksProxy::parse("socks5://alice@127.0.0.1").is_err());
        assert!(SocksProxy::parse("socks5://alice:@127.0.0.1").is_err());
        assert!(SocksProxy::parse("socks4://127.0.0.1").is_err());
        let long = "x".repeat(256);
        assert!(SocksProxy::parse(&format!("socks5://{long}:pw@127.0.0.1")).is_err());
    }
}
