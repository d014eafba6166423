//! The TLS surface of a server: which protocol versions it accepts (TLS 1.0 and 1.1 with a
//! hand-built ClientHello, 1.2 that way and through rustls, 1.3 through rustls), which TLS
//! 1.2-and-earlier cipher suites and ECDHE groups, whether it picks by its own order, and a
//! verdict in words — "offers TLS 1.0 only: modern clients, smtpx included, cannot connect".
//!
//! ```text
//!   per probe: connect ─▶ [greeting ─▶ EHLO ─▶ STARTTLS ─▶ 220] ─▶ ClientHello ─▶ ServerHello | alert
//!   versions (4) ─▶ suites one by one at the best version (34) ─▶ order (2) ─▶ groups (5)
//! ```
//!
//! Every probe is a fresh connection; the raw ones send nothing after the hello and never
//! finish a handshake ([`hello`]).
//!
//! Layer: transport.

pub mod hello;

use std::time::Duration;

use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::{ConnectOptions, Connection, ReadOutcome, Target, TlsInfo, TlsOptions, TlsVersion};
use crate::proto::command::Command;
use crate::proto::reply::{Limits, Reply, ReplyReader};
use hello::{GROUPS, HelloReply, LegacyVersion, Offer, SUITES};

/// How TLS starts on the port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// TLS from the first byte ([RFC 8314 §3](https://www.rfc-editor.org/rfc/rfc8314#section-3)).
    Implicit,
    /// Greeting, EHLO and STARTTLS in plaintext first ([RFC 3207 §4](https://www.rfc-editor.org/rfc/rfc3207#section-4)).
    StartTls,
}

/// Where and how to probe.
#[derive(Debug, Clone)]
pub struct SurfacePlan {
    pub target: Target,
    pub start: Start,
    pub ehlo: String,
    pub connect: ConnectOptions,
    /// SNI and trust settings for the rustls handshakes (the verdict is not enforced).
    pub tls: TlsOptions,
    /// The wait for each reply and each hello's answer.
    pub timeout: Duration,
}

/// One protocol version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionFinding {
    /// `TLS 1.0` … `TLS 1.3`.
    pub version: &'static str,
    pub accepted: bool,
    /// What the server answered (a chosen suite, an alert, a lower version), or why the probe
    /// failed.
    pub detail: String,
}

/// One TLS 1.2-and-earlier suite the server accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SuiteFinding {
    pub name: String,
    pub weakness: Option<&'static str>,
}

/// The TLS surface of one port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TlsSurface {
    pub versions: Vec<VersionFinding>,
    /// The version the suites were probed at (the highest of 1.0–1.2 accepted).
    pub suites_at: Option<&'static str>,
    /// Accepted suites, in the order smtpx tried them.
    pub suites: Vec<SuiteFinding>,
    /// ECDHE groups accepted with those suites.
    pub groups: Vec<&'static str>,
    /// Whether the server chooses by its own preference (`None`: fewer than two suites).
    pub server_order: Option<bool>,
    /// The negotiated TLS 1.3 group, when TLS 1.3 works.
    pub tls13_group: Option<String>,
    pub verdict: String,
}

impl TlsSurface {
    fn accepted(&self, version: &str) -> bool {
        self.versions
            .iter()
            .any(|v| v.version == version && v.accepted)
    }

    /// Whether rustls (and so smtpx) can connect.
    pub fn smtpx_connects(&self) -> bool {
        self.versions.iter().any(|v| {
            v.accepted && v.version.starts_with("TLS 1.") && v.detail.starts_with("rustls")
        })
    }
}

/// A client random: unpredictable enough that no server caches or rejects it; it secures
/// nothing, since no handshake is finished.
fn random() -> [u8; 32] {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let mut out = [0u8; 32];
    for (i, chunk) in out.chunks_mut(16).enumerate() {
        let value = nanos.rotate_left(u32::try_from(i * 29).unwrap_or(0)) ^ 0x5a5a_a5a5;
        chunk.copy_from_slice(&value.to_be_bytes());
    }
    out
}

/// Largest answer kept: one record of at most 2^14 bytes plus its header, with slack.
const MAX_ANSWER: usize = 5 + 16_384 + 2048;

async fn read_smtp_reply(
    tcp: &mut TcpStream,
    reader: &mut ReplyReader,
    timeout: Duration,
) -> Result<Reply, String> {
    let deadline = tokio::time::Instant::now() + timeout;
    let mut buf = [0u8; 4096];
    loop {
        if let Some(reply) = reader.next_reply().map_err(|e| e.to_string())? {
            return Ok(reply);
        }
        match tokio::time::timeout_at(deadline, tcp.read(&mut buf)).await {
            Ok(Ok(0)) => return Err("the server closed the connection".into()),
            Ok(Ok(n)) => reader.push(&buf[..n]),
            Ok(Err(e)) => return Err(e.to_string()),
            Err(_) => return Err("no reply in time".into()),
        }
    }
}

