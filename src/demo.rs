//! `smtpx demo`: the built-in sandbox server, started in-process on free loopback ports,
//! with a session run against it — nothing outside this machine is needed.
//!
//! Layer: front end (wiring). By default the interactive explorer opens connected to the
//! sandbox, with a short hint of what to type (EHLO, STARTTLS, AUTH with the demo
//! credentials, a message). `--headless` runs the scripted probe instead: EHLO, STARTTLS,
//! EHLO, AUTH PLAIN, MAIL, RCPT, DATA, QUIT. Either way the stored message is shown after.

use std::process::ExitCode;

use crate::cli::{AuthArg, ConnectArgs, DemoArgs, ProbeArgs, VerifyArg};
use crate::sandbox::{self, SandboxConfig};

pub async fn run(args: DemoArgs) -> ExitCode {
    let config = SandboxConfig {
        submission: args.submission,
        ..SandboxConfig::default()
    };
    let handle = match sandbox::start(config).await {
        Ok(handle) => handle,
        Err(e) => {
            eprintln!("smtpx demo: cannot start the sandbox server: {e:#}");
            return ExitCode::from(3);
        }
    };
    let addr = handle.plain_addr();
    let user = handle.credentials().user.clone();
    let password = handle.credentials().password.clone();
    let mut messages = handle.messages();
    if !args.headless {
        let connect = demo_connect_args(&addr.to_string(), handle.ca_pem_path());
        let intro = hint(&addr.to_string(), &user, &password);
        let code = crate::tui::run(connect, Default::default(), intro).await;
        let mut stored = 0;
        let quick = std::time::Duration::from_millis(50);
        while let Ok(Some(message)) = tokio::time::timeout(quick, messages.recv()).await {
            stored += 1;
            println!(
                "The sandbox stored a message ({} bytes, from <{}>) as {} (temporary: it goes \
                 when the demo ends; `smtpx serve --maildir DIR` keeps messages).",
                message.size,
                message.from,
                message.path.display()
            );
        }
        if stored == 0 {
            println!("The sandbox stored no message.");
        }
        handle.shutdown().await;
        return code;
    }
    println!("smtpx demo — a sandbox SMTP server is running on {addr} (loopback only).");
    println!(
        "Demo credentials: user {user}, password {password}; its CA certificate: {}",
        handle.ca_pem_path().display()
    );
    println!(
        "Running a whole submission against it (the same as: smtpx probe {addr} --starttls \
         --ca-file {} --auth plain --user {user} --password-env SMTPX_DEMO_PASSWORD \
         --to demo@localhost):",
        handle.ca_pem_path().display()
    );
    println!();

    // The probe reads secrets only from the environment, a file or a prompt, never argv.
    let secret_file = match write_secret_file(&password) {
        Ok(file) => file,
        Err(e) => {
            eprintln!("smtpx demo: cannot write a temporary file: {e}");
            return ExitCode::from(3);
        }
    };
    let probe = ProbeArgs {
        connect: demo_connect_args(&addr.to_string(), handle.ca_pem_path()),
        auth: Some(AuthArg::Plain),
        user: Some(user.clone()),
        password_env: None,
        password_file: Some(secret_file.path().to_path_buf()),
        from: Some(format!("{user}@localhost")),
        to: vec!["demo@localhost".into()],
        data: None,
        body: Some(
            "Hello from smtpx demo.\n.A line starting with a dot is dot-stuffed on the wire."
                .into(),
        ),
        subject: "smtpx demo".into(),
        bdat: false,
        chunk_size: 65_536,
        quit_after: None,
        json: false,
        show_cert: false,
        save_chain: None,
        record: Default::default(),
    };
    let stage = crate::probe::run(probe).await;
    println!();
    let stored = tokio::time::timeout(std::time::Duration::from_secs(2), messages.recv()).await;
    match stored {
        Ok(Some(message)) => {
            println!(
                "The sandbox stored the message ({} bytes, from <{}> to {} recipient(s)) as {} — it reads:",
                message.size,
                message.from,
                message.recipients.len(),
                message.path.display()
            );
            if let Ok(bytes) = std::fs::read(&message.path) {
                for line in bytes.split(|&b| b == b'\n') {
                    let line = line.strip_suffix(b"\r").unwrap_or(line);
                    println!("  | {}", crate::proto::text::escape_bytes(line));
                }
            }
            println!(
                "(The demo's maildir is temporary; `smtpx serve --maildir DIR` keeps messages.)"
            );
        }
        _ => println!("The sandbox stored no message."),
    }
    println!(
        "Try it yourself: `smtpx serve` in one terminal (it prints its CA path and credentials), \
         then `smtpx probe 127.0.0.1:2525 --starttls --ca-file CA.pem --auth plain --user demo \
         --to you@localhost` in another."
    );
    handle.shutdown().await;
    ExitCode::from(stage.exit_code())
}

/// The sandbox's address, verified as `localhost` against the sandbox's own CA.
fn demo_connect_args(target: &str, ca: &std::path::Path) -> ConnectArgs {
    ConnectArgs {
        target: target.to_string(),
        port: None,
        tls_on_connect: false,
        no_tls_on_connect: false,
        starttls: true,
        starttls_optional: false,
        no_starttls: false,
        ehlo: Some("demo.client.localhost".into()),
        sni: None,
        no_sni: false,
        verify_name: Some("localhost".into()),
        ca_file: Some(ca.to_path_buf()),
        tls_min: None,
        tls_max: None,
        client_cert: None,
        client_key: None,
        tls_verify: VerifyArg::Report,
        timeout: 10.0,
    }
}

/// What to type, shown at the top of the explorer's transcript.
fn hint(addr: &str, user: &str, password: &str) -> Vec<String> {
    use base64::Engine;
    let plain = base64::engine::general_purpose::STANDARD
        .encode(format!("\0{user}\0{password}").as_bytes());
    vec![
        format!("smtpx demo: sandbox SMTP server on {addr}. Try typing:"),
        "  EHLO me · STARTTLS · EHLO me".to_string(),
        format!("  AUTH PLAIN {plain}  ({user} / {password}) — or F4 for the AUTH form"),
        format!("  MAIL FROM:<{user}@localhost> · RCPT TO:<you@localhost> · DATA"),
        "  then message lines, a lone . to send — or F5 to compose the whole transaction"
            .to_string(),
        "  QUIT. Esc explains any line, F6 shows the timeline, F1 help, Ctrl-C leaves".to_string(),
    ]
}

fn write_secret_file(secret: &str) -> std::io::Result<tempfile::NamedTempFile> {
    use std::io::Write;
    let mut file = tempfile::NamedTempFile::new()?;
    file.write_all(secret.as_bytes())?;
    file.flush()?;
    Ok(file)
}
