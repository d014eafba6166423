use super::*;

const LF: fn(u64) -> BodyIssue = |offset| BodyIssue::BareLf { offset };
const CR: fn(u64) -> BodyIssue = |offset| BodyIssue::BareCr { offset };
const DOT: fn(u64) -> BodyIssue = |offset| BodyIssue::LoneDot { offset };

/// (input, normalised output, stuffed lines, added CRLF, issues)
type StuffCase = (&'static [u8], &'static [u8], u64, bool, Vec<BodyIssue>);

fn normalising_table() -> Vec<StuffCase> {
    vec![
        (b"", b".\r\n", 0, false, vec![]),
        (b"hi\r\n", b"hi\r\n.\r\n", 0, false, vec![]),
        (b"hi", b"hi\r\n.\r\n", 0, true, vec![]),
        (b".", b"..\r\n.\r\n", 1, true, vec![]),
        (b".\r\n", b"..\r\n.\r\n", 1, false, vec![]),
        (
            b"a\r\n.b\r\n..c\r\n",
            b"a\r\n..b\r\n...c\r\n.\r\n",
            2,
            false,
            vec![],
        ),
        (b"a.b\r\n", b"a.b\r\n.\r\n", 0, false, vec![]),
        (b"a\nb\n", b"a\r\nb\r\n.\r\n", 0, false, vec![LF(1), LF(3)]),
        (
            b"a\n.\nb",
            b"a\r\n..\r\nb\r\n.\r\n",
            1,
            true,
            vec![LF(1), LF(3)],
        ),
        (b"a\rb", b"a\r\nb\r\n.\r\n", 0, true, vec![CR(1)]),
        (b"a\r", b"a\r\n.\r\n", 0, false, vec![CR(1)]),
        (b"\r\r\n.", b"\r\n\r\n..\r\n.\r\n", 1, true, vec![CR(0)]),
        (b"\r\n", b"\r\n.\r\n", 0, false, vec![]),
    ]
}

fn exact_table() -> Vec<StuffCase> {
    vec![
        (b"", b".\r\n", 0, false, vec![]),
        (b".x\r\n", b"..x\r\n.\r\n", 1, false, vec![]),
        (b"a\nb", b"a\nb\r\n.\r\n", 0, true, vec![LF(1)]),
        (
            b"a\n.\r\nb\r\n",
            b"a\n.\r\nb\r\n.\r\n",
            0,
            false,
            vec![LF(1), DOT(2)],
        ),
        (b"a\r\n.\n", b"a\r\n..\n\r\n.\r\n", 1, true, vec![LF(4)]),
        (
            b"a\r.\rb",
            b"a\r.\rb\r\n.\r\n",
            0,
            true,
            vec![CR(1), DOT(2), CR(3)],
        ),
        (b"x\n.", b"x\n.\r\n.\r\n", 0, true, vec![LF(1), DOT(2)]),
        (b"a\r", b"a\r\r\n.\r\n", 0, true, vec![CR(1)]),
    ]
}

fn check_table(table: Vec<StuffCase>, stuff: fn(&[u8]) -> Stuffed, new: fn() -> DotStuffer) {
    for (input, expected, stuffed_lines, added, issues) in table {
        let whole = stuff(input);
        assert_eq!(
            whole.bytes,
            expected,
            "{:?}",
            input.escape_ascii().to_string()
        );
        assert_eq!(whole.report.stuffed_lines, stuffed_lines, "{input:?}");
        assert_eq!(whole.report.added_final_crlf, added, "{input:?}");
        assert_eq!(whole.report.issues.first, issues, "{input:?}");
        for split in 0..=input.len() {
            let (left, right) = input.split_at(split);
            let mut stuffer = new();
            let mut out = Vec::new();
            stuffer.push(left, &mut out);
            stuffer.push(right, &mut out);
            let report = stuffer.finish(&mut out);
            assert_eq!((out, report), (whole.bytes.clone(), whole.report.clone()));
        }
        let mut stuffer = new();
        let mut out = Vec::new();
        input
            .chunks(1)
            .for_each(|byte| stuffer.push(byte, &mut out));
        assert_eq!(stuffer.finish(&mut out), whole.report);
        assert_eq!(out, whole.bytes);
    }
}

