//! What shaped a recorded session, as the transcript header keeps it ([`SessionOptions`]),
//! and where and what to record ([`RecordOptions`]). The header is built here for every
//! front end — the probe, the explorer and `replay --against` — and read back here when a
//! recording is re-run.
//!
//! The options are written under the header's `options` key with the same names and values
//! version-1 files have always had (`{"ehlo":"client.example","sni":false,…}`); keys this
//! smtpx does not know are kept, so an older reader's file or a newer writer's survives a
//! round trip.
//!
//! Layer: transcript (serde data; the transport types it maps are plain values).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::format::{Header, Transport};
use super::record::{RecordError, Recorder, default_path};
use crate::net::{Sni, Target, TlsMode, TlsOptions, VerifyMode};

/// The options that shaped a session, recorded in the transcript header. The fields are in
/// key order, as version-1 files have them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SessionOptions {
    /// The SASL mechanism asked for, lower case (`plain`, `cram-md5`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<String>,
    /// The BDAT chunk size when the message went in BDAT chunks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bdat: Option<usize>,
    /// `--ca-file` as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<String>,
    /// The EHLO name (the probe's resolved one; the explorer's only when given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ehlo: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Which front end ran the session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub front_end: Option<FrontEnd>,
    /// `--mx`: the mail domain asked for and the MX host the session went to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mx: Option<MxRoute>,
    /// `--pin-spki` keys (hex SHA-256 of the SubjectPublicKeyInfo); a re-run pins them too.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pin_spki: Vec<String>,
    /// The step the session was asked to stop after (`tls`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quit_after: Option<String>,
    /// The recording a `replay --against` session re-ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replayed_from: Option<String>,
    /// The SNI asked for: a name, or `false` for none; absent for the default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sni: Option<SniSetting>,
    /// The timeout in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_verify: Option<TlsVerify>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<String>,
    /// The AUTH user name; kept only when secrets are recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify_name: Option<String>,
    /// Keys this version does not know, kept as they were.
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

/// The front end that ran a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FrontEnd {
    Probe,
    Explorer,
    Replay,
    /// A name this version does not know.
    #[serde(other)]
    Other,
}

/// The route a `--mx` session took: the domain and the MX host chosen
/// ([RFC 5321 §5.1](https://www.rfc-editor.org/rfc/rfc5321#section-5.1)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MxRoute {
    pub domain: String,
    pub host: String,
    /// The MX preference; absent for the implicit MX (the domain had no MX record).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preference: Option<u16>,
}

/// The SNI setting as recorded: a name, or `false` when none was sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SniSetting {
    Name(String),
    /// `false`: no SNI at all (`true` is never written and reads as the default).
    Sent(bool),
}

/// Whether a failed certificate verdict stopped the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsVerify {
    Report,
    Strict,
}

impl SessionOptions {
    /// The transport options every connecting front end records: EHLO name, SNI,
    /// verification name, extra trust anchors, verification mode and timeout.
    pub fn connection(
        front_end: FrontEnd,
        ehlo: Option<String>,
        tls: &TlsOptions,
        timeout: Duration,
    ) -> SessionOptions {
        SessionOptions {
            front_end: Some(front_end),
            ehlo,
            sni: match &tls.sni {
                Sni::Default => None,
                Sni::Custom(name) => Some(SniSetting::Name(name.clone())),
                Sni::None => Some(SniSetting::Sent(false)),
            },
            verify_name: tls.verify_name.clone(),
            ca_file: tls.ca_file.as_ref().map(|p| p.display().to_string()),
            pin_spki: tls.pin_spki.iter().map(ToString::to_string).collect(),
            tls_verify: Some(match tls.mode {
                VerifyMode::Strict => TlsVerify::Strict,
                VerifyMode::Report => TlsVerify::Report,
            }),
            timeout: Some(timeout.as_secs_f64()),
            ..SessionOptions::default()
        }
    }

    /// The options of a session re-running the recording at `file`: the same, without the
    /// user name (the new session records its own), marked as a replay.
    pub fn replayed(&self, file: &std::path::Path) -> SessionOptions {
        SessionOptions {
            front_end: Some(FrontEnd::Replay),
            user: None,
            replayed_from: Some(file.display().to_string()),
            ..self.clone()
        }
    }

    /// TLS options from the recorded ones, for re-running the session; `ca_file` (when
    /// given) replaces the recorded one, which is used only while it still exists.
    pub fn tls_options(&self, ca_file: Option<PathBuf>) -> TlsOptions {
        let recorded_ca = self
            .ca_file
            .as_ref()
            .map(PathBuf::from)
            .filter(|p| p.exists());
        TlsOptions {
            sni: match &self.sni {
                Some(SniSetting::Sent(false)) => Sni::None,
                Some(SniSetting::Name(name)) => Sni::Custom(name.clone()),
                _ => Sni::Default,
            },
            verify_name: self.verify_name.clone(),
            ca_file: ca_file.or(recorded_ca),
            // A recorded pin that does not read (edited by hand) is left out, not guessed.
            pin_spki: self
                .pin_spki
                .iter()
                .filter_map(|p| p.parse().ok())
                .collect(),
            mode: match self.tls_verify {
                Some(TlsVerify::Strict) => VerifyMode::Strict,
                _ => VerifyMode::Report,
            },
            ..TlsOptions::default()
        }
    }
}

