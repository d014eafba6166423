//! What a scan found, as plain data: one [`PortReport`] per port and the [`ScanReport`]
//! around them. The table and `--json` are both rendered from these values, and tests build
//! them by hand to check the rendering.
//!
//! Every string that came from the server (greetings, banners, certificate subjects) is
//! escaped when it is stored here, so no renderer can forget to.
//!
//! Layer: front end (scan) — plain data, serde only.

use serde::Serialize;

use crate::diagnose::Diagnosis;

/// Can a TCP connection be made?
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Reach {
    /// Connected, in this many milliseconds.
    Open { connect_ms: u64 },
    /// Actively refused (RST): nothing listens, or a firewall rejects.
    Refused,
    /// No answer at all within the timeout: dropped by a firewall (typical of blocked 25).
    Filtered,
    /// Some other failure (name not resolved, network unreachable, …).
    Error { message: String },
}

/// What the port says first, or how it reacts to a TLS ClientHello when it says nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Speaks {
    /// A plaintext SMTP greeting (RFC 5321 §4.3.1).
    Smtp,
    /// Silent, and a ClientHello got a ServerHello: implicit TLS (RFC 8314 §3).
    Tls,
    /// Something that is not SMTP (an SSH or HTTP banner, binary).
    Other,
    /// Nothing: no greeting, and no answer to a ClientHello either.
    Nothing,
    /// The server closed the connection without a word.
    Closed,
    /// Not connected.
    Unknown,
}

/// How TLS was started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TlsStartedBy {
    Implicit,
    #[serde(rename = "starttls")]
    StartTls,
}

/// The negotiated TLS session and the certificate verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TlsReport {
    pub started_by: TlsStartedBy,
    pub version: String,
    pub cipher_suite: String,
    /// The leaf certificate's subject (escaped).
    pub subject: Option<String>,
    /// Trusted, name matches and currently valid.
    pub verified: bool,
    /// One-line verdict (escaped).
    pub verdict: String,
    /// The first problem's stable code (`self-signed`, `name-mismatch`, …; see
    /// `TlsVerdict::reasons`), `None` when verified.
    pub reason: Option<&'static str>,
    pub days_left: Option<i64>,
}

/// The server's greeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Greeting {
    pub code: Option<u16>,
    /// First line, escaped.
    pub text: String,
    /// From the connection being ready (TLS included) to the whole greeting.
    pub after_ms: u64,
    /// The greeting came only after the scan had stopped waiting (found by the TLS try).
    pub late: bool,
}

/// Everything found on one port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortReport {
    pub port: u16,
    pub reach: Reach,
    pub speaks: Speaks,
    /// The first bytes of a non-SMTP answer (escaped).
    pub banner: Option<String>,
    pub greeting: Option<Greeting>,
    /// Whether EHLO got a 250; `None` when EHLO was not sent.
    pub ehlo_ok: Option<bool>,
    /// STARTTLS in the plaintext EHLO reply; `None` when there was no plaintext EHLO.
    pub starttls_offered: Option<bool>,
    /// AUTH mechanisms before TLS (`None`: not seen, e.g. implicit TLS).
    pub auth_before_tls: Option<Vec<String>>,
    /// AUTH mechanisms inside TLS (`None`: TLS not reached or EHLO failed there).
    pub auth_after_tls: Option<Vec<String>>,
    pub tls: Option<TlsReport>,
    /// Why TLS failed, in words.
    pub tls_error: Option<String>,
    /// Where the exploration stopped early and why (timeouts, resets, refusals).
    pub problem: Option<String>,
    pub diagnoses: Vec<Diagnosis>,
}

impl PortReport {
    pub fn new(port: u16, reach: Reach) -> PortReport {
        PortReport {
            port,
            reach,
            speaks: Speaks::Unknown,
            banner: None,
            greeting: None,
            ehlo_ok: None,
            starttls_offered: None,
            auth_before_tls: None,
            auth_after_tls: None,
            tls: None,
            tls_error: None,
            problem: None,
            diagnoses: Vec::new(),
        }
    }

    /// An SMTP server answered, in plaintext or inside implicit TLS.
    pub fn speaks_smtp(&self) -> bool {
        self.greeting.as_ref().is_some_and(|g| g.code.is_some())
    }

    /// TLS was established (implicit or STARTTLS).
    pub fn has_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// AUTH offered inside TLS, so a client can log in without exposing the password.
    pub fn auth_over_tls(&self) -> bool {
        self.auth_after_tls.as_ref().is_some_and(|m| !m.is_empty())
    }

    /// AUTH offered on a plaintext connection.
    pub fn auth_in_plaintext(&self) -> bool {
        self.auth_before_tls.as_ref().is_some_and(|m| !m.is_empty())
    }
}

/// A recommended way to submit mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Submission {
    pub port: u16,
    pub tls: TlsStartedBy,
    pub mechanisms: Vec<String>,
    pub certificate_verified: bool,
}

/// The verdict in plain words, and the data behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// The best way for a mail client to submit, if there is one.
    pub submission: Option<Submission>,
    /// Other ways that work too, best first.
    pub alternatives: Vec<Submission>,
    /// For a mail client: which port and mode, or why none.
    pub client: String,
    /// For another MTA delivering on port 25 (or the port that behaves like it).
    pub mta: String,
}

/// The whole scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScanReport {
    pub host: String,
    pub timeout_ms: u64,
    pub ports: Vec<PortReport>,
    /// Findings across ports (STARTTLS only on some ports).
    pub diagnoses: Vec<Diagnosis>,
    pub verdict: Verdict,
    /// `--tls`: the TLS surface of each port that speaks TLS, in port order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tls_surface: Vec<PortSurface>,
}

/// The TLS surface of one port (`smtpx scan --tls`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortSurface {
    pub port: u16,
    /// `implicit` or `starttls`.
    pub start: &'static str,
    #[serde(flatten)]
    pub surface: crate::net::surface::TlsSurface,
}

impl ScanReport {
    /// The process exit code: 0 when some port speaks SMTP, 20 when no port could be
    /// reached, 21 when ports answered but none with SMTP.
    pub fn exit_code(&self) -> u8 {
        if self.ports.iter().any(PortReport::speaks_smtp) {
            0
        } else if self
            .ports
            .iter()
            .all(|p| !matches!(p.reach, Reach::Open { .. }))
        {
            20
        } else {
            21
        }
    }
}