#[test]
fn dot_stuffing_normalises_line_breaks_and_reports_them_for_any_chunking() {
    check_table(normalising_table(), dot_stuff, DotStuffer::new);
}

#[test]
fn exact_dot_stuffing_keeps_bare_line_breaks_and_flags_lone_dots_for_any_chunking() {
    check_table(exact_table(), dot_stuff_exact, DotStuffer::exact);
}

#[test]
fn issue_positions_are_capped_but_counts_go_on() {
    let body = b"x\n".repeat(MAX_REPORTED_ISSUES + 10);
    let report = dot_stuff(&body).report;
    assert_eq!(report.issues.bare_lf, (MAX_REPORTED_ISSUES + 10) as u64);
    assert_eq!(report.issues.first.len(), MAX_REPORTED_ISSUES);
}

fn receive_whole(input: &[u8]) -> (ReceivedMessage, usize) {
    dot_unstuff(input).expect("end marker")
}

#[test]
fn receiver_unstuffs_and_stops_at_the_end_marker_for_any_chunking() {
    let cases: [(&[u8], &[u8], usize); 7] = [
        (b".\r\n", b"", 3),
        (b".\r\nQUIT\r\n", b"", 3),
        (b"a\r\n.\r\n", b"a\r\n", 6),
        (b"a\r\n..b\r\n.\r\nMAIL FROM:<>\r\n", b"a\r\n.b\r\n", 11),
        (b"\r\n.\r\n", b"\r\n", 5),
        (b"...\r\n.\r\n", b"..\r\n", 8),
        (b"a.\r\n.\r\n", b"a.\r\n", 7),
    ];
    for (input, body, consumed) in cases {
        let (message, used) = receive_whole(input);
        assert_eq!(
            (message.body.as_slice(), used),
            (body, consumed),
            "{input:?}"
        );
        for split in 0..=input.len() {
            let (left, right) = input.split_at(split);
            let mut receiver = DataReceiver::new(1000);
            let result = match receiver.feed(left) {
                DataProgress::Complete { consumed, message } => (message, consumed),
                DataProgress::NeedMore => match receiver.feed(right) {
                    DataProgress::Complete { consumed, message } => {
                        (message, left.len() + consumed)
                    }
                    DataProgress::NeedMore => panic!("no end marker: {input:?} at {split}"),
                },
            };
            assert_eq!(result, (message.clone(), consumed), "{input:?} at {split}");
        }
    }
}

#[test]
fn stuffing_then_receiving_gives_back_the_normalised_body() {
    for (input, ..) in normalising_table() {
        let stuffed = dot_stuff(input);
        let (message, consumed) = receive_whole(&stuffed.bytes);
        assert_eq!(consumed, stuffed.bytes.len());
        // The received body is normalised, so stuffing it again changes nothing.
        assert_eq!(dot_stuff(&message.body).bytes, stuffed.bytes, "{input:?}");
        assert!(message.issues.is_empty(), "{input:?}");
        assert_eq!(message.unstuffed_lines, stuffed.report.stuffed_lines);
    }
}

#[test]
fn a_body_with_bare_lf_is_received_with_crlf_after_stuffing() {
    let stuffed = dot_stuff(b"a\n.b\n");
    assert_eq!(receive_whole(&stuffed.bytes).0.body, b"a\r\n.b\r\n");
}

#[test]
fn only_crlf_dot_crlf_ends_the_data() {
    // SMTP smuggling: each of these must stay content and be flagged as a lone dot.
    for (smuggled, dot) in [
        (&b"a\n.\nb"[..], 2),
        (b"a\n.\r\nb", 2),
        (b"a\r\n.\nb", 3),
        (b"a\r.\rb", 2),
        (b"a\r\n.\rb", 3),
    ] {
        let mut input = smuggled.to_vec();
        input.extend_from_slice(b"\r\n.\r\n");
        let (message, consumed) = receive_whole(&input);
        assert_eq!(consumed, input.len(), "{smuggled:?}");
        assert!(
            message.issues.first.contains(&DOT(dot)),
            "{smuggled:?}: {:?}",
            message.issues
        );
        assert!(message.body.len() >= smuggled.len() - 1, "{smuggled:?}");
    }
    assert_eq!(receive_whole(b"a\n.\nb\r\n.\r\n").0.body, b"a\n.\nb\r\n");
    assert_eq!(receive_whole(b"a\r\n.\nb\r\n.\r\n").0.body, b"a\r\n\nb\r\n");
}

