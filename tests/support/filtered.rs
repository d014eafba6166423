//! A filtered port on loopback, without a firewall: a listener whose accept queue is full.
//! Linux drops a SYN for a listener whose queue is full (`tcp_abort_on_overflow` is 0 by
//! default), exactly as a firewall that drops packets does: the connection attempt gets no
//! answer at all and times out — neither accepted nor refused.

use std::net::SocketAddr;
use std::time::Duration;

use socket2::{Domain, Protocol, Socket, Type};

/// A listener with backlog 0 and one connection that is never accepted: every further SYN
/// to [`FilteredPort::addr`] is dropped while this lives.
pub struct FilteredPort {
    pub addr: SocketAddr,
    _listener: Socket,
    _filler: std::net::TcpStream,
}

impl FilteredPort {
    pub fn start() -> FilteredPort {
        let listener =
            Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP)).expect("socket");
        let any: SocketAddr = "127.0.0.1:0".parse().expect("literal address");
        listener.bind(&any.into()).expect("bind");
        listener.listen(0).expect("listen");
        let addr = listener
            .local_addr()
            .expect("local address")
            .as_socket()
            .expect("an IP address");
        // The one connection the queue holds; with it queued, the queue is full.
        let filler = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2))
            .expect("the filler connection is queued");
        FilteredPort {
            addr,
            _listener: listener,
            _filler: filler,
        }
    }
}
