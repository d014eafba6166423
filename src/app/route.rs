//! The mail route of a `--mx` session, as the explorer shows it: the domain, the MX host
//! connected to, its preference and why it was chosen. Plain values, filled in by the
//! terminal loop from the routing done before the session.
//!
//! Layer: app state.

use std::net::SocketAddr;

/// How a `--mx` session reached its server
/// ([RFC 5321 §5.1](https://www.rfc-editor.org/rfc/rfc5321#section-5.1)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailRoute {
    pub domain: String,
    /// The MX host connected to.
    pub host: String,
    /// `None`: the implicit MX (the domain has no MX record).
    pub preference: Option<u16>,
    pub addr: SocketAddr,
    /// The DNSSEC status of the MX answer, in words (`secure`, `insecure`, …).
    pub dnssec: String,
    /// Why this host: first in preference order, or the ones before it failed.
    pub why: String,
}

impl super::App {
    /// The session went to a mail domain's MX (`--mx`).
    pub fn set_mail_route(&mut self, route: MailRoute) {
        self.mail_route = Some(route);
    }

    pub fn mail_route(&self) -> Option<&MailRoute> {
        self.mail_route.as_ref()
    }
}
