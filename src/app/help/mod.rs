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

/// The help overlay's state: how far it is scrolled, and how far it can be.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HelpView {
    /// Rows scrolled, at most [`max`](Self::max).
    pub scroll: usize,
    /// Rows the help can scroll on this screen, from the views' layout
    /// ([`Action::HelpBounds`](crate::app::Action::HelpBounds)).
    pub max: usize,
}

impl HelpView {
    pub(in crate::app) fn bound(&mut self, max: usize) {
        self.max = max;
        self.scroll = self.scroll.min(max);
    }
}

impl App {
    /// The help overlay, from its top.
    pub(crate) fn open_help(&mut self) {
        self.open_overlay(Overlay::Help(HelpView::default()));
    }

    /// The help overlay's state while it is open.
    pub fn help_view(&self) -> Option<&HelpView> {
        match self.overlay() {
            Some(Overlay::Help(help)) => Some(help),
            _ => None,
        }
    }

    /// Rows the help is scrolled (0 when it is closed).
    pub fn help_scroll(&self) -> usize {
        self.help_view().map_or(0, |help| help.scroll)
    }

    /// A key bound in the help overlay.
    pub(in crate::app) fn help_key(&mut self, action: HelpKey) -> Vec<Effect> {
        let page = self.page();
        let Some(Overlay::Help(help)) = self.overlay.as_mut() else {
            return Vec::new();
        };
        let scroll = help.scroll;
        let moved = match action {
            HelpKey::LineUp => scroll.saturating_sub(1),
            HelpKey::LineDown => scroll + 1,
            HelpKey::PageUp => scroll.saturating_sub(page),
            HelpKey::PageDown => scroll + page,
            HelpKey::Close => {
                self.close_overlay();
                self.notice = None;
                return Vec::new();
            }
            HelpKey::Quit => return self.quit(),
            HelpKey::Suspend => return vec![Effect::Suspend],
        };
        help.scroll = moved.min(help.max);
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
