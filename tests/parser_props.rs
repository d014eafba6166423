//! Property tests for the four parsers of outside bytes, in the normal suite (the fuzz
//! targets in `fuzz/` go much further but need cargo-fuzz; these run with `cargo test`):
//! - the reply parser: the raw lines give back the input, however the input is split;
//! - the capability decoder: never panics, and known keywords round-trip in any case;
//! - the transcript reader: never panics on event lines after a valid header;
//! - the sandbox's command parser: never panics, never echoes CR/LF into a reply, and
//!   accepts what our own command encoder writes.
//!
//! (`src/proto/reply/tests.rs` and `tests/transcript_props.rs` hold further properties of
//! the reply parser and the transcript reader.)

use proptest::prelude::*;
use smtpx::proto::capability::{Capabilities, KnownKeyword};
use smtpx::proto::command::{Command, InitialResponse, Param};
use smtpx::proto::reply::{Limits, Reply, ReplyReader};
use smtpx::sandbox::parse::read_command;
use smtpx::transcript::read::read_bytes;

const HEADER: &str = r#"{"format":"smtpx-transcript","version":1,"smtpx":"0.1.0","target":{"host":"h","port":25},"transport":"plain","started":"2026-01-01T00:00:00Z","started_unix":1767225600}"#;

/// Server bytes: mostly reply-shaped lines, with noise, bare LF and stray CR mixed in.
fn server_bytes() -> impl Strategy<Value = Vec<u8>> {
    let line = prop_oneof![
        "[2-5][0-5][0-9][ -][ -~]{0,12}\r\n".prop_map(String::into_bytes),
        "[0-9]{0,4}[ -~\r]{0,8}\n".prop_map(String::into_bytes),
        proptest::collection::vec(any::<u8>(), 0..12),
    ];
    proptest::collection::vec(line, 0..10).prop_map(|lines| lines.concat())
}

/// Feeds `bytes` to a reader in the given chunk sizes; the replies and what is held last.
fn read_in_chunks(bytes: &[u8], sizes: &[usize], limits: Limits) -> Option<Vec<Reply>> {
    let mut reader = ReplyReader::new(limits);
    let mut replies = Vec::new();
    let mut at = 0;
    let mut sizes = sizes.iter().cycle();
    while at < bytes.len() {
        let end = (at + sizes.next().copied().unwrap_or(1)).min(bytes.len());
        reader.push(&bytes[at..end]);
        at = end;
        while let Some(reply) = reader.next_reply().ok()? {
            replies.push(reply);
        }
    }
    replies.extend(reader.finish());
    Some(replies)
}

/// A mechanism name, a keyword parameter, a domain: no spaces, CR or LF.
fn word() -> impl Strategy<Value = String> {
    "[A-Za-z0-9][A-Za-z0-9.-]{0,10}"
}

