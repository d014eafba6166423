//! `smtpx scan HOST`: which port speaks what, and which one a mail client should use.
//!
//! For each port (25, 465, 587 and 2525 unless `--ports` says otherwise), concurrently and
//! with a short timeout: can it be reached (open, refused, or filtered — no answer at all,
//! typical of a firewall or an ISP blocking 25); what does it say first (a plaintext SMTP
//! greeting; nothing, and then a ClientHello gets a ServerHello — implicit TLS per
//! [RFC 8314 §3](https://www.rfc-editor.org/rfc/rfc8314#section-3); something else, such as
//! an SSH or HTTP banner; or nothing at all); whether STARTTLS is offered
//! ([RFC 3207](https://www.rfc-editor.org/rfc/rfc3207)) and which AUTH mechanisms come
//! before and after it; the TLS version, cipher, certificate subject, verdict and days
//! left; the greeting and how long it took. Then the verdict: the port and mode for mail
//! submission ([RFC 6409](https://www.rfc-editor.org/rfc/rfc6409)) and what an MTA sees on
//! port 25.
//!
//! Nothing beyond EHLO, STARTTLS and QUIT is sent: no AUTH attempt, no mail.
//!
//! Exit codes: 0 some port speaks SMTP; 2 bad command line; 20 no port could be reached
//! (or the name did not resolve); 21 ports answered, none with SMTP.
//!
//! Files: `port.rs` (one port, explored), `report.rs` (the data), `verdict.rs` (the
//! recommendation), `table.rs` (the human rendering), `mx.rs` (`--mx`: every MX host of a
//! domain). `--json` prints the report itself.
//!
//! Layer: front end — over `net` and `proto`, with the shared [`crate::diagnose`].

mod mx;
pub mod port;
pub mod report;
pub mod table;
pub mod verdict;

use std::time::Duration;

pub use port::{ScanConfig, scan_port};
pub use report::{
    PortReport, PortSurface, Reach, ScanReport, Speaks, Submission, TlsReport, Verdict,
};

use crate::diagnose::Diagnosis;

/// The ports tried when `--ports` is not given: relay, submissions, submission, and the
/// common alternative submission port.
pub const DEFAULT_PORTS: [u16; 4] = [25, 465, 587, 2525];

/// What `smtpx scan` is asked to do.
#[derive(Debug, Clone)]
pub struct ScanPlan {
    /// The host to scan (a name or an IP address, no port).
    pub host: String,
    /// The ports, each once.
    pub ports: Vec<u16>,
    pub config: ScanConfig,
    /// Print the report as one JSON document instead of the table.
    pub json: bool,
    /// Also probe each TLS port's surface: versions, suites, groups (`--tls`).
    pub tls_surface: bool,
    /// `--mx`: `host` is a mail domain; every MX host is scanned, at each of its addresses.
    pub mx: Option<crate::dns::reach::MxPlan>,
    /// Asked, when `host` does not resolve, whether it is a mail domain.
    pub resolver: crate::dns::ResolverPlan,
}

/// Scans every port concurrently and decides the verdict.
pub async fn scan(host: &str, ports: &[u16], config: &ScanConfig) -> ScanReport {
    scan_each(host, ports, config, |_| {}).await
}

/// [`scan`], calling `done` with each port's report as soon as that port is finished (in
/// the order they finish); the report lists the ports in the order asked.
pub async fn scan_each(
    host: &str,
    ports: &[u16],
    config: &ScanConfig,
    mut done: impl FnMut(&PortReport),
) -> ScanReport {
    use futures::StreamExt;
    // Each step is bounded by the timeout; this bounds a port that drips bytes slowly.
    let budget = config.timeout * 8 + Duration::from_secs(2);
    let scans = ports.iter().map(|&port| async move {
        match tokio::time::timeout(budget, scan_port(host, port, config)).await {
            Ok(report) => report,
            Err(_) => {
                let mut report = PortReport::new(port, Reach::Filtered);
                report.problem = Some(format!(
                    "gave up after {}",
                    crate::net::error::human_duration(budget)
                ));
                report
            }
        }
    });
    let mut running: futures::stream::FuturesUnordered<_> = scans.collect();
    let mut finished = Vec::new();
    while let Some(report) = running.next().await {
        done(&report);
        finished.push(report);
    }
    let reports: Vec<PortReport> = ports
        .iter()
        .filter_map(|port| {
            let at = finished.iter().position(|r| r.port == *port)?;
            Some(finished.swap_remove(at))
        })
        .collect();
    let diagnoses = across_ports(&reports);
    ScanReport {
        host: crate::proto::text::escape_str(host),
        timeout_ms: u64::try_from(config.timeout.as_millis()).unwrap_or(u64::MAX),
        verdict: verdict::verdict(&reports),
        ports: reports,
        diagnoses,
        tls_surface: Vec::new(),
    }
}

