//! The server side of SMTP AUTH ([RFC 4954](https://www.rfc-editor.org/rfc/rfc4954)):
//! PLAIN ([RFC 4616](https://www.rfc-editor.org/rfc/rfc4616)), LOGIN (the de-facto
//! mechanism, [draft-murchison-sasl-login](https://datatracker.ietf.org/doc/html/draft-murchison-sasl-login-00))
//! and CRAM-MD5 ([RFC 2195](https://www.rfc-editor.org/rfc/rfc2195)) against one demo account;
//! with a token configured, also the OAuth 2.0 bearer-token mechanisms XOAUTH2 (Google's)
//! and OAUTHBEARER ([RFC 7628](https://www.rfc-editor.org/rfc/rfc7628)), which answer a
//! refused token with a JSON error challenge, as Gmail and Outlook do.
//!
//! Security: the account is for a loopback sandbox; the password is compared in constant time
//! anyway, and SASL payloads never reach the log (the session redacts them). The CRAM-MD5
//! challenge includes the connection number and a random nonce, so it is unique per session.
//!
//! Layer: sandbox (server side), sans-IO.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, KeyInit, Mac};
use md5::Md5;

use super::config::Credentials;
use super::replies::ServerReply;

/// The mechanisms offered, in the order listed in the EHLO reply.
pub const MECHANISMS: &str = "PLAIN LOGIN CRAM-MD5";

/// The mechanisms offered with `credentials`: the bearer-token ones only with a token.
pub fn mechanisms(credentials: &Credentials) -> String {
    if credentials.oauth_token.is_some() {
        format!("{MECHANISMS} XOAUTH2 OAUTHBEARER")
    } else {
        MECHANISMS.to_owned()
    }
}

/// What the exchange waits for next (the session's `ExpectAuthResponse` state carries it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthExchange {
    /// PLAIN without an initial response: an empty 334 was sent.
    PlainResponse,
    /// LOGIN: `334 VXNlcm5hbWU6` ("Username:") was sent.
    LoginUser,
    /// LOGIN: `334 UGFzc3dvcmQ6` ("Password:") was sent.
    LoginPassword { user: String },
    /// CRAM-MD5: the challenge (decoded) was sent.
    CramResponse { challenge: String },
    /// XOAUTH2 or OAUTHBEARER without an initial response: an empty 334 was sent.
    BearerResponse { oauthbearer: bool },
    /// The token was refused with a 334 JSON error; the client's answer (empty for XOAUTH2,
    /// `^A` for OAUTHBEARER, [RFC 7628 §3.2.3](https://www.rfc-editor.org/rfc/rfc7628#section-3.2.3))
    /// gets the final 535.
    BearerErrorAck,
}

/// The outcome of one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthStep {
    /// Send this 334 and wait for the client's next line.
    Continue(ServerReply, AuthExchange),
    /// Authenticated as this user: `235 2.7.0`.
    Success(String),
    /// Send this reply (501 cancel or bad base64, 535 wrong credentials); the exchange is over.
    Failure(ServerReply),
}

/// Starts an exchange for `AUTH mechanism [initial-response]`. `initial` is the initial
/// response as sent (`=` meaning empty). `challenge_id` makes the CRAM-MD5 challenge unique.
pub fn start(
    mechanism: &str,
    initial: Option<&str>,
    credentials: &Credentials,
    challenge_id: &str,
) -> AuthStep {
    match mechanism.to_ascii_uppercase().as_str() {
        "PLAIN" => match initial {
            None => AuthStep::Continue(ServerReply::plain(334, ""), AuthExchange::PlainResponse),
            Some(response) => respond(AuthExchange::PlainResponse, response, credentials),
        },
        "LOGIN" => match initial {
            None => login_user_prompt(),
            Some(response) => respond(AuthExchange::LoginUser, response, credentials),
        },
        "CRAM-MD5" if initial.is_some() => AuthStep::Failure(ServerReply::new(
            501,
            "5.7.0",
            "CRAM-MD5 does not allow an initial response",
        )),
        "CRAM-MD5" => {
            let challenge = format!("<{challenge_id}>");
            AuthStep::Continue(
                ServerReply::plain(334, BASE64.encode(&challenge)),
                AuthExchange::CramResponse { challenge },
            )
        }
        name @ ("XOAUTH2" | "OAUTHBEARER") if credentials.oauth_token.is_some() => {
            let exchange = AuthExchange::BearerResponse {
                oauthbearer: name == "OAUTHBEARER",
            };
            match initial {
                None => AuthStep::Continue(ServerReply::plain(334, ""), exchange),
                Some(response) => respond(exchange, response, credentials),
            }
        }
        _ => AuthStep::Failure(ServerReply::new(
            504,
            "5.5.4",
            "Unrecognized authentication type",
        )),
    }
}

