//! Reading replies: the [`Driver`]'s reads (one awaited reply, or the explorer's open-ended
//! wait), unsolicited replies, and the connection closing under us.
//!
//! Layer: driver. A child of [`driver`](super) sharing the driver's private state; split
//! out of `driver/mod.rs` to keep files small.

use std::time::Duration;

use super::{Delivery, Driver, DriverError, Layer, MAX_UNSOLICITED, SessionEvent};
use crate::net::{Connection, NetError, ReadOutcome};
use crate::proto::reply::{Reply, Severity};
use crate::proto::session::{Change, Pending, State, Unexpected};

impl Driver {
    /// Reads the next reply and reports it. A 4yz/5yz is `Ok`.
    pub async fn read_reply(&mut self) -> Result<Reply, DriverError> {
        let layer = self.layer();
        let Some(connection) = self.connection.as_mut() else {
            return self.fail(DriverError::NotConnected);
        };
        let outcome = connection.read_reply(self.reply_timeout).await;
        match outcome {
            Ok(ReadOutcome::Reply(reply)) => {
                self.received(layer, reply.clone());
                self.apply_reply(&reply).await?;
                Ok(reply)
            }
            Ok(ReadOutcome::Closed { partial }) => {
                let during_reply = partial.is_some();
                if let Some(reply) = partial {
                    self.received(layer, reply);
                }
                self.closed(true);
                self.fail(DriverError::Closed { during_reply })
            }
            Err(error) => {
                // A socket error hands back the unfinished reply itself; keep it.
                let partial = match &error {
                    NetError::Io {
                        partial: Some(partial),
                        ..
                    } => Some(partial.clone()),
                    _ => self.connection.as_mut().and_then(Connection::take_partial),
                };
                if let Some(partial) = partial {
                    self.received(layer, partial);
                }
                self.fail(error.into())
            }
        }
    }

    /// The explorer's read: waits up to `timeout` (`None`: as long as it takes, for a
    /// server that speaks unasked or closes while the person thinks). Unlike
    /// [`Driver::read_reply`] a clean close between replies is not a failure (servers close
    /// after 221), and a timeout leaves the connection open: the reply may still come.
    /// Cancel-safe, like [`Connection::read_reply`]: the explorer drops this future whenever
    /// the person sends something.
    pub async fn read_reply_interactive(
        &mut self,
        timeout: Option<Duration>,
    ) -> Result<Reply, DriverError> {
        // A year stands for "no timeout" without a second code path in the transport.
        const FOREVER: Duration = Duration::from_secs(365 * 24 * 3600);
        let layer = self.layer();
        let Some(connection) = self.connection.as_mut() else {
            return Err(DriverError::NotConnected);
        };
        match connection.read_reply(timeout.unwrap_or(FOREVER)).await {
            Ok(ReadOutcome::Closed { partial: None }) => {
                self.closed(true);
                Err(DriverError::Closed {
                    during_reply: false,
                })
            }
            Ok(ReadOutcome::Reply(reply)) => {
                self.received(layer, reply.clone());
                self.apply_reply(&reply).await?;
                Ok(reply)
            }
            Ok(ReadOutcome::Closed {
                partial: Some(reply),
            }) => {
                self.received(layer, reply);
                self.closed(true);
                self.fail(DriverError::Closed { during_reply: true })
            }
            Err(error) => {
                let partial = match &error {
                    NetError::Timeout { .. } => None,
                    NetError::Io {
                        partial: Some(partial),
                        ..
                    } => Some(partial.clone()),
                    _ => self.connection.as_mut().and_then(Connection::take_partial),
                };
                if let Some(partial) = partial {
                    self.received(layer, partial);
                }
                self.fail(error.into())
            }
        }
    }

    pub(super) fn received(&mut self, layer: Layer, reply: Reply) {
        let at = self.at();
        // The reply answers the oldest command still awaiting one; a reply nothing awaited
        // has no latency to speak of.
        let latency = if self.session.pending().next().is_some() {
            self.sent_at.pop_front().flatten().map(|t| t.elapsed())
        } else {
            None
        };
        let controls = crate::proto::text::describe_controls(&reply.raw());
        self.emit(SessionEvent::Received {
            at,
            layer,
            reply,
            latency,
        });
        if let Some(kinds) = controls {
            // Security: a hostile server aims these at the person's terminal.
            self.note(format!(
                "the server sent control characters in its reply ({kinds}); they are shown \
                 escaped, never passed to the terminal"
            ));
        }
    }