/// Commands the sandbox should accept, built as values and written by `Command::encode`.
fn acceptable_command() -> impl Strategy<Value = Command> {
    let mailbox = ("[a-z0-9]{1,8}", "[a-z]{1,8}\\.test").prop_map(|(l, d)| format!("{l}@{d}"));
    prop_oneof![
        word().prop_map(Command::Ehlo),
        word().prop_map(Command::Helo),
        (mailbox.clone(), proptest::option::of(1u64..1_000_000)).prop_map(|(from, size)| {
            Command::Mail {
                from,
                params: size.map(Param::size).into_iter().collect(),
            }
        }),
        mailbox
            .clone()
            .prop_map(|to| Command::Rcpt { to, params: vec![] }),
        Just(Command::Mail {
            from: String::new(),
            params: vec![]
        }),
        Just(Command::Data),
        Just(Command::Rset),
        Just(Command::Quit),
        Just(Command::StartTls),
        (0u64..1_000_000, any::<bool>()).prop_map(|(size, last)| Command::Bdat { size, last }),
        proptest::option::of(word()).prop_map(Command::Noop),
        proptest::option::of(word()).prop_map(Command::Help),
        word().prop_map(Command::Vrfy),
        (word(), any::<bool>()).prop_map(|(mechanism, empty)| Command::Auth {
            mechanism,
            initial_response: empty.then_some(InitialResponse::Empty),
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn reply_raw_lines_give_back_the_input_however_it_is_split(
        bytes in server_bytes(),
        sizes in proptest::collection::vec(1usize..9, 1..6),
    ) {
        let whole = Reply::parse_all(&bytes).expect("default limits hold for short input");
        let raw: Vec<u8> = whole.iter().flat_map(Reply::raw).collect();
        prop_assert_eq!(&raw, &bytes);
        let split = read_in_chunks(&bytes, &sizes, Limits::default());
        prop_assert_eq!(split, Some(whole));
    }

    #[test]
    fn reply_limits_bound_every_line_and_reply(
        bytes in server_bytes(),
        max_line_len in 1usize..24,
        max_lines in 1usize..4,
    ) {
        let limits = Limits { max_line_len, max_lines, ..Limits::default() };
        if let Some(replies) = read_in_chunks(&bytes, &[5], limits) {
            for reply in &replies {
                prop_assert!(reply.lines.len() <= max_lines);
                for line in &reply.lines {
                    prop_assert!(line.raw.len() <= max_line_len);
                }
            }
        }
    }

    #[test]
    fn capability_decoding_never_panics_on_any_lines(
        lines in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..24), 1..8),
    ) {
        let mut wire = Vec::new();
        for (i, text) in lines.iter().enumerate() {
            wire.extend_from_slice(if i + 1 == lines.len() { b"250 " } else { b"250-" });
            wire.extend(text.iter().filter(|&&b| b != b'\n'));
            wire.extend_from_slice(b"\r\n");
        }
        let replies = Reply::parse_all(&wire).expect("short lines");
        prop_assert_eq!(replies.len(), 1);
        let caps = Capabilities::from_ehlo_reply(&replies[0]);
        prop_assert_eq!(caps.extensions.len(), lines.len() - 1);
        prop_assert!(Capabilities::diff(&caps, &caps).is_empty());
        let _ = (caps.size(), caps.auth_mechanisms(), caps.malformed().count());
    }

    #[test]
    fn known_keywords_round_trip_in_any_case(
        picks in proptest::collection::vec((0usize..KNOWN.len(), any::<bool>()), 1..6),
    ) {
        let mut wire = b"250-mx.test greets you\r\n".to_vec();
        for (i, &(index, lower)) in picks.iter().enumerate() {
            let name = KNOWN[index].as_str();
            let name = if lower { name.to_ascii_lowercase() } else { name.to_owned() };
            let sep = if i + 1 == picks.len() { ' ' } else { '-' };
            wire.extend(format!("250{sep}{name}\r\n").into_bytes());
        }
        let replies = Reply::parse_all(&wire).expect("short lines");
        let caps = Capabilities::from_ehlo_reply(&replies[0]);
        prop_assert_eq!(caps.domain.as_str(), "mx.test");
        for &(index, _) in &picks {
            let known = KNOWN[index];
            prop_assert_eq!(KnownKeyword::from_keyword(known.as_str()), Some(known));
            prop_assert!(caps.find(known).is_some(), "{:?} not found", known);
            prop_assert!(caps.has(known.as_str()));
        }
    }

    #[test]
    fn transcript_event_lines_after_a_valid_header_never_panic(
        events in proptest::collection::vec(event_line(), 0..6),
        noise in proptest::collection::vec(any::<u8>(), 0..8),
    ) {
        let mut file = format!("{HEADER}\n{}", events.join("\n")).into_bytes();
        file.extend(noise);
        match read_bytes(&file) {
            Ok(transcript) => prop_assert!(transcript.entries.len() <= events.len()),
            Err(error) => prop_assert!(error.to_string().starts_with("line ")),
        }
    }

    #[test]
    fn sandbox_parser_never_panics_nor_echoes_line_breaks(
        line in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        if let Err(reply) = read_command(&line) {
            let wire = reply.to_wire();
            let crlf = wire.windows(2).filter(|w| w == b"\r\n").count();
            prop_assert!((500..600).contains(&reply.code));
            prop_assert_eq!(crlf, wire.iter().filter(|&&b| b == b'\n').count());
            prop_assert_eq!(crlf, wire.iter().filter(|&&b| b == b'\r').count());
        }
    }

    #[test]
    fn sandbox_parser_accepts_what_our_encoder_writes(command in acceptable_command()) {
        let wire = command.encode().expect("generated commands are valid");
        let line = wire.strip_suffix(b"\r\n").expect("encode ends in CRLF");
        let accepted = read_command(line);
        prop_assert!(accepted.is_ok(), "{:?} refused: {:?}", command, accepted.err());
        if let Ok(accepted) = accepted {
            prop_assert_eq!(accepted.command.encode().ok(), Some(wire));
        }
    }
}

/// Event lines shaped like the recorder's, with values that are often wrong.
fn event_line() -> impl Strategy<Value = String> {
    let at = prop_oneof![
        Just("0.5".to_owned()),
        Just("-1".to_owned()),
        Just("1e308".to_owned()),
        Just("\"x\"".to_owned())
    ];
    let kind = prop_oneof![
        Just("sent"),
        Just("received"),
        Just("closed"),
        Just("connected"),
        Just("tls"),
        Just("note"),
        Just("mystery")
    ];
    let payload = prop_oneof![
        Just(r#""text":"250 ok\r\n""#.to_owned()),
        "[A-Za-z0-9+/=]{0,12}".prop_map(|b| format!(r#""base64":"{b}""#)),
        Just(r#""by_peer":true"#.to_owned()),
        Just(r#""peer":"127.0.0.1:25","took":0.1"#.to_owned()),
        "[ -~]{0,12}".prop_map(|t| format!(r#""text":{t:?}"#)),
    ];
    (
        at,
        kind,
        "(client|server|smtpx|up)",
        "(plain|tls|x)",
        payload,
    )
        .prop_map(|(at, kind, dir, layer, payload)| {
            format!(r#"{{"at":{at},"dir":"{dir}","kind":"{kind}","layer":"{layer}",{payload}}}"#)
        })
}

/// Every known keyword, to pick from.
const KNOWN: [KnownKeyword; 8] = [
    KnownKeyword::Size,
    KnownKeyword::Auth,
    KnownKeyword::StartTls,
    KnownKeyword::Pipelining,
    KnownKeyword::EightBitMime,
    KnownKeyword::SmtpUtf8,
    KnownKeyword::MtPriority,
    KnownKeyword::NoSoliciting,
];