/// Takes the client's answer to a 334 (`*` cancels,
/// [RFC 4954 §4](https://www.rfc-editor.org/rfc/rfc4954#section-4)).
pub fn respond(exchange: AuthExchange, line: &str, credentials: &Credentials) -> AuthStep {
    if line == "*" {
        return AuthStep::Failure(ServerReply::new(501, "5.7.0", "Authentication cancelled"));
    }
    let decoded = if line == "=" {
        Vec::new()
    } else {
        match BASE64.decode(line.trim()) {
            Ok(bytes) => bytes,
            Err(_) => {
                return AuthStep::Failure(ServerReply::new(
                    501,
                    "5.5.2",
                    "Cannot decode base64 response",
                ));
            }
        }
    };
    match exchange {
        AuthExchange::PlainResponse => {
            // authzid NUL authcid NUL passwd (RFC 4616 §2); authzid empty or the same user.
            let mut parts = decoded.split(|&b| b == 0);
            let (Some(authzid), Some(authcid), Some(password), None) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                return invalid();
            };
            if !authzid.is_empty() && authzid != authcid {
                return invalid();
            }
            verify_password(authcid, password, credentials)
        }
        AuthExchange::LoginUser => match String::from_utf8(decoded) {
            Ok(user) => AuthStep::Continue(
                ServerReply::plain(334, BASE64.encode("Password:")),
                AuthExchange::LoginPassword { user },
            ),
            Err(_) => invalid(),
        },
        AuthExchange::LoginPassword { user } => {
            verify_password(user.as_bytes(), &decoded, credentials)
        }
        AuthExchange::BearerResponse { oauthbearer } => {
            let parsed = if oauthbearer {
                oauthbearer_fields(&decoded)
            } else {
                xoauth2_fields(&decoded)
            };
            let token_ok = credentials.oauth_token.as_deref().is_some_and(|t| {
                parsed.is_some_and(|(_, token)| constant_time_eq(token, t.as_bytes()))
            });
            let user_ok =
                parsed.is_some_and(|(user, _)| constant_time_eq(user, credentials.user.as_bytes()));
            if token_ok && user_ok {
                return AuthStep::Success(credentials.user.clone());
            }
            // RFC 7628 §3.2.2 (and Google's XOAUTH2): the failure is a 334 with a JSON
            // status; the final reply follows the client's answer.
            let error = if oauthbearer {
                r#"{"status":"invalid_token","scope":"smtpx-sandbox"}"#
            } else {
                r#"{"status":"401","schemes":"bearer","scope":"smtpx-sandbox"}"#
            };
            AuthStep::Continue(
                ServerReply::plain(334, BASE64.encode(error)),
                AuthExchange::BearerErrorAck,
            )
        }
        AuthExchange::BearerErrorAck => invalid(),
        AuthExchange::CramResponse { challenge } => {
            // "user SP hex-digest" (RFC 2195 §2); the user name may itself hold spaces.
            let Some(space) = decoded.iter().rposition(|&b| b == b' ') else {
                return invalid();
            };
            let (user, digest) = (&decoded[..space], &decoded[space + 1..]);
            let Some(digest) = hex_decode(digest) else {
                return invalid();
            };
            let Ok(mut mac) = Hmac::<Md5>::new_from_slice(credentials.password.as_bytes()) else {
                return invalid();
            };
            mac.update(challenge.as_bytes());
            let user_ok = constant_time_eq(user, credentials.user.as_bytes());
            if mac.verify_slice(&digest).is_ok() && user_ok {
                AuthStep::Success(credentials.user.clone())
            } else {
                invalid()
            }
        }
    }
}

