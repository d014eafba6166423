//! Tables for the reply parser: every case runs with CRLF and with bare LF line ends, and
//! with the input split at every byte boundary.

use super::*;
use Malformation::*;

/// Parses `input` fed in two pieces split at `split`, draining as a socket reader would.
fn parse_split(input: &[u8], split: usize) -> Result<Vec<Reply>, ReplyError> {
    let mut reader = ReplyReader::new(Limits::default());
    let mut replies = Vec::new();
    for piece in [&input[..split], &input[split..]] {
        reader.push(piece);
        while let Some(reply) = reader.next_reply()? {
            replies.push(reply);
        }
    }
    replies.extend(reader.finish());
    Ok(replies)
}

/// Runs `input` at every split point and checks all give the same replies.
fn parse_everywhere(input: &[u8]) -> Vec<Reply> {
    let whole = parse_split(input, input.len()).expect("within limits");
    for split in 0..=input.len() {
        let got = parse_split(input, split).expect("within limits");
        assert_eq!(
            got,
            whole,
            "split at {split} of {:?}",
            String::from_utf8_lossy(input)
        );
    }
    // One byte per push: the reader's memory of what it already searched must not skip
    // a line end.
    assert_eq!(
        parse_chunks(input, 1, Limits::default()).expect("within limits"),
        whole,
        "byte by byte: {:?}",
        String::from_utf8_lossy(input)
    );
    // Byte-exactness: concatenated raw lines give back the input.
    let raw: Vec<u8> = whole.iter().flat_map(Reply::raw).collect();
    assert_eq!(raw, input);
    whole
}

/// Parses `input` pushed `chunk` bytes at a time under `limits`, draining after each push.
fn parse_chunks(input: &[u8], chunk: usize, limits: Limits) -> Result<Vec<Reply>, ReplyError> {
    let mut reader = ReplyReader::new(limits);
    let mut replies = Vec::new();
    for piece in input.chunks(chunk.max(1)) {
        reader.push(piece);
        while let Some(reply) = reader.next_reply()? {
            replies.push(reply);
        }
    }
    replies.extend(reader.finish());
    Ok(replies)
}

/// Like [`parse_split`] with `limits`, returning the reader too (to finish after an error).
fn parse_split_with(
    input: &[u8],
    split: usize,
    limits: Limits,
) -> (ReplyReader, Result<Vec<Reply>, ReplyError>) {
    let mut reader = ReplyReader::new(limits);
    let mut replies = Vec::new();
    for piece in [&input[..split], &input[split..]] {
        reader.push(piece);
        loop {
            match reader.next_reply() {
                Ok(Some(reply)) => replies.push(reply),
                Ok(None) => break,
                Err(e) => return (reader, Err(e)),
            }
        }
    }
    replies.extend(reader.finish());
    (reader, Ok(replies))
}

fn lf_variant(crlf: &str) -> String {
    crlf.replace("\r\n", "\n")
}

struct Case {
    name: &'static str,
    input: &'static str,
    /// (code, line count, malformations) per reply, for the CRLF variant.
    replies: &'static [(Option<u16>, usize, &'static [Malformation])],
}

const CASES: &[Case] = &[
    Case {
        name: "single line",
        input: "220 mx.example.com ESMTP Postfix\r\n",
        replies: &[(Some(220), 1, &[])],
    },
    Case {
        name: "multi-line ehlo",
        input: "250-mx.example.com\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 SMTPUTF8\r\n",
        replies: &[(Some(250), 4, &[])],
    },
    Case {
        name: "two pipelined replies",
        input: "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n",
        replies: &[
            (Some(250), 1, &[]),
            (Some(250), 1, &[]),
            (Some(354), 1, &[]),
        ],
    },
    Case {
        name: "code only final line",
        input: "250-first\r\n250\r\n",
        replies: &[(Some(250), 2, &[])],
    },
    Case {
        name: "mismatched codes",
        input: "250-hello\r\n251-odd\r\n250 done\r\n",
        replies: &[(Some(250), 3, &[MismatchedCode])],
    },
    Case {
        name: "no code line alone",
        input: "hello there\r\n220 ok\r\n",
        replies: &[(None, 1, &[NoCode]), (Some(220), 1, &[])],
    },
    Case {
        name: "no code line inside multi-line reply",
        input: "250-a\r\njunk\r\n250 b\r\n",
        replies: &[(Some(250), 3, &[NoCode])],
    },
    Case {
        name: "bad separator",
        input: "250+weird\r\n",
        replies: &[(Some(250), 1, &[BadSeparator])],
    },
    Case {
        name: "code out of range",
        input: "199 hm\r\n",
        replies: &[(Some(199), 1, &[CodeOutOfRange])],
    },
    Case {
        name: "stray cr",
        input: "250 a\rb\r\n",
        replies: &[(Some(250), 1, &[StrayCr])],
    },
    Case {
        name: "reply with no final line then close",
        input: "250-a\r\n250-b\r\n",
        replies: &[(Some(250), 2, &[Unterminated])],
    },
    Case {
        name: "partial line then close",
        input: "220 mx",
        replies: &[(Some(220), 1, &[Unterminated])],
    },
    Case {
        name: "empty line",
        input: "\r\n",
        replies: &[(None, 1, &[NoCode])],
    },
];

