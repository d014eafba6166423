use super::*;
use crate::proto::auth::policy::Protection;

fn wire(command: &Command) -> String {
    String::from_utf8(command.encode().expect("encodes")).expect("utf-8")
}

fn b64(text: &str) -> InitialResponse {
    InitialResponse::Base64(Zeroizing::new(text.to_owned()))
}

fn mail(from: &str, params: Vec<Param>) -> Command {
    Command::Mail {
        from: from.to_owned(),
        params,
    }
}

fn rcpt(to: &str, params: Vec<Param>) -> Command {
    Command::Rcpt {
        to: to.to_owned(),
        params,
    }
}

fn round_trip_table() -> Vec<(Command, &'static str)> {
    vec![
        (
            Command::Helo("client.example".into()),
            "HELO client.example\r\n",
        ),
        (Command::Ehlo("[192.0.2.1]".into()), "EHLO [192.0.2.1]\r\n"),
        (
            Command::Lhlo("lmtp.example".into()),
            "LHLO lmtp.example\r\n",
        ),
        (
            mail(
                "a@b",
                vec![Param::size(123), Param::body(Body::EightBitMime)],
            ),
            "MAIL FROM:<a@b> SIZE=123 BODY=8BITMIME\r\n",
        ),
        (mail("", vec![]), "MAIL FROM:<>\r\n"),
        (
            mail(
                "\"john doe\"@example.com",
                vec![Param::smtputf8(), Param::requiretls()],
            ),
            "MAIL FROM:<\"john doe\"@example.com> SMTPUTF8 REQUIRETLS\r\n",
        ),
        (
            mail(
                "a@b",
                vec![
                    Param::ret(Ret::Hdrs),
                    Param::envid("QQ314159"),
                    Param::auth(None),
                ],
            ),
            "MAIL FROM:<a@b> RET=HDRS ENVID=QQ314159 AUTH=<>\r\n",
        ),
        (
            mail("a@b", vec![Param::auth(Some("e+x=y@example"))]),
            "MAIL FROM:<a@b> AUTH=e+2Bx+3Dy@example\r\n",
        ),
        (
            rcpt(
                "x@y",
                vec![
                    Param::notify(Notify::On {
                        success: true,
                        failure: true,
                        delay: false,
                    }),
                    Param::orcpt("x@y"),
                ],
            ),
            "RCPT TO:<x@y> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;x@y\r\n",
        ),
        (
            rcpt("x@y", vec![Param::notify(Notify::Never)]),
            "RCPT TO:<x@y> NOTIFY=NEVER\r\n",
        ),
        (
            rcpt("x@y", vec![Param::with_value("X-VENDOR", "v1")]),
            "RCPT TO:<x@y> X-VENDOR=v1\r\n",
        ),
        (Command::Data, "DATA\r\n"),
        (
            Command::Bdat {
                size: 1000,
                last: true,
            },
            "BDAT 1000 LAST\r\n",
        ),
        (
            Command::Bdat {
                size: 0,
                last: false,
            },
            "BDAT 0\r\n",
        ),
        (Command::Rset, "RSET\r\n"),
        (Command::Noop(None), "NOOP\r\n"),
        (Command::Noop(Some("ping".into())), "NOOP ping\r\n"),
        (Command::Vrfy("John Smith".into()), "VRFY John Smith\r\n"),
        (Command::Expn("staff".into()), "EXPN staff\r\n"),
        (Command::Help(Some("MAIL".into())), "HELP MAIL\r\n"),
        (Command::Help(None), "HELP\r\n"),
        (Command::Quit, "QUIT\r\n"),
        (Command::StartTls, "STARTTLS\r\n"),
        (
            Command::Auth {
                mechanism: "PLAIN".into(),
                initial_response: Some(b64("AHRpbQB0YW5zdGFhZnRhbnN0YWFm")),
            },
            "AUTH PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm\r\n",
        ),
        (
            Command::Auth {
                mechanism: "LOGIN".into(),
                initial_response: None,
            },
            "AUTH LOGIN\r\n",
        ),
        (
            Command::Auth {
                mechanism: "EXTERNAL".into(),
                initial_response: Some(InitialResponse::Empty),
            },
            "AUTH EXTERNAL =\r\n",
        ),
        (
            Command::Other {
                verb: "ETRN".into(),
                args: Some("@example.com".into()),
            },
            "ETRN @example.com\r\n",
        ),
        (
            Command::Other {
                verb: "XCLIENT".into(),
                args: Some("ADDR=192.0.2.1 NAME=spike".into()),
            },
            "XCLIENT ADDR=192.0.2.1 NAME=spike\r\n",
        ),
    ]
}