/// Greeting, EHLO, STARTTLS and its 220 on a plain socket, for a raw hello after it.
async fn starttls_dance(tcp: &mut TcpStream, plan: &SurfacePlan) -> Result<(), String> {
    let mut reader = ReplyReader::new(Limits::default());
    let greeting = read_smtp_reply(tcp, &mut reader, plan.timeout).await?;
    if greeting.code() != Some(220) {
        return Err(format!("the greeting is {:?}", greeting.code()));
    }
    for (command, want) in [
        (Command::Ehlo(plan.ehlo.clone()), 250),
        (Command::StartTls, 220),
    ] {
        let bytes = command.encode().map_err(|e| e.to_string())?;
        tcp.write_all(&bytes).await.map_err(|e| e.to_string())?;
        let reply = read_smtp_reply(tcp, &mut reader, plan.timeout).await?;
        if reply.code() != Some(want) {
            return Err(format!(
                "{} was answered {}",
                String::from_utf8_lossy(&bytes).trim_end(),
                reply.code().map_or("malformed".into(), |c| c.to_string())
            ));
        }
    }
    Ok(())
}

/// The server name for SNI: the host when it is a DNS name.
fn sni(plan: &SurfacePlan) -> Option<&str> {
    let host = plan.target.host.as_str();
    (host.parse::<std::net::IpAddr>().is_err() && !host.starts_with('[')).then_some(host)
}

/// One raw hello on a fresh connection.
async fn raw(plan: &SurfacePlan, offer: &Offer<'_>) -> Result<HelloReply, String> {
    let addrs = plan
        .target
        .resolve(plan.connect.family, plan.connect.resolve_timeout)
        .await
        .map_err(|e| e.to_string())?;
    let addr = *addrs.first().ok_or("no address")?;
    let mut tcp =
        match tokio::time::timeout(plan.connect.connect_timeout, TcpStream::connect(addr)).await {
            Ok(Ok(tcp)) => tcp,
            Ok(Err(e)) => return Err(format!("cannot connect to {addr}: {e}")),
            Err(_) => return Err(format!("cannot connect to {addr}: no answer in time")),
        };
    let _ = tcp.set_nodelay(true);
    if plan.start == Start::StartTls {
        starttls_dance(&mut tcp, plan).await?;
    }
    tcp.write_all(&hello::client_hello(offer, random()))
        .await
        .map_err(|e| e.to_string())?;
    let deadline = tokio::time::Instant::now() + plan.timeout;
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while hello::record_len(&answer).is_none_or(|len| answer.len() < len.min(MAX_ANSWER)) {
        match tokio::time::timeout_at(deadline, tcp.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => answer.extend_from_slice(&buf[..n]),
            _ => break,
        }
    }
    if answer.is_empty() {
        return Err("the server closed the connection without an answer".into());
    }
    Ok(hello::parse_reply(&answer))
}

/// A handshake through rustls at exactly `version`, up to the established session.
async fn rustls_handshake(plan: &SurfacePlan, version: TlsVersion) -> Result<TlsInfo, String> {
    let options = TlsOptions {
        min_version: Some(version),
        max_version: Some(version),
        mode: super::VerifyMode::Report,
        handshake_timeout: plan.timeout,
        ..plan.tls.clone()
    };
    let (mut conn, info) = match plan.start {
        Start::Implicit => Connection::connect_tls(&plan.target, &plan.connect, &options)
            .await
            .map_err(|e| e.to_string())?,
        Start::StartTls => {
            let mut conn = Connection::connect(&plan.target, &plan.connect)
                .await
                .map_err(|e| e.to_string())?;
            let read = |outcome: Result<ReadOutcome, super::NetError>| match outcome {
                Ok(ReadOutcome::Reply(reply)) => Ok(reply),
                Ok(ReadOutcome::Closed { .. }) => {
                    Err("the server closed the connection".to_owned())
                }
                Err(e) => Err(e.to_string()),
            };
            read(conn.read_reply(plan.timeout).await)?;
            for command in [Command::Ehlo(plan.ehlo.clone()), Command::StartTls] {
                let bytes = command.encode().map_err(|e| e.to_string())?;
                conn.send(&bytes).await.map_err(|e| e.to_string())?;
                let reply = read(conn.read_reply(plan.timeout).await)?;
                if !reply.is_positive() {
                    return Err(format!(
                        "{} was answered {}",
                        String::from_utf8_lossy(&bytes).trim_end(),
                        reply.code().map_or("malformed".into(), |c| c.to_string())
                    ));
                }
            }
            let (conn, info, _) = conn.starttls(&options).await.map_err(|e| e.to_string())?;
            (conn, info)
        }
    };
    conn.shutdown().await;
    Ok(info)
}

