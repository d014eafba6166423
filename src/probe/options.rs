//! The transport options the probe and the explorer share, built from `ConnectArgs`:
//! timeouts, SNI, the verification name, `--ca-file` (added to the webpki roots),
//! `--tls-min`/`--tls-max`, and the client certificate for mutual TLS.
//!
//! Layer: probe (wiring from the CLI to `net`).

use crate::cli::VerifyArg;
use crate::net::{ConnectOptions, Sni, TlsOptions, VerifyMode};

/// Builds the transport options shared by the probe and the explorer.
pub fn connect_options(args: &crate::cli::ConnectArgs) -> (ConnectOptions, TlsOptions) {
    let sni = if args.no_sni {
        Sni::None
    } else if let Some(name) = &args.sni {
        Sni::Custom(name.clone())
    } else {
        Sni::Default
    };
    let connect = ConnectOptions {
        connect_timeout: args.timeout(),
        resolve_timeout: args.timeout(),
        send_timeout: args.timeout(),
        ..ConnectOptions::default()
    };
    let tls = TlsOptions {
        sni,
        verify_name: args.verify_name.clone(),
        ca_file: args.ca_file.clone(),
        client_cert: args.client_cert.clone(),
        client_key: args.client_key.clone(),
        min_version: args.tls_min.map(tls_version),
        max_version: args.tls_max.map(tls_version),
        mode: match args.tls_verify {
            VerifyArg::Report => VerifyMode::Report,
            VerifyArg::Strict => VerifyMode::Strict,
        },
        handshake_timeout: args.timeout(),
        ..TlsOptions::default()
    };
    (connect, tls)
}

fn tls_version(arg: crate::cli::TlsVersionArg) -> crate::net::TlsVersion {
    match arg {
        crate::cli::TlsVersionArg::Tls12 => crate::net::TlsVersion::Tls12,
        crate::cli::TlsVersionArg::Tls13 => crate::net::TlsVersion::Tls13,
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, CommandKind};
    use crate::net::TlsVersion;

    fn tls_of(args: &[&str]) -> TlsOptions {
        let cli = Cli::try_parse_from(["smtpx", "probe", "mx.example.com"].iter().chain(args))
            .expect("valid args");
        match cli.command {
            Some(CommandKind::Probe(p)) => connect_options(&p.connect).1,
            other => panic!("expected probe, got {other:?}"),
        }
    }

    #[test]
    fn tls_flags_reach_the_transport_options() {
        let tls = tls_of(&[
            "--tls-min",
            "1.3",
            "--tls-max",
            "1.3",
            "--client-cert",
            "c.pem",
            "--client-key",
            "k.pem",
            "--ca-file",
            "ca.pem",
        ]);
        assert_eq!(tls.min_version, Some(TlsVersion::Tls13));
        assert_eq!(tls.max_version, Some(TlsVersion::Tls13));
        assert_eq!(
            tls.client_cert.as_deref(),
            Some(std::path::Path::new("c.pem"))
        );
        assert_eq!(
            tls.client_key.as_deref(),
            Some(std::path::Path::new("k.pem"))
        );
        assert_eq!(tls.ca_file.as_deref(), Some(std::path::Path::new("ca.pem")));
        let tls = tls_of(&[]);
        assert_eq!((tls.min_version, tls.max_version), (None, None));
    }

    #[test]
    fn bad_tls_versions_and_a_lone_client_key_are_refused() {
        let parse = |args: &[&str]| {
            Cli::try_parse_from(["smtpx", "probe", "h"].iter().chain(args)).is_err()
        };
        assert!(parse(&["--tls-min", "1.1"]));
        assert!(parse(&["--client-key", "k.pem"]));
    }
}
