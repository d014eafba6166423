//! Inputs the fuzz targets in `fuzz/` once failed on, kept as ordinary tests so the fix
//! stays fixed without cargo-fuzz. Each test names the target and what went wrong.

use smtpx::proto::reply::{Limits, Malformation, Reply, ReplyError, ReplyReader};

/// `reply_parser`, found at 85 executions: a line that ends in bare LF *and* has another
/// defect listed its flags in discovery order (`BareLf` first), not in the fixed order the
/// field documents — and the parser sorts them only when it adds `MismatchedCode` or
/// `Unterminated`, so the same flags came out in two orders.
#[test]
fn line_flags_are_in_the_fixed_order_when_a_bare_lf_line_has_other_defects() {
    let input = b"\n20acb5\r ok\r\x92\n";
    let replies = Reply::parse_all(input).expect("within the limits");
    let mut raw = Vec::new();
    for reply in &replies {
        raw.extend(reply.raw());
        for line in &reply.lines {
            assert!(
                line.malformations.windows(2).all(|w| w[0] < w[1]),
                "{:?}",
                line.malformations
            );
        }
    }
    assert_eq!(raw, input);
    assert_eq!(
        replies[0].lines[0].malformations,
        vec![Malformation::NoCode, Malformation::BareLf]
    );
}

/// `reply_parser`, found with tiny limits: when a limit was hit in the middle of a read, the
/// lines the parser had already taken from that read stayed in the reader's buffer as well,
/// so `take_all` returned them twice (bytes the server never sent twice) and `finish` kept
/// the start of the wrong line.
#[test]
fn lines_taken_before_a_limit_error_are_held_once() {
    let input = b"250-a\r\n250-b\r\n";
    let mut reader = ReplyReader::new(Limits {
        max_lines: 1,
        ..Limits::default()
    });
    reader.push(input);
    assert_eq!(
        reader.next_reply(),
        Err(ReplyError::TooManyLines { limit: 1 })
    );
    assert_eq!(reader.take_all(), input);

    let input = b"250-a\r\n451-bbbb\r\n";
    let mut reader = ReplyReader::new(Limits {
        max_reply_len: 10,
        ..Limits::default()
    });
    reader.push(input);
    assert!(matches!(
        reader.next_reply(),
        Err(ReplyError::ReplyTooLong { limit: 10, .. })
    ));
    let kept = reader.finish().expect("the held line");
    assert_eq!(kept.raw(), b"250-a\r\n451");
    assert!(!kept.is_complete());
}