#[test]
fn commands_encode_to_exact_wire_bytes() {
    for (command, expected) in round_trip_table() {
        assert_eq!(wire(&command), expected, "{command:?}");
    }
}

#[test]
fn parsing_an_encoded_command_gives_it_back_without_issues() {
    for (command, expected) in round_trip_table() {
        let parsed = parse_command_line(expected);
        assert_eq!(parsed.command, command, "{expected:?}");
        assert!(
            parsed.issues.is_empty(),
            "{expected:?}: {:?}",
            parsed.issues
        );
    }
}

#[test]
fn line_breaks_and_nul_in_arguments_are_refused_naming_the_field() {
    let cases = [
        (Command::Ehlo("a\r\nMAIL FROM:<x>".into()), "domain"),
        (mail("a@b\n", vec![]), "reverse-path"),
        (rcpt("x\r", vec![]), "forward-path"),
        (Command::Vrfy("x\ny".into()), "argument"),
        (
            mail("a@b", vec![Param::with_value("SIZE", "1\r\nRSET")]),
            "parameter value",
        ),
        (
            Command::AuthResponse(SaslResponse::Data(Zeroizing::new("abc\r\nQUIT".into()))),
            "SASL response",
        ),
    ];
    for (command, field) in cases {
        assert_eq!(
            command.encode(),
            Err(CommandError::LineBreakInArgument { field })
        );
    }
    assert_eq!(
        Command::Noop(Some("a\0b".into())).encode(),
        Err(CommandError::NulInArgument { field: "argument" })
    );
}

#[test]
fn whitespace_that_would_split_an_argument_is_refused() {
    let cases = [
        (Command::Ehlo("a b".into()), "domain"),
        (
            Command::Other {
                verb: "X Y".into(),
                args: None,
            },
            "verb",
        ),
        (
            mail("a@b", vec![Param::with_value("SIZE", "1 2")]),
            "parameter value",
        ),
        (
            Command::Auth {
                mechanism: "PL AIN".into(),
                initial_response: None,
            },
            "SASL mechanism",
        ),
    ];
    for (command, field) in cases {
        assert_eq!(
            command.encode(),
            Err(CommandError::WhitespaceInArgument { field })
        );
    }
}

#[test]
fn paths_that_would_read_back_differently_are_refused() {
    assert!(matches!(
        mail("a>b@c", vec![]).encode(),
        Err(CommandError::Malformed {
            field: "reverse-path",
            ..
        })
    ));
    assert!(matches!(
        mail("\"open@c", vec![]).encode(),
        Err(CommandError::Malformed { .. })
    ));
    assert_eq!(
        wire(&mail("\"a>b\"@c", vec![])),
        "MAIL FROM:<\"a>b\"@c>\r\n"
    );
}

#[test]
fn empty_keyword_mechanism_and_initial_response_are_refused() {
    assert_eq!(
        mail("a@b", vec![Param::flag("")]).encode(),
        Err(CommandError::EmptyArgument {
            field: "parameter keyword"
        })
    );
    assert_eq!(
        Command::Auth {
            mechanism: "PLAIN".into(),
            initial_response: Some(b64("")),
        }
        .encode(),
        Err(CommandError::EmptyArgument {
            field: "initial response"
        })
    );
}

