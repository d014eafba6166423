//! The one place the explorer's state changes: [`App::update`] routes an [`Action`] (a key,
//! a driver update, a resize, a tick) to the feature it belongs to and returns the
//! [`Effect`]s for the loop to carry out.
//!
//! Layer: app state. A child of [`app`](super).

use ratatui::crossterm::event::{KeyEvent, KeyEventKind};

use super::{
    Action, App, Effect, Entry, Overlay, OverlayKind, cert, help, keymap, ladder, timeline,
    transcript,
};
use crate::driver::task::Intent;

impl App {
    /// The one place state changes.
    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        let effects = self.apply(action);
        self.follow_handshake();
        effects
    }

    fn apply(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Key(key) => self.on_key(key),
            Action::Paste(text) if self.overlay_kind() == Some(OverlayKind::AuthForm) => {
                if let Some(Overlay::Auth(form)) = self.overlay.as_mut() {
                    form.paste(&text);
                }
                Vec::new()
            }
            Action::Paste(text) if self.overlay_kind() == Some(OverlayKind::Composer) => {
                self.paste_into_composer(&text);
                Vec::new()
            }
            Action::WallClock(now) => {
                self.wall_clock(now);
                Vec::new()
            }
            Action::AttachmentsRead(result) => self.attachments_read(result),
            Action::Paste(text) if self.replay.is_some() && self.overlay.is_none() => {
                self.paste_in_replay(&text);
                Vec::new()
            }
            Action::Paste(text) => {
                // A pasted block is typed, not sent: line breaks become spaces.
                for c in text.chars() {
                    let c = if c == '\r' || c == '\n' { ' ' } else { c };
                    self.input.handle(tui_input::InputRequest::InsertChar(c));
                }
                Vec::new()
            }
            Action::Wheel(rows) if self.replay.is_some() => {
                self.replay_wheel(rows);
                Vec::new()
            }
            Action::ReplayTick(now) => {
                self.replay_tick(now);
                Vec::new()
            }
            Action::ReplayWarmUp(budget) => {
                self.replay_warm_up(budget);
                Vec::new()
            }
            Action::Click(row) => {
                self.click(row);
                Vec::new()
            }
            Action::Wheel(rows) => {
                let width = usize::from(self.viewport.0);
                if rows > 0 {
                    self.scroll
                        .up(&self.entries, width, rows.unsigned_abs() as usize);
                } else {
                    self.scroll
                        .down(&self.entries, width, rows.unsigned_abs() as usize);
                }
                Vec::new()
            }
            Action::Viewport(width, height) => {
                self.viewport = (width, height);
                Vec::new()
            }
            Action::HelpBounds(max) => {
                if let Some(Overlay::Help(help)) = self.overlay.as_mut() {
                    help.bound(max);
                }
                Vec::new()
            }
            Action::Driver(update) => {
                let mut effects = self.on_update(update);
                effects.extend(std::mem::take(&mut self.pending_effects));
                effects
            }
            Action::Clock(elapsed) => {
                self.connected_for = self.connected.then_some(elapsed);
                if !self.connected && self.connecting.is_some() {
                    self.connecting = Some(elapsed);
                }
                Vec::new()
            }
            Action::Saved { path, result } if self.cert.pending_save.as_ref() == Some(&path) => {
                self.chain_saved(path, result)
            }
            Action::Saved { path, result } => {
                match result {
                    Ok(()) => {
                        self.push(Entry::local(format!(
                            "transcript saved to {}",
                            path.display()
                        )));
                        self.saved_to = Some(path);
                    }
                    Err(e) => {
                        let hint = if e.kind() == std::io::ErrorKind::AlreadyExists {
                            " (/save --overwrite PATH replaces it)"
                        } else {
                            ""
                        };
                        self.push(Entry::local(format!(
                            "could not save to {}: {e}{hint}",
                            path.display()
                        )))
                    }
                }
                Vec::new()
            }
        }
    }

    /// A key goes to the open overlay's handler, else to the replay's or the prompt's.
    fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if key.kind != KeyEventKind::Press {
            return Vec::new();
        }
        let Some(overlay) = self.overlay_kind() else {
            return if self.replay.is_some() {
                self.replay_key(&key)
            } else {
                self.prompt_key(key)
            };
        };
        // The forms and the timeline take every key; the other overlays ignore unbound ones.
        match overlay {
            OverlayKind::AuthForm => return self.auth_form_key(key),
            OverlayKind::Composer => return self.composer_key(key),
            OverlayKind::Timeline => {
                return match keymap::find(&timeline::KEYS, &key) {
                    Some(action) => self.timeline_key(action),
                    None => Vec::new(),
                };
            }
            OverlayKind::Ladder => {
                return match keymap::find(&ladder::KEYS, &key) {
                    Some(action) => self.ladder_key(action),
                    // In a replay the stepping keys go on working, and the ladder follows.
                    None if self.replay.is_some() => {
                        let effects = self.replay_key(&key);
                        self.refresh_replay_ladder();
                        effects
                    }
                    None => Vec::new(),
                };
            }
            OverlayKind::Help | OverlayKind::Pick | OverlayKind::Certificate => {}
        }
        let effects = match overlay {
            OverlayKind::Help => keymap::find(&help::keys::HELP, &key).map(|a| self.help_key(a)),
            OverlayKind::Pick => {
                keymap::find(&transcript::pick::PICK, &key).map(|a| self.pick_key(a))
            }
            OverlayKind::Certificate => keymap::find(&cert::KEYS, &key).map(|a| self.cert_key(a)),
            OverlayKind::AuthForm
            | OverlayKind::Composer
            | OverlayKind::Timeline
            | OverlayKind::Ladder => None,
        };
        if effects.is_some() {
            self.completion = None;
        }
        effects.unwrap_or_default()
    }

    /// Rows a page key scrolls: the transcript area's height less one, at least one.
    pub(in crate::app) fn page(&self) -> usize {
        usize::from(self.viewport.1.saturating_sub(1)).max(1)
    }

    pub(in crate::app) fn toggle_panel(&mut self) {
        let shown = self.panel.unwrap_or(false);
        self.panel = Some(!shown);
    }

    pub(in crate::app) fn quit(&mut self) -> Vec<Effect> {
        vec![Effect::Intent(Intent::Quit), Effect::Quit]
    }
}
