//! The server side of DATA: find the end marker, undo dot-stuffing, keep within a size limit.
//!
//! Layer: protocol core (`proto`), sans-IO. A child of [`data`](crate::proto::data), which re-exports
//! everything here; the sandbox server feeds it the bytes that follow its 354 reply.

use super::{BodyIssue, BodyIssues};

/// Where the receiver is within the current line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// After CRLF, or at the very start: a `.` here may be stuffing or the end marker.
    LineStart,
    /// `.` at line start.
    Dot,
    /// `.` CR at line start: LF ends the data.
    DotCr,
    /// Inside a line.
    InLine,
    /// CR inside a line (or at its start): LF ends the line.
    Cr,
}

/// A message received through DATA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMessage {
    /// The content, unstuffed, ending with its last CRLF (the one before `.`); at most the
    /// receiver's limit, so truncated when [`exceeded_limit`](Self::exceeded_limit). Only
    /// what was not taken earlier with [`DataReceiver::take_content`].
    pub body: Vec<u8>,
    /// The full unstuffed size, counted even past the limit.
    pub size: u64,
    /// The content was larger than the limit; the server should answer 552
    /// ([RFC 5321 §4.5.3.1.10](https://www.rfc-editor.org/rfc/rfc5321#section-4.5.3.1.10)).
    pub exceeded_limit: bool,
    /// Lines whose leading `.` was removed.
    pub unstuffed_lines: u64,
    /// Bare CR/LF (kept as content) and lone dots (which did not end the data).
    pub issues: BodyIssues,
}

/// What [`DataReceiver::feed`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataProgress {
    /// All input was taken; the end marker has not arrived.
    NeedMore,
    /// The end marker ended after `consumed` bytes of this input. Bytes after it are pipelined
    /// commands and belong to the command parser.
    Complete {
        consumed: usize,
        message: ReceivedMessage,
    },
}

/// Incremental DATA receiver
/// ([RFC 5321 §4.1.1.4](https://www.rfc-editor.org/rfc/rfc5321#section-4.1.1.4),
/// [§4.5.2](https://www.rfc-editor.org/rfc/rfc5321#section-4.5.2)).
///
/// Only `CRLF . CRLF` ends the data — also `.` CRLF as the very first line, whose CRLF was the end
/// of the DATA command. A leading `.` on any other line is removed. Past the size limit bytes are
/// counted and dropped but scanning goes on to the end marker, so the session stays in sync.
/// After [`DataProgress::Complete`] the receiver is fresh again for the next message.
#[derive(Debug, Clone)]
pub struct DataReceiver {
    max_size: usize,
    state: State,
    /// Content not yet taken.
    body: Vec<u8>,
    /// Content octets kept in all (taken or not): at most `max_size`.
    kept: usize,
    size: u64,
    offset: u64,
    /// The last two input bytes, for lone-dot detection.
    previous: [u8; 2],
    unstuffed_lines: u64,
    issues: BodyIssues,
    /// A bare LF ends a line (and `LF . LF` the data), as [`DataReceiver::lenient`] asks.
    bare_lf_ends_line: bool,
}

impl DataReceiver {
    /// A receiver keeping at most `max_size` bytes of content.
    pub fn new(max_size: usize) -> Self {
        Self {
            bare_lf_ends_line: false,
            max_size,
            state: State::LineStart,
            body: Vec::new(),
            kept: 0,
            size: 0,
            offset: 0,
            previous: [0; 2],
            unstuffed_lines: 0,
            issues: BodyIssues::default(),
        }
    }

    /// A receiver that takes a bare LF as a line end, as Sendmail and Postfix before 3.9
    /// (`smtpd_forbid_bare_newline = no`) did: `LF . LF`, `LF . CRLF` and `CRLF . LF` end
    /// the data, which is what SMTP smuggling exploits (CVE-2023-51764). Each bare LF is
    /// kept as CRLF and still reported. Wrong on purpose: the sandbox offers it so that a
    /// smuggling check has a vulnerable server to find.
    pub fn lenient(max_size: usize) -> Self {
        Self {
            bare_lf_ends_line: true,
            ..Self::new(max_size)
        }
    }

