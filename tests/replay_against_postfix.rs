//! `smtpx replay --against` and `smtpx diff` with Postfix, the server users meet (set up by
//! `tests/interop/postfix-up.sh`; skipped unless `SMTPX_INTEROP` is set, and failing loudly
//! when it is set and Postfix is missing): a submission recorded on 10587 re-runs against it
//! as the same session (queue IDs and dates aside), with other addresses when asked, and
//! says why when it stops early (the MTA port offers no AUTH).

mod support;

use support::postfix::{self, CERT, PASSWORD_ENV, SUBMISSION, USER};

fn recorded_submission(dir: &std::path::Path) -> std::path::PathBuf {
    let file = dir.join("postfix.jsonl");
    let out = postfix::probe(&[
        SUBMISSION,
        "--starttls",
        "--auth",
        "plain",
        "--user",
        USER,
        "--password-env",
        PASSWORD_ENV,
        "--ca-file",
        CERT,
        "--from",
        "smtpxtest@smtpx.test",
        "--to",
        "smtpxtest@smtpx.test",
        "--body",
        "replayed against Postfix",
        "--record",
        file.to_str().expect("utf-8"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    file
}

fn text(out: &std::process::Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn a_postfix_submission_re_runs_against_postfix_as_the_same_session() {
    if !postfix::enabled("replay --against test") {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let file = recorded_submission(dir.path());
    let file_arg = file.to_str().expect("utf-8");
    let base = [
        "replay",
        file_arg,
        "--against",
        SUBMISSION,
        "--user",
        USER,
        "--password-env",
        PASSWORD_ENV,
        "--no-record",
        "--timeout",
        "10",
    ];
    let out = postfix::smtpx(&base);
    let said = text(&out);
    assert!(said.contains("re-ran all"), "{said}");
    assert!(said.contains("same as the recording"), "{said}");
    assert_eq!(out.status.code(), Some(0), "{said}");

    // Two recipients in place of the recorded one: both go out, one shows as inserted.
    let out = postfix::smtpx(
        &[
            &base[..],
            &["--to", "smtpxtest@smtpx.test,smtpxtest@localhost"],
        ]
        .concat(),
    );
    let said = text(&out);
    assert!(said.contains("RCPT TO:<smtpxtest@localhost>"), "{said}");
    assert!(said.contains("re-ran all"), "{said}");
    let steps: Vec<&str> = said.lines().filter(|l| l.starts_with("step ")).collect();
    assert_eq!(steps.len(), 1, "{said}");
    assert!(steps[0].contains("only in B, inserted"), "{said}");

    // Against the MTA port, which offers no AUTH: the credentials are held back and the
    // re-run says so where it stops; the steps not taken show as missing.
    let mut against_mta = base;
    against_mta[3] = postfix::MTA;
    let out = postfix::smtpx(&against_mta);
    let said = text(&out);
    let stop = said
        .lines()
        .find(|l| l.contains("stopped at step 4 of"))
        .unwrap_or_else(|| panic!("says why it stopped: {said}"));
    assert!(stop.contains("AUTH"), "{stop}");
    assert!(said.contains("AUTH PLAIN: missing in B"), "{said}");
    assert_eq!(out.status.code(), Some(1), "{said}");
}
