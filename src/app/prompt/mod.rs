//! The prompt: what Enter and Tab do with the typed line (`line.rs`), the `/commands`
//! (`slash.rs`), the warning before a command that breaks a rule (`guard.rs`), the line
//! history and Tab completion (`history.rs`), the words the views show for the prompt's
//! state (`labels.rs`), and the keymaps of the three prompt modes (`keys.rs`).
//!
//! Layer: app state.

mod guard;
pub mod history;
pub mod keys;
mod labels;
mod line;
mod slash;

pub use history::{Completion, HISTORY_LIMIT, History, candidates};

use crate::app::{App, Mode};

impl App {
    /// What the prompt does with a line.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The one-line notice under the transcript (a local error, a hint).
    pub fn notice(&self) -> Option<&str> {
        self.notice.as_deref()
    }

    /// Tab's candidates while completing.
    pub fn completion(&self) -> Option<&Completion> {
        self.completion.as_ref()
    }

    /// Message lines collected after 354.
    pub fn message(&self) -> &[String] {
        &self.message
    }

    /// The lines sent, kept across runs.
    pub fn history(&self) -> &History {
        &self.history
    }
}
