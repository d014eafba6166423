use super::*;

fn caps(wire: &str) -> Capabilities {
    let replies = Reply::parse_all(wire.as_bytes()).expect("test reply within limits");
    assert_eq!(replies.len(), 1, "test input must hold one reply");
    Capabilities::from_ehlo_reply(&replies[0])
}

fn keywords(caps: &Capabilities) -> Vec<&str> {
    caps.extensions.iter().map(|e| e.keyword.as_str()).collect()
}

const POSTFIX: &str = "250-mail.example.org\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n\
250-VRFY\r\n250-ETRN\r\n250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n\
250-DSN\r\n250-SMTPUTF8\r\n250 CHUNKING\r\n";

const EXIM: &str = "250-mx.example.net Hello client.example.com [192.0.2.7]\r\n\
250-SIZE 52428800\r\n250-8BITMIME\r\n250-PIPELINING\r\n250-PIPE_CONNECT\r\n\
250-AUTH PLAIN LOGIN\r\n250-CHUNKING\r\n250-STARTTLS\r\n250-PRDR\r\n250 HELP\r\n";

const EXCHANGE: &str = "250-AM0PR01MB1234.eurprd01.prod.exchangelabs.com Hello [203.0.113.5]\r\n\
250-SIZE 157286400\r\n250-PIPELINING\r\n250-DSN\r\n250-ENHANCEDSTATUSCODES\r\n\
250-AUTH LOGIN XOAUTH2\r\n250-8BITMIME\r\n250-BINARYMIME\r\n250-CHUNKING\r\n250 SMTPUTF8\r\n";

const EXCHANGE_ONPREM: &str = "250-mail.contoso.com Hello [10.0.0.9]\r\n250-SIZE 37748736\r\n\
250-PIPELINING\r\n250-DSN\r\n250-ENHANCEDSTATUSCODES\r\n250-STARTTLS\r\n250-AUTH NTLM LOGIN\r\n\
250-AUTH=LOGIN\r\n250-8BITMIME\r\n250-BINARYMIME\r\n250 CHUNKING\r\n";

const GMAIL: &str = "250-smtp.gmail.com at your service, [198.51.100.23]\r\n\
250-SIZE 35882577\r\n250-8BITMIME\r\n250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n\
250-PIPELINING\r\n250-CHUNKING\r\n250 SMTPUTF8\r\n";

const SENDMAIL: &str = "250-host.example.com Hello client [192.0.2.1], pleased to meet you\r\n\
250-ENHANCEDSTATUSCODES\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SIZE\r\n250-DSN\r\n\
250-ETRN\r\n250-DELIVERBY\r\n250 HELP\r\n";

const ANCIENT: &str = "250-old.example.com\r\n250-AUTH=LOGIN PLAIN\r\n\
250-AUTH LOGIN PLAIN CRAM-MD5\r\n250-SIZE 0\r\n250 Ok\r\n";

const LOWERCASE: &str = "250-tiny.example\r\n250-size 1000\r\n250-auth plain login\r\n\
250-starttls\r\n250 pipelining\r\n";

#[test]
fn real_world_replies_give_expected_capabilities() {
    struct Case {
        name: &'static str,
        wire: &'static str,
        domain: &'static str,
        size: Option<Option<u64>>,
        mechanisms: &'static [&'static str],
        starttls: bool,
        pipelining: bool,
        chunking: bool,
        lines: usize,
    }
    let cases = [
        Case {
            name: "postfix",
            wire: POSTFIX,
            domain: "mail.example.org",
            size: Some(Some(10_240_000)),
            mechanisms: &[],
            starttls: true,
            pipelining: true,
            chunking: true,
            lines: 10,
        },
        Case {
            name: "exim",
            wire: EXIM,
            domain: "mx.example.net",
            size: Some(Some(52_428_800)),
            mechanisms: &["PLAIN", "LOGIN"],
            starttls: true,
            pipelining: true,
            chunking: true,
            lines: 9,
        },
        Case {
            name: "m365",
            wire: EXCHANGE,
            domain: "AM0PR01MB1234.eurprd01.prod.exchangelabs.com",
            size: Some(Some(157_286_400)),
            mechanisms: &["LOGIN", "XOAUTH2"],
            starttls: false,
            pipelining: true,
            chunking: true,
            lines: 9,
        },
        Case {
            name: "exchange",
            wire: EXCHANGE_ONPREM,
            domain: "mail.contoso.com",
            size: Some(Some(37_748_736)),
            mechanisms: &["NTLM", "LOGIN"],
            starttls: true,
            pipelining: true,
            chunking: true,
            lines: 10,
        },
        Case {
            name: "gmail",
            wire: GMAIL,
            domain: "smtp.gmail.com",
            size: Some(Some(35_882_577)),
            mechanisms: &[],
            starttls: true,
            pipelining: true,
            chunking: true,
            lines: 7,
        },
        Case {
            name: "sendmail",
            wire: SENDMAIL,
            domain: "host.example.com",
            size: Some(None),
            mechanisms: &[],
            starttls: false,
            pipelining: true,
            chunking: false,
            lines: 8,
        },
        Case {
            name: "ancient",
            wire: ANCIENT,
            domain: "old.example.com",
            size: Some(None),
            mechanisms: &["LOGIN", "PLAIN", "CRAM-MD5"],
            starttls: false,
            pipelining: false,
            chunking: false,
            lines: 4,
        },
        Case {
            name: "lowercase",
            wire: LOWERCASE,
            domain: "tiny.example",
            size: Some(Some(1000)),
            mechanisms: &["PLAIN", "LOGIN"],
            starttls: true,
            pipelining: true,
            chunking: false,
            lines: 4,
        },
    ];
    for case in cases {
        // Bare LF endings must give the same result as CRLF.
        for wire in [case.wire.to_owned(), case.wire.replace("\r\n", "\n")] {
            let c = caps(&wire);
            assert_eq!(c.domain, case.domain, "{}", case.name);
            assert_eq!(c.size(), case.size, "{}", case.name);
            assert_eq!(c.auth_mechanisms(), case.mechanisms, "{}", case.name);
            assert_eq!(c.starttls(), case.starttls, "{}", case.name);
            assert_eq!(c.pipelining(), case.pipelining, "{}", case.name);
            assert_eq!(c.chunking(), case.chunking, "{}", case.name);
            assert_eq!(c.extensions.len(), case.lines, "{}", case.name);
            let malformed = c.malformed().count();
            assert_eq!(malformed, usize::from(case.name == "exim"), "{}", case.name);
        }
    }
}

