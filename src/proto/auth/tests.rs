use super::*;
use crate::proto::command::parse_command_line;
use zeroize::{Zeroize, ZeroizeOnDrop};

const CRAM_CHALLENGE: &[u8] = b"PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+";

fn credentials(username: &str, secret: &str) -> Credentials {
    Credentials::new(username, Zeroizing::new(secret.to_owned()))
}

fn client(mechanism: Mechanism, initial_response: bool) -> SaslClient {
    SaslClient::new(
        mechanism,
        credentials("tim", "tanstaaftanstaaf"),
        initial_response,
    )
    .expect("client")
}

fn sent(line: &ClientLine) -> &str {
    std::str::from_utf8(line.bytes()).expect("ascii")
}

fn send(step: AuthStep) -> ClientLine {
    match step {
        AuthStep::Send(line) => line,
        AuthStep::Done(outcome) => panic!("exchange ended early: {outcome:?}"),
    }
}

#[test]
fn mechanism_names_are_case_insensitive_and_display_as_registered() {
    for (typed, mechanism, shown) in [
        ("plain", Mechanism::Plain, "PLAIN"),
        ("Login", Mechanism::Login, "LOGIN"),
        ("cram-md5", Mechanism::CramMd5, "CRAM-MD5"),
        ("xoauth2", Mechanism::XOAuth2, "XOAUTH2"),
        (
            "scram-sha-256",
            Mechanism::Other("SCRAM-SHA-256".into()),
            "SCRAM-SHA-256",
        ),
    ] {
        assert_eq!(typed.parse::<Mechanism>(), Ok(mechanism.clone()));
        assert_eq!(mechanism.to_string(), shown);
    }
    assert!("".parse::<Mechanism>().is_err());
    assert!("CRAM MD5".parse::<Mechanism>().is_err());
}

#[test]
fn plain_payloads_match_rfc_4616_examples() {
    let payload = plain_payload(None, "tim", "tanstaaftanstaaf").expect("payload");
    assert_eq!(
        encode_response(&payload).as_str(),
        "AHRpbQB0YW5zdGFhZnRhbnN0YWFm"
    );
    let payload = plain_payload(Some("Ursel"), "Kurt", "xipj3plmq").expect("payload");
    assert_eq!(payload.as_slice(), b"Ursel\0Kurt\0xipj3plmq");
    assert_eq!(
        encode_response(&payload).as_str(),
        "VXJzZWwAS3VydAB4aXBqM3BsbXE="
    );
    assert!(matches!(
        plain_payload(None, "a\0b", "x"),
        Err(AuthError::SeparatorInCredential {
            field: "username",
            byte: 0,
            ..
        })
    ));
}

#[test]
fn plain_with_initial_response_is_one_line() {
    let mut client = client(Mechanism::Plain, true);
    let line = client.start().expect("start");
    assert_eq!(sent(&line), "AUTH PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm\r\n");
    assert_eq!(line.redacted().as_str(), "AUTH PLAIN <redacted 28 bytes>");
    assert!(matches!(
        client.on_reply(235, b"2.7.0 Authentication successful"),
        Ok(AuthStep::Done(Outcome::Authenticated))
    ));
    assert_eq!(client.outcome(), Some(Outcome::Authenticated));
}

#[test]
fn plain_with_authzid_without_initial_response_waits_for_an_empty_challenge() {
    let credentials = credentials("Kurt", "xipj3plmq").with_authzid("Ursel");
    let mut client = SaslClient::new(Mechanism::Plain, credentials, false).expect("client");
    assert_eq!(sent(&client.start().expect("start")), "AUTH PLAIN\r\n");
    let line = send(client.on_reply(334, b"").expect("challenge"));
    assert_eq!(sent(&line), "VXJzZWwAS3VydAB4aXBqM3BsbXE=\r\n");
    assert_eq!(line.redacted().as_str(), "<redacted 28 bytes>");
    assert!(matches!(
        client.on_reply(334, b""),
        Err(AuthError::UnexpectedChallenge { .. })
    ));
    assert_eq!(sent(&client.cancel().expect("cancel")), "*\r\n");
    assert!(matches!(
        client.on_reply(501, b"5.7.0 cancelled"),
        Ok(AuthStep::Done(Outcome::Cancelled { code: 501 }))
    ));
}

