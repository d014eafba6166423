//! One line of a recording as replay reads it ([`Recorded`]), when its event happened, and
//! the transcript entries it becomes.
//!
//! Layer: app state.

use std::time::Duration;

use crate::app::transcript::entries::{self, Entry, Kind};
use crate::driver::SessionEvent;
use crate::proto::text::escape_str;
use crate::transcript::format::Annotation;

/// One line of a recording, as replay reads it.
#[derive(Debug, Clone)]
pub enum Recorded {
    /// An event, with what the recorder noted beside it.
    Event(SessionEvent, Annotation),
    /// An event kind this build does not know (written by a newer smtpx): skipped, and said so.
    Unknown,
    /// A line the reader cannot make sense of, with the reader's account of why.
    Unreadable(String),
}

/// When an event happened.
pub fn event_at(event: &SessionEvent) -> Duration {
    event.at()
}

/// The entries an event line becomes; a defective line is shown as what is wrong with it.
pub fn entries_of(parsed: &Recorded) -> Vec<Entry> {
    match parsed {
        Recorded::Event(SessionEvent::Closed { at, by_peer }, _) => vec![Entry::new(
            Some(*at),
            Kind::Info,
            false,
            // The live line offers /reconnect; a recording only says what happened.
            vec![if *by_peer {
                "connection closed by the server".into()
            } else {
                "connection closed".into()
            }],
        )],
        Recorded::Event(event, _) => entries::from_event(event),
        Recorded::Unknown => vec![Entry::new(
            None,
            Kind::Info,
            false,
            vec!["an event kind this smtpx does not know was skipped".into()],
        )],
        Recorded::Unreadable(error) => vec![Entry::new(
            None,
            Kind::Error,
            false,
            vec![format!(
                "this line of the transcript cannot be read: {}",
                escape_str(error)
            )],
        )],
    }
}