#[test]
fn auth_lines_are_redacted_for_display_and_debug() {
    let auth = Command::Auth {
        mechanism: "PLAIN".into(),
        initial_response: Some(b64("AHRpbQB0YW5zdGFhZnRhbnN0YWFm")),
    };
    assert_eq!(auth.redacted().as_str(), "AUTH PLAIN <redacted 28 bytes>");
    assert!(!format!("{auth:?}").contains("AHRpbQ"));
    assert!(auth.is_secret());
    let response = Command::AuthResponse(SaslResponse::Data(Zeroizing::new("c2VjcmV0".into())));
    assert_eq!(response.redacted().to_string(), "<redacted 8 bytes>");
    assert!(!format!("{response:?}").contains("c2VjcmV0"));
    assert_eq!(wire(&response), "c2VjcmV0\r\n");
    let cancel = Command::AuthResponse(SaslResponse::Cancel);
    assert_eq!(wire(&cancel), "*\r\n");
    assert!(!cancel.is_secret());
    assert_eq!(
        mail("a@b", vec![Param::size(1)]).redacted().as_str(),
        "MAIL FROM:<a@b> SIZE=1"
    );
}

#[test]
fn verbs_are_reported_as_sent() {
    assert_eq!(Command::StartTls.verb(), "STARTTLS");
    assert_eq!(mail("", vec![]).verb(), "MAIL");
    assert_eq!(parse_command_line("xclient a=b").command.verb(), "xclient");
    assert_eq!(Command::AuthResponse(SaslResponse::Cancel).verb(), "");
}

#[test]
fn typed_verbs_are_case_insensitive_and_spacing_is_tolerated() {
    let parsed = parse_command_line("  mail From:<a@b>   size=1 \r\n");
    assert_eq!(
        parsed.command,
        mail("a@b", vec![Param::with_value("size", "1")])
    );
    assert!(parsed.issues.is_empty());
    assert_eq!(parse_command_line("rcpt to:<x>").command, rcpt("x", vec![]));
    assert_eq!(parse_command_line("StartTLS\n").command, Command::StartTls);
    assert_eq!(
        parse_command_line("bdat 10 last").command,
        Command::Bdat {
            size: 10,
            last: true
        }
    );
    assert_eq!(
        parse_command_line("auth plain dGVzdA==").command,
        Command::Auth {
            mechanism: "plain".into(),
            initial_response: Some(b64("dGVzdA==")),
        }
    );
}

#[test]
fn lenient_path_forms_are_classified_and_flagged() {
    let parsed = parse_command_line("MAIL FROM: <a@b>");
    assert_eq!(parsed.command, mail("a@b", vec![]));
    assert_eq!(parsed.issues, vec![LineIssue::SpaceAroundColon]);

    let parsed = parse_command_line("MAIL FROM:a@b SIZE=5");
    assert_eq!(parsed.command, mail("a@b", vec![Param::size(5)]));
    assert_eq!(parsed.issues, vec![LineIssue::MissingAngleBrackets]);

    let parsed = parse_command_line("RCPT TO:<x@y>NOTIFY=NEVER");
    assert_eq!(
        parsed.command,
        rcpt("x@y", vec![Param::notify(Notify::Never)])
    );
    assert_eq!(parsed.issues, vec![LineIssue::MissingSpaceBeforeParameters]);
}

#[test]
fn malformed_known_verbs_become_other_with_the_reason() {
    for line in [
        "MAIL TO:<a@b>",
        "MAIL FROM:<a@b",
        "RCPT",
        "DATA now",
        "STARTTLS x",
        "BDAT ten",
        "BDAT +5",
        "BDAT 5 FIRST",
        "AUTH",
        "AUTH PLAIN a b",
        "EHLO a b",
        "MAIL FROM:<a> =5",
    ] {
        let parsed = parse_command_line(line);
        assert!(
            matches!(parsed.command, Command::Other { .. }),
            "{line}: {:?}",
            parsed.command
        );
        assert!(
            parsed
                .issues
                .iter()
                .any(|issue| matches!(issue, LineIssue::Malformed { .. })),
            "{line}"
        );
    }
    assert_eq!(
        parse_command_line("data now").command,
        Command::Other {
            verb: "data".into(),
            args: Some("now".into())
        }
    );
}

#[test]
fn empty_lines_and_embedded_line_breaks_are_flagged() {
    assert_eq!(parse_command_line("  \r\n").issues, vec![LineIssue::Empty]);
    let parsed = parse_command_line("NOOP a\nb");
    assert!(parsed.issues.contains(&LineIssue::ControlCharacter));
    assert!(parsed.command.encode().is_err());
}