#[test]
fn login_without_initial_response_answers_username_then_password() {
    let mut client = client(Mechanism::Login, false);
    assert_eq!(sent(&client.start().expect("start")), "AUTH LOGIN\r\n");
    let user = send(client.on_reply(334, b"VXNlcm5hbWU6").expect("username"));
    assert_eq!(sent(&user), "dGlt\r\n");
    let pass = send(client.on_reply(334, b"UGFzc3dvcmQ6\r\n").expect("password"));
    assert_eq!(sent(&pass), "dGFuc3RhYWZ0YW5zdGFhZg==\r\n");
    assert!(matches!(
        client.on_reply(535, b"5.7.8 Authentication credentials invalid"),
        Ok(AuthStep::Done(Outcome::Rejected { code: 535 }))
    ));
}

#[test]
fn login_with_initial_response_sends_the_username_on_the_auth_line() {
    let mut client = client(Mechanism::Login, true);
    assert_eq!(sent(&client.start().expect("start")), "AUTH LOGIN dGlt\r\n");
    let pass = send(client.on_reply(334, b"UGFzc3dvcmQ6").expect("password"));
    assert_eq!(sent(&pass), "dGFuc3RhYWZ0YW5zdGFhZg==\r\n");
    assert!(matches!(
        client.on_reply(235, b""),
        Ok(AuthStep::Done(Outcome::Authenticated))
    ));
}

#[test]
fn cram_md5_matches_rfc_2195_vector() {
    let challenge = decode_challenge(CRAM_CHALLENGE).expect("base64");
    assert_eq!(challenge, b"<1896.697170952@postoffice.reston.mci.net>");
    let response = cram_md5_response("tim", "tanstaaftanstaaf", &challenge);
    assert_eq!(response.as_slice(), b"tim b913a602c7eda7a495b4e6e7334d3890");

    // The initial-response flag does not apply: the server speaks first.
    let mut client = client(Mechanism::CramMd5, true);
    assert_eq!(sent(&client.start().expect("start")), "AUTH CRAM-MD5\r\n");
    let line = send(client.on_reply(334, CRAM_CHALLENGE).expect("response"));
    assert_eq!(
        sent(&line),
        "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\r\n"
    );
}

