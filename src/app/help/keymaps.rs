//! Every keymap table, as one value the views draw from: the key hint under the prompt and
//! the help overlay read the table in force through [`Keymap`] without knowing its action
//! type, and without allocating.
//!
//! Layer: app state.

use crate::app::auth::form::AuthKey;
use crate::app::cert::CertKey;
use crate::app::compose::ComposeKey;
use crate::app::help::keys::HelpKey;
use crate::app::keymap::{Binding, KeyCommand};
use crate::app::ladder::LadderKey;
use crate::app::prompt::keys::PromptKey;
use crate::app::replay::keys::ReplayKey;
use crate::app::timeline::TimelineKey;
use crate::app::transcript::pick::PickKey;

/// One keymap table, whichever mode or overlay it belongs to.
#[derive(Debug, Clone, Copy)]
pub enum Keymap {
    Prompt(&'static [Binding<PromptKey>]),
    Pick(&'static [Binding<PickKey>]),
    Help(&'static [Binding<HelpKey>]),
    Cert(&'static [Binding<CertKey>]),
    Auth(&'static [Binding<AuthKey>]),
    Compose(&'static [Binding<ComposeKey>]),
    Timeline(&'static [Binding<TimelineKey>]),
    Ladder(&'static [Binding<LadderKey>]),
    Replay(&'static [Binding<ReplayKey>]),
}

/// A binding as the views show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyText {
    /// How the key is written (`Ctrl-C`).
    pub label: &'static str,
    pub description: &'static str,
    /// The word in the one-line hint, if any.
    pub hint: Option<&'static str>,
    /// Kept in the hint when the row is short (quitting, the help).
    pub essential: bool,
}

impl Keymap {
    /// Each binding, in table order.
    pub fn for_each(self, mut f: impl FnMut(KeyText)) {
        match self {
            Keymap::Prompt(table) => each(table, &mut f),
            Keymap::Pick(table) => each(table, &mut f),
            Keymap::Help(table) => each(table, &mut f),
            Keymap::Cert(table) => each(table, &mut f),
            Keymap::Auth(table) => each(table, &mut f),
            Keymap::Compose(table) => each(table, &mut f),
            Keymap::Timeline(table) => each(table, &mut f),
            Keymap::Ladder(table) => each(table, &mut f),
            Keymap::Replay(table) => each(table, &mut f),
        }
    }
}

fn each<A: KeyCommand>(table: &[Binding<A>], f: &mut impl FnMut(KeyText)) {
    for b in table {
        f(KeyText {
            label: b.label,
            description: b.description,
            hint: b.hint,
            essential: b.action.essential(),
        });
    }
}
