//! What an admin's shell expects of smtpx, end to end with the real binary: bash completion
//! (sourced in bash, the completion function called as bash calls it), the manual page
//! rendered by `man -l`, a mistyped subcommand, `smtpx config init|list`, and a profile
//! used by the probe against the sandbox with a flag winning over it.

mod support;

use std::path::Path;
use std::process::{Command, Output};

use smtpx::sandbox::{self, SandboxConfig};

fn smtpx(args: &[&str], config_home: Option<&Path>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_smtpx"));
    command
        .args(args)
        .env(
            "XDG_STATE_HOME",
            concat!(env!("CARGO_TARGET_TMPDIR"), "/xdg-state"),
        )
        .env("COLUMNS", "100");
    if let Some(home) = config_home {
        command.env("XDG_CONFIG_HOME", home);
    }
    command.output().expect("run smtpx")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// What bash's completion offers for `words` (the last one being completed), with the
/// script `smtpx completions bash` printed sourced first, and the function it registered for
/// `smtpx` called as bash calls it (the binary's own path as the command, so the profile hook
/// runs this build). `config_home` is the `XDG_CONFIG_HOME` it sees.
fn complete_with(words: &[&str], config_home: Option<&Path>) -> Vec<String> {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temp dir");
    let script = dir.path().join("smtpx.bash");
    let out = smtpx(&["completions", "bash"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    std::fs::write(&script, &out.stdout).expect("write script");
    let bin = env!("CARGO_BIN_EXE_smtpx");
    let mut words: Vec<&str> = words.to_vec();
    words[0] = bin;
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let current = words.last().copied().unwrap_or_default();
    let previous = words.len().checked_sub(2).map(|i| words[i]).unwrap_or(bin);
    let program = format!(
        "source '{}'\nCOMP_WORDS=({})\nCOMP_CWORD={}\nCOMP_LINE='{}'\nCOMP_POINT=${{#COMP_LINE}}\n\
         read -ra spec <<< \"$(complete -p smtpx)\"\n\
         for i in \"${{!spec[@]}}\"; do [[ ${{spec[i]}} == -F ]] && function=${{spec[i+1]}}; done\n\
         \"$function\" '{bin}' '{current}' '{previous}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        script.display(),
        quoted.join(" "),
        words.len() - 1,
        words.join(" "),
    );
    let mut bash = Command::new("bash");
    bash.args(["--norc", "--noprofile", "-c", &program])
        .env(
            "XDG_STATE_HOME",
            concat!(env!("CARGO_TARGET_TMPDIR"), "/xdg-state"),
        )
        .env_remove("XDG_CONFIG_HOME");
    if let Some(home) = config_home {
        bash.env("XDG_CONFIG_HOME", home);
    }
    let out = bash.output().expect("run bash");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    text(&out.stdout)
        .lines()
        .map(str::to_string)
        .filter(|l| !l.is_empty())
        .collect()
}

fn complete(words: &[&str]) -> Vec<String> {
    complete_with(words, None)
}

/// A config home holding two profiles, and one whose name a shell would interpret.
fn two_profiles() -> tempfile::TempDir {
    let home = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temp dir");
    std::fs::create_dir_all(home.path().join("smtpx")).expect("config dir");
    std::fs::write(
        home.path().join("smtpx/config.toml"),
        "[profile.work]\nhost = \"smtp.example.com\"\n\n[profile.lab]\nhost = \"127.0.0.1\"\n\n\
         [profile.\"w$(touch pwned)\"]\nhost = \"127.0.0.1\"\n",
    )
    .expect("write config");
    home
}

/// Types `line` and Tab into an interactive `shell` (its command line in `start`) in tmux,
/// after `setup`, and waits for the line to read `expected`.
async fn tab_completes(tmux: &support::tmux::Tmux, t: &str, line: &str, expected: &str) {
    tmux.keys(t, &["C-u"]);
    tmux.keys(t, &["-l", line]);
    tmux.keys(t, &["Tab"]);
    tmux.wait_for(t, &[&format!("ready> {expected}")]).await;
}

#[tokio::test]
async fn bash_completes_profile_names_after_an_at_sign_in_a_real_terminal() {
    if !support::tmux::tmux_available() {
        return;
    }
    let home = two_profiles();
    let script = home.path().join("smtpx.bash");
    std::fs::write(&script, smtpx(&["completions", "bash"], None).stdout).expect("script");
    let tmux = support::tmux::Tmux::new("bash");
    let t = "bash";
    tmux.start(
        t,
        100,
        10,
        &format!(
            "env -i PATH={} HOME={home} XDG_CONFIG_HOME={home} TERM=xterm-256color \
             bash --norc --noprofile -i",
            path_with_smtpx(),
            home = home.path().display()
        ),
    );
    tmux.type_line(t, &format!("source {}; PS1='ready> '", script.display()));
    tmux.wait_for(t, &["ready> "]).await;
    // `@` breaks words in bash's default COMP_WORDBREAKS: the line still reads `@work`.
    tab_completes(&tmux, t, "smtpx @w", "smtpx @work").await;
    tab_completes(&tmux, t, "smtpx probe @l", "smtpx probe @lab").await;
    tab_completes(&tmux, t, "smtpx pro", "smtpx probe").await;
    // And where `@` does not break words.
    tmux.type_line(t, "COMP_WORDBREAKS=${COMP_WORDBREAKS//@/}");
    tab_completes(&tmux, t, "smtpx scan @w", "smtpx scan @work").await;
    assert!(!home.path().join("pwned").exists());
    assert_eq!(
        text(&smtpx(&["config", "list", "--names"], Some(home.path())).stdout),
        "lab\nw$(touch pwned)\nwork\n"
    );
}

#[test]
fn bash_leaves_other_words_to_clap_and_offers_nothing_without_a_config_file() {
    assert_eq!(complete(&["smtpx", "pro"]), ["probe"]);
    let empty = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temp dir");
    assert!(complete_with(&["smtpx", "@w"], Some(empty.path())).is_empty());
}

/// Whether `shell` is installed; in CI a missing one fails instead (.ci/run installs it).
fn shell_available(shell: &str) -> bool {
    let found = Command::new(shell)
        .args(["-c", "exit 0"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        let in_ci = std::env::var_os("CI").is_some() || std::env::var_os("SMTPX_INTEROP").is_some();
        assert!(!in_ci, "{shell} is required in CI (.ci/run installs it)");
        eprintln!("skipping: {shell} is not installed");
    }
    found
}

/// The directory of the smtpx binary first in `PATH`: the fish and zsh hooks call `smtpx`.
fn path_with_smtpx() -> String {
    let bin = Path::new(env!("CARGO_BIN_EXE_smtpx"));
    let dir = bin.parent().expect("the binary's directory");
    format!("{}:/usr/bin:/bin", dir.display())
}

#[test]
fn fish_completes_profile_names_after_an_at_sign() {
    if !shell_available("fish") {
        return;
    }
    let home = two_profiles();
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temp dir");
    let script = dir.path().join("smtpx.fish");
    std::fs::write(&script, smtpx(&["completions", "fish"], None).stdout).expect("script");
    let candidates = |line: &str| {
        let out = Command::new("fish")
            .args(["--no-config", "-c"])
            .arg(format!(
                "source '{}'; complete -C '{line}'",
                script.display()
            ))
            .env("PATH", path_with_smtpx())
            .env("XDG_CONFIG_HOME", home.path())
            .env("XDG_STATE_HOME", dir.path())
            .current_dir(home.path())
            .output()
            .expect("run fish");
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        text(&out.stdout)
            .lines()
            .map(|l| l.split('\t').next().unwrap_or_default().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(candidates("smtpx @w"), ["@work"]);
    assert_eq!(candidates("smtpx probe @"), ["@lab", "@work"]);
    assert!(candidates("smtpx pro").contains(&"probe".to_string()));
    assert!(!home.path().join("pwned").exists());
}

#[tokio::test]
async fn zsh_completes_profile_names_after_an_at_sign_in_a_real_terminal() {
    if !shell_available("zsh") || !support::tmux::tmux_available() {
        return;
    }
    let home = two_profiles();
    let functions = home.path().join("zfunc");
    std::fs::create_dir_all(&functions).expect("fpath dir");
    std::fs::write(
        functions.join("_smtpx"),
        smtpx(&["completions", "zsh"], None).stdout,
    )
    .expect("script");
    let tmux = support::tmux::Tmux::new("zsh");
    let t = "zsh";
    tmux.start(
        t,
        100,
        10,
        &format!(
            "env -i PATH={} HOME={home} XDG_CONFIG_HOME={home} TERM=xterm-256color zsh -f",
            path_with_smtpx(),
            home = home.path().display()
        ),
    );
    tmux.type_line(
        t,
        &format!(
            "fpath=({} $fpath); autoload -U compinit; compinit -u -D; PS1='ready> '",
            functions.display()
        ),
    );
    tmux.wait_for(t, &["ready> "]).await;
    tmux.keys(t, &["-l", "smtpx @w"]);
    tmux.keys(t, &["Tab"]);
    tmux.wait_for(t, &["ready> smtpx @work"]).await;
    tmux.keys(t, &["C-u"]);
    tmux.keys(t, &["-l", "smtpx probe @l"]);
    tmux.keys(t, &["Tab"]);
    tmux.wait_for(t, &["ready> smtpx probe @lab"]).await;
    // The subcommand in the first word, and a subcommand's flag values after it.
    tmux.keys(t, &["C-u"]);
    tmux.keys(t, &["-l", "smtpx ser"]);
    tmux.keys(t, &["Tab"]);
    tmux.wait_for(t, &["ready> smtpx serve"]).await;
    tmux.keys(t, &["C-u"]);
    tmux.keys(t, &["-l", "smtpx probe h --quit-after "]);
    tmux.keys(t, &["Tab"]);
    tmux.wait_for(t, &["connect", "greeting", "rcpt"]).await;
    assert!(!home.path().join("pwned").exists());
}

#[test]
fn bash_completes_the_subcommand_and_the_values_of_quit_after() {
    assert_eq!(complete(&["smtpx", "pro"]), ["probe"]);
    assert_eq!(
        complete(&["smtpx", "probe", "--quit-after", ""]),
        ["connect", "greeting", "ehlo", "tls", "auth", "mail", "rcpt"]
    );
    assert_eq!(
        complete(&["smtpx", "probe", "h", "--tls-verify", ""]),
        ["report", "strict"]
    );
}

#[test]
fn every_shell_gets_a_script() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = smtpx(&["completions", shell], None);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        assert!(text(&out.stdout).contains("quit-after"), "{shell}");
    }
    let out = smtpx(&["completions", "tcsh"], None);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_man_page_renders_with_examples_and_exit_status() {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temp dir");
    let page = dir.path().join("smtpx.1");
    let out = smtpx(&["man"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    std::fs::write(&page, &out.stdout).expect("write page");
    let rendered = Command::new("man")
        .arg("-l")
        .arg(&page)
        .env("MANWIDTH", "100")
        .env("MAN_KEEP_FORMATTING", "0")
        .env("PAGER", "cat")
        .env("MANPAGER", "cat")
        .output()
        .expect("man -l (package man-db)");
    assert_eq!(
        rendered.status.code(),
        Some(0),
        "{}",
        text(&rendered.stderr)
    );
    assert!(
        !text(&rendered.stderr).contains("warning"),
        "{}",
        text(&rendered.stderr)
    );
    // `man` may overstrike bold text when its output is not a terminal.
    let shown = strip_overstrike(&text(&rendered.stdout));
    for expected in [
        "NAME",
        "SYNOPSIS",
        "COMMANDS",
        "smtpx probe",
        "--quit-after <STEP>",
        "EXAMPLES",
        "smtpx scan mail.example.com",
        "--password-env SMTP_PASS --from me@example.com",
        "EXIT STATUS",
        "24 / 25 / 26 / 27",
        "AUTH failed / MAIL refused",
        "FILES",
        "config.toml",
    ] {
        assert!(
            shown.contains(expected),
            "{expected:?} missing in:\n{shown}"
        );
    }
}

/// `a\x08a` (bold) and `_\x08a` (underline) as plain `a`.
fn strip_overstrike(text: &str) -> String {
    let mut out: Vec<char> = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if chars.peek() == Some(&'\u{8}') {
            chars.next();
            continue;
        }
        out.push(c);
    }
    out.into_iter().collect()
}

#[test]
fn a_mistyped_subcommand_is_suggested() {
    let out = smtpx(&["prob", "127.0.0.1:2525"], None);
    assert_eq!(out.status.code(), Some(2));
    let said = text(&out.stderr);
    assert!(
        said.starts_with(
            "smtpx: `prob` is not a command; did you mean `probe`?\n  smtpx probe 127.0.0.1:2525\n"
        ),
        "{said}"
    );
    assert!(!said.contains("cannot be used with"), "{said}");
}

#[cfg(unix)]
#[test]
fn config_init_writes_a_private_example_once_and_list_hides_secrets() {
    use std::os::unix::fs::PermissionsExt;
    let home = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temp dir");
    let out = smtpx(&["config", "init"], Some(home.path()));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let path = home.path().join("smtpx/config.toml");
    let mode = std::fs::metadata(&path)
        .expect("written")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let first = std::fs::read_to_string(&path).expect("read");
    assert!(first.contains("# [profile.work]"));

    std::fs::write(&path, "[profile.mine]\nhost = \"x\"\n").expect("edit");
    let out = smtpx(&["config", "init"], Some(home.path()));
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out.stderr).contains("already exists (--overwrite replaces it)"));
    assert!(
        std::fs::read_to_string(&path)
            .expect("read")
            .contains("mine")
    );

    std::fs::write(
        &path,
        "[profile.work]\nhost = \"smtp.example.com\"\nport = 587\nuser = \"me\"\n\
         password = \"hunter2-literal\"\n[profile.cmd]\nhost = \"h\"\n\
         password-command = \"pass show mail/work\"\n",
    )
    .expect("write");
    let out = smtpx(&["config", "list"], Some(home.path()));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(shown.contains("@work"), "{shown}");
    assert!(shown.contains("smtp.example.com:587"), "{shown}");
    assert!(
        shown.contains("from the command `pass show mail/work`"),
        "{shown}"
    );
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(text(&out.stderr).contains("keeps its password in the file"));

    // The same password in a file others can read is refused, with the line.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let out = smtpx(&["config", "list"], Some(home.path()));
    assert_eq!(out.status.code(), Some(2));
    let said = text(&out.stderr);
    assert!(
        said.contains("config.toml:5: a password in the file is refused"),
        "{said}"
    );
    assert!(!said.contains("hunter2"), "{said}");

    std::fs::write(&path, "[profile.work]\nhost = \"h\"\nusr = \"me\"\n").expect("write");
    let out = smtpx(&["config", "list"], Some(home.path()));
    assert!(
        text(&out.stderr)
            .contains("config.toml:3: unknown key `usr` in [profile.work] (did you mean `user`?)"),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test]
async fn a_profile_drives_the_probe_and_a_flag_wins_over_it() {
    let sandbox = sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    let home = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temp dir");
    std::fs::create_dir_all(home.path().join("smtpx")).expect("dir");
    let credentials = sandbox.credentials().clone();
    let config = format!(
        "[profile.sandbox]\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"starttls\"\n\
         user = \"{user}\"\nauth = \"plain\"\nfrom = \"me@example.com\"\n\
         to = \"profile@example.org\"\n\
         password-command = 'printf \"%s\\n\" \"$SMTPX_TEST_SANDBOX_SECRET\"'\n\
         password-command-shell = true\n\
         [profile.broken]\nhost = \"127.0.0.1\"\nport = {port}\nuser = \"{user}\"\n\
         password-command = \"sh -c 'exit 7'\"\n",
        port = sandbox.plain_addr().port(),
        user = credentials.user,
    );
    std::fs::write(home.path().join("smtpx/config.toml"), config).expect("config");
    let env = [
        ("XDG_CONFIG_HOME", home.path().to_str().expect("UTF-8 path")),
        ("SMTPX_TEST_SANDBOX_SECRET", credentials.password.as_str()),
    ];
    let args = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let out = support::probe::run_probe(
        args(&[
            "@sandbox",
            "--ca-file",
            sandbox.ca_pem_path().to_str().expect("UTF-8 path"),
            "--verify-name",
            "localhost",
            "--to",
            "flag@example.net",
            "--json",
            "--no-record",
        ]),
        &env,
        None,
    )
    .await;
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        text(&out.stderr)
    );
    assert!(stdout.contains("AUTH PLAIN"), "{stdout}");
    assert!(stdout.contains("RCPT TO:<flag@example.net>"), "{stdout}");
    assert!(!stdout.contains("profile@example.org"), "{stdout}");
    assert!(stdout.contains("MAIL FROM:<me@example.com>"), "{stdout}");
    assert!(!stdout.contains(&credentials.password), "{stdout}");

    let out = support::probe::run_probe(args(&["@broken", "--no-record"]), &env, None).await;
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(
        text(&out.stderr).trim(),
        "smtpx probe: password-command `sh -c 'exit 7'`: failed with exit status 7"
    );
    sandbox.shutdown().await;
}
