//! `smtpx serve`: the loop that runs a sandbox until Ctrl-C or SIGTERM, printing the banner,
//! the session log and a summary.
//!
//! Layer: sandbox (server side), the edge where `anyhow` is used.

use anyhow::Context as _;

use super::config::{Behaviours, SandboxConfig};
use super::server::{SandboxHandle, start};

/// Runs `smtpx serve` with `config` until Ctrl-C or SIGTERM. Without a maildir, a new
/// temporary one is made and kept.
pub async fn run_serve(mut config: SandboxConfig) -> anyhow::Result<()> {
    if config.maildir.is_none() {
        // Kept at exit: the messages are what the user came for.
        let dir = tempfile::Builder::new()
            .prefix("smtpx-maildir-")
            .tempdir()
            .context("creating a temporary maildir")?;
        config.maildir = Some(dir.keep());
    }
    for addr in config.exposed_addresses() {
        eprintln!(
            "warning: listening on {addr}, which is not loopback: other machines can reach this \
             sandbox and its demo account"
        );
    }
    let handle = start(config.clone())
        .await
        .context("starting the sandbox")?;
    print_banner(&handle, &config);
    wait_for_stop_signal().await?;
    println!("stopping: no new connections; closing sessions");
    let summary = handle.shutdown().await;
    println!("summary: {summary}");
    Ok(())
}

fn print_banner(handle: &SandboxHandle, config: &SandboxConfig) {
    let credentials = handle.credentials();
    println!("smtpx sandbox SMTP server");
    println!("  plain + STARTTLS  {}", handle.plain_addr());
    if let Some(addr) = handle.tls_addr() {
        println!("  implicit TLS      {addr}");
    }
    let mode = if config.submission {
        "submission (STARTTLS, then AUTH, before MAIL)"
    } else {
        "open (AUTH offered, not required)"
    };
    println!("  mode              {mode}");
    println!(
        "  demo account      user {:?}, password {:?} (AUTH PLAIN, LOGIN, CRAM-MD5)",
        credentials.user, credentials.password
    );
    println!(
        "  trust this CA     {} (e.g. --ca-file {})",
        handle.ca_pem_path().display(),
        handle.ca_pem_path().display()
    );
    println!(
        "  maildir           {} (one .eml per message)",
        handle.maildir().display()
    );
    println!(
        "  limits            SIZE {} octets, {} recipients, {} connections, idle {} s",
        config.max_message_size,
        config.max_recipients,
        config.max_connections,
        config.idle_timeout.as_secs()
    );
    println!(
        "  behaviours        {}",
        describe_behaviours(&config.behaviours)
    );
    println!("Press Ctrl-C to stop.");
}

fn describe_behaviours(b: &Behaviours) -> String {
    let mut parts = Vec::new();
    if !b.greeting_delay.is_zero() {
        parts.push(format!(
            "greeting delay {} ms",
            b.greeting_delay.as_millis()
        ));
    }
    if b.greylist {
        parts.push("greylist".to_owned());
    }
    for pattern in &b.reject_rcpt {
        parts.push(format!("reject-rcpt {pattern}"));
    }
    if b.tempfail_rate > 0.0 {
        parts.push(format!("tempfail rate {}", b.tempfail_rate));
    }
    if let Some(verb) = &b.drop_after {
        parts.push(format!("drop after {verb}"));
    }
    if b.accept_proxy_header {
        parts.push("PROXY header expected".to_owned());
    }
    if b.lenient_eod {
        parts.push("lenient end of data (bare LF ends lines)".to_owned());
    }
    if !b.slow_reply.is_zero() {
        parts.push(format!("slow reply {} ms", b.slow_reply.as_millis()));
    }
    if parts.is_empty() {
        "none".to_owned()
    } else {
        parts.join(", ")
    }
}

async fn wait_for_stop_signal() -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .context("installing the SIGTERM handler")?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result.context("waiting for Ctrl-C")?,
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c()
        .await
        .context("waiting for Ctrl-C")?;
    Ok(())
}
