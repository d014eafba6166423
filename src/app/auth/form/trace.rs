//! The trace of a form-started exchange: each client step decoded beside its masked line.
//!
//! Layer: app state. A child of [`form`](super).

use crate::app::Entry;
use crate::event::Shown;
use crate::proto::auth::Mechanism;
use crate::proto::auth::view::SaslView;
use crate::proto::text::escape_str;

/// Decodes the client's steps of a form-started exchange for the screen: the encoded line
/// stays masked, and beside it what it carries, the secret part masked too
/// (`AUTH PLAIN ••••••••  [\0demo\0••••]`), as [`SaslView`] shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthTrace {
    view: SaslView,
}

impl AuthTrace {
    pub fn new(mechanism: Mechanism, user: &str) -> AuthTrace {
        AuthTrace {
            view: SaslView::client(mechanism, user),
        }
    }

    /// Rewrites the first line of a secret client entry.
    pub fn annotate(&mut self, entry: &mut Entry, shown: &Shown, ascii: bool) {
        let bullets = if ascii {
            "********"
        } else {
            "••••••••"
        };
        let decoded = self.view.next_sent().map(|decoded| {
            if ascii {
                decoded.replace('•', "*")
            } else {
                decoded
            }
        });
        if let Some(first) = entry.lines.first_mut() {
            let masked = mask_redaction(shown, bullets);
            *first = match decoded {
                Some(decoded) => format!("{masked}  [{decoded}]"),
                None => masked,
            };
        }
    }
}

/// A secret line as the transcript pane shows it, escaped: `AUTH PLAIN <redacted 28 bytes>`
/// → `AUTH PLAIN ••••••••` (the length is not shown); a line with no secret as it is.
pub(in crate::app) fn mask_redaction(shown: &Shown, bullets: &str) -> String {
    if shown.has_secret() {
        format!("{}{bullets}", escape_str(shown.public()))
    } else {
        escape_str(shown)
    }
}