#[test]
fn xoauth2_payload_matches_googles_example_and_acknowledges_an_error_challenge() {
    let token = "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg";
    let expected = "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ==";
    let payload = xoauth2_payload("someuser@example.com", token).expect("payload");
    assert_eq!(encode_response(&payload).as_str(), expected);

    let creds = credentials("someuser@example.com", token);
    let mut client = SaslClient::new(Mechanism::XOAuth2, creds, true).expect("client");
    let line = client.start().expect("start");
    assert_eq!(sent(&line), format!("AUTH XOAUTH2 {expected}\r\n"));
    let error = STANDARD.encode(br#"{"status":"401","schemes":"bearer"}"#);
    let ack = send(client.on_reply(334, error.as_bytes()).expect("ack"));
    assert_eq!(sent(&ack), "\r\n");
    assert!(matches!(
        client.on_reply(535, b""),
        Ok(AuthStep::Done(Outcome::Rejected { code: 535 }))
    ));
    assert!(matches!(
        xoauth2_payload("a", "b\x01c"),
        Err(AuthError::SeparatorInCredential { field: "token", .. })
    ));
}

#[test]
fn oauthbearer_sends_the_rfc_7628_message_and_answers_an_error_challenge_with_ctrl_a() {
    // RFC 7628 §4.1's example, without the optional host and port.
    let token = "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==";
    let payload = oauthbearer_payload("user@example.com", token).expect("payload");
    assert_eq!(
        payload.as_slice(),
        b"n,a=user@example.com,\x01auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01\x01"
    );
    let creds = credentials("user@example.com", token);
    let mut client = SaslClient::new(Mechanism::OAuthBearer, creds, true).expect("client");
    let line = client.start().expect("start");
    assert_eq!(
        sent(&line),
        format!(
            "AUTH OAUTHBEARER {}\r\n",
            encode_response(&payload).as_str()
        )
    );
    assert!(format!("{line:?}").contains("redacted"), "{line:?}");
    // RFC 7628 §3.2.2: the failure comes as a 334 with a JSON object; §3.2.3: answer ^A.
    let error = STANDARD.encode(
        br#"{"status":"invalid_token","scope":"example_scope","openid-configuration":"https://example.com/.well-known/openid-configuration"}"#,
    );
    let ack = send(client.on_reply(334, error.as_bytes()).expect("ack"));
    assert_eq!(sent(&ack), "AQ==\r\n");
    assert!(matches!(
        client.on_reply(535, b"5.7.8 Authentication credentials invalid"),
        Ok(AuthStep::Done(Outcome::Rejected { code: 535 }))
    ));
    // `,` and `=` in the user name are escaped in the GS2 header (RFC 5801 §4).
    let escaped = oauthbearer_payload("a,b=c", "t").expect("payload");
    assert!(escaped.starts_with(b"n,a=a=2Cb=3Dc,\x01"));
    assert!(matches!(
        oauthbearer_payload("a", "b\x01c"),
        Err(AuthError::SeparatorInCredential { field: "token", .. })
    ));
}

#[test]
fn an_oauth_error_challenge_shows_its_status_and_other_challenges_do_not() {
    assert_eq!(
        oauth_error_status(br#" {"status" : "invalid_token", "scope":"a b"} "#).as_deref(),
        Some("invalid_token")
    );
    assert_eq!(
        oauth_error_status(br#"{"schemes":"bearer","status":"401"}"#).as_deref(),
        Some("401")
    );
    for other in [
        &b"Username:"[..],
        b"{}",
        b"{\"status\":401}",
        b"{\"status\":\"x",
    ] {
        assert_eq!(oauth_error_status(other), None, "{other:?}");
    }
    let challenge = STANDARD.encode(br#"{"status":"invalid_token"}"#);
    let shown = view::challenge_text(challenge.as_bytes());
    assert!(shown.starts_with("OAuth error: invalid_token"), "{shown}");
}

#[test]
fn invalid_base64_challenge_is_an_error_that_leaves_the_exchange_cancellable() {
    assert!(matches!(
        decode_challenge(b"not base64!"),
        Err(AuthError::InvalidChallenge(_))
    ));
    assert_eq!(decode_challenge(b"  \r\n").as_deref(), Ok(&b""[..]));
    let mut client = client(Mechanism::Login, false);
    client.start().expect("start");
    assert!(matches!(
        client.on_reply(334, b"Username?"),
        Err(AuthError::InvalidChallenge(_))
    ));
    assert_eq!(sent(&client.cancel().expect("cancel")), "*\r\n");
}

#[test]
fn calls_out_of_order_are_typed_errors() {
    let mut client = client(Mechanism::Plain, true);
    assert!(matches!(
        client.on_reply(334, b""),
        Err(AuthError::OutOfOrder {
            call: "on_reply",
            ..
        })
    ));
    assert!(matches!(client.cancel(), Err(AuthError::OutOfOrder { .. })));
    client.start().expect("start");
    assert!(matches!(client.start(), Err(AuthError::OutOfOrder { .. })));
    client.on_reply(235, b"").expect("done");
    assert!(matches!(
        client.on_reply(235, b""),
        Err(AuthError::OutOfOrder { .. })
    ));
}

#[test]
fn unsupported_mechanisms_and_misplaced_authzid_are_refused_up_front() {
    let other = Mechanism::Other("SCRAM-SHA-1".into());
    assert!(matches!(
        SaslClient::new(other, credentials("a", "b"), false),
        Err(AuthError::UnsupportedMechanism(_))
    ));
    let creds = credentials("a", "b").with_authzid("c");
    assert!(matches!(
        SaslClient::new(Mechanism::Login, creds, false),
        Err(AuthError::AuthzidNotSupported(Mechanism::Login))
    ));
    let creds = credentials("a", "b\0c");
    assert!(matches!(
        SaslClient::new(Mechanism::Plain, creds, true),
        Err(AuthError::SeparatorInCredential {
            field: "password",
            ..
        })
    ));
}

#[test]
fn debug_output_never_shows_the_secret_or_its_base64() {
    let mut client = client(Mechanism::Plain, true);
    let line = client.start().expect("start");
    let mut login = self::client(Mechanism::Login, false);
    login.start().expect("start");
    login.respond(b"VXNlcm5hbWU6").expect("username line");
    let pass = login.respond(b"UGFzc3dvcmQ6").expect("password line");
    for shown in [
        format!("{client:?}"),
        format!("{line:?}"),
        format!("{:?}", line.command()),
        format!("{pass:?}"),
        format!("{:?}", credentials("tim", "tanstaaftanstaaf")),
    ] {
        assert!(!shown.contains("tanstaaf"), "{shown}");
        assert!(!shown.contains("AHRpbQB0YW5z"), "{shown}");
        assert!(!shown.contains("dGFuc3RhYWZ0"), "{shown}");
    }
}

#[test]
fn the_line_after_auth_and_334_is_a_sasl_response() {
    let auth = parse_command_line("AUTH LOGIN").command;
    assert!(awaits_sasl_response(&auth, 334));
    assert!(!awaits_sasl_response(&auth, 235));
    assert!(!awaits_sasl_response(&Command::Rset, 334));
    let response = parse_sasl_response_line("dGlt\r\n");
    assert!(awaits_sasl_response(&response, 334));
    assert_eq!(response.encode().as_deref(), Ok(&b"dGlt\r\n"[..]));
    assert_eq!(
        parse_sasl_response_line(" * "),
        Command::AuthResponse(SaslResponse::Cancel)
    );
}

#[test]
fn typed_secrets_are_recognised_and_redacted() {
    assert!(looks_like_auth_secret("dGFuc3RhYWZ0YW5zdGFhZg==", true));
    assert!(!looks_like_auth_secret("*", true));
    assert!(looks_like_auth_secret("auth plain AHRpbQB0YW5z\r\n", false));
    assert!(looks_like_auth_secret("AUTH PLAIN a b", false));
    assert!(!looks_like_auth_secret("AUTH LOGIN", false));
    assert!(!looks_like_auth_secret("MAIL FROM:<a@b>", false));

    assert_eq!(
        redact_typed_line("auth plain AHRpbQB0YW5z\r\n", false).as_str(),
        "auth plain <redacted 12 bytes>"
    );
    assert_eq!(
        redact_typed_line("  AUTH\tLOGIN  dGlt x", false).as_str(),
        "  AUTH\tLOGIN  <redacted 6 bytes>"
    );
    assert_eq!(
        redact_typed_line("dGFuc3RhYWZ0YW5zdGFhZg==\r\n", true).as_str(),
        "<redacted 24 bytes>"
    );
    assert_eq!(redact_typed_line("*", true).as_str(), "*");
    assert_eq!(redact_typed_line("EHLO me\r\n", false).as_str(), "EHLO me");
}

/// Compiles only if the value wipes itself when dropped.
fn wiped_on_drop<T: ZeroizeOnDrop>(_: &T) {}

#[test]
fn every_buffer_holding_a_secret_is_wiped_on_drop() {
    // Field by field, so a secret moved into a plain `String` or `Vec` stops the build.
    let credentials = credentials("tim", "tanstaaftanstaaf");
    wiped_on_drop(&credentials);
    wiped_on_drop(&credentials.secret);
    for mechanism in [Mechanism::Plain, Mechanism::Login, Mechanism::XOAuth2] {
        let mut client = client(mechanism, true);
        wiped_on_drop(&client);
        let line = client.start().expect("start");
        wiped_on_drop(&line);
        wiped_on_drop(&line.bytes);
        match line.command() {
            Command::Auth {
                initial_response: Some(InitialResponse::Base64(payload)),
                ..
            } => wiped_on_drop(payload),
            other => panic!("no initial response: {other:?}"),
        }
    }
    let mut cram = client(Mechanism::CramMd5, true);
    cram.start().expect("start");
    let line = cram.respond(CRAM_CHALLENGE).expect("respond");
    match line.command() {
        Command::AuthResponse(SaslResponse::Data(data)) => wiped_on_drop(data),
        other => panic!("not a SASL response: {other:?}"),
    }
    wiped_on_drop(&cram_md5_response("tim", "tanstaaftanstaaf", b"<1@x>"));
    wiped_on_drop(&plain_payload(None, "tim", "pw").expect("payload"));
    wiped_on_drop(&encode_response(b"pw"));
}

#[test]
fn credentials_wipe_user_authzid_and_secret_and_say_none_of_them() {
    let mut credentials =
        credentials("tim@example.com", "tanstaaftanstaaf").with_authzid("admin@example.com");
    let shown = format!("{credentials:?}");
    assert!(!shown.contains("tanstaaf"), "{shown}");
    // What Drop runs: every field is emptied (its bytes overwritten first by zeroize).
    credentials.zeroize();
    assert!(credentials.secret.is_empty());
    assert!(credentials.username.is_empty());
    assert_eq!(credentials.authzid, None);
}

#[test]
fn a_finished_exchange_leaves_no_secret_in_its_lines() {
    // The lines a client hands out are all a caller keeps after the exchange; the
    // secret-bearing ones are shown redacted and wiped when dropped.
    let mut client = client(Mechanism::Login, true);
    let first = client.start().expect("start");
    let second = client.respond(b"UGFzc3dvcmQ6").expect("password");
    for line in [&first, &second] {
        let shown = format!("{line:?} {}", line.redacted().as_str());
        assert!(!shown.contains("dGFuc3RhYWZ0YW5zdGFhZg"), "{shown}");
        assert!(!shown.contains("tanstaaf"), "{shown}");
    }
    assert!(matches!(
        client.on_reply(235, b"ok"),
        Ok(AuthStep::Done(Outcome::Authenticated))
    ));
}
