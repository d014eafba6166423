//! DANE and MTA-STS for the connection in use when the explorer came through `--mx`: the
//! TLSA records at `_PORT._tcp.MX` and the domain's MTA-STS policy are looked up in the
//! background (the screen is up and answering meanwhile), and the TLSA records are matched
//! against the chain when the handshake delivers one. The app gets plain sentences; F2 draws
//! them.
//!
//! The decisions are `smtpx check`'s own ([`crate::check::before_tls`],
//! [`crate::check::dane::match_chain`]), so the explorer and the check never disagree.
//!
//! Layer: front end (the explorer's loop).

use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::app::App;
use crate::check::{CheckPlan, DaneReport, before_tls, dane_text, sts_summary};
use crate::dns::Dns;
use crate::dns::reach::{Chosen, MxPlan};
use crate::net::AddressFamily;

/// What the background lookups found.
pub struct Lookups {
    dane: DaneReport,
    /// The names a DANE-TA match checks (the MX host and its CNAME target).
    names: Vec<String>,
    sts: String,
}

/// Starts the lookups for the MX in `chosen`; the answer comes on the returned channel.
pub fn spawn(
    mx: &MxPlan,
    chosen: &Chosen,
    port: u16,
    ca_file: Option<PathBuf>,
    timeout: Duration,
) -> mpsc::UnboundedReceiver<Lookups> {
    let (tx, rx) = mpsc::unbounded_channel();
    let plan = CheckPlan {
        domain: chosen.domain.clone(),
        resolver: mx.resolver.clone(),
        port,
        family: AddressFamily::Any,
        ca_file,
        timeout,
        ehlo_name: String::new(),
        json: false,
    };
    let host = chosen.host.clone();
    let mx_status = chosen.status;
    tokio::spawn(async move {
        let found = match Dns::new(&plan.resolver) {
            Ok(dns) => {
                let (dane, names, sts) = before_tls(&plan, &dns, mx_status, &host).await;
                Lookups {
                    dane,
                    names,
                    sts: sts_summary(&sts, &host),
                }
            }
            Err(e) => Lookups {
                dane: DaneReport::Failed {
                    status: crate::dns::Dnssec::Indeterminate,
                    why: e.to_string(),
                },
                names: Vec::new(),
                sts: format!("not looked up: {e}"),
            },
        };
        let _ = tx.send(found);
    });
    rx
}

/// The lookups and the latest chain, turned into F2's sentences as either arrives.
pub struct Security {
    port: u16,
    lookups: Option<Lookups>,
    chain: Option<Vec<Vec<u8>>>,
}

impl Security {
    pub fn new(port: u16) -> Security {
        Security {
            port,
            lookups: None,
            chain: None,
        }
    }

    pub fn found(&mut self, lookups: Lookups, app: &mut App) {
        self.lookups = Some(lookups);
        self.show(app);
    }

    /// A handshake finished with this chain (leaf first).
    pub fn chain(&mut self, chain: Vec<Vec<u8>>, app: &mut App) {
        self.chain = Some(chain);
        self.show(app);
    }

    fn show(&self, app: &mut App) {
        let Some(found) = &self.lookups else {
            return;
        };
        let dane = match (&found.dane, &self.chain) {
            (DaneReport::Unmatched { records, .. }, Some(chain)) => DaneReport::Checked {
                records: records.clone(),
                result: crate::check::dane::match_chain(records, chain, &found.names),
            },
            (other, _) => other.clone(),
        };
        app.set_route_security(dane_text(&dane, self.port), found.sts.clone());
    }
}