/// The user and token of `user=U ^A auth=Bearer T ^A ^A` (XOAUTH2).
fn xoauth2_fields(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let rest = bytes.strip_prefix(b"user=")?;
    let end = rest.iter().position(|&b| b == 1)?;
    let (user, fields) = rest.split_at(end);
    Some((user, bearer_token(fields)?))
}

/// The authorization identity and token of `n,a=U, ^A [key=value ^A]… auth=Bearer T ^A ^A`
/// ([RFC 7628 §3.1](https://www.rfc-editor.org/rfc/rfc7628#section-3.1)); `=2C` and `=3D`
/// in the identity are left as sent, so a name holding them does not match.
fn oauthbearer_fields(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let end = bytes.iter().position(|&b| b == 1)?;
    let (header, fields) = bytes.split_at(end);
    let identity = header
        .split(|&b| b == b',')
        .find_map(|part| part.strip_prefix(b"a="))?;
    Some((identity, bearer_token(fields)?))
}

/// The token of the `auth=Bearer T` field among `^A`-separated fields ending in `^A^A`.
fn bearer_token(fields: &[u8]) -> Option<&[u8]> {
    let fields = fields.strip_suffix(b"\x01\x01")?;
    fields
        .split(|&b| b == 1)
        .find_map(|field| field.strip_prefix(b"auth=Bearer "))
}

fn login_user_prompt() -> AuthStep {
    AuthStep::Continue(
        ServerReply::plain(334, BASE64.encode("Username:")),
        AuthExchange::LoginUser,
    )
}

fn verify_password(user: &[u8], password: &[u8], credentials: &Credentials) -> AuthStep {
    let user_ok = constant_time_eq(user, credentials.user.as_bytes());
    let password_ok = constant_time_eq(password, credentials.password.as_bytes());
    if user_ok && password_ok {
        AuthStep::Success(credentials.user.clone())
    } else {
        invalid()
    }
}

/// `535 5.7.8` ([RFC 4954 §6](https://www.rfc-editor.org/rfc/rfc4954#section-6)).
fn invalid() -> AuthStep {
    AuthStep::Failure(ServerReply::new(
        535,
        "5.7.8",
        "Authentication credentials invalid",
    ))
}

/// Compares without an early exit on the first differing byte.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = u8::from(a.len() != b.len());
    for (x, y) in a.iter().zip(b) {
        diff |= x ^ y;
    }
    diff == 0
}