impl From<TlsMode> for Transport {
    fn from(mode: TlsMode) -> Transport {
        match mode {
            TlsMode::Implicit => Transport::ImplicitTls,
            TlsMode::StartTlsRequired => Transport::StarttlsRequired,
            TlsMode::StartTlsOptional => Transport::StarttlsOptional,
            TlsMode::Plain => Transport::Plain,
        }
    }
}

/// The header of a session starting now against `target`.
pub fn session_header(target: &Target, transport: Transport, options: SessionOptions) -> Header {
    let mut header = Header::new(&target.host, target.port, transport, unix_now());
    header.options = options;
    header
}

/// Now, in Unix seconds (0 if the clock is before 1970).
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Where and what to record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordOptions {
    /// `false`: the session is not recorded.
    pub enabled: bool,
    /// The file to write (default: one named for the time and host under the state
    /// directory).
    pub path: Option<PathBuf>,
    /// Keep AUTH secrets (and the user name) in the file.
    pub keep_secrets: bool,
    /// Replace message bodies with their size and SHA-256.
    pub redact_body: bool,
    /// Replace the file at `path` when it exists (else it is refused).
    pub overwrite: bool,
}

impl RecordOptions {
    /// Recording to the default place, secrets redacted, bodies kept.
    pub fn default_file() -> RecordOptions {
        RecordOptions {
            enabled: true,
            ..RecordOptions::default()
        }
    }

    /// Opens the transcript these options ask for (`None` when recording is off), writing
    /// `header` with the redaction policy filled in.
    pub fn start(&self, mut header: Header) -> Result<Option<Recorder>, RecordError> {
        if !self.enabled {
            return Ok(None);
        }
        header.redaction.secrets = !self.keep_secrets;
        header.redaction.body = self.redact_body;
        match &self.path {
            Some(path) if self.overwrite => Recorder::create(path, &header).map(Some),
            Some(path) => Recorder::create_exclusive(path, &header).map(Some),
            None => {
                let path = default_path(&header.target.host, header.started_unix)?;
                Recorder::create_new(&path, &header).map(Some)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_1_options_read_as_typed_values_and_unknown_keys_survive() {
        let text = r#"{"auth":"plain","ca_file":"/x/ca.pem","ehlo":"client.example","front_end":"probe","sni":false,"timeout":30.0,"tls_verify":"report","to":["a@b"],"quit_after":"tls","bdat":65536,"later":{"k":1}}"#;
        let options: SessionOptions = serde_json::from_str(text).expect("reads");
        assert_eq!(options.front_end, Some(FrontEnd::Probe));
        assert_eq!(options.sni, Some(SniSetting::Sent(false)));
        assert_eq!(options.tls_verify, Some(TlsVerify::Report));
        assert_eq!(options.bdat, Some(65_536));
        assert_eq!(options.quit_after.as_deref(), Some("tls"));
        assert_eq!(options.other["later"], serde_json::json!({"k": 1}));
        let again: serde_json::Value = serde_json::to_value(&options).expect("writes");
        let original: serde_json::Value = serde_json::from_str(text).expect("json");
        assert_eq!(again, original);
    }

    #[test]
    fn an_unknown_front_end_still_reads() {
        let options: SessionOptions =
            serde_json::from_str(r#"{"front_end":"someday","sni":"mx.example"}"#).expect("reads");
        assert_eq!(options.front_end, Some(FrontEnd::Other));
        assert_eq!(options.sni, Some(SniSetting::Name("mx.example".into())));
    }

    #[test]
    fn recorded_transport_options_come_back_for_a_re_run() {
        let pin = crate::net::SpkiPin([7; 32]);
        let tls = TlsOptions {
            sni: Sni::None,
            verify_name: Some("mx.example".into()),
            mode: VerifyMode::Strict,
            pin_spki: vec![pin],
            ..TlsOptions::default()
        };
        let options = SessionOptions::connection(
            FrontEnd::Probe,
            Some("me".into()),
            &tls,
            Duration::from_secs(30),
        );
        assert_eq!(options.timeout, Some(30.0));
        let back = options
            .replayed(std::path::Path::new("a.jsonl"))
            .tls_options(None);
        assert_eq!(back.sni, Sni::None);
        assert_eq!(back.verify_name.as_deref(), Some("mx.example"));
        assert_eq!(back.mode, VerifyMode::Strict);
        assert_eq!(back.pin_spki, vec![pin]);
    }
}