fn describe(reply: &Result<HelloReply, String>) -> String {
    match reply {
        Ok(HelloReply::ServerHello { version, suite }) => format!(
            "ServerHello: {}, {}",
            LegacyVersion::from_wire(*version)
                .map_or_else(|| format!("0x{version:04x}"), |v| v.name().to_owned()),
            hello::suite_name(*suite)
        ),
        Ok(HelloReply::Alert { description }) => {
            format!("alert: {}", HelloReply::alert_name(*description))
        }
        Ok(HelloReply::NotTls) => "an answer that is not TLS".into(),
        Err(why) => why.clone(),
    }
}

/// The suite chosen when the server answered with a ServerHello at `version`.
fn chosen(reply: &Result<HelloReply, String>, version: LegacyVersion) -> Option<u16> {
    match reply {
        Ok(HelloReply::ServerHello { version: v, suite }) if *v == version.wire() => Some(*suite),
        _ => None,
    }
}

/// Whether a failed handshake failed for a reason the surface explains: no version, suite,
/// group or signature scheme in common (as rustls words it, or as the server's alert says),
/// or a server that hung up on our ClientHello.
pub fn calls_for_surface(error: &super::NetError) -> bool {
    use rustls::{AlertDescription, Error as TlsError, PeerIncompatible, PeerMisbehaved};
    let super::NetError::Tls { source, .. } = error else {
        return matches!(error, super::NetError::ClosedDuringHandshake);
    };
    let Some(rustls_error) = source.get_ref().and_then(|e| e.downcast_ref::<TlsError>()) else {
        return false;
    };
    matches!(
        rustls_error,
        TlsError::AlertReceived(
            AlertDescription::ProtocolVersion
                | AlertDescription::HandshakeFailure
                | AlertDescription::InsufficientSecurity
        ) | TlsError::PeerIncompatible(
            PeerIncompatible::ServerDoesNotSupportTls12Or13
                | PeerIncompatible::Tls12NotOffered
                | PeerIncompatible::Tls12NotOfferedOrEnabled
                | PeerIncompatible::SupportedVersionsExtensionRequired
                | PeerIncompatible::NoCipherSuitesInCommon
                | PeerIncompatible::NoKxGroupsInCommon
                | PeerIncompatible::NoSignatureSchemesInCommon
                | PeerIncompatible::EcPointsExtensionRequired
                | PeerIncompatible::ExtendedMasterSecretExtensionRequired
        ) | TlsError::PeerMisbehaved(
            PeerMisbehaved::SelectedUnofferedCipherSuite
                | PeerMisbehaved::SelectedUnofferedKxGroup
                | PeerMisbehaved::SelectedTls12UsingTls13VersionExtension
        )
    )
}

impl TlsSurface {
    /// One line for a diagnosis: the versions accepted, a few suites, the verdict.
    pub fn summary(&self) -> String {
        let mut accepted: Vec<&str> = Vec::new();
        for finding in self.versions.iter().filter(|v| v.accepted) {
            if !accepted.contains(&finding.version) {
                accepted.push(finding.version);
            }
        }
        let versions = if accepted.is_empty() {
            "no TLS version".to_owned()
        } else {
            accepted.join(", ")
        };
        let suites = match (self.suites_at, self.suites.len()) {
            (Some(at), n) if n > 0 => {
                let shown: Vec<&str> = self
                    .suites
                    .iter()
                    .take(3)
                    .map(|s| s.name.as_str())
                    .collect();
                let more = if n > 3 {
                    format!(" and {} more", n - 3)
                } else {
                    String::new()
                };
                format!("; at {at}: {}{more}", shown.join(", "))
            }
            _ => String::new(),
        };
        format!("the server accepts {versions}{suites} — {}", self.verdict)
    }
}

/// Probes the whole surface.
pub async fn probe(plan: &SurfacePlan) -> TlsSurface {
    probe_to(plan, true).await
}

/// Versions and suites only (no order, no groups): enough to say why a handshake failed,
/// in about forty connections.
pub async fn probe_for_diagnosis(plan: &SurfacePlan) -> TlsSurface {
    probe_to(plan, false).await
}

