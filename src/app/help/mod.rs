//! The help overlay (F1 or `/help`): every key of the current mode and the `/commands`,
//! drawn from the same tables that decide what the keys do; it scrolls on a short screen.
//! Also the [`Keymap`] the views draw hints and help from.
//!
//! Layer: app state.

pub mod keymaps;
pub mod keys;

pub use keymaps::{KeyText, Keymap};

use crate::app::{App, Effect, Overlay};
use keys::HelpKey;

impl App {
    /// The help overlay, from its top.
    pub(crate) fn open_help(&mut self) {
        self.overlay = Some(Overlay::Help);
        self.help_scroll = 0;
    }

    /// A key bound in the help overlay.
    pub(in crate::app) fn help_key(&mut self, action: HelpKey) -> Vec<Effect> {
        let scroll = self.help_scroll;
        let page = self.page();
        let moved = match action {
            HelpKey::LineUp => scroll.saturating_sub(1),
            HelpKey::LineDown => scroll + 1,
            HelpKey::PageUp => scroll.saturating_sub(page),
            HelpKey::PageDown => scroll + page,
            HelpKey::Close => {
                self.overlay = None;
                self.notice = None;
                return Vec::new();
            }
            HelpKey::Quit => return self.quit(),
            HelpKey::Suspend => return vec![Effect::Suspend],
        };
        self.help_scroll = moved.min(self.help_max);
        Vec::new()
    }

    /// The keymap the help lists: the prompt mode's, or the replay's (whatever overlay is
    /// open over them).
    pub fn help_keymap(&self) -> Keymap {
        if self.replay.is_some() {
            Keymap::Replay(&crate::app::replay::keys::KEYS)
        } else {
            Keymap::Prompt(crate::app::prompt::keys::of_mode(self.mode))
        }
    }
}
