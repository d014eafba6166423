//! `smtpx replay FILE`: a recording stepped through in the explorer, served back to any
//! client (`--serve`), or re-run against a live server and compared (`--against`).
//!
//! Files: `run.rs` (the entry point: which of the three, or the text export when there is no
//! terminal), `serve.rs`, `serve_io.rs` and `serve_tls.rs` (`--serve`: the mock server, its
//! wire, its stand-in certificate), `against.rs` (`--against`: the client side re-run, then
//! compared by [`crate::transcript::diff`]). The explorer's replay loop is
//! [`crate::tui::replay`]; its state is [`crate::app::replay`].
//!
//! Layer: front end (tokio, rustls, the driver) — wiring around the pure transcript layer
//! ([`crate::transcript`]: format, reading, scripts, diff), which stays free of tokio.

pub mod against;
pub mod run;
pub mod serve;
mod serve_io;
pub mod serve_tls;