async fn probe_to(plan: &SurfacePlan, full: bool) -> TlsSurface {
    let group_ids: Vec<u16> = GROUPS.iter().map(|(id, _)| *id).collect();
    let host = sni(plan);
    let mut versions = Vec::new();
    let mut best = None;
    for version in LegacyVersion::ALL {
        let offer = Offer {
            version,
            suites: &SUITES,
            groups: &group_ids,
            sni: host,
        };
        let reply = raw(plan, &offer).await;
        let accepted = chosen(&reply, version).is_some();
        if accepted {
            best = Some(version);
        }
        versions.push(VersionFinding {
            version: version.name(),
            accepted,
            detail: describe(&reply),
        });
    }
    let mut tls13_group = None;
    for (version, name) in [
        (TlsVersion::Tls12, "TLS 1.2"),
        (TlsVersion::Tls13, "TLS 1.3"),
    ] {
        let finding = match rustls_handshake(plan, version).await {
            Ok(info) => {
                if version == TlsVersion::Tls13 {
                    tls13_group = info.key_exchange_group.clone();
                }
                VersionFinding {
                    version: name,
                    accepted: true,
                    detail: format!("rustls: {}", info.cipher_suite),
                }
            }
            Err(why) => VersionFinding {
                version: name,
                accepted: false,
                detail: format!("rustls cannot connect: {why}"),
            },
        };
        versions.push(finding);
    }

    let mut suites = Vec::new();
    let mut accepted_ids = Vec::new();
    let mut groups = Vec::new();
    let mut server_order = None;
    if let Some(version) = best {
        for suite in SUITES {
            let offer = Offer {
                version,
                suites: &[suite],
                groups: &group_ids,
                sni: host,
            };
            if chosen(&raw(plan, &offer).await, version) == Some(suite) {
                accepted_ids.push(suite);
                suites.push(SuiteFinding {
                    name: hello::suite_name(suite),
                    weakness: hello::weakness(suite),
                });
            }
        }
        if full && let [first, second, ..] = accepted_ids[..] {
            let pick = |order: [u16; 2]| {
                let offer_groups = group_ids.clone();
                async move {
                    let offer = Offer {
                        version,
                        suites: &order,
                        groups: &offer_groups,
                        sni: host,
                    };
                    chosen(&raw(plan, &offer).await, version)
                }
            };
            let (forward, backward) = (pick([first, second]).await, pick([second, first]).await);
            if let (Some(a), Some(b)) = (forward, backward) {
                server_order = Some(a == b);
            }
        }
        let ecdhe: Vec<u16> = accepted_ids
            .iter()
            .copied()
            .filter(|s| hello::is_ecdhe(*s))
            .collect();
        if full && !ecdhe.is_empty() {
            for (group, name) in GROUPS {
                let offer = Offer {
                    version,
                    suites: &ecdhe,
                    groups: &[group],
                    sni: host,
                };
                if chosen(&raw(plan, &offer).await, version).is_some() {
                    groups.push(name);
                }
            }
        }
    }
    let mut surface = TlsSurface {
        versions,
        suites_at: best.map(LegacyVersion::name),
        suites,
        groups,
        server_order,
        tls13_group,
        verdict: String::new(),
    };
    surface.verdict = verdict(&surface);
    surface
}

/// The verdict in words: can modern clients connect, what falls back to plaintext, what is
/// deprecated ([RFC 8996](https://www.rfc-editor.org/rfc/rfc8996)) or weak.
pub fn verdict(surface: &TlsSurface) -> String {
    let legacy: Vec<&str> = ["TLS 1.0", "TLS 1.1"]
        .into_iter()
        .filter(|v| surface.accepted(v))
        .collect();
    let raw12 = surface
        .versions
        .iter()
        .any(|v| v.version == "TLS 1.2" && v.accepted && v.detail.starts_with("ServerHello"));
    let modern = surface.smtpx_connects();
    let mut out = if !modern && legacy.is_empty() && !raw12 {
        "no TLS version accepted: the server refused every hello".to_owned()
    } else if !modern && !raw12 {
        format!(
            "offers {} only: modern clients, smtpx included, cannot connect; Postfix and Exim \
             senders fall back to plaintext",
            legacy.join(" and ")
        )
    } else if !modern {
        "offers TLS 1.2 only with cipher suites rustls does not implement: smtpx cannot \
         connect; senders that cannot either fall back to plaintext"
            .to_owned()
    } else {
        let mut text = match (surface.accepted("TLS 1.2"), surface.accepted("TLS 1.3")) {
            (true, true) => "TLS 1.2 and 1.3".to_owned(),
            (false, true) => "TLS 1.3 only".to_owned(),
            _ => "TLS 1.2".to_owned(),
        };
        if legacy.is_empty() {
            text.push_str(": modern TLS only");
        } else {
            text.push_str(&format!(
                ", and still {} (deprecated by RFC 8996)",
                legacy.join(" and ")
            ));
        }
        text
    };
    let weak: Vec<&str> = surface.suites.iter().filter_map(|s| s.weakness).collect();
    if !weak.is_empty() {
        let mut kinds = weak.clone();
        kinds.sort_unstable();
        kinds.dedup();
        out.push_str(&format!(
            "; {} weak suite{} accepted ({})",
            weak.len(),
            if weak.len() == 1 { "" } else { "s" },
            kinds.join(", ")
        ));
    }
    out
}

#[cfg(test)]
mod tests;
