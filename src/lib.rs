//! smtpx: an interactive SMTP session explorer.
pub mod proto;
