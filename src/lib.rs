//! smtpx: an interactive SMTP session explorer.
//!
//! Layers, dependencies pointing down only:
//!
//! ```text
//! cli / main ─▶ probe, scan, replay, demo, tui, sandbox (each takes its typed plan,
//!                 │                                      never a clap struct)
//!                 │
//!                 ▼
//!               driver  (owns a connection + session, emits SessionEvents)
//!                 │
//!                 ▼
//!               net     (TCP, implicit TLS, STARTTLS, certificate verdicts)
//!                 │
//!                 ▼
//!               proto   (sans-IO: replies, commands, capabilities, SASL, DATA, session)
//! ```
//!
//! `event` holds the plain values that cross these layers (session events, TLS details,
//! certificate verdicts); it sits just above `proto` and below everything else.
pub mod app;
pub mod check;
pub mod cli;
pub mod config;
pub mod demo;
pub mod diagnose;
pub mod dns;
pub mod driver;
pub mod event;
pub mod explain;
pub mod files;
pub mod learn;
pub mod net;
pub mod output;
pub mod probe;
pub mod proto;
pub mod replay;
pub mod sandbox;
pub mod scan;
pub mod smuggle;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod transcript;
pub mod tui;
pub mod ui;
pub mod wrap;
