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
    /// DANE for this host in words (escaped): the TLSA records and which certificate of the
    /// chain matched, or why none did; `None` while it is looked up.
    pub dane: Option<String>,
    /// The domain's MTA-STS policy and whether this host matches it (escaped); `None`
    /// while it is looked up.
    pub mta_sts: Option<String>,
}

impl super::App {
    /// The session went to a mail domain's MX (`--mx`).
    pub fn set_mail_route(&mut self, route: MailRoute) {
        self.mail_route = Some(route);
    }

    /// DANE and MTA-STS for the route's host arrived (or changed with a new chain).
    pub fn set_route_security(&mut self, dane: String, mta_sts: String) {
        if let Some(route) = &mut self.mail_route {
            route.dane = Some(dane);
            route.mta_sts = Some(mta_sts);
        }
    }

    pub fn mail_route(&self) -> Option<&MailRoute> {
        self.mail_route.as_ref()
    }
}
