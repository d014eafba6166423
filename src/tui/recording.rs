//! The explorer's transcript header, and the debug-only panic trigger the terminal-restore
//! tests use.
//!
//! Layer: CLI edge (wiring).

use serde_json::json;

use crate::cli::transcript::unix_now;
use crate::cli::{ConnectArgs, TlsMode};
use crate::net::Target;
use crate::transcript::{Header, Transport};

/// The header of an explorer session: target, transport and the options that shaped it.
pub fn header(args: &ConnectArgs, target: &Target, mode: TlsMode) -> Header {
    let transport = match mode {
        TlsMode::Implicit => Transport::ImplicitTls,
        TlsMode::StartTlsRequired => Transport::StarttlsRequired,
        TlsMode::StartTlsOptional => Transport::StarttlsOptional,
        TlsMode::Plain => Transport::Plain,
    };
    let mut header = Header::new(&target.host, target.port, transport, unix_now());
    let mut put = |key: &str, value: serde_json::Value| {
        if !value.is_null() {
            header.options.insert(key.into(), value);
        }
    };
    put("front_end", json!("explorer"));
    put("ehlo", json!(args.ehlo));
    put(
        "sni",
        if args.no_sni {
            json!(false)
        } else {
            json!(args.sni)
        },
    );
    put("verify_name", json!(args.verify_name));
    put(
        "ca_file",
        json!(args.ca_file.as_ref().map(|p| p.display().to_string())),
    );
    put(
        "tls_verify",
        json!(format!("{:?}", args.tls_verify).to_lowercase()),
    );
    put("timeout", json!(args.timeout));
    header
}

/// `SMTPX_TEST_PANIC=1` makes the explorer panic right after its first draw, so the tests
/// can check that the panic hook restores the terminal (`tests/tui_tmux.rs`). Only debug
/// builds (what `cargo test` runs) look at the variable; a release build compiles this to
/// nothing, so no user can trip it.
#[cfg(debug_assertions)]
pub fn panic_if_asked() {
    if std::env::var_os("SMTPX_TEST_PANIC").is_some_and(|v| v == "1") {
        panic!("SMTPX_TEST_PANIC=1: a deliberate panic after the first draw");
    }
}

/// Release builds: the test trigger does not exist.
#[cfg(not(debug_assertions))]
pub fn panic_if_asked() {}
