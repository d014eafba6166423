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