#[test]
fn bare_verbs_without_required_arguments_are_kept() {
    assert_eq!(
        parse_command_line("EHLO").command,
        Command::Ehlo(String::new())
    );
    assert_eq!(wire(&Command::Ehlo(String::new())), "EHLO\r\n");
    assert_eq!(
        parse_command_line("VRFY").command,
        Command::Vrfy(String::new())
    );
}

#[test]
fn xtext_escapes_plus_equals_and_non_printable_bytes() {
    assert_eq!(xtext_encode("a+b=c d"), "a+2Bb+3Dc+20d");
    assert_eq!(xtext_encode("é"), "+C3+A9");
    assert_eq!(
        xtext_decode("a+2Bb+3Dc+20d").as_deref(),
        Ok(&b"a+b=c d"[..])
    );
    assert_eq!(xtext_decode("+C3+A9").as_deref(), Ok("é".as_bytes()));
    assert_eq!(xtext_decode("a+2"), Err(XtextError { offset: 1 }));
    assert_eq!(xtext_decode("a+2b"), Err(XtextError { offset: 1 }));
    assert_eq!(xtext_decode("a=b"), Err(XtextError { offset: 1 }));
    assert_eq!(Param::orcpt("a b@c").to_string(), "ORCPT=rfc822;a+20b@c");
    assert_eq!(Param::envid("x=1").to_string(), "ENVID=x+3D1");
}

#[test]
fn notify_with_nothing_set_is_never() {
    let none = Notify::On {
        success: false,
        failure: false,
        delay: false,
    };
    assert_eq!(Param::notify(none).to_string(), "NOTIFY=NEVER");
    let all = Notify::On {
        success: true,
        failure: true,
        delay: true,
    };
    assert_eq!(
        Param::notify(all).to_string(),
        "NOTIFY=SUCCESS,FAILURE,DELAY"
    );
}

#[test]
fn raw_mode_turns_escapes_into_exact_bytes() {
    assert_eq!(
        raw_bytes(r"MAIL FROM:<a>\r\n").as_deref(),
        Ok(&b"MAIL FROM:<a>\r\n"[..])
    );
    assert_eq!(raw_bytes(r"a\nb").as_deref(), Ok(&b"a\nb"[..]));
    assert_eq!(
        raw_bytes(r"\t\0\\\x00\xff\x7F").as_deref(),
        Ok(&b"\t\0\\\x00\xff\x7f"[..])
    );
    assert_eq!(raw_bytes("é").as_deref(), Ok("é".as_bytes()));
    assert_eq!(raw_bytes("no crlf").as_deref(), Ok(&b"no crlf"[..]));
}

#[test]
fn raw_mode_reports_bad_escapes_with_their_offset() {
    assert_eq!(
        raw_bytes(r"ab\q"),
        Err(RawError::UnknownEscape {
            offset: 2,
            escape: 'q'
        })
    );
    assert_eq!(
        raw_bytes(r"\é"),
        Err(RawError::UnknownEscape {
            offset: 0,
            escape: 'é'
        })
    );
    assert_eq!(raw_bytes(r"x\x4"), Err(RawError::BadHex { offset: 1 }));
    assert_eq!(raw_bytes(r"\xg0"), Err(RawError::BadHex { offset: 0 }));
    assert_eq!(raw_bytes(r"\x+1"), Err(RawError::BadHex { offset: 0 }));
    assert_eq!(raw_bytes("\\x\u{e9}"), Err(RawError::BadHex { offset: 0 }));
    assert_eq!(
        raw_bytes("abc\\"),
        Err(RawError::TrailingBackslash { offset: 3 })
    );
}

fn ehlo_caps(wire: &str) -> crate::proto::capability::Capabilities {
    let replies = crate::proto::reply::Reply::parse_all(wire.as_bytes()).expect("one reply");
    crate::proto::capability::Capabilities::from_ehlo_reply(&replies[0])
}

#[test]
fn notify_lists_parse_as_rfc_3461_allows() {
    assert_eq!(Notify::parse("never"), Ok(Notify::Never));
    assert_eq!(
        Notify::parse("SUCCESS, delay"),
        Ok(Notify::On {
            success: true,
            failure: false,
            delay: true
        })
    );
    assert_eq!(
        Notify::parse("NEVER,FAILURE"),
        Err(NotifyError::NeverWithOthers)
    );
    assert_eq!(
        Notify::parse("SOMETIMES"),
        Err(NotifyError::Unknown("SOMETIMES".into()))
    );
}

