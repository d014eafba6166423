//! The plain values that cross layers: what happened in a session ([`SessionEvent`]), what a
//! TLS handshake negotiated ([`TlsInfo`]) and what certificate verification found
//! ([`TlsVerdict`]). The driver emits them, the transcript writes and reads them, the app
//! folds them into state, and the probe prints them — so each of those reads the same typed
//! fields and none parses another's text.
//!
//! Layer: event and value types — uses `std`, `proto`, serde and zeroize only; never tokio,
//! rustls or ratatui, so every layer above can depend on it.

pub mod failure;
pub mod session;
pub mod shown;
pub mod tls;
pub mod verdict;

pub use failure::{
    AttemptFailure, Cause, ConnectAttempt, Failure, FailureKind, Phase, ProxyFailure,
};
pub use session::{EventSink, Finding, Layer, SecretBytes, SessionEvent};
pub use shown::{Hidden, Shown};
pub use tls::{ClientCertStatus, TlsInfo};
pub use verdict::{NameCheck, Pin, TlsVerdict, Trust, TrustStore, UntrustedReason, Validity};
