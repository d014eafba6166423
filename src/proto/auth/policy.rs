//! When smtpx sends a credential: one policy for the probe, the explorer, the AUTH form and
//! `replay --against`.
//!
//! Security invariant: a credential goes only over TLS whose certificate verdict passed,
//! with a mechanism the server advertised, after it advertised AUTH
//! ([RFC 4954 §4](https://www.rfc-editor.org/rfc/rfc4954#section-4): a client must not
//! use a mechanism the server did not list; [RFC 8314 §5.2](https://www.rfc-editor.org/rfc/rfc8314#section-5.2):
//! credentials only over TLS whose certificate was verified). Anything else needs the
//! user's explicit, named opt-in (`--allow-insecure-auth`); report-mode verification alone
//! does not count.
//!
//! Layer: protocol core (sans-IO): the caller says how the connection is protected.

use super::Mechanism;
use crate::proto::capability::Capabilities;

/// How the connection a credential would travel on is protected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Protection {
    /// No TLS.
    Plaintext,
    /// TLS, but the certificate verdict did not pass; `reason` is the verdict in words.
    UnverifiedTls { reason: String },
    /// TLS with a certificate that is trusted, carries the name and is valid now.
    VerifiedTls,
}

/// Why a credential is held back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthRefusal {
    /// The connection is plaintext.
    Plaintext,
    /// The certificate did not pass verification.
    UnverifiedTls { reason: String },
    /// The server's EHLO reply lists no AUTH extension.
    NotAdvertised,
    /// The server lists AUTH, but not this mechanism.
    MechanismNotOffered {
        mechanism: String,
        offered: Vec<String>,
    },
}

impl AuthRefusal {
    /// Whether the refusal is about TLS (the probe's exit code 23) rather than AUTH (24).
    pub fn is_about_tls(&self) -> bool {
        matches!(
            self,
            AuthRefusal::Plaintext | AuthRefusal::UnverifiedTls { .. }
        )
    }

    /// What a headless front end says when it holds the credentials back: the risk and
    /// the opt-in that lifts it.
    pub fn held_back(&self) -> String {
        format!(
            "not sending credentials: {}; --allow-insecure-auth sends them anyway",
            self.describe()
        )
    }

    /// One sentence for a person, naming the risk.
    pub fn describe(&self) -> String {
        match self {
            AuthRefusal::Plaintext => "the connection is not encrypted: a password sent now \
                 would cross the network in cleartext, readable by anyone on the path"
                .to_string(),
            AuthRefusal::UnverifiedTls { reason } => format!(
                "the certificate is not verified ({reason}): a password sent now could be \
                 read by whoever holds that key"
            ),
            AuthRefusal::NotAdvertised => "the server does not advertise AUTH: it did not \
                 offer to take credentials, so none are sent"
                .to_string(),
            AuthRefusal::MechanismNotOffered { mechanism, offered } => {
                let offered = if offered.is_empty() {
                    "none".to_string()
                } else {
                    offered.join(" ")
                };
                format!(
                    "the server does not offer AUTH {mechanism} (it offers: {offered}), so \
                     no credentials are sent"
                )
            }
        }
    }
}

/// Checks a credential about to be sent with `mechanism` against what the server
/// advertised (`caps`, the latest EHLO reply) and how the connection is protected.
/// `allow_insecure` is the user's named opt-in: it lifts every refusal.
pub fn check(
    mechanism: &Mechanism,
    caps: &Capabilities,
    protection: &Protection,
    allow_insecure: bool,
) -> Result<(), AuthRefusal> {
    if allow_insecure {
        return Ok(());
    }
    match protection {
        Protection::Plaintext => return Err(AuthRefusal::Plaintext),
        Protection::UnverifiedTls { reason } => {
            return Err(AuthRefusal::UnverifiedTls {
                reason: reason.clone(),
            });
        }
        Protection::VerifiedTls => {}
    }
    if !caps.auth() {
        return Err(AuthRefusal::NotAdvertised);
    }
    let name = mechanism.to_string();
    if !caps.offers_mechanism(&name) {
        return Err(AuthRefusal::MechanismNotOffered {
            mechanism: name,
            offered: caps.auth_mechanisms(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::reply::Reply;

    fn caps(lines: &str) -> Capabilities {
        let reply = Reply::parse_all(lines.as_bytes())
            .expect("parses")
            .pop()
            .expect("one reply");
        Capabilities::from_ehlo_reply(&reply)
    }

    #[test]
    fn verified_tls_and_an_offered_mechanism_pass() {
        let caps = caps("250-mx\r\n250 AUTH PLAIN LOGIN\r\n");
        assert_eq!(
            check(&Mechanism::Plain, &caps, &Protection::VerifiedTls, false),
            Ok(())
        );
    }

    #[test]
    fn plaintext_and_unverified_tls_are_refused_as_tls_problems() {
        let caps = caps("250-mx\r\n250 AUTH PLAIN\r\n");
        let plain = check(&Mechanism::Plain, &caps, &Protection::Plaintext, false);
        assert_eq!(plain, Err(AuthRefusal::Plaintext));
        let unverified = Protection::UnverifiedTls {
            reason: "NOT trusted: self-signed".into(),
        };
        let refusal = check(&Mechanism::Plain, &caps, &unverified, false).expect_err("held");
        assert!(refusal.is_about_tls());
        assert!(refusal.describe().contains("whoever holds that key"));
    }

    #[test]
    fn a_server_without_auth_or_without_the_mechanism_gets_nothing() {
        let none = caps("250-mx\r\n250 8BITMIME\r\n");
        assert_eq!(
            check(&Mechanism::Plain, &none, &Protection::VerifiedTls, false),
            Err(AuthRefusal::NotAdvertised)
        );
        let plain_only = caps("250-mx\r\n250 AUTH PLAIN\r\n");
        let refusal = check(
            &Mechanism::CramMd5,
            &plain_only,
            &Protection::VerifiedTls,
            false,
        )
        .expect_err("held");
        assert!(!refusal.is_about_tls());
        assert!(
            refusal.describe().contains("CRAM-MD5"),
            "{}",
            refusal.describe()
        );
        assert!(refusal.describe().contains("PLAIN"));
    }

    #[test]
    fn the_named_opt_in_lifts_every_refusal() {
        let none = caps("250-mx\r\n250 8BITMIME\r\n");
        assert_eq!(
            check(&Mechanism::CramMd5, &none, &Protection::Plaintext, true),
            Ok(())
        );
    }
}
