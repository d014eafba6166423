//! Fuzz target: the incremental reply parser (`src/proto/reply/`), protocol core.
//!
//! Input: one control byte, then the bytes a server sent. The control byte picks the limits
//! (default, or tiny ones so that a 4 KiB input can hit them) and the points where the bytes
//! are split into arrivals. Invariants, beyond "no panic":
//! - the raw lines of the replies (and of what is still held when the parser stops) are
//!   exactly the input consumed, byte for byte, in order;
//! - no line is longer than `max_line_len`, no reply has more than `max_lines` lines or
//!   `max_reply_len` bytes;
//! - a limit error is raised only when the input really breaks that limit;
//! - splitting the input differently never changes the replies (`ReplyReader` fed in
//!   chunks and `ReplyParser` fed everything at once agree).

#![no_main]

use libfuzzer_sys::fuzz_target;
use smtpx::proto::reply::{Limits, Reply, ReplyError, ReplyParser, ReplyReader};

fuzz_target!(|data: &[u8]| {
    let Some((&control, wire)) = data.split_first() else {
        return;
    };
    let limits = limits(control);
    let chunked = through_reader(wire, control, limits);
    let whole = through_parser(wire, limits);
    assert_eq!(
        chunked.replies, whole.replies,
        "split points changed the replies"
    );
    // Which limit is reported may depend on arrival (a partial line can go over the
    // reply's byte budget before its LF shows that it is one line too many); whether one is
    // may not.
    assert_eq!(
        chunked.error.is_some(),
        whole.error.is_some(),
        "split points changed the outcome"
    );
});

/// Default limits for a clear high bit; otherwise tiny ones taken from the control byte.
fn limits(control: u8) -> Limits {
    if control & 0x80 == 0 {
        return Limits::default();
    }
    let max_line_len = 1 + usize::from(control & 0x1f) * 3;
    Limits {
        max_line_len,
        max_lines: 1 + usize::from((control >> 5) & 0x03),
        max_reply_len: if control & 0x40 != 0 {
            2 * max_line_len
        } else {
            Limits::default().max_reply_len
        },
    }
}

struct Outcome {
    replies: Vec<Reply>,
    error: Option<ReplyError>,
}

/// Feeds `wire` to a `ReplyReader` in chunks of pseudo-random sizes seeded by `control`.
fn through_reader(wire: &[u8], control: u8, limits: Limits) -> Outcome {
    let mut reader = ReplyReader::new(limits);
    let mut replies = Vec::new();
    let mut state = u32::from(control) | 0x100;
    let max_chunk = if control & 0x40 != 0 { 3 } else { 61 };
    let mut pushed = 0;
    while pushed < wire.len() {
        // xorshift32: a deterministic, input-derived sequence of split points.
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let size = 1 + (state as usize) % max_chunk;
        let end = (pushed + size).min(wire.len());
        reader.push(&wire[pushed..end]);
        pushed = end;
        loop {
            match reader.next_reply() {
                Ok(Some(reply)) => {
                    check_reply(&reply, limits, true);
                    replies.push(reply);
                }
                Ok(None) => break,
                Err(error) => {
                    check_error(&error, limits);
                    let mut raw = concat(&replies);
                    raw.extend(reader.take_all());
                    assert_eq!(
                        raw,
                        &wire[..pushed],
                        "bytes lost or invented before a limit"
                    );
                    return Outcome {
                        replies,
                        error: Some(error),
                    };
                }
            }
        }
    }
    assert!(reader.buffered().len() <= limits.max_line_len);
    if let Some(reply) = reader.finish() {
        check_reply(&reply, limits, false);
        replies.push(reply);
    }
    check_everything_kept(&replies, wire, limits);
    Outcome {
        replies,
        error: None,
    }
}

