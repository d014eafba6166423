//! The scan table and the command line, without a network: a hand-made report with every
//! kind of port renders as a snapshot within 100 columns, and `--ports` / `HOST:PORT` are
//! read as documented.

use clap::Parser;
use smtpx::cli::scan::ScanArgs;
use smtpx::cli::{Cli, CommandKind};
use smtpx::scan::report::TlsStartedBy;
use smtpx::scan::{PortReport, Reach, ScanReport, Speaks};

fn scan_args(list: &[String]) -> ScanArgs {
    let words = ["smtpx", "scan"].into_iter().map(String::from);
    let cli = Cli::try_parse_from(words.chain(list.iter().cloned())).expect("valid arguments");
    match cli.command {
        Some(CommandKind::Scan(args)) => args,
        other => panic!("expected scan, got {other:?}"),
    }
}

#[test]
fn a_hand_made_report_renders_every_kind_of_port() {
    use smtpx::diagnose::Diagnosis;
    use smtpx::scan::report::{Greeting, TlsReport};
    let mut ports = Vec::new();
    let mut mx = PortReport::new(25, Reach::Open { connect_ms: 12 });
    mx.speaks = Speaks::Smtp;
    mx.greeting = Some(Greeting {
        code: Some(220),
        text: "220 mx.example.com ESMTP \\x1b[31mhi".into(),
        after_ms: 41,
        late: false,
    });
    mx.ehlo_ok = Some(true);
    mx.starttls_offered = Some(true);
    mx.auth_before_tls = Some(vec![]);
    mx.auth_after_tls = Some(vec![]);
    mx.tls = Some(TlsReport {
        started_by: TlsStartedBy::StartTls,
        version: "TLSv1.3".into(),
        cipher_suite: "TLS13_AES_256_GCM_SHA384".into(),
        subject: Some("CN=mx.example.com".into()),
        verified: true,
        verdict: "trusted (webpki-roots), name ok (mx.example.com), valid 61 days".into(),
        reason: None,
        days_left: Some(61),
    });
    ports.push(mx);
    let mut smtps = PortReport::new(465, Reach::Filtered);
    smtps.problem = Some("no answer within 5 s".into());
    ports.push(smtps);
    let mut submission = PortReport::new(587, Reach::Open { connect_ms: 10 });
    submission.speaks = Speaks::Smtp;
    submission.greeting = Some(Greeting {
        code: Some(220),
        text: "220 mx.example.com ESMTP".into(),
        after_ms: 38,
        late: false,
    });
    submission.ehlo_ok = Some(true);
    submission.starttls_offered = Some(false);
    submission.auth_before_tls = Some(vec!["PLAIN".into(), "LOGIN".into()]);
    submission.diagnoses = vec![
        Diagnosis::StartTlsNotOffered { port: 587 },
        Diagnosis::AuthOverPlaintext {
            port: 587,
            mechanisms: vec!["PLAIN".into(), "LOGIN".into()],
        },
    ];
    ports.push(submission);
    let mut ssh = PortReport::new(2525, Reach::Open { connect_ms: 1 });
    ssh.speaks = Speaks::Other;
    ssh.banner = Some("SSH-2.0-OpenSSH_9.2".into());
    ssh.diagnoses = vec![smtpx::diagnose::not_smtp(2525, b"SSH-2.0-OpenSSH_9.2\r\n")];
    ports.push(ssh);
    let report = ScanReport {
        host: "mx.example.com".into(),
        timeout_ms: 5000,
        verdict: smtpx::scan::verdict::verdict(&ports),
        diagnoses: vec![],
        ports,
        tls_surface: vec![],
    };
    let text = smtpx::scan::table::render(&report);
    assert!(text.lines().all(|l| l.chars().count() <= 100), "{text}");
    insta::assert_snapshot!("hand_made_report", text);
    let json = serde_json::to_value(&report).expect("serialisable");
    assert_eq!(json["ports"][1]["reach"]["state"], "filtered");
    assert_eq!(
        json["ports"][2]["diagnoses"][0]["kind"],
        "starttls_not_offered"
    );
}

#[test]
fn bad_arguments_are_refused() {
    assert!(Cli::try_parse_from(["smtpx", "scan", "h", "--ports", "0"]).is_err());
    assert!(Cli::try_parse_from(["smtpx", "scan", "h", "--ports", "25,x"]).is_err());
    let args = scan_args(&["mx.example.com:2525".to_string()]);
    assert_eq!(
        args.targets().expect("valid"),
        ("mx.example.com".to_string(), vec![2525])
    );
    let args = scan_args(&[
        "mx.example.com".to_string(),
        "--ports".into(),
        "587,25,587".into(),
    ]);
    assert_eq!(args.targets().expect("valid").1, vec![587, 25]);
    let args = scan_args(&["mx.example.com".to_string()]);
    assert_eq!(args.targets().expect("valid").1, vec![25, 465, 587, 2525]);
}
