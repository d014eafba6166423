//! The command line pinned: `smtpx --help` and each subcommand's `--help`, as a user sees
//! them. A change to a flag, its help text or its order shows up here as a snapshot diff.

use std::process::Command;

fn help(words: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_smtpx"))
        .args(words)
        .arg("--help")
        // A fixed width, so the wrapping does not depend on who runs the test.
        .env("COLUMNS", "100")
        .env_remove("SMTPX_SANDBOX_USER")
        .env_remove("SMTPX_SANDBOX_PASSWORD")
        .output()
        .expect("run smtpx --help");
    assert_eq!(output.status.code(), Some(0), "smtpx {words:?} --help");
    String::from_utf8(output.stdout).expect("help is UTF-8")
}

#[test]
fn root_help() {
    insta::assert_snapshot!("root", help(&[]));
}

#[test]
fn probe_help() {
    insta::assert_snapshot!("probe", help(&["probe"]));
}

#[test]
fn scan_help() {
    insta::assert_snapshot!("scan", help(&["scan"]));
}

#[test]
fn replay_help() {
    insta::assert_snapshot!("replay", help(&["replay"]));
}

#[test]
fn export_help() {
    insta::assert_snapshot!("export", help(&["export"]));
}

#[test]
fn diff_help() {
    insta::assert_snapshot!("diff", help(&["diff"]));
}

#[test]
fn serve_help() {
    insta::assert_snapshot!("serve", help(&["serve"]));
}

#[test]
fn demo_help() {
    insta::assert_snapshot!("demo", help(&["demo"]));
}

#[test]
fn learn_help() {
    insta::assert_snapshot!("learn", help(&["learn"]));
}

#[test]
fn explain_help() {
    insta::assert_snapshot!("explain", help(&["explain"]));
}

#[test]
fn check_help() {
    insta::assert_snapshot!("check", help(&["check"]));
}

#[test]
fn smuggle_help() {
    insta::assert_snapshot!("smuggle", help(&["smuggle"]));
}