#[test]
fn table_with_crlf_and_bare_lf_split_everywhere() {
    for case in CASES {
        for (variant, input) in [
            ("crlf", case.input.to_string()),
            ("lf", lf_variant(case.input)),
        ] {
            let replies = parse_everywhere(input.as_bytes());
            assert_eq!(
                replies.len(),
                case.replies.len(),
                "{} ({variant})",
                case.name
            );
            for (reply, (code, lines, flags)) in replies.iter().zip(case.replies) {
                assert_eq!(reply.code(), *code, "{} ({variant})", case.name);
                assert_eq!(reply.lines.len(), *lines, "{} ({variant})", case.name);
                let mut expected = flags.to_vec();
                if variant == "lf" && reply.raw().contains(&b'\n') {
                    expected.push(BareLf);
                }
                expected.sort();
                expected.dedup();
                assert_eq!(reply.malformations(), expected, "{} ({variant})", case.name);
            }
        }
    }
}

#[test]
fn invalid_utf8_is_kept_and_flagged() {
    let replies = parse_everywhere(b"250 caf\xe9 \xff\r\n");
    assert_eq!(replies[0].malformations(), vec![InvalidUtf8]);
    assert_eq!(replies[0].lines[0].text(), b"caf\xe9 \xff");
}

#[test]
fn text_excludes_code_separator_and_terminator() {
    let replies = parse_everywhere(b"250-mx.example.com\r\n250 8BITMIME\r\n");
    let texts: Vec<_> = replies[0].text_lines().collect();
    assert_eq!(texts, ["mx.example.com", "8BITMIME"]);
    assert!(!replies[0].lines[0].is_last);
    assert!(replies[0].lines[1].is_last);
}

#[test]
fn enhanced_code_is_recognised_on_the_final_line() {
    let replies = parse_everywhere(b"550-5.7.1 first\r\n550 5.7.1 Relay access denied\r\n");
    assert_eq!(
        replies[0].enhanced().map(|c| c.to_string()).as_deref(),
        Some("5.7.1")
    );
    assert_eq!(replies[0].severity(), Severity::PermanentNegative);
    let plain = parse_everywhere(b"250 mx.example.com\r\n");
    assert_eq!(plain[0].enhanced(), None);
}

#[test]
fn severity_follows_first_digit() {
    assert_eq!(Severity::of(Some(221)), Severity::PositiveCompletion);
    assert_eq!(Severity::of(Some(334)), Severity::PositiveIntermediate);
    assert_eq!(Severity::of(Some(451)), Severity::TransientNegative);
    assert_eq!(Severity::of(Some(554)), Severity::PermanentNegative);
    assert_eq!(Severity::of(Some(199)), Severity::Unknown);
    assert_eq!(Severity::of(None), Severity::Unknown);
}

#[test]
fn parser_leaves_bytes_after_a_reply_unconsumed() {
    let mut parser = ReplyParser::default();
    let input = b"220 2.0.0 Ready to start TLS\r\n250 injected\r\n";
    let (consumed, reply) = parser.parse(input).expect("within limits");
    assert_eq!(consumed, 30);
    assert_eq!(reply.map(|r| r.code()), Some(Some(220)));
    assert_eq!(&input[consumed..], b"250 injected\r\n");
}

