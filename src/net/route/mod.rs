//! How the TCP connection to the server is opened: directly or through a SOCKS5 proxy
//! (`socks.rs`), from a chosen local address, and with a PROXY protocol header first
//! (`header.rs`). Every command that connects takes a [`Route`] inside its
//! [`ConnectOptions`](super::ConnectOptions), so the explorer, the probe, the scan and the
//! implicit-TLS check of a silent port all go the same way.
//!
//! Layer: transport.

pub mod eyeballs;
pub mod header;
pub mod socks;

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpSocket, TcpStream};

use crate::event::failure::{IoErrorKind, IoFailure, ProxyFailure};

use super::error::{ConnectAttempt, NetError, Phase};
use super::target::{AddressFamily, Target};

pub use header::{ProxyHeader, ProxyVersion};
pub use socks::{ProxyUrlError, SocksCredentials, SocksProxy};

/// The way to the server. The default is a direct connection from whatever address the
/// system picks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Route {
    /// Bind to this address before connecting (to the server, or to the proxy).
    pub local_addr: Option<IpAddr>,
    /// Reach the server through this SOCKS5 proxy.
    pub socks: Option<SocksProxy>,
    /// Send this PROXY protocol header before anything else.
    pub proxy_header: Option<ProxyHeader>,
}

/// What the route did on a connection that opened, for notes on screen and in transcripts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RouteTaken {
    /// The proxy the connection goes through (its password hidden) and its address.
    pub proxy: Option<(String, SocketAddr)>,
    /// The PROXY header sent, as bytes.
    pub proxy_header: Option<(ProxyVersion, Vec<u8>)>,
    /// Addresses of the server's name that failed before one connected.
    pub earlier: Vec<ConnectAttempt>,
    /// Addresses still being tried when another connected first (dropped).
    pub abandoned: Vec<SocketAddr>,
}

impl RouteTaken {
    /// One line per thing the route did, for a person.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if !self.earlier.is_empty() || !self.abandoned.is_empty() {
            let mut tried: Vec<String> = self.earlier.iter().map(ToString::to_string).collect();
            tried.extend(
                self.abandoned
                    .iter()
                    .map(|a| format!("given up on {a} when another answered first")),
            );
            notes.push(format!(
                "other addresses of the name were tried (Happy Eyeballs, RFC 8305): {}",
                tried.join("; ")
            ));
        }
        if let Some((proxy, addr)) = &self.proxy {
            notes.push(format!(
                "through SOCKS5 proxy {proxy} at {addr}: the proxy resolved the server's name \
                 and connected to it; the server sees the proxy's address, not ours"
            ));
        }
        if let Some((version, bytes)) = &self.proxy_header {
            let shown = match version {
                ProxyVersion::V1 => String::from_utf8_lossy(bytes).trim_end().to_string(),
                ProxyVersion::V2 => bytes.iter().map(|b| format!("{b:02x}")).collect(),
            };
            notes.push(format!(
                "sent a PROXY protocol {version} header ({} bytes) before the session: {shown}",
                bytes.len()
            ));
        }
        notes
    }
}

/// An opened TCP connection to the server, and the addresses that failed before it.
pub(super) struct Opened {
    pub tcp: TcpStream,
    pub failed_attempts: Vec<ConnectAttempt>,
    pub taken: RouteTaken,
}

/// Why one socket could not be connected: the bind is this machine's fault, the connect
/// the network's.
enum SocketFailure {
    Bind(io::Error),
    Connect(io::Error),
}

/// A TCP connection to `addr`, bound first to `local` when given.
async fn tcp_to(addr: SocketAddr, local: Option<IpAddr>) -> Result<TcpStream, SocketFailure> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()
    } else {
        TcpSocket::new_v6()
    }
    .map_err(SocketFailure::Connect)?;
    if let Some(ip) = local {
        socket
            .bind(SocketAddr::new(ip, 0))
            .map_err(SocketFailure::Bind)?;
    }
    socket.connect(addr).await.map_err(SocketFailure::Connect)
}

fn local_failure(addr: IpAddr, error: &io::Error) -> NetError {
    let mut failure = IoFailure::from(error);
    if failure.kind == IoErrorKind::AddrNotAvailable {
        failure.message = format!("{} (it is not an address of this machine)", failure.message);
    }
    NetError::LocalAddress {
        addr,
        error: failure,
    }
}

/// Resolves `target` and races its addresses (of the local address's family, when one is
/// given) with Happy Eyeballs, `wait` each.
async fn first_accepting(
    target: &Target,
    family: AddressFamily,
    local: Option<IpAddr>,
    resolve_wait: Duration,
    wait: Duration,
) -> Result<eyeballs::Won, NetError> {
    let addrs = target.resolve(family, resolve_wait).await?;
    let usable: Vec<SocketAddr> = match local {
        Some(ip) => addrs
            .iter()
            .copied()
            .filter(|a| a.is_ipv4() == ip.is_ipv4())
            .collect(),
        None => addrs.clone(),
    };
    if let (Some(ip), true) = (local, usable.is_empty()) {
        let (mine, theirs) = if ip.is_ipv4() {
            ("IPv4", "IPv6")
        } else {
            ("IPv6", "IPv4")
        };
        return Err(NetError::LocalAddress {
            addr: ip,
            error: IoFailure {
                kind: IoErrorKind::InvalidInput,
                message: format!(
                    "it is {mine} and {} has only {theirs} addresses",
                    target.host
                ),
            },
        });
    }
    match eyeballs::race(&eyeballs::interleave(&usable), local, wait).await {
        Ok(won) => Ok(won),
        // Only a local address is bound.
        Err(eyeballs::RaceFailure::Bind(e)) => Err(local_failure(
            local.unwrap_or(IpAddr::from([0, 0, 0, 0])),
            &e,
        )),
        Err(eyeballs::RaceFailure::AllFailed(attempts)) => Err(NetError::Connect {
            target: target.clone(),
            attempts,
        }),
    }
}