fn hex_decode(hex: &[u8]) -> Option<Vec<u8>> {
    if hex.len() % 2 != 0 {
        return None;
    }
    hex.chunks(2)
        .map(|pair| {
            let text = std::str::from_utf8(pair).ok()?;
            u8::from_str_radix(text, 16).ok()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> Credentials {
        Credentials {
            user: "demo".into(),
            password: "demo-password".into(),
            oauth_token: Some("demo-token".into()),
        }
    }

    fn code(step: &AuthStep) -> u16 {
        match step {
            AuthStep::Continue(reply, _) | AuthStep::Failure(reply) => reply.code,
            AuthStep::Success(_) => 235,
        }
    }

    #[test]
    fn plain_with_and_without_initial_response() {
        let good = BASE64.encode("\0demo\0demo-password");
        assert_eq!(
            start("PLAIN", Some(&good), &demo(), "x"),
            AuthStep::Success("demo".into())
        );
        let AuthStep::Continue(reply, exchange) = start("plain", None, &demo(), "x") else {
            panic!("expected a 334");
        };
        assert_eq!(reply.to_wire(), b"334 \r\n");
        assert_eq!(code(&respond(exchange, &good, &demo())), 235);
        let wrong = BASE64.encode("\0demo\0nope");
        assert_eq!(code(&start("PLAIN", Some(&wrong), &demo(), "x")), 535);
        let other_authz = BASE64.encode("root\0demo\0demo-password");
        assert_eq!(code(&start("PLAIN", Some(&other_authz), &demo(), "x")), 535);
        assert_eq!(code(&start("PLAIN", Some("!!!"), &demo(), "x")), 501);
    }

    #[test]
    fn login_asks_user_then_password() {
        let AuthStep::Continue(reply, exchange) = start("LOGIN", None, &demo(), "x") else {
            panic!("expected a 334");
        };
        assert_eq!(reply.to_wire(), b"334 VXNlcm5hbWU6\r\n");
        let AuthStep::Continue(reply, exchange) =
            respond(exchange, &BASE64.encode("demo"), &demo())
        else {
            panic!("expected a 334");
        };
        assert_eq!(reply.to_wire(), b"334 UGFzc3dvcmQ6\r\n");
        assert_eq!(
            code(&respond(
                exchange.clone(),
                &BASE64.encode("demo-password"),
                &demo()
            )),
            235
        );
        assert_eq!(
            code(&respond(exchange, &BASE64.encode("bad"), &demo())),
            535
        );
    }

    #[test]
    fn cram_md5_matches_rfc_2195_vector() {
        let creds = Credentials {
            user: "tim".into(),
            password: "tanstaaftanstaaf".into(),
            oauth_token: None,
        };
        let exchange = AuthExchange::CramResponse {
            challenge: "<1896.697170952@postoffice.reston.mci.net>".into(),
        };
        let response = "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw";
        assert_eq!(
            respond(exchange.clone(), response, &creds),
            AuthStep::Success("tim".into())
        );
        let wrong = BASE64.encode("tim b913a602c7eda7a495b4e6e7334d3891");
        assert_eq!(code(&respond(exchange, &wrong, &creds)), 535);
    }

    #[test]
    fn bearer_tokens_pass_and_a_wrong_one_gets_the_json_error_then_535() {
        let xoauth2 = BASE64.encode("user=demo\x01auth=Bearer demo-token\x01\x01");
        assert_eq!(code(&start("XOAUTH2", Some(&xoauth2), &demo(), "x")), 235);
        let bearer = BASE64.encode("n,a=demo,\x01host=localhost\x01auth=Bearer demo-token\x01\x01");
        assert_eq!(
            code(&start("OAUTHBEARER", Some(&bearer), &demo(), "x")),
            235
        );
        // Without an initial response: an empty 334 first.
        let AuthStep::Continue(reply, exchange) = start("OAUTHBEARER", None, &demo(), "x") else {
            panic!("expected a 334");
        };
        assert_eq!(reply.to_wire(), b"334 \r\n");
        assert_eq!(code(&respond(exchange, &bearer, &demo())), 235);
        let wrong = BASE64.encode("n,a=demo,\x01auth=Bearer nope\x01\x01");
        let AuthStep::Continue(reply, exchange) = start("OAUTHBEARER", Some(&wrong), &demo(), "x")
        else {
            panic!("expected the error challenge");
        };
        let text = String::from_utf8(reply.to_wire()).expect("ASCII");
        let json = BASE64
            .decode(text.trim_end().trim_start_matches("334 "))
            .expect("base64");
        assert_eq!(
            json,
            br#"{"status":"invalid_token","scope":"smtpx-sandbox"}"#
        );
        assert_eq!(code(&respond(exchange, "AQ==", &demo())), 535);
        let other_user = BASE64.encode("user=root\x01auth=Bearer demo-token\x01\x01");
        assert_eq!(
            code(&start("XOAUTH2", Some(&other_user), &demo(), "x")),
            334
        );
        // Not offered without a token.
        let no_token = Credentials {
            oauth_token: None,
            ..demo()
        };
        assert_eq!(mechanisms(&no_token), MECHANISMS);
        assert_eq!(code(&start("XOAUTH2", Some(&xoauth2), &no_token, "x")), 504);
    }

    #[test]
    fn cancel_and_unknown_mechanism() {
        assert_eq!(code(&respond(AuthExchange::LoginUser, "*", &demo())), 501);
        assert_eq!(code(&start("GSSAPI", None, &demo(), "x")), 504);
        assert_eq!(code(&start("CRAM-MD5", Some("abc"), &demo(), "x")), 501);
    }
}