    /// The content kept so far and not yet taken: at most the size limit in all. A server
    /// that streams large messages to disk takes it as it grows, so memory stays bounded.
    pub fn take_content(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.body)
    }

    /// Octets of content waiting in [`take_content`](Self::take_content).
    pub fn buffered(&self) -> usize {
        self.body.len()
    }

    /// Takes bytes up to and including the end marker.
    pub fn feed(&mut self, input: &[u8]) -> DataProgress {
        let mut index = 0;
        while let Some(&byte) = input.get(index) {
            if self.state == State::InLine && !matches!(byte, b'\r' | b'\n') {
                // Inside a line, everything up to the next CR or LF is plain content: take it
                // in one go (same result as byte by byte, at memory speed).
                let rest = &input[index..];
                let run = memchr::memchr2(b'\r', b'\n', rest).unwrap_or(rest.len());
                self.emit_run(&rest[..run]);
                self.offset += run as u64;
                self.previous = match run {
                    1 => [self.previous[1], rest[0]],
                    _ => [rest[run - 2], rest[run - 1]],
                };
                index += run;
                continue;
            }
            index += 1;
            let ended = self.step(byte);
            self.offset += 1;
            self.previous = [self.previous[1], byte];
            if ended {
                let fresh = Self {
                    bare_lf_ends_line: self.bare_lf_ends_line,
                    ..Self::new(self.max_size)
                };
                let done = std::mem::replace(self, fresh);
                let exceeded_limit = done.size > done.kept as u64;
                return DataProgress::Complete {
                    consumed: index,
                    message: ReceivedMessage {
                        body: done.body,
                        size: done.size,
                        exceeded_limit,
                        unstuffed_lines: done.unstuffed_lines,
                        issues: done.issues,
                    },
                };
            }
        }
        DataProgress::NeedMore
    }

    /// Advances by one byte; true when it completed the end marker.
    fn step(&mut self, byte: u8) -> bool {
        match self.state {
            State::LineStart => match byte {
                b'.' => self.state = State::Dot,
                _ => self.in_line(byte),
            },
            State::Dot => {
                // "If the first character is a period and there are other characters on the line,
                // the first character is deleted" (§4.5.2) — a bare LF does not end the line.
                if byte == b'\r' {
                    self.state = State::DotCr;
                } else if byte == b'\n' && self.bare_lf_ends_line {
                    self.record(BodyIssue::BareLf {
                        offset: self.offset,
                    });
                    return true;
                } else {
                    self.unstuffed_lines += 1;
                    if byte == b'\n' {
                        self.record(BodyIssue::LoneDot {
                            offset: self.offset - 1,
                        });
                    }
                    self.in_line(byte);
                }
            }
            State::DotCr => {
                if byte == b'\n' {
                    return true;
                }
                self.unstuffed_lines += 1;
                self.record(BodyIssue::LoneDot {
                    offset: self.offset - 2,
                });
                self.record(BodyIssue::BareCr {
                    offset: self.offset - 1,
                });
                self.emit(b'\r');
                self.in_line(byte);
            }
            State::InLine => self.in_line(byte),
            State::Cr => {
                self.emit(b'\r');
                if byte == b'\n' {
                    self.emit(b'\n');
                    self.state = State::LineStart;
                } else {
                    self.record(BodyIssue::BareCr {
                        offset: self.offset - 1,
                    });
                    self.in_line(byte);
                }
            }
        }
        false
    }

    /// A byte inside a line (or the first byte of a line that does not start with `.`).
    fn in_line(&mut self, byte: u8) {
        if matches!(byte, b'\r' | b'\n')
            && matches!(self.previous, [b'\r' | b'\n', b'.'])
            && self.state == State::InLine
        {
            self.record(BodyIssue::LoneDot {
                offset: self.offset - 1,
            });
        }
        match byte {
            b'\r' => {
                self.state = State::Cr;
                return;
            }
            b'\n' => {
                self.record(BodyIssue::BareLf {
                    offset: self.offset,
                });
                if self.bare_lf_ends_line {
                    self.emit(b'\r');
                    self.emit(b'\n');
                    self.state = State::LineStart;
                    return;
                }
            }
            _ => {}
        }
        self.emit(byte);
        self.state = State::InLine;
    }

    fn emit(&mut self, byte: u8) {
        self.size += 1;
        if self.kept < self.max_size {
            self.body.push(byte);
            self.kept += 1;
        }
    }

    /// Content bytes with no CR or LF, inside a line.
    fn emit_run(&mut self, bytes: &[u8]) {
        self.size += bytes.len() as u64;
        let room = self.max_size.saturating_sub(self.kept);
        let take = bytes.len().min(room);
        self.body.extend_from_slice(&bytes[..take]);
        self.kept += take;
    }

    fn record(&mut self, issue: BodyIssue) {
        self.issues.record(issue);
    }
}

/// Unstuffs a complete buffer: the message and how many bytes it consumed, or `None` when the end
/// marker is missing. No size limit; use [`DataReceiver`] for bytes from the network.
pub fn dot_unstuff(input: &[u8]) -> Option<(ReceivedMessage, usize)> {
    match DataReceiver::new(usize::MAX).feed(input) {
        DataProgress::Complete { consumed, message } => Some((message, consumed)),
        DataProgress::NeedMore => None,
    }
}
