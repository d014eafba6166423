//! The sequence diagram: the ladder view (F7) over the shipped recordings as insta snapshots at
//! 80x24 and 120x40 (a STARTTLS + AUTH + DATA session and a refused one), the view following a
//! replay's position, and the Mermaid and SVG exports — golden files for one recording, and
//! every shipped recording exported through the binary (the SVG parsed as XML by Python's
//! parser, an independent reader).

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use smtpx::app::{Action, App, OverlayKind};
use smtpx::transcript::index::Indexed;

mod support;
use support::render::render;

const SANDBOX: &str = "recordings/sandbox-starttls-auth-message.jsonl";
const REJECTED: &str = "recordings/sandbox-rcpt-rejected-5xx.jsonl";

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn open(path: &str) -> App {
    let path = repo(path);
    let mut app = App::replay(Indexed::open(&path).expect("opens"), path);
    app.update(Action::Viewport(80, 20));
    app
}

fn press(app: &mut App, code: KeyCode) {
    app.update(Action::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn to_end(app: &mut App) {
    let len = app.replay.as_ref().map_or(0, |r| r.len());
    app.replay_seek(len);
}

fn check(name: &str, app: &mut App) {
    for (w, h) in [(80, 24), (120, 40)] {
        let terminal = render(app, w, h);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), terminal.backend());
    }
}

#[test]
fn the_ladder_of_a_starttls_auth_data_session() {
    let mut app = open(SANDBOX);
    to_end(&mut app);
    press(&mut app, KeyCode::F(7));
    assert_eq!(app.overlay_kind(), Some(OverlayKind::Ladder));
    let ladder = app.ladder();
    assert!(ladder.rungs.iter().any(|r| r.tls), "the TLS part is marked");
    assert_eq!(ladder.refusals(), 0);
    check("ladder_starttls_auth_data", &mut app);
    // Scrolled to the top, the connection and the greeting are in view.
    press(&mut app, KeyCode::Home);
    let screen = format!("{}", render(&mut app, 80, 24).backend());
    assert!(screen.contains("TCP connected"), "{screen}");
    assert!(screen.contains("220 localhost ESMTP"), "{screen}");
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.overlay_kind(), None);
}

#[test]
fn the_ladder_of_a_refused_session_marks_the_refusal() {
    let mut app = open(REJECTED);
    to_end(&mut app);
    press(&mut app, KeyCode::F(7));
    assert!(app.ladder().refusals() >= 1);
    check("ladder_refused", &mut app);
    let screen = format!("{}", render(&mut app, 80, 24).backend());
    assert!(screen.contains('✗'), "a refusal is crossed: {screen}");
}

#[test]
fn the_ladder_follows_the_replay_position() {
    let mut app = open(SANDBOX);
    app.replay_seek(6);
    press(&mut app, KeyCode::F(7));
    let before = app.ladder().rungs.len();
    assert!(before > 0);
    // The stepping keys keep working inside the view, and the ladder follows them.
    press(&mut app, KeyCode::Right);
    assert_eq!(app.overlay_kind(), Some(OverlayKind::Ladder));
    assert_eq!(app.ladder().rungs.len(), before + 1);
    press(&mut app, KeyCode::Left);
    press(&mut app, KeyCode::Left);
    assert_eq!(app.ladder().rungs.len(), before - 1);
}

#[test]
fn the_ladder_opens_by_slash_command_in_a_live_session_and_fills_as_events_come() {
    use smtpx::app::script::Script;
    let mut s = Script::new("mx.example:25");
    s.app.update(Action::Viewport(80, 20));
    for c in "/ladder".chars() {
        press(&mut s.app, KeyCode::Char(c));
    }
    press(&mut s.app, KeyCode::Enter);
    assert_eq!(s.app.overlay_kind(), Some(OverlayKind::Ladder));
    let empty = format!("{}", render(&mut s.app, 80, 24).backend());
    assert!(empty.contains("nothing yet"), "{empty}");
    s.connected()
        .server(b"220 mx.example ESMTP\r\n")
        .client("EHLO me")
        .server(b"250-mx.example\r\n250 PIPELINING\r\n")
        .client("MAIL FROM:<a@b.example>")
        .server(b"550 5.7.1 no\r\n");
    assert_eq!(s.app.ladder().rungs.len(), 6);
    assert_eq!(s.app.ladder().refusals(), 1);
    assert_eq!(s.app.overlay_kind(), Some(OverlayKind::Ladder));
    let screen = format!("{}", render(&mut s.app, 80, 24).backend());
    assert!(screen.contains("EHLO me"), "{screen}");
    assert!(screen.contains("250 mx.example (+1 line)"), "{screen}");
}