#[test]
fn greet_text_after_the_domain_is_kept() {
    let c = caps(GMAIL);
    assert_eq!(c.greet.as_deref(), Some("at your service, [198.51.100.23]"));
    assert_eq!(caps(POSTFIX).greet, None);
}

#[test]
fn typed_flags_follow_the_advertised_keywords() {
    let c = caps(EXCHANGE);
    assert!(c.binarymime() && c.smtputf8() && c.eight_bit_mime() && c.dsn());
    assert!(c.enhanced_status_codes() && c.auth());
    assert!(!c.requiretls() && !c.deliverby());
    assert!(caps(SENDMAIL).deliverby());
    assert!(caps("250-x\r\n250 REQUIRETLS\r\n").requiretls());
}

#[test]
fn unknown_keywords_are_kept_in_order() {
    let c = caps(EXIM);
    assert_eq!(
        keywords(&c),
        [
            "SIZE",
            "8BITMIME",
            "PIPELINING",
            "PIPE_CONNECT",
            "AUTH",
            "CHUNKING",
            "STARTTLS",
            "PRDR",
            "HELP"
        ]
    );
    let unknown: Vec<&str> = c.unknown().map(|e| e.keyword.as_str()).collect();
    assert_eq!(unknown, ["PIPE_CONNECT", "PRDR"]);
    // Exim's PIPE_CONNECT has an underscore, outside the keyword grammar.
    assert!(c.extensions[3].malformed);
}

#[test]
fn keyword_outside_the_grammar_is_kept_and_flagged_malformed() {
    let c = caps("250-x\r\n250-X_EXT on\r\n250--DASH\r\n250-\r\n250 Ok, ready\r\n");
    let flags: Vec<(&str, bool)> = c
        .extensions
        .iter()
        .map(|e| (e.keyword.as_str(), e.malformed))
        .collect();
    assert_eq!(
        flags,
        [("X_EXT", true), ("-DASH", true), ("", true), ("Ok,", true)]
    );
    assert_eq!(c.extensions[0].params, ["on"]);
}

#[test]
fn final_text_line_ok_is_an_unknown_extension() {
    let c = caps(ANCIENT);
    let last = c.extensions.last().expect("has lines");
    assert_eq!(
        (last.keyword.as_str(), last.known, last.malformed),
        ("Ok", None, false)
    );
    let help = caps(SENDMAIL)
        .extensions
        .last()
        .cloned()
        .expect("has lines");
    assert_eq!(help.known, Some(KnownKeyword::Help));
}

#[test]
fn legacy_auth_form_is_merged_and_flagged() {
    let c = caps(ANCIENT);
    let auth: Vec<(bool, &[String])> = c
        .extensions
        .iter()
        .filter(|e| e.is("auth"))
        .map(|e| (e.legacy_form, e.params.as_slice()))
        .collect();
    assert_eq!(auth.len(), 2);
    assert!(auth[0].0 && !auth[1].0);
    assert_eq!(auth[0].1, ["LOGIN", "PLAIN"]);
    assert!(c.has("AUTH") && c.offers_mechanism("cram-md5"));
    assert!(
        !c.extensions.iter().any(|e| e.duplicate),
        "legacy form is not a repeat"
    );
}

#[test]
fn size_without_value_or_zero_means_no_fixed_limit() {
    assert_eq!(caps("250-x\r\n250 SIZE\r\n").size(), Some(None));
    assert_eq!(caps("250-x\r\n250 SIZE 0\r\n").size(), Some(None));
    assert_eq!(caps("250-x\r\n250 SIZE 5\r\n").size(), Some(Some(5)));
    assert_eq!(caps("250-x\r\n250 8BITMIME\r\n").size(), None);
}

