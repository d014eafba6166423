//! Integration tests of the transport (`smtpx::net`) against the scripted server. The
//! helpers are here; the tests are grouped by what the connection does: `net/plain.rs`,
//! `net/starttls.rs`, `net/tls.rs`.

mod support;

// This crate's own files, tests/net/*.rs. The inline module is what puts them there: a
// crate root's `mod x;` looks for tests/x.rs.
mod net {
    mod plain;
    mod starttls;
    mod tls;
}

use std::time::Duration;

use smtpx::net::{
    ConnectOptions, Connection, NameCheck, NetError, Phase, ReadOutcome, Sni, TlsOptions,
    TlsVersion, Trust, TrustStore, UntrustedReason, Validity, VerifyMode,
};
use smtpx::proto::reply::{Limits, Malformation, Reply};
use support::*;

const WAIT: Duration = Duration::from_secs(5);

async fn reply(conn: &mut Connection) -> Reply {
    match conn.read_reply(WAIT).await {
        Ok(ReadOutcome::Reply(reply)) => reply,
        other => panic!("expected a reply, got {other:?}"),
    }
}

fn trusted_opts(pki: &TestPki) -> TlsOptions {
    TlsOptions {
        ca_file: Some(pki.ca_file()),
        ..TlsOptions::default()
    }
}

/// Script up to and including the 220 to STARTTLS.
fn until_starttls() -> Vec<Step> {
    vec![
        Step::send("220 mx ESMTP\r\n"),
        Step::expect("STARTTLS"),
        Step::send("220 2.0.0 go ahead\r\n"),
    ]
}

/// Connects, reads the greeting, sends STARTTLS and reads the 220.
async fn plain_until_starttls(server: &ScriptedServer) -> Connection {
    let mut conn = Connection::connect(&server.target(), &ConnectOptions::default())
        .await
        .expect("connect");
    assert_eq!(reply(&mut conn).await.code(), Some(220));
    conn.send(b"STARTTLS\r\n").await.expect("send");
    assert_eq!(reply(&mut conn).await.code(), Some(220));
    conn
}