/// The TLS surface of every port that speaks TLS (implicit, or STARTTLS offered), one port
/// after the other: each probe is dozens of connections, and a server should not see them
/// all at once.
pub async fn tls_surfaces(
    host: &str,
    ports: &[PortReport],
    config: &ScanConfig,
) -> Vec<PortSurface> {
    use crate::net::surface::{Start, SurfacePlan, probe};
    let mut out = Vec::new();
    for port in ports {
        let start = if port.speaks == Speaks::Tls {
            Start::Implicit
        } else if port.starttls_offered == Some(true) {
            Start::StartTls
        } else {
            continue;
        };
        let plan = SurfacePlan {
            target: crate::net::Target::new(host, port.port),
            start,
            ehlo: config.ehlo.clone(),
            connect: config.connect.clone(),
            tls: config.tls.clone(),
            timeout: config.timeout,
        };
        out.push(PortSurface {
            port: port.port,
            start: match start {
                Start::Implicit => "implicit",
                Start::StartTls => "starttls",
            },
            surface: probe(&plan).await,
        });
    }
    out
}

/// STARTTLS on some SMTP ports and not on others.
fn across_ports(ports: &[PortReport]) -> Vec<Diagnosis> {
    let offering = |offered: bool| -> Vec<u16> {
        ports
            .iter()
            .filter(|p| p.starttls_offered == Some(offered))
            .map(|p| p.port)
            .collect()
    };
    let (with, without) = (offering(true), offering(false));
    if with.is_empty() || without.is_empty() {
        return Vec::new();
    }
    vec![Diagnosis::StartTlsOnSomePorts { with, without }]
}

/// Runs `smtpx scan` and returns the exit code. On a terminal the table's rows appear as
/// each port finishes (in that order), the details and the verdict once all are done;
/// otherwise (a pipe, a file, `--json`) the whole report comes at the end, in port order.
pub async fn run(plan: ScanPlan) -> u8 {
    if let Some(mx) = &plan.mx {
        return mx::run(&plan, mx).await;
    }
    use std::io::IsTerminal;
    let live = !plan.json && std::io::stdout().is_terminal();
    if live {
        let timeout_ms = u64::try_from(plan.config.timeout.as_millis()).unwrap_or(u64::MAX);
        let host = crate::proto::text::escape_str(&plan.host);
        crate::out!("{}", table::head(&host, plan.ports.len(), timeout_ms));
    }
    let mut report = scan_each(&plan.host, &plan.ports, &plan.config, |port| {
        if live {
            crate::out!("{}", table::port_row(port));
        }
    })
    .await;
    if plan.tls_surface {
        report.tls_surface = tls_surfaces(&plan.host, &report.ports, &plan.config).await;
    }
    let hint = mail_domain_hint(&plan, &report).await;
    if live {
        crate::out!("{}", table::tail(&report));
    } else if plan.json {
        match serde_json::to_string_pretty(&report).map(crate::output::safe_json) {
            Ok(text) => crate::outln!("{text}"),
            Err(e) => {
                eprintln!("smtpx scan: cannot write JSON: {e}");
                return 3;
            }
        }
    } else {
        crate::out!("{}", table::render(&report));
    }
    if let Some(hint) = hint {
        eprintln!("smtpx scan: {hint}");
    }
    report.exit_code()
}

/// When no port could even be tried and the host's name does not resolve, whether it is a
/// mail domain given where a host is expected ("… — use --mx"). The name is looked up again
/// only in that case, so a scan that reached its host costs nothing more.
async fn mail_domain_hint(plan: &ScanPlan, report: &ScanReport) -> Option<String> {
    let all_failed = !report.ports.is_empty()
        && report
            .ports
            .iter()
            .all(|p| matches!(p.reach, Reach::Error { .. }));
    if !all_failed {
        return None;
    }
    let target = crate::net::Target::new(plan.host.clone(), 25);
    match target
        .resolve(plan.config.connect.family, plan.config.timeout)
        .await
    {
        Err(crate::net::NetError::Resolve { .. }) => {
            crate::dns::reach::mail_domain_hint(&plan.host, &plan.resolver).await
        }
        _ => None,
    }
}