/// Feeds `input` to a lenient receiver split at `split`: the body and the bytes consumed.
fn receive_lenient(input: &[u8], split: usize) -> Option<(Vec<u8>, usize)> {
    let (left, right) = input.split_at(split);
    let mut receiver = DataReceiver::lenient(1000);
    match receiver.feed(left) {
        DataProgress::Complete { consumed, message } => Some((message.body, consumed)),
        DataProgress::NeedMore => match receiver.feed(right) {
            DataProgress::Complete { consumed, message } => {
                Some((message.body, left.len() + consumed))
            }
            DataProgress::NeedMore => None,
        },
    }
}

#[test]
fn a_lenient_receiver_ends_the_data_at_a_dot_between_bare_lfs_for_any_chunking() {
    // (input, body, consumed): the end-of-data sequences of SMTP smuggling that a server
    // taking LF as a line end accepts, and the ones it still keeps as content.
    let cases: [(&[u8], &[u8], usize); 6] = [
        (b"a\n.\nMAIL", b"a\r\n", 4),
        (b"a\n.\r\nMAIL", b"a\r\n", 5),
        (b"a\r\n.\nMAIL", b"a\r\n", 5),
        (b"a\r\n.\r\nMAIL", b"a\r\n", 6),
        (b"a\r.\rb\r\n.\r\n", b"a\r.\rb\r\n", 10),
        (b"a\r\n\0.\r\n.\r\n", b"a\r\n\0.\r\n", 10),
    ];
    for (input, body, consumed) in cases {
        for split in 0..=input.len() {
            assert_eq!(
                receive_lenient(input, split),
                Some((body.to_vec(), consumed)),
                "{input:?} at {split}"
            );
        }
    }
    // A fresh message after the first keeps the mode.
    let mut receiver = DataReceiver::lenient(1000);
    assert!(matches!(
        receiver.feed(b".\n"),
        DataProgress::Complete { consumed: 2, .. }
    ));
    assert!(matches!(
        receiver.feed(b"b\n.\n"),
        DataProgress::Complete { consumed: 4, .. }
    ));
    // The strict receiver keeps every one of them as content.
    assert!(matches!(
        DataReceiver::new(1000).feed(b"a\n.\nMAIL"),
        DataProgress::NeedMore
    ));
}

#[test]
fn receiver_reports_bare_line_breaks_but_keeps_them_as_content() {
    let (message, _) = receive_whole(b"a\nb\rc\r\n.\r\n");
    assert_eq!(message.body, b"a\nb\rc\r\n");
    assert_eq!(message.issues.first, vec![LF(1), CR(3)]);
}

#[test]
fn receiver_over_its_limit_keeps_scanning_to_the_end_marker() {
    let mut receiver = DataReceiver::new(4);
    assert_eq!(receiver.feed(b"abcdefgh\r\n"), DataProgress::NeedMore);
    let DataProgress::Complete { consumed, message } = receiver.feed(b".\r\nQUIT\r\n") else {
        panic!("end marker not found");
    };
    assert_eq!(consumed, 3);
    assert_eq!(message.body, b"abcd");
    assert_eq!(message.size, 10);
    assert!(message.exceeded_limit);
}

#[test]
fn receiver_is_fresh_after_a_message() {
    let mut receiver = DataReceiver::new(100);
    assert!(matches!(
        receiver.feed(b"one\r\n.\r\n"),
        DataProgress::Complete { .. }
    ));
    let DataProgress::Complete { message, .. } = receiver.feed(b".\r\n") else {
        panic!("second message not ended");
    };
    assert_eq!(message.body, b"");
    assert!(!message.exceeded_limit);
}