#[test]
fn dsn_values_are_xtext_encoded_where_rfc_3461_says() {
    assert_eq!(Param::envid("id 1+2=3").to_string(), "ENVID=id+201+2B2+3D3");
    assert_eq!(
        Param::orcpt("a+b@example.org").to_string(),
        "ORCPT=rfc822;a+2Bb@example.org"
    );
    let rcpt = rcpt(
        "b@example.org",
        vec![
            Param::notify(Notify::parse("success,failure").expect("valid")),
            Param::orcpt("b@example.org"),
        ],
    );
    assert_eq!(
        wire(&rcpt),
        "RCPT TO:<b@example.org> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b@example.org\r\n"
    );
}

#[test]
fn raw_parameters_parse_and_refuse_what_would_break_the_line() {
    assert_eq!(
        "X-FOO=bar".parse::<Param>(),
        Ok(Param::with_value("X-FOO", "bar"))
    );
    assert_eq!("HOLD".parse::<Param>(), Ok(Param::flag("HOLD")));
    assert!("A=b c".parse::<Param>().is_err());
    assert!("A=b\r\nRSET".parse::<Param>().is_err());
    assert!("=v".parse::<Param>().is_err());
}

#[test]
fn parameters_need_their_extension_advertised_and_requiretls_needs_tls() {
    let verified = Protection::VerifiedTls;
    let caps =
        ehlo_caps("250-mx.test\r\n250-DSN\r\n250-SIZE 100\r\n250-REQUIRETLS\r\n250 8BITMIME\r\n");
    let ok = [
        Param::ret(Ret::Hdrs),
        Param::envid("x"),
        Param::size(10),
        Param::body(Body::EightBitMime),
        Param::requiretls(),
    ];
    assert_eq!(check_offered(&ok, &caps, &verified), Ok(()));
    assert_eq!(
        check_offered(&[Param::requiretls()], &caps, &Protection::Plaintext),
        Err(ParamRefusal::RequireTlsInPlaintext)
    );
    let unverified = Protection::UnverifiedTls {
        reason: "unknown issuer".into(),
    };
    assert_eq!(
        check_offered(&[Param::requiretls()], &caps, &unverified),
        Err(ParamRefusal::RequireTlsUnverified {
            reason: "unknown issuer".into()
        })
    );
    assert_eq!(
        check_offered(&[Param::smtputf8()], &caps, &verified),
        Err(ParamRefusal::NotAdvertised {
            keyword: "SMTPUTF8".into(),
            extension: "SMTPUTF8".into()
        })
    );
    assert_eq!(
        check_offered(&[Param::body(Body::BinaryMime)], &caps, &verified),
        Err(ParamRefusal::BodyNotAdvertised {
            value: "BINARYMIME".into(),
            extension: "BINARYMIME".into()
        })
    );
    assert_eq!(
        check_offered(&[Param::with_value("x-foo", "1")], &caps, &verified),
        Err(ParamRefusal::NotAdvertised {
            keyword: "X-FOO".into(),
            extension: "X-FOO".into()
        })
    );
    let bare = ehlo_caps("250 mx.test\r\n");
    assert!(matches!(
        check_offered(&[Param::notify(Notify::Never)], &bare, &verified),
        Err(ParamRefusal::NotAdvertised { extension, .. }) if extension == "DSN"
    ));
}

#[test]
fn orcpt_of_a_utf8_address_uses_the_utf8_type_of_rfc_6533() {
    assert_eq!(
        Param::orcpt("jürgen@exämple.test").to_string(),
        "ORCPT=utf-8;j\\x{FC}rgen@ex\\x{E4}mple.test"
    );
    assert_eq!(
        super::params::utf8_addr_xtext("a+b=c\\d é\u{1}\u{1F600}"),
        "a\\x{2B}b\\x{3D}c\\x{5C}d\\x{20}\\x{E9}\\x{01}\\x{1F600}"
    );
}