impl Route {
    /// Opens a TCP connection to `target` the way this route says. `wait` bounds each
    /// connection attempt, `slow_wait` name resolution and the proxy's work (it resolves
    /// and connects on our behalf), `send_wait` the PROXY header's write.
    pub(super) async fn open(
        &self,
        target: &Target,
        family: AddressFamily,
        wait: Duration,
        slow_wait: Duration,
        send_wait: Duration,
    ) -> Result<Opened, NetError> {
        let mut taken = RouteTaken::default();
        let (mut tcp, failed_attempts) = match &self.socks {
            None => {
                let won = first_accepting(target, family, self.local_addr, slow_wait, wait).await?;
                taken.earlier = won.failed.clone();
                taken.abandoned = won.abandoned;
                (won.tcp, won.failed)
            }
            Some(proxy) => {
                let shown = proxy.server.to_string();
                let to_proxy = first_accepting(
                    &proxy.server,
                    AddressFamily::Any,
                    self.local_addr,
                    slow_wait,
                    wait,
                )
                .await;
                let tcp = match to_proxy {
                    Ok(won) => won.tcp,
                    Err(NetError::Resolve { .. }) => {
                        return Err(NetError::Proxy {
                            proxy: shown,
                            failure: ProxyFailure::Resolve,
                        });
                    }
                    Err(NetError::Connect { attempts, .. }) => {
                        return Err(NetError::Proxy {
                            proxy: shown,
                            failure: ProxyFailure::Unreachable { attempts },
                        });
                    }
                    Err(other) => return Err(other),
                };
                let proxy_addr = tcp.peer_addr().map_err(|e| NetError::Io {
                    during: Phase::Connect,
                    partial: None,
                    source: e,
                })?;
                let tcp = proxy
                    .open(tcp, target, slow_wait)
                    .await
                    .map_err(|failure| NetError::Proxy {
                        proxy: shown,
                        failure,
                    })?;
                taken.proxy = Some((proxy.to_string(), proxy_addr));
                (tcp, Vec::new())
            }
        };
        if let Some(header) = &self.proxy_header {
            let bytes = header_bytes(header, &tcp, target, self.socks.is_some())?;
            let write = async {
                tcp.write_all(&bytes).await?;
                tcp.flush().await
            };
            match tokio::time::timeout(send_wait, write).await {
                Ok(Ok(())) => {}
                Ok(Err(source)) => {
                    return Err(NetError::Io {
                        during: Phase::Send,
                        partial: None,
                        source,
                    });
                }
                Err(_) => {
                    return Err(NetError::Timeout {
                        waiting_for: Phase::Send,
                        after: send_wait,
                    });
                }
            }
            taken.proxy_header = Some((header.version, bytes));
        }
        Ok(Opened {
            tcp,
            failed_attempts,
            taken,
        })
    }

    /// A fresh connection to the address `addr` that an earlier connection of this route
    /// reached (through the proxy: to `target` again, as the proxy does not tell the
    /// server's address), with the PROXY header sent. For a second look at a port, e.g.
    /// whether a silent one speaks TLS.
    pub async fn reopen(
        &self,
        target: &Target,
        addr: SocketAddr,
        wait: Duration,
    ) -> Result<TcpStream, NetError> {
        if self.socks.is_some() {
            return self
                .open(target, AddressFamily::Any, wait, wait, wait)
                .await
                .map(|opened| opened.tcp);
        }
        let direct = Route {
            local_addr: self.local_addr,
            socks: None,
            proxy_header: self.proxy_header,
        };
        let literal = Target::new(addr.ip().to_string(), addr.port());
        direct
            .open(&literal, AddressFamily::Any, wait, wait, wait)
            .await
            .map(|opened| opened.tcp)
    }
}

/// The PROXY header for this connection. The destination is the server's address; through
/// a SOCKS proxy only the target says it, so a host name stands as the unspecified address
/// (receivers such as Postfix use the source).
fn header_bytes(
    header: &ProxyHeader,
    tcp: &TcpStream,
    target: &Target,
    through_proxy: bool,
) -> Result<Vec<u8>, NetError> {
    let io = |source| NetError::Io {
        during: Phase::Connect,
        partial: None,
        source,
    };
    let local = tcp.local_addr().map_err(io)?;
    let destination = if through_proxy {
        let unspecified = if local.is_ipv4() {
            IpAddr::from([0, 0, 0, 0])
        } else {
            IpAddr::from([0u16; 8])
        };
        let ip = target.host.parse::<IpAddr>().unwrap_or(unspecified);
        SocketAddr::new(ip, target.port)
    } else {
        tcp.peer_addr().map_err(io)?
    };
    Ok(header.encode(local, destination))
}
