//! The explorer's DNS work in the background (the screen is up and answering meanwhile):
//! DANE and MTA-STS for the connection in use when the explorer came through `--mx` — the
//! TLSA records at `_PORT._tcp.MX` and the domain's MTA-STS policy, the TLSA records matched
//! against the chain when a handshake delivers one — and, when the target does not resolve,
//! whether it is a mail domain ("… — use --mx"). The app gets plain sentences; F2 and the
//! transcript draw them.
//!
//! The decisions are `smtpx check`'s own ([`crate::check::before_tls`],
//! [`crate::check::dane::match_chain`]), so the explorer and the check never disagree.
//!
//! Layer: front end (the explorer's loop).

use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::app::{App, Entry};
use crate::check::{CheckPlan, DaneReport, before_tls, dane_text, sts_summary};
use crate::dns::Dns;
use crate::dns::ResolverPlan;
use crate::dns::reach::mail_domain_hint;
use crate::dns::reach::{Chosen, MxPlan};
use crate::event::{Cause, SessionEvent};
use crate::net::AddressFamily;

/// What the background lookups found.
pub struct Lookups {
    dane: DaneReport,
    /// The names a DANE-TA match checks (the MX host and its CNAME target).
    names: Vec<String>,
    sts: String,
}

/// An answer from the background.
pub enum Found {
    Security(Lookups),
    /// What a target that did not resolve is (a mail domain with MX …, or nothing).
    Hint(String),
}

/// The background lookups of one explorer, and what they found so far.
pub struct Background {
    tx: mpsc::UnboundedSender<Found>,
    rx: mpsc::UnboundedReceiver<Found>,
    /// DANE and MTA-STS, for a `--mx` session.
    security: Option<Security>,
    /// Asked when the target does not resolve (`None` with `--mx`, and in the demo).
    hint_resolver: Option<ResolverPlan>,
    hinted: bool,
}

impl Background {
    pub fn new(hint_resolver: Option<ResolverPlan>) -> Background {
        let (tx, rx) = mpsc::unbounded_channel();
        Background {
            tx,
            rx,
            security: None,
            hint_resolver,
            hinted: false,
        }
    }

    /// Starts the DANE and MTA-STS lookups for the MX in `chosen`.
    pub fn look_up_security(
        &mut self,
        mx: &MxPlan,
        chosen: &Chosen,
        port: u16,
        ca_file: Option<PathBuf>,
        timeout: Duration,
    ) {
        self.security = Some(Security::new(port));
        spawn(self.tx.clone(), mx, chosen, port, ca_file, timeout);
    }

    /// The next answer. Never ends: this side keeps a sender.
    pub async fn next(&mut self) -> Found {
        match self.rx.recv().await {
            Some(found) => found,
            None => std::future::pending().await,
        }
    }

    /// Stores what was found and hands the app its sentences.
    pub fn found(&mut self, found: Found, app: &mut App) {
        match (found, &mut self.security) {
            (Found::Security(lookups), Some(security)) => security.found(lookups, app),
            (Found::Security(_), None) => {}
            (Found::Hint(text), _) => app.push(Entry::local(text)),
        }
    }

    /// Watches the driver's events: a handshake's chain for DANE; a name that does not
    /// resolve for the hint (looked up only now, so a host that resolves costs nothing).
    pub fn observe(&mut self, event: &SessionEvent, app: &mut App) {
        match event {
            SessionEvent::TlsEstablished { info, .. } => {
                if let Some(security) = &mut self.security {
                    security.chain(info.chain_der.clone(), app);
                }
            }
            SessionEvent::Failed { failure, .. } => {
                let (Cause::Resolve { host }, Some(resolver), false) =
                    (&failure.cause, &self.hint_resolver, self.hinted)
                else {
                    return;
                };
                self.hinted = true;
                let (host, resolver, tx) = (host.clone(), resolver.clone(), self.tx.clone());
                tokio::spawn(async move {
                    if let Some(hint) = mail_domain_hint(&host, &resolver).await {
                        let _ = tx.send(Found::Hint(hint));
                    }
                });
            }
            _ => {}
        }
    }
}

/// Starts the lookups for the MX in `chosen`; the answer goes to `tx`.
fn spawn(
    tx: mpsc::UnboundedSender<Found>,
    mx: &MxPlan,
    chosen: &Chosen,
    port: u16,
    ca_file: Option<PathBuf>,
    timeout: Duration,
) {
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
        let _ = tx.send(Found::Security(found));
    });
}

/// The lookups and the latest chain, turned into F2's sentences as either arrives.
struct Security {
    port: u16,
    lookups: Option<Lookups>,
    chain: Option<Vec<Vec<u8>>>,
}

impl Security {
    fn new(port: u16) -> Security {
        Security {
            port,
            lookups: None,
            chain: None,
        }
    }

    fn found(&mut self, lookups: Lookups, app: &mut App) {
        self.lookups = Some(lookups);
        self.show(app);
    }

    /// A handshake finished with this chain (leaf first).
    fn chain(&mut self, chain: Vec<Vec<u8>>, app: &mut App) {
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
