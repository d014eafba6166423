//! Combining sinks: one driver, several listeners (the probe prints and records the same
//! events).
//!
//! Layer: driver.

use super::{EventSink, SessionEvent};

/// A sink that hands every event to each of `sinks`, in order. An empty list drops events.
pub fn fan_out(sinks: Vec<EventSink>) -> EventSink {
    let mut sinks = sinks;
    if sinks.len() == 1 {
        if let Some(only) = sinks.pop() {
            return only;
        }
    }
    Box::new(move |event: SessionEvent| {
        for sink in sinks.iter_mut() {
            sink(event.clone());
        }
    })
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use super::*;

    #[test]
    fn every_sink_sees_every_event_in_order() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sinks: Vec<EventSink> = (0..3)
            .map(|i| {
                let seen = Arc::clone(&seen);
                Box::new(move |event: SessionEvent| {
                    if let SessionEvent::Note { text, .. } = event {
                        seen.lock()
                            .expect("not poisoned")
                            .push(format!("{i}:{text}"));
                    }
                }) as EventSink
            })
            .collect();
        let mut sink = fan_out(sinks);
        for text in ["a", "b"] {
            sink(SessionEvent::Note {
                at: Duration::ZERO,
                text: text.into(),
            });
        }
        let seen = seen.lock().expect("not poisoned").clone();
        assert_eq!(seen, ["0:a", "1:a", "2:a", "0:b", "1:b", "2:b"]);
    }
}
