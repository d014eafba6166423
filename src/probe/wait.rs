//! The probe's waits for the connection and the greeting, said as they pass: a live counter
//! on stderr, and after a few silent seconds a check on a second connection whether the
//! port expects TLS from the first byte ([RFC 8314 §3](https://www.rfc-editor.org/rfc/rfc8314#section-3)).
//!
//! The counter goes to stderr so stdout stays the session: on a terminal it is one line
//! rewritten in place each second and erased when the wait ends; otherwise (a log, a pipe)
//! a line every [`LOG_EVERY`], so a log shows that smtpx was waiting, not hung.
//!
//! Layer: front end (probe).

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::diagnose::{self, Diagnosis};
use crate::driver::{Driver, DriverError};
use crate::net::hello_answer;
use crate::proto::reply::Reply;

/// How often a waiting line is written when stderr is not a terminal.
pub const LOG_EVERY: Duration = Duration::from_secs(5);

/// How long the second connection waits for an answer to its ClientHello: a TLS server
/// answers within a round trip.
const HELLO_WAIT: Duration = Duration::from_millis(1500);

/// Whether a live counter line is on the terminal now (stderr, no line end yet).
static LIVE_LINE: AtomicBool = AtomicBool::new(false);

/// Erases the live counter line, if one is shown: the printer calls this before each
/// event, since events can come while a wait is still counting (a timeout's failure).
pub(super) fn erase_live_line() {
    if LIVE_LINE.swap(false, Ordering::SeqCst) {
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K");
        let _ = err.flush();
    }
}

/// A wait shown on stderr.
struct Counter {
    what: &'static str,
    started: Instant,
    terminal: bool,
}

impl Counter {
    fn new(what: &'static str) -> Counter {
        Counter {
            what,
            started: Instant::now(),
            terminal: std::io::stderr().is_terminal(),
        }
    }

    /// Says how long the wait has lasted; called once a second.
    fn show(&mut self) {
        let secs = self.started.elapsed().as_secs();
        if secs == 0 {
            return;
        }
        let mut err = std::io::stderr().lock();
        if self.terminal {
            let _ = write!(err, "\r\x1b[2K{} · {secs} s", self.what);
            LIVE_LINE.store(true, Ordering::SeqCst);
        } else if secs % LOG_EVERY.as_secs() == 0 {
            let _ = writeln!(err, "smtpx probe: {} · {secs} s", self.what);
        }
        let _ = err.flush();
    }

    /// Erases the live line (before stdout says anything more).
    fn clear(&mut self) {
        erase_live_line();
    }
}

impl Drop for Counter {
    fn drop(&mut self) {
        self.clear();
    }
}

/// Shows the counter each second until `until` has passed since it started (never, if
/// `None`).
async fn tick(counter: &mut Counter, until: Option<Duration>) {
    let mut clock = tokio::time::interval_at(
        tokio::time::Instant::now() + Duration::from_secs(1),
        Duration::from_secs(1),
    );
    let end = until.map(|d| tokio::time::Instant::from_std(counter.started + d));
    loop {
        tokio::select! {
            _ = clock.tick() => counter.show(),
            _ = async { tokio::time::sleep_until(end.unwrap_or_else(tokio::time::Instant::now)).await }, if end.is_some() => return,
        }
    }
}

/// Connects, counting the seconds on stderr.
pub(super) async fn connect(driver: &mut Driver, implicit_tls: bool) -> Result<(), DriverError> {
    let mut counter = Counter::new("connecting");
    let connected = {
        let connect = driver.connect(implicit_tls);
        tokio::pin!(connect);
        tokio::select! {
            result = &mut connect => result,
            () = tick(&mut counter, None) => unreachable_tick(),
        }
    };
    counter.clear();
    connected
}

/// `tick` without an end never returns; this names that for the type checker.
fn unreachable_tick() -> Result<(), DriverError> {
    Err(DriverError::NotConnected)
}

/// How the wait for the greeting ended.
pub(super) enum Greeting {
    /// The greeting, or why none came (already reported as an event).
    Read(Result<Reply, DriverError>),
    /// Silent in plaintext, and the port answered a ClientHello: it expects implicit TLS
    /// (already said in a note).
    ExpectsTls,
}

/// Waits for the greeting. After `wait` without one (on a plaintext connection) a second
/// connection sends a ClientHello: a TLS answer ends the wait with [`Greeting::ExpectsTls`];
/// otherwise the port is said to be silent and the wait goes on for a reply timeout more.
pub(super) async fn greeting(driver: &mut Driver, wait: Duration, plaintext: bool) -> Greeting {
    let mut counter = Counter::new("no greeting yet");
    let timeout = driver.reply_timeout();
    let peer = driver.peer_addr();
    let (Some(peer), true, true) = (peer, plaintext, wait < timeout) else {
        let read = {
            let read = driver.read_reply();
            tokio::pin!(read);
            tokio::select! {
                result = &mut read => result,
                () = tick(&mut counter, None) => Err(DriverError::NotConnected),
            }
        };
        counter.clear();
        return Greeting::Read(read);
    };
    // The read is cancel-safe: bytes that arrived stay buffered in the connection.
    let first = {
        let read = driver.read_reply();
        tokio::pin!(read);
        tokio::select! {
            result = &mut read => Some(result),
            () = tick(&mut counter, Some(wait)) => None,
        }
    };
    if let Some(result) = first {
        counter.clear();
        return Greeting::Read(result);
    }
    let answer = {
        let check = hello_answer(
            driver.route(),
            driver.target(),
            peer,
            HELLO_WAIT.min(timeout),
        );
        tokio::pin!(check);
        tokio::select! {
            answer = &mut check => answer,
            () = tick(&mut counter, None) => crate::net::HelloAnswer::Unreachable,
        }
    };
    let port = driver.target().port;
    let diagnosis = diagnose::silent_port(port, counter.started.elapsed(), &answer);
    counter.clear();
    driver.note(diagnosis.note());
    if matches!(diagnosis, Diagnosis::ExpectsImplicitTls { .. }) {
        return Greeting::ExpectsTls;
    }
    // A whole reply timeout more: the failure, if it comes, says how long it waited.
    let rest = {
        let read = driver.read_reply();
        tokio::pin!(read);
        tokio::select! {
            result = &mut read => result,
            () = tick(&mut counter, None) => Err(DriverError::NotConnected),
        }
    };
    counter.clear();
    Greeting::Read(rest)
}
