//! How the explorer is shown and what the views ask of its state: the look (colour, ASCII,
//! high contrast, presenter mode), the viewport, the connection's clock, the recording and
//! the side panel.
//!
//! Layer: app state. A child of [`app`](super).

use std::path::{Path, PathBuf};

use super::{App, Entry, auth};

/// How the explorer is shown, as the command line asked: `--theme`, `--presenter`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Display {
    pub high_contrast: bool,
    /// For a projector: high contrast, no side panel, the latest reply's explanation in a
    /// pane of its own, a blank row between transcript entries.
    pub presenter: bool,
}

/// How the views style text: without colour (`NO_COLOR`), or in the high-contrast theme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Look {
    pub no_color: bool,
    pub high_contrast: bool,
}

impl App {
    /// The transcript area (columns, rows) as the views last reported it.
    pub fn viewport(&self) -> (u16, u16) {
        self.viewport
    }

    /// How the terminal draws: without colour (`NO_COLOR`), and with ASCII instead of box
    /// drawing characters (TERM=linux).
    pub fn set_look(&mut self, no_color: bool, ascii: bool) {
        self.no_color = no_color;
        self.ascii = ascii;
    }

    pub fn no_color(&self) -> bool {
        self.no_color
    }

    /// The high-contrast theme: no dim text, bright colours (`--theme high-contrast`).
    pub fn set_high_contrast(&mut self, on: bool) {
        self.high_contrast = on;
    }

    /// `--theme` and `--presenter`; the presenter's blank rows apply to entries added
    /// from now on.
    pub fn set_display(&mut self, display: Display) {
        self.high_contrast = display.high_contrast || display.presenter;
        self.presenter = display.presenter;
        if display.presenter {
            self.panel = Some(false);
        }
    }

    /// Presenter mode (`--presenter`).
    pub fn presenter(&self) -> bool {
        self.presenter
    }

    /// `entries` with a blank row after each in presenter mode.
    pub(in crate::app) fn spaced(&self, mut entries: Vec<Entry>) -> Vec<Entry> {
        if self.presenter {
            for entry in &mut entries {
                entry.lines.push(String::new());
            }
        }
        entries
    }

    /// What the views need to pick styles.
    pub fn look(&self) -> Look {
        Look {
            no_color: self.no_color,
            high_contrast: self.high_contrast,
        }
    }

    /// Box drawing characters unavailable: ASCII markers and borders.
    pub fn ascii(&self) -> bool {
        self.ascii
    }

    /// The transcript file being written (none with `--no-record`).
    pub fn recording(&self) -> Option<&Path> {
        self.recording.as_deref()
    }

    pub fn set_recording(&mut self, path: Option<PathBuf>) {
        self.recording = path;
    }

    /// Whether the transcript keeps AUTH secrets (`--record-secrets`): the status bar says
    /// so as long as it is written.
    pub fn recording_secrets(&self) -> bool {
        self.recording_secrets
    }

    pub fn set_recording_secrets(&mut self, secrets: bool) {
        self.recording_secrets = secrets;
    }

    /// Why recording stopped or never started.
    pub fn record_error(&self) -> Option<&str> {
        self.record_error.as_deref()
    }

    /// Where `/save` last wrote the transcript.
    pub fn saved_to(&self) -> Option<&Path> {
        self.saved_to.as_deref()
    }

    /// A form-started AUTH exchange under way.
    pub fn auth_trace(&self) -> Option<&auth::AuthTrace> {
        self.auth_trace.as_ref()
    }

    /// The side panel is drawn at this total screen width.
    pub fn panel_visible(&self, screen_width: u16) -> bool {
        self.panel.unwrap_or(screen_width >= 100)
    }
}
