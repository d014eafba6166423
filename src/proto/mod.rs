//! Protocol core: the SMTP client side as pure data transformations (sans-IO).
//!
//! Layer: bottom. Uses std, thiserror, base64 and mail-builder only — no tokio, sockets, clocks or
//! randomness — so the same session logic serves the live explorer, the headless probe,
//! replay and the tests.
pub mod auth;
pub mod capability;
pub mod civil;
pub mod command;
pub mod data;
pub mod enhanced;
pub mod message;
pub mod reply;
pub mod session;
pub mod text;