/// Feeds all of `wire` to a bare `ReplyParser`, advancing by what it says it consumed.
fn through_parser(wire: &[u8], limits: Limits) -> Outcome {
    let mut parser = ReplyParser::new(limits);
    let mut replies = Vec::new();
    let mut offset = 0;
    loop {
        match parser.parse(&wire[offset..]) {
            Ok((consumed, reply)) => {
                assert!(consumed <= wire.len() - offset);
                if consumed > 0 {
                    assert_eq!(
                        wire[offset + consumed - 1],
                        b'\n',
                        "consumed a partial line"
                    );
                }
                offset += consumed;
                match reply {
                    Some(reply) => {
                        check_reply(&reply, limits, true);
                        replies.push(reply);
                    }
                    None => {
                        assert!(
                            !wire[offset..].contains(&b'\n'),
                            "stopped before a whole line"
                        );
                        break;
                    }
                }
            }
            Err(error) => {
                check_error(&error, limits);
                return Outcome {
                    replies,
                    error: Some(error),
                };
            }
        }
    }
    if let Some(reply) = parser.finish(&wire[offset..]) {
        check_reply(&reply, limits, false);
        replies.push(reply);
    }
    check_everything_kept(&replies, wire, limits);
    Outcome {
        replies,
        error: None,
    }
}

fn concat(replies: &[Reply]) -> Vec<u8> {
    replies.iter().flat_map(Reply::raw).collect()
}

/// Without an error every byte is in some line — except a partial last line when the held
/// reply is already at `max_lines` (`finish` stays within the limits; documented there).
fn check_everything_kept(replies: &[Reply], wire: &[u8], limits: Limits) {
    let raw = concat(replies);
    if raw == wire {
        return;
    }
    let last = replies
        .last()
        .expect("bytes were dropped with no reply at all");
    assert_eq!(
        last.lines.len(),
        limits.max_lines,
        "bytes dropped below the line limit"
    );
    assert!(
        wire.starts_with(&raw),
        "the replies are not a prefix of the input"
    );
    let dropped = &wire[raw.len()..];
    assert!(!dropped.contains(&b'\n') && dropped.len() <= limits.max_line_len);
}

fn check_error(error: &ReplyError, limits: Limits) {
    match *error {
        ReplyError::LineTooLong { limit, seen } => {
            assert_eq!(limit, limits.max_line_len);
            assert!(seen > limit, "LineTooLong for a line within the limit");
        }
        ReplyError::TooManyLines { limit } => assert_eq!(limit, limits.max_lines),
        ReplyError::ReplyTooLong { limit, seen, .. } => {
            assert_eq!(limit, limits.max_reply_len);
            assert!(seen > limit, "ReplyTooLong for a reply within the limit");
        }
    }
    let _ = error.to_string();
}

/// Shape of one reply: within the limits, lines well formed as lines, flags in order.
fn check_reply(reply: &Reply, limits: Limits, complete: bool) {
    assert!(!reply.lines.is_empty(), "a reply without lines");
    assert!(
        reply.lines.len() <= limits.max_lines,
        "more lines than max_lines"
    );
    assert!(
        reply.raw().len() <= limits.max_reply_len,
        "more bytes than max_reply_len"
    );
    assert_eq!(reply.is_complete(), complete);
    for (index, line) in reply.lines.iter().enumerate() {
        assert!(!line.raw.is_empty(), "an empty line");
        assert!(
            line.raw.len() <= limits.max_line_len,
            "a line over max_line_len"
        );
        let lf_count = line.raw.iter().filter(|&&b| b == b'\n').count();
        let terminated = line.raw.ends_with(b"\n");
        assert!(lf_count == usize::from(terminated), "LF inside a line");
        assert!(
            line.malformations.windows(2).all(|w| w[0] < w[1]),
            "malformations not sorted and unique"
        );
        let text = line.text();
        assert!(text.len() <= line.raw.len());
        assert!(!text.contains(&b'\n'));
        let _ = (line.text_lossy(), line.enhanced());
        let is_final = index + 1 == reply.lines.len();
        if complete && is_final {
            assert!(
                line.is_last,
                "a complete reply whose last line is not final"
            );
        }
        if complete && !is_final {
            assert!(
                !line.is_last || (index > 0 && line.code.is_none()),
                "a final line inside a reply"
            );
        }
        for m in &line.malformations {
            let _ = (m.describe(), m.name(), m.to_string());
        }
    }
    let all = reply.malformations();
    assert!(all.windows(2).all(|w| w[0] < w[1]));
    let _ = (
        reply.code(),
        reply.severity().name(),
        reply.is_positive(),
        reply.enhanced(),
    );
    assert_eq!(reply.text_lines().count(), reply.lines.len());
}
