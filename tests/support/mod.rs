//! Shared helpers for integration tests. Use with `mod support;` in a test file.
//!
//! Layout of `tests/`: each `tests/NAME.rs` is one test crate. Helpers more than one crate
//! uses live here, all declared below (each crate uses a subset, hence the `allow`). A
//! crate's own further files live in `tests/NAME/`, declared from `tests/NAME.rs` inside an
//! inline `mod NAME { mod part; }` — a crate root's plain `mod part;` would look for
//! `tests/part.rs`, and a `tests/NAME/main.rs` root could not reach this folder. No `#[path]`.
//!
//! - [`pki`]: a test CA and leaves (good / self-signed / wrong name / expired / not yet
//!   valid) made with rcgen, realistic dates, the CA PEM in a temp file for `ca_file`, and
//!   rustls server configs.
//! - [`server`]: the scripted server on `127.0.0.1:0`. A script is a list of [`Step`]s,
//!   played byte for byte; what the client sent comes back as [`Event`]s.
//! - [`probe`]: runs the real `smtpx probe --json` and reads back its events.
//! - [`render`]: draws the explorer into ratatui's `TestBackend`, for the snapshot tests.
//! - [`tmux`]: a tmux server on a private socket, for the real-terminal tests.
//! - [`postfix`]: the interop suite's Postfix (ports, login, the gate, the runner).
//! - [`exim`]: the interop suite's Exim (ports, its certificate, the gate, its Maildir).
//!
//! ```ignore
//! mod support;
//! use support::*;
//!
//! let pki = TestPki::new();
//! let tls = server_config(&pki.leaf(LeafKind::Good));
//! let mut server = ScriptedServer::start_starttls(tls, vec![
//!     Step::send("220 mx ESMTP\r\n"),
//!     Step::expect("EHLO"),
//!     Step::Send(reply(250, &["mx", "STARTTLS"])),
//!     Step::expect("STARTTLS"),
//!     Step::send("220 go ahead\r\n"),
//!     Step::StartTls,                 // or SendThenStartTls(b"250 injected\r\n".to_vec())
//!     Step::expect("EHLO"),
//!     Step::send("250 mx\r\n"),
//!     Step::expect("MAIL FROM:"),
//!     Step::send("451 4.3.0 try later\r\n"),
//!     Step::expect("DATA"), Step::send("354 go\r\n"), Step::ExpectData,
//!     Step::expect("QUIT"),
//!     Step::send("221 bye\r\n"),
//!     Step::Close,                   // or Reset, Sleep(ms), ExpectClose
//! ]).await;
//! // … drive the client against server.target() …
//! let events = server.finish().await;  // Accepted, Received{line, matched}, TlsEstablished, …, Done
//! ```
//!
//! Other starts: `ScriptedServer::start(steps)` (plain only),
//! `start_implicit_tls(config, steps)` (TLS from the first byte, RFC 8314), and
//! `start_with(ServerOptions { bind, tls, implicit_tls, connections, step_timeout }, steps)`
//! (e.g. `bind: "[::1]:0"`, or several connections in a row). `server.next_event()` reads
//! one event at a time (panics after 10 s), `received_lines()` gives the client's lines.
//! An `Expect` that does not match is reported (`matched: false`), not fatal; a step that
//! waits longer than `step_timeout`, or a socket error, ends the script with `Event::Error`.
//! `Step::ReadSome` reads raw bytes (a ClientHello), so a script can answer with
//! [`tls10_server_hello`] or [`ALERT_HANDSHAKE_FAILURE`] to play a legacy TLS server.
//! `unused_port()` gives a port with nothing listening (for "connection refused").
#![allow(dead_code, unused_imports)] // each test file uses a different subset

pub mod dns_rig;
pub mod exim;
pub mod filtered;
pub mod pki;
pub mod postfix;
pub mod probe;
pub mod render;
pub mod server;
pub mod tmux;

pub use pki::{
    Identity, LeafKind, TestPki, acceptor, server_config, server_config_versions, test_pki,
};
pub use server::{Event, Gate, ScriptedServer, ServerOptions, Step, reply};

/// A loopback port that was just free: bound, then released. Connecting to it is refused.
pub fn unused_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("local addr").port()
}

/// Whether this machine can listen on IPv6 loopback.
pub fn has_ipv6_loopback() -> bool {
    std::net::TcpListener::bind("[::1]:0").is_ok()
}

/// A ServerHello for TLS 1.0 with TLS_RSA_WITH_AES_128_CBC_SHA, as an old server sends it.
pub fn tls10_server_hello() -> Vec<u8> {
    let mut body = vec![0x03, 0x01];
    body.extend([0x42; 32]); // random
    body.push(0); // empty session id
    body.extend([0x00, 0x2f, 0x00]); // cipher suite, no compression
    let mut handshake = vec![0x02, 0, 0, body.len() as u8];
    handshake.extend(body);
    let mut record = vec![0x16, 0x03, 0x01, 0, handshake.len() as u8];
    record.extend(handshake);
    record
}

/// A fatal handshake_failure alert record, what many old servers answer to a modern
/// ClientHello.
pub const ALERT_HANDSHAKE_FAILURE: [u8; 7] = [0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x28];
