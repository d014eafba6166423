//! The explorer's transcript header, and the debug-only panic trigger the terminal-restore
//! tests use.
//!
//! Layer: front end (the explorer).

use crate::net::ConnectPlan;
use crate::transcript::Header;
use crate::transcript::options::{FrontEnd, SessionOptions, session_header};

/// The header of an explorer session: target, transport and the options that shaped it.
pub fn header(plan: &ConnectPlan) -> Header {
    session_header(
        &plan.target,
        plan.tls_mode.into(),
        SessionOptions::connection(
            FrontEnd::Explorer,
            plan.ehlo.clone(),
            &plan.tls,
            plan.timeout,
        ),
    )
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