    /// Applies a reply to the session and says when no command awaited it; too many of
    /// those in a row end the connection.
    pub(super) async fn apply_reply(&mut self, reply: &Reply) -> Result<(), DriverError> {
        let outcome = self.session.on_reply(reply);
        self.observe_delivery(outcome.answered.as_ref(), reply);
        // `received` took the answered command's send time; a reply that ended more than
        // one awaited entry (421 closes everything) ends their times too.
        let awaited = self.session.pending().count();
        while self.sent_at.len() > awaited {
            self.sent_at.pop_front();
        }
        while self.sent_at.len() < awaited {
            self.sent_at.push_front(None);
        }
        if outcome.change != Change::Unexpected(Unexpected::NothingAwaited) {
            self.unsolicited = 0;
            return Ok(());
        }
        self.unsolicited += 1;
        if self.unsolicited > MAX_UNSOLICITED {
            let count = self.unsolicited;
            self.unsolicited = 0;
            self.close().await;
            return self.fail(DriverError::Flood { count });
        }
        if self.unsolicited == 1 {
            self.note(
                "the server sent a reply before smtpx's next command, with no command awaiting \
                 one (it talks out of turn); it is shown, not taken as the answer to the next \
                 command",
            );
        }
        Ok(())
    }

    /// An LMTP reply to the end of data names its recipient in a note, and the last one
    /// sums them up ([RFC 2033 §4.2](https://www.rfc-editor.org/rfc/rfc2033#section-4.2)):
    /// the replies alone do not say whom each is for.
    fn observe_delivery(&mut self, answered: Option<&Pending>, reply: &Reply) {
        let Some(Pending {
            state: State::ExpectDataReply | State::ExpectBdatReply { last: true },
            argument: Some(recipient),
            ..
        }) = answered
        else {
            return;
        };
        let delivery = Delivery {
            recipient: recipient.clone(),
            reply: reply.clone(),
        };
        let code = reply
            .code()
            .map_or_else(|| "no code".to_owned(), |c| c.to_string());
        let verdict = match reply.severity() {
            Severity::PositiveCompletion => "delivered".to_owned(),
            Severity::TransientNegative => {
                format!("not delivered ({code}, transient: retry later)")
            }
            Severity::PermanentNegative => format!("not delivered ({code}, permanent)"),
            Severity::PositiveIntermediate | Severity::Unknown => {
                format!("unclear ({code} is not a final reply)")
            }
        };
        self.note(format!("LMTP: <{recipient}> {verdict}"));
        self.lmtp_message.push(delivery);
        let more_due = self
            .session
            .pending()
            .next()
            .is_some_and(|p| p.state == answered.map_or(State::Ready, |a| a.state.clone()));
        if more_due {
            return;
        }
        let message = std::mem::take(&mut self.lmtp_message);
        let delivered = message.iter().filter(|d| d.delivered()).count();
        let failed: Vec<String> = message
            .iter()
            .filter(|d| !d.delivered())
            .map(|d| format!("<{}>", d.recipient))
            .collect();
        let total = message.len();
        let summary = if failed.is_empty() {
            format!("LMTP: the message was delivered to all {total} recipients")
        } else {
            format!(
                "LMTP: the message was delivered to {delivered} of {total} recipients; not to {}",
                failed.join(", ")
            )
        };
        // Only the last message's replies are kept: the probe sends one message, and the
        // explorer, which may send many, reads them from the notes.
        self.deliveries = message;
        self.note(summary);
    }

    /// Before a command: whole replies already received while none was awaited came
    /// unasked; read them now so they are not taken as the answer to this command.
    pub(super) async fn drain_unsolicited(&mut self) -> Result<(), DriverError> {
        while self.session.pending().next().is_none() {
            let layer = self.layer();
            let Some(connection) = self.connection.as_mut() else {
                return Ok(());
            };
            if !connection.has_buffered() {
                return Ok(());
            }
            match connection.read_reply(Duration::ZERO).await {
                Ok(ReadOutcome::Reply(reply)) => {
                    self.received(layer, reply.clone());
                    self.apply_reply(&reply).await?;
                }
                // A partial reply or a close: the next read reports it.
                _ => return Ok(()),
            }
        }
        Ok(())
    }

    pub(super) fn closed(&mut self, by_peer: bool) {
        self.connection = None;
        self.session.on_closed();
        self.sent_at.clear();
        let at = self.at();
        self.emit(SessionEvent::Closed { at, by_peer });
    }
}
