//! The explorer over the terminals people reach servers with: TERM=xterm, xterm-256color,
//! screen, tmux-256color and linux (ASCII box drawing), and `NO_COLOR` (no colour codes at
//! all, the markers still tell directions apart), and the high-contrast theme (no dim
//! text). Each runs a short session in tmux on a
//! private socket against the sandbox.

mod support;

use smtpx::sandbox::{self, SandboxConfig};
use support::tmux::{Tmux, explorer_command, tmux_available};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usable_on_every_common_term_and_with_no_color() {
    if !tmux_available() {
        return;
    }
    let sandbox = sandbox::start(SandboxConfig::default())
        .await
        .expect("start the sandbox");
    let dir = tempfile::tempdir().expect("temp dir");
    let tmux = Tmux::new("terms");
    let cases = [
        ("xterm", "TERM=xterm"),
        ("x256", "TERM=xterm-256color"),
        ("screen", "TERM=screen"),
        ("tmux", "TERM=tmux-256color"),
        ("linux", "TERM=linux"),
        ("nocolor", "TERM=xterm-256color NO_COLOR=1"),
        ("contrast", "TERM=xterm SMTPX_THEME=high-contrast"),
    ];
    for (name, env) in cases {
        let pid_file = dir.path().join(format!("{name}.pid"));
        let args = format!("{} --no-record", sandbox.plain_addr());
        tmux.start(name, 80, 24, &explorer_command(&pid_file, env, &args));
        tmux.wait_for(name, &["S< 220", "smtp>"]).await;
        tmux.type_line(name, "EHLO term-test");
        let screen = tmux.wait_for(name, &["C> EHLO term-test", "S< 250"]).await;
        if name == "linux" {
            for fancy in ['│', '─', '┌', '═', '…'] {
                assert!(
                    !screen.contains(fancy),
                    "TERM=linux shows {fancy:?}:\n{screen}"
                );
            }
        }
        let styled = tmux.run(&["capture-pane", "-p", "-e", "-t", name]);
        if name == "x256" {
            assert!(
                sets_a_colour(&styled),
                "sanity: colours are used by default"
            );
        }
        if name == "x256" {
            assert!(
                dims(&styled),
                "sanity: the normal theme dims secondary text"
            );
        }
        if name == "contrast" {
            assert!(
                sets_a_colour(&styled) && !dims(&styled),
                "high contrast: colours, never dim:\n{styled:?}"
            );
        }
        if name == "nocolor" {
            assert!(
                !sets_a_colour(&styled),
                "NO_COLOR set but a colour was sent:\n{styled:?}"
            );
        }
        tmux.type_line(name, "/quit");
        tmux.wait_for(name, &["EXITED 0"]).await;
    }
}

/// Whether any SGR sequence in tmux's `capture-pane -e` output sets a foreground or
/// background colour (30–38, 40–48, 90–97, 100–107; 39/49 only reset to the default).
fn sets_a_colour(styled: &str) -> bool {
    styled
        .split('\x1b')
        .filter_map(|seq| seq.strip_prefix('['))
        .filter_map(|seq| seq.find('m').map(|end| &seq[..end]))
        .flat_map(|params| params.split(';'))
        .any(|p| match p.parse::<u16>() {
            Ok(n) => matches!(n, 30..=38 | 40..=48 | 90..=97 | 100..=107),
            Err(_) => false,
        })
}

/// Whether any SGR sequence turns on dim (faint) text: parameter 2.
fn dims(styled: &str) -> bool {
    styled
        .split('\x1b')
        .filter_map(|seq| seq.strip_prefix('['))
        .filter_map(|seq| seq.find('m').map(|end| &seq[..end]))
        .any(|params| params.split(';').any(|p| p == "2"))
}
