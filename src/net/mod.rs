//! Transport: the layer that does I/O with tokio. It connects (TCP, implicit TLS per
//! [RFC 8314 §3](https://www.rfc-editor.org/rfc/rfc8314#section-3), STARTTLS per
//! [RFC 3207](https://www.rfc-editor.org/rfc/rfc3207)), sends bytes, and reads replies through
//! the sans-IO parser of [`crate::proto::reply`]. It verifies certificates and *records* the
//! verdict instead of only enforcing it, and it explains failures in words.
//!
//! Files: `target.rs` (what to connect to), `connection.rs` (plain | TLS, owns the reply
//! buffer, STARTTLS and injection detection), `tls.rs` (handshake, negotiated parameters),
//! `plan.rs` (what a command that connects asks for), `route/` (SOCKS5
//! proxy, local address, PROXY protocol header), `hello.rs` (does a silent port answer
//! a TLS ClientHello?), `explain.rs` (failed handshakes in
//! words), `sniff.rs` (records what the server sent during the handshake), `verify.rs`
//! (recording certificate verifier; its [`TlsVerdict`] is plain data in `crate::event`),
//! `cert/` (certificate details for display), `error.rs` ([`NetError`]).
//!
//! Layer: transport — uses `proto`, tokio, tokio-rustls, x509-parser; never the UI or app state.

pub mod accept;
pub mod cert;
pub mod connection;
pub mod error;
mod explain;
pub mod eyeballs;
pub mod hello;
pub mod plan;
pub mod route;
mod sniff;
pub mod surface;
pub mod target;
pub mod tls;
pub mod verify;

pub use crate::event::verdict::{
    NameCheck, Pin, TlsVerdict, Trust, TrustStore, UntrustedReason, Validity,
};
pub use cert::{CertSummary, SanEntry, summarize, summarize_chain};
pub use connection::{ConnectOptions, Connection, Injection, ReadOutcome};
pub use error::{AttemptFailure, ConnectAttempt, NetError, Phase};
pub use hello::{HelloAnswer, hello_answer};
pub use plan::{
    CONNECT_WAIT, ConnectPlan, GREETING_WAIT, TlsMode, bounded_timeout, local_hostname,
};
pub use route::{ProxyHeader, ProxyVersion, Route, RouteTaken, SocksProxy};
pub use target::{AddressFamily, SMTP_PORT, SUBMISSION_PORT, SUBMISSIONS_PORT, Target};
pub use tls::{
    ClientCertStatus, Sni, TlsInfo, TlsOptions, TlsVersion, VerifyMode, check_client_identity,
};
pub use verify::SpkiPin;