fn golden(name: &str, actual: &str) {
    let path = repo(&format!("tests/data/diagram/{name}"));
    if std::env::var_os("SMTPX_UPDATE_GOLDENS").is_some() {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, actual).expect("write golden");
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (SMTPX_UPDATE_GOLDENS=1 writes it)", path.display()));
    assert_eq!(
        actual,
        expected,
        "{} differs (SMTPX_UPDATE_GOLDENS=1 rewrites it)",
        path.display()
    );
}

fn export(file: &Path, format: &str) -> String {
    let out = Command::cargo_bin("smtpx")
        .expect("binary")
        .args(["export", "-f", format])
        .arg(file)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "export -f {format} {}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

#[test]
fn mermaid_svg_and_html_exports_match_their_golden_files() {
    golden("sandbox.mmd", &export(&repo(SANDBOX), "mermaid"));
    golden("sandbox.svg", &export(&repo(SANDBOX), "svg"));
    golden("sandbox.html", &export(&repo(SANDBOX), "html"));
    golden("rejected.mmd", &export(&repo(REJECTED), "mermaid"));
}

#[test]
fn every_shipped_recording_exports_as_mermaid_svg_and_markdown_with_its_diagram() {
    let mut checked = 0;
    for file in std::fs::read_dir(repo("recordings")).expect("recordings/") {
        let path = file.expect("entry").path();
        if path.extension().is_none_or(|e| e != "jsonl") {
            continue;
        }
        let mermaid = export(&path, "mermaid");
        assert!(
            mermaid.starts_with("sequenceDiagram\n"),
            "{}",
            path.display()
        );
        assert!(mermaid.contains("C->>S: EHLO"), "{}", path.display());
        let markdown = export(&path, "markdown");
        assert!(
            markdown.contains(&format!("```mermaid\n{mermaid}```")),
            "{}: the markdown carries the diagram",
            path.display()
        );
        let svg = export(&path, "svg");
        let parsed = std::process::Command::new("python3")
            .args([
                "-c",
                "import sys, xml.dom.minidom as m; d = m.parseString(sys.stdin.buffer.read()); \
                 print(len(d.getElementsByTagName('line')))",
            ])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                use std::io::Write;
                child
                    .stdin
                    .take()
                    .expect("stdin")
                    .write_all(svg.as_bytes())?;
                child.wait_with_output()
            })
            .expect("python3 runs");
        assert!(
            parsed.status.success(),
            "{}: the SVG parses as XML: {}",
            path.display(),
            String::from_utf8_lossy(&parsed.stderr)
        );
        let lines: usize = String::from_utf8_lossy(&parsed.stdout)
            .trim()
            .parse()
            .expect("a count");
        let arrows = mermaid.matches("->>").count() + mermaid.matches("--x").count();
        // Two lifelines, then one line per arrow.
        assert_eq!(lines, arrows + 2, "{}", path.display());
        checked += 1;
    }
    assert!(checked >= 4, "the shipped recordings were found");
}

#[test]
fn hostile_server_text_stays_inert_in_every_diagram_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("hostile.jsonl");
    let original = std::fs::read_to_string(repo(SANDBOX)).expect("recording");
    // The greeting's text replaced by markup and terminal escapes, JSON-escaped as a
    // recorder writes them.
    let hostile = r#"220 </text><script>alert(1)</script> ; %%{init} \u001b]0;x\u0007 ```"#;
    let replaced = original.replacen("220 localhost ESMTP smtpx sandbox", hostile, 1);
    assert_ne!(replaced, original, "the greeting was found");
    std::fs::write(&path, replaced).expect("write");
    let svg = export(&path, "svg");
    assert!(!svg.contains("<script"), "{svg}");
    assert!(!svg.contains('\u{1b}'));
    let mermaid = export(&path, "mermaid");
    for bad in ["<script", "```", "%%", "\u{1b}"] {
        assert!(
            !mermaid
                .lines()
                .filter(|l| l.contains("S-->>C: 220"))
                .any(|l| l.contains(bad)),
            "{bad:?} in {mermaid}"
        );
    }
}
