//! The help overlay (F1 or `/help`): every key of the current mode and the `/commands`,
//! drawn from the same tables that decide what the keys do; it scrolls on a short screen.
//!
//! Layer: app state.

pub mod keys;

use crate::app::{App, Overlay};

impl App {
    /// The help overlay, from its top.
    pub(crate) fn open_help(&mut self) {
        self.overlay = Some(Overlay::Help);
        self.help_scroll = 0;
    }
}