#[test]
fn take_all_returns_held_lines_and_partial_bytes() {
    let mut reader = ReplyReader::new(Limits::default());
    reader.push(b"220 go\r\n250-held\r\npartial");
    let first = reader.next_reply().expect("within limits");
    assert_eq!(first.map(|r| r.code()), Some(Some(220)));
    assert_eq!(reader.next_reply().expect("within limits"), None);
    assert!(reader.in_progress());
    assert_eq!(reader.take_all(), b"250-held\r\npartial");
    assert!(!reader.in_progress());
}

#[test]
fn line_longer_than_limit_is_a_typed_error() {
    let limits = Limits {
        max_line_len: 16,
        max_lines: 10,
        ..Limits::default()
    };
    let mut reader = ReplyReader::new(limits);
    reader.push(b"250 0123456789abcdef"); // 20 bytes and no LF
    assert!(matches!(
        reader.next_reply(),
        Err(ReplyError::LineTooLong { limit: 16, .. })
    ));
    let mut reader = ReplyReader::new(limits);
    reader.push(b"250 0123456789abcdef\r\n");
    assert!(matches!(
        reader.next_reply(),
        Err(ReplyError::LineTooLong { .. })
    ));
    let mut reader = ReplyReader::new(limits);
    reader.push(b"250 0123456789\r\n"); // 16 bytes exactly: allowed
    assert!(reader.next_reply().expect("at the limit").is_some());
}

#[test]
fn too_many_lines_is_a_typed_error() {
    let limits = Limits {
        max_line_len: 100,
        max_lines: 3,
        ..Limits::default()
    };
    let mut reader = ReplyReader::new(limits);
    reader.push(b"250-a\r\n250-b\r\n250 c\r\n");
    assert!(reader.next_reply().expect("three lines allowed").is_some());
    reader.push(b"250-a\r\n250-b\r\n250-c\r\n250 d\r\n");
    assert_eq!(
        reader.next_reply(),
        Err(ReplyError::TooManyLines { limit: 3 })
    );
}

/// Small limits for the total-length tests: lines up to 100 bytes, a reply up to 32.
const SMALL_REPLY: Limits = Limits {
    max_line_len: 100,
    max_lines: 100,
    max_reply_len: 32,
};

#[test]
fn reply_longer_than_the_total_limit_is_a_typed_error_at_every_split() {
    // 15 + 15 + 15 = 45 bytes before the final line: over 32 on the third line.
    let crlf = "250-aaaaaaaaa\r\n250-bbbbbbbbb\r\n250-ccccccccc\r\n250 end\r\n";
    for input in [crlf.to_string(), lf_variant(crlf)] {
        for split in 0..=input.len() {
            let (_, result) = parse_split_with(input.as_bytes(), split, SMALL_REPLY);
            match result {
                Err(ReplyError::ReplyTooLong { limit, seen, lines }) => {
                    assert_eq!(limit, 32);
                    assert!(seen > limit, "seen {seen} at split {split}");
                    assert_eq!(lines, 3, "the third line goes over (split {split})");
                }
                other => panic!("split {split} of {input:?}: expected ReplyTooLong, got {other:?}"),
            }
        }
    }
}

#[test]
fn reply_of_exactly_the_total_limit_is_accepted_at_every_split() {
    // 15 + 17 = 32 bytes with CRLF; the bare-LF variant is 30 and also within.
    let crlf = "250-aaaaaaaaa\r\n250 bbbbbbbbbbb\r\n";
    assert_eq!(crlf.len(), 32);
    for input in [crlf.to_string(), lf_variant(crlf)] {
        for split in 0..=input.len() {
            let (_, result) = parse_split_with(input.as_bytes(), split, SMALL_REPLY);
            let replies = result.unwrap_or_else(|e| panic!("split {split}: {e}"));
            assert_eq!(replies.len(), 1, "split {split}");
            assert_eq!(replies[0].raw(), input.as_bytes(), "split {split}");
            assert!(replies[0].is_complete());
        }
    }
}

#[test]
fn total_limit_counts_each_reply_afresh() {
    // Three replies of 21 bytes: 63 in all, but each within 32.
    let crlf = "250-a\r\n250 2.0.0 Ok\r\n".repeat(3);
    for input in [crlf.clone(), lf_variant(&crlf)] {
        for split in 0..=input.len() {
            let (_, result) = parse_split_with(input.as_bytes(), split, SMALL_REPLY);
            let replies = result.unwrap_or_else(|e| panic!("split {split}: {e}"));
            assert_eq!(replies.len(), 3, "split {split}");
        }
    }
}