#[test]
fn incomplete_data_needs_more() {
    assert_eq!(dot_unstuff(b"a\r\n.\r"), None);
    assert_eq!(dot_unstuff(b""), None);
}

#[test]
fn bdat_chunks_mark_only_the_last_chunk() {
    let chunks: Vec<_> = bdat_chunks(b"0123456789", 4).collect();
    let expected: Vec<(Command, &[u8])> = vec![
        (
            Command::Bdat {
                size: 4,
                last: false,
            },
            b"0123",
        ),
        (
            Command::Bdat {
                size: 4,
                last: false,
            },
            b"4567",
        ),
        (
            Command::Bdat {
                size: 2,
                last: true,
            },
            b"89",
        ),
    ];
    assert_eq!(chunks, expected);
    let exact: Vec<_> = bdat_chunks(b"01234567", 4).map(|(c, _)| c).collect();
    assert_eq!(
        exact.last(),
        Some(&Command::Bdat {
            size: 4,
            last: true
        })
    );
    assert_eq!(exact.len(), 2);
}

#[test]
fn empty_body_is_one_bdat_0_last() {
    let chunks: Vec<_> = bdat_chunks(b"", 4).collect();
    assert_eq!(
        chunks,
        vec![(
            Command::Bdat {
                size: 0,
                last: true
            },
            &b""[..]
        )]
    );
    let encoded = chunks[0].0.encode().expect("encodes");
    assert_eq!(encoded, b"BDAT 0 LAST\r\n");
}

#[test]
fn bdat_chunk_size_zero_sends_one_chunk() {
    let chunks: Vec<_> = bdat_chunks(b"abc", 0).collect();
    assert_eq!(
        chunks,
        vec![(
            Command::Bdat {
                size: 3,
                last: true
            },
            &b"abc"[..]
        )]
    );
}

/// Every string of up to 7 octets over `a . CR LF`: stuffing it whole (CRLF pairs and runs
/// inside lines take the fast paths) gives the same bytes and report as one octet at a time
/// (where they never apply).
#[test]
fn fast_paths_agree_with_octet_at_a_time_on_every_short_input() {
    let alphabet = [b'a', b'.', b'\r', b'\n'];
    let mut inputs: Vec<Vec<u8>> = vec![Vec::new()];
    let mut from = 0;
    for _ in 0..7 {
        let to = inputs.len();
        for i in from..to {
            for &byte in &alphabet {
                let mut longer = inputs[i].clone();
                longer.push(byte);
                inputs.push(longer);
            }
        }
        from = to;
    }
    assert_eq!(inputs.len(), (4usize.pow(8) - 1) / 3);
    for new in [DotStuffer::new, DotStuffer::exact] {
        for input in &inputs {
            let (mut whole, mut single) = (Vec::new(), Vec::new());
            let mut stuffer = new();
            stuffer.push(input, &mut whole);
            let whole_report = stuffer.finish(&mut whole);
            let mut stuffer = new();
            input.chunks(1).for_each(|b| stuffer.push(b, &mut single));
            let single_report = stuffer.finish(&mut single);
            assert_eq!(
                (&whole, &whole_report),
                (&single, &single_report),
                "{input:?}"
            );
        }
    }
}

#[test]
fn content_taken_in_pieces_adds_up_and_still_counts_toward_the_limit() {
    let mut receiver = DataReceiver::new(10);
    assert_eq!(receiver.feed(b"abc\r\n..d"), DataProgress::NeedMore);
    assert_eq!(receiver.buffered(), 7);
    let first = receiver.take_content();
    assert_eq!(first, b"abc\r\n.d");
    assert_eq!(receiver.buffered(), 0);
    assert_eq!(receiver.feed(b"ef\r\n"), DataProgress::NeedMore);
    let second = receiver.take_content();
    let DataProgress::Complete { message, .. } = receiver.feed(b"gh\r\n.\r\n") else {
        panic!("end marker not found");
    };
    // 15 octets of content against a limit of 10: the pieces taken count too.
    assert_eq!([first, second, message.body].concat(), b"abc\r\n.def\r");
    assert_eq!(message.size, 15);
    assert!(message.exceeded_limit);
}