#[test]
fn size_with_non_numeric_value_is_malformed_without_limit() {
    let c = caps("250-x\r\n250 SIZE lots\r\n");
    assert_eq!(c.size(), Some(None));
    assert!(c.extensions[0].malformed);
}

#[test]
fn lowercase_keywords_are_known_and_kept_as_sent() {
    let c = caps(LOWERCASE);
    assert_eq!(keywords(&c), ["size", "auth", "starttls", "pipelining"]);
    assert!(c.has("SIZE") && c.has("Auth"));
    assert_eq!(c.extensions[0].known, Some(KnownKeyword::Size));
}

#[test]
fn tabs_and_trailing_spaces_are_tolerated() {
    let c = caps("250-x  \r\n250-AUTH\tPLAIN  LOGIN \r\n250 SIZE 100\t\r\n");
    assert_eq!(c.domain, "x");
    assert_eq!(c.auth_mechanisms(), ["PLAIN", "LOGIN"]);
    assert_eq!(c.size(), Some(Some(100)));
    assert_eq!(c.extensions[0].raw_line, "AUTH\tPLAIN  LOGIN ");
}

#[test]
fn repeated_keywords_are_flagged_and_first_wins() {
    let c =
        caps("250-x\r\n250-SIZE 10\r\n250-AUTH PLAIN\r\n250-SIZE 20\r\n250 AUTH plain XOAUTH2\r\n");
    let dup: Vec<bool> = c.extensions.iter().map(|e| e.duplicate).collect();
    assert_eq!(dup, [false, false, true, true]);
    assert_eq!(c.size(), Some(Some(10)));
    assert_eq!(c.auth_mechanisms(), ["PLAIN", "XOAUTH2"]);
}

#[test]
fn invalid_utf8_is_decoded_lossily_and_flagged() {
    let replies = Reply::parse_all(b"250-h\xffst greets\r\n250-X\xfeY\r\n250 SIZE 1\r\n")
        .expect("within limits");
    let c = Capabilities::from_ehlo_reply(&replies[0]);
    assert!(c.domain_invalid_utf8);
    assert_eq!(c.domain, "h\u{fffd}st");
    assert!(c.extensions[0].invalid_utf8 && c.extensions[0].malformed);
    assert!(!c.extensions[1].invalid_utf8);
}

#[test]
fn single_line_reply_gives_domain_and_no_extensions() {
    let c = caps("250 relay.example Hello\r\n");
    assert_eq!(c.domain, "relay.example");
    assert_eq!(c.greet.as_deref(), Some("Hello"));
    assert!(c.extensions.is_empty());
    assert_eq!(c.size(), None);
}

#[test]
fn diff_across_starttls_shows_auth_added_and_starttls_removed() {
    let before = caps("250-x\r\n250-SIZE 100\r\n250-STARTTLS\r\n250 PIPELINING\r\n");
    let after = caps(
        "250-x\r\n250-SIZE 200\r\n250-AUTH PLAIN LOGIN\r\n250-AUTH=PLAIN LOGIN\r\n250 pipelining\r\n",
    );
    let diff = Capabilities::diff(&before, &after);
    let names =
        |list: &[Extension]| -> Vec<String> { list.iter().map(Extension::diff_key).collect() };
    assert_eq!(names(&diff.added), ["AUTH", "AUTH="]);
    assert_eq!(names(&diff.removed), ["STARTTLS"]);
    assert_eq!(diff.changed.len(), 1);
    assert_eq!(diff.changed[0].0.params, ["100"]);
    assert_eq!(diff.changed[0].1.params, ["200"]);
    assert!(Capabilities::diff(&after, &after).is_empty());
}

#[test]
fn known_keyword_names_round_trip() {
    for &(name, known, _) in KNOWN {
        assert_eq!(
            KnownKeyword::from_keyword(&name.to_ascii_lowercase()),
            Some(known)
        );
        assert_eq!(known.as_str(), name);
        assert!(!known.defined_in().is_empty());
    }
}

#[test]
fn xclient_and_xforward_attributes_are_listed_once_and_only_as_tokens() {
    let c = caps(
        "250-mx.example\r\n250-XCLIENT NAME ADDR PORT PROTO HELO LOGIN DESTADDR DESTPORT\r\n\
         250-XFORWARD name addr PORT PROTO HELO IDENT SOURCE addr \x1b[31m\r\n250 8BITMIME\r\n",
    );
    assert_eq!(
        c.xclient_attributes().expect("advertised"),
        [
            "NAME", "ADDR", "PORT", "PROTO", "HELO", "LOGIN", "DESTADDR", "DESTPORT"
        ]
    );
    assert_eq!(
        c.xforward_attributes().expect("advertised"),
        ["NAME", "ADDR", "PORT", "PROTO", "HELO", "IDENT", "SOURCE"]
    );
    assert_eq!(
        caps("250-mx\r\n250 SIZE 1000\r\n").xclient_attributes(),
        None
    );
}
