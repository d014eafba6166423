//! One hostile behaviour, met by each client in turn: a [`Scenario`] holds the server's
//! script (and its STARTTLS configuration) and starts a fresh scripted server for every
//! run — the probe with JSON output, the probe's human output, the explorer's App model —
//! so a test states the script once and then only what each client must show.

use std::sync::Arc;
use std::time::Duration;

use smtpx::net::TlsOptions;

use super::harness::{self, ProbeRun, TuiRun};
use crate::strs;
use crate::support::{ScriptedServer, Step};

/// A server script to play once per client.
pub struct Scenario {
    script: Vec<Step>,
    starttls: Option<Arc<rustls::ServerConfig>>,
}

impl Scenario {
    /// A plaintext server playing `script`.
    pub fn new(script: Vec<Step>) -> Scenario {
        Scenario {
            script,
            starttls: None,
        }
    }

    /// A server playing `script` that can upgrade to TLS with `config` at `Step::StartTls`.
    pub fn starttls(config: Arc<rustls::ServerConfig>, script: Vec<Step>) -> Scenario {
        Scenario {
            script,
            starttls: Some(config),
        }
    }

    async fn server(&self) -> ScriptedServer {
        match &self.starttls {
            Some(config) => {
                ScriptedServer::start_starttls(config.clone(), self.script.clone()).await
            }
            None => ScriptedServer::start(self.script.clone()).await,
        }
    }

    /// `smtpx probe --json` with the arguments `args` gives for a fresh server.
    pub async fn probe(&self, args: impl Fn(&ScriptedServer) -> Vec<String>) -> ProbeRun {
        self.probe_env(args, &[]).await
    }

    /// [`Scenario::probe`] with environment variables set.
    pub async fn probe_env(
        &self,
        args: impl Fn(&ScriptedServer) -> Vec<String>,
        env: &[(&str, &str)],
    ) -> ProbeRun {
        let server = self.server().await;
        harness::probe(&strs(&args(&server)), env).await
    }

    /// `smtpx probe` with its human-readable output.
    pub async fn probe_text(&self, args: impl Fn(&ScriptedServer) -> Vec<String>) -> ProbeRun {
        let server = self.server().await;
        harness::probe_text(&strs(&args(&server)), &[]).await
    }

    /// The explorer against a fresh server, the person typing `lines`, `settle_ms` of quiet
    /// at the end; asserts nothing the terminal would act on reaches its entries or screen.
    pub async fn tui(&self, lines: &[&str], settle_ms: u64) -> TuiRun {
        let server = self.server().await;
        let mut ui = harness::tui(
            server.target(),
            TlsOptions::default(),
            lines,
            Duration::from_millis(settle_ms),
        )
        .await;
        ui.assert_escaped();
        ui
    }
}
