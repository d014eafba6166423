//! The SMTP part of checking one MX host: greeting, EHLO, STARTTLS and the TLS handshake,
//! recording what happened for the report. Nothing is sent after the handshake but QUIT.
//!
//! Layer: front end (domain check) — uses `net` for the connection and `proto` for replies.

use serde::Serialize;

use crate::net::{Connection, ReadOutcome, Sni, TlsOptions, VerifyMode};
use crate::proto::capability::Capabilities;
use crate::proto::reply::Reply;
use crate::proto::text::escape_str;

use super::CheckPlan;

/// What TLS negotiated with one host.
#[derive(Debug, Clone, Serialize)]
pub struct TlsResult {
    pub version: String,
    pub cipher_suite: String,
    /// WebPKI trust and name check for the MX host name (webpki roots plus `--ca-file`).
    pub pkix_ok: bool,
    pub pkix: String,
    /// Leaf first; matched against TLSA records.
    #[serde(skip)]
    pub chain_der: Vec<Vec<u8>>,
    pub chain_length: usize,
}

/// One SMTP session up to TLS.
#[derive(Debug, Clone, Serialize)]
pub struct SessionResult {
    pub peer: String,
    /// The greeting, escaped.
    pub greeting: Option<String>,
    pub starttls_offered: bool,
    pub tls: Option<TlsResult>,
    pub tls_error: Option<String>,
    /// Why the host cannot take mail before TLS even starts (a 4xx/5xx greeting, a closed
    /// connection).
    pub failure_before_tls: Option<String>,
    /// Plaintext injected after the 220 to STARTTLS (CVE-2011-0411 class), escaped.
    pub injection: Option<String>,
}

impl SessionResult {
    pub fn chain(&self) -> Option<&[Vec<u8>]> {
        self.tls.as_ref().map(|t| t.chain_der.as_slice())
    }
}

/// The reply code and the first line of text, escaped.
fn first_line(reply: &Reply) -> String {
    let text = escape_str(&reply.text_lines().next().unwrap_or_default());
    match reply.code() {
        Some(code) => format!("{code} {text}"),
        None => text,
    }
}

async fn read(conn: &mut Connection, plan: &CheckPlan) -> Result<Reply, String> {
    match conn.read_reply(plan.timeout).await {
        Ok(ReadOutcome::Reply(reply)) => Ok(reply),
        Ok(ReadOutcome::Closed { .. }) => Err("the server closed the connection".into()),
        Err(e) => Err(e.to_string()),
    }
}

async fn command(conn: &mut Connection, plan: &CheckPlan, line: &str) -> Result<Reply, String> {
    conn.send(format!("{line}\r\n").as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    read(conn, plan).await
}

/// Greeting, EHLO, STARTTLS if offered, the handshake verifying `host`, QUIT.
pub async fn run(mut conn: Connection, plan: &CheckPlan, host: &str) -> SessionResult {
    let mut result = SessionResult {
        peer: conn.peer_addr().to_string(),
        greeting: None,
        starttls_offered: false,
        tls: None,
        tls_error: None,
        failure_before_tls: None,
        injection: None,
    };
    let greeting = match read(&mut conn, plan).await {
        Ok(reply) => reply,
        Err(e) => {
            result.failure_before_tls = Some(format!("no greeting: {e}"));
            return result;
        }
    };
    result.greeting = Some(first_line(&greeting));
    if greeting.code() != Some(220) {
        result.failure_before_tls = Some(format!(
            "the greeting is {} (not 220)",
            greeting
                .code()
                .map_or("malformed".into(), |c| c.to_string())
        ));
        conn.shutdown().await;
        return result;
    }
    let ehlo = match command(&mut conn, plan, &format!("EHLO {}", plan.ehlo_name)).await {
        Ok(reply) if reply.code() == Some(250) => reply,
        Ok(reply) => {
            result.failure_before_tls = Some(format!(
                "EHLO was answered {}",
                reply.code().map_or("malformed".into(), |c| c.to_string())
            ));
            conn.shutdown().await;
            return result;
        }
        Err(e) => {
            result.failure_before_tls = Some(format!("EHLO: {e}"));
            return result;
        }
    };
    result.starttls_offered = Capabilities::from_ehlo_reply(&ehlo).starttls();
    if !result.starttls_offered {
        let _ = command(&mut conn, plan, "QUIT").await;
        conn.shutdown().await;
        return result;
    }
    match command(&mut conn, plan, "STARTTLS").await {
        Ok(reply) if reply.code() == Some(220) => {}
        Ok(reply) => {
            result.tls_error = Some(format!("STARTTLS was answered {}", first_line(&reply)));
            conn.shutdown().await;
            return result;
        }
        Err(e) => {
            result.tls_error = Some(format!("STARTTLS: {e}"));
            return result;
        }
    }
    let tls = TlsOptions {
        sni: Sni::Custom(host.to_string()),
        verify_name: Some(host.to_string()),
        ca_file: plan.ca_file.clone(),
        mode: VerifyMode::Report,
        handshake_timeout: plan.timeout,
        ..TlsOptions::default()
    };
    match conn.starttls(&tls).await {
        Ok((mut conn, info, injection)) => {
            result.injection = injection.map(|i| escape_str(&String::from_utf8_lossy(&i.bytes)));
            result.tls = Some(TlsResult {
                version: info.version.clone(),
                cipher_suite: info.cipher_suite.clone(),
                pkix_ok: info.verdict.ok(),
                pkix: info.verdict.summary(),
                chain_length: info.chain_der.len(),
                chain_der: info.chain_der,
            });
            let _ = command(&mut conn, plan, "QUIT").await;
            conn.shutdown().await;
        }
        Err(e) => result.tls_error = Some(e.to_string()),
    }
    result
}