#[test]
fn finish_after_the_total_limit_keeps_what_fits_and_reads_back_the_same() {
    let crlf = "250-aaaaaaaaa\r\n250-bbbbbbbbb\r\n250-ccccccccc\r\n250 end\r\n";
    for input in [crlf.to_string(), lf_variant(crlf)] {
        for split in 0..=input.len() {
            let (mut reader, result) = parse_split_with(input.as_bytes(), split, SMALL_REPLY);
            assert!(result.is_err(), "split {split}");
            let kept = reader
                .finish()
                .expect("the lines before the limit are kept");
            let raw = kept.raw();
            assert!(raw.len() <= 32, "kept {} bytes (split {split})", raw.len());
            assert!(input.as_bytes().starts_with(&raw), "split {split}");
            assert!(!kept.is_complete(), "flagged unterminated (split {split})");
            assert!(kept.malformations().contains(&Unterminated));
            // What a transcript keeps must parse back to the same reply under the limits.
            let (_, again) = parse_split_with(&raw, raw.len(), SMALL_REPLY);
            assert_eq!(
                again.expect("kept bytes are within the limits"),
                vec![kept],
                "split {split}"
            );
        }
    }
}

#[test]
fn default_total_limit_is_named_in_mebibytes() {
    // 17 lines of 62 KiB + CRLF: each line within 64 KiB, together past 1 MiB.
    let mut wire = Vec::new();
    for _ in 0..17 {
        wire.extend_from_slice(b"250-");
        wire.resize(wire.len() + 62 * 1024, b'x');
        wire.extend_from_slice(b"\r\n");
    }
    wire.extend_from_slice(b"250 end\r\n");
    let error = Reply::parse_all(&wire).expect_err("over 1 MiB");
    assert!(
        matches!(error, ReplyError::ReplyTooLong { limit, lines: 17, .. } if limit == DEFAULT_MAX_REPLY_LEN),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("reply longer than 1 MiB"),
        "{error}"
    );
}

#[test]
fn finish_on_empty_input_gives_nothing() {
    let mut reader = ReplyReader::new(Limits::default());
    assert_eq!(reader.finish(), None);
    assert_eq!(Reply::parse_all(b"").expect("empty"), vec![]);
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn raw_lines_concatenate_back_to_the_input(input in proptest::collection::vec(any::<u8>(), 0..600)) {
            let replies = Reply::parse_all(&input).expect("default limits are far above 600 bytes");
            let raw: Vec<u8> = replies.iter().flat_map(Reply::raw).collect();
            prop_assert_eq!(raw, input);
        }

        #[test]
        fn chunked_input_under_small_limits_agrees_with_whole_input(
            input in proptest::collection::vec(prop_oneof![Just(b'\n'), Just(b'\r'), Just(b'-'), Just(b' '), Just(b'2'), Just(b'5'), any::<u8>()], 0..300),
            chunk in 1usize..40,
        ) {
            // Replies before any error are the same, and an error happens either way or not
            // at all (its kind may differ: a partial line can go over the total first).
            let limits = Limits { max_line_len: 40, max_lines: 6, max_reply_len: 64 };
            let outcome = |result: Result<Vec<Reply>, ReplyError>, reader_replies: Vec<Reply>| {
                (result.is_err(), reader_replies)
            };
            let run = |chunk: usize| {
                let mut reader = ReplyReader::new(limits);
                let mut replies = Vec::new();
                for piece in input.chunks(chunk) {
                    reader.push(piece);
                    loop {
                        match reader.next_reply() {
                            Ok(Some(reply)) => {
                                prop_assert!(reply.raw().len() <= limits.max_reply_len);
                                replies.push(reply);
                            }
                            Ok(None) => break,
                            Err(e) => return Ok(outcome(Err(e), replies)),
                        }
                    }
                }
                replies.extend(reader.finish());
                Ok(outcome(Ok(Vec::new()), replies))
            };
            prop_assert_eq!(run(chunk)?, run(input.len().max(1))?);
        }

        #[test]
        fn smtp_like_input_splits_anywhere(lines in proptest::collection::vec("[2-5][0-5][0-9][ -][ -~]{0,20}\r?\n", 1..8), split in 0usize..200) {
            let input = lines.concat();
            let split = split.min(input.len());
            let whole = parse_split(input.as_bytes(), input.len()).expect("within limits");
            let halves = parse_split(input.as_bytes(), split).expect("within limits");
            prop_assert_eq!(whole, halves);
        }
    }
}
