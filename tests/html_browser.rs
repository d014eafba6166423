//! `smtpx export --format html` in a real browser: headless Chromium (Debian's `chromium`)
//! loads the page of every recording in `recordings/` with no network at all (its own
//! network namespace, `unshare -n`), and the test checks the DOM it built — every event of
//! the transcript present, no script, nothing that would fetch (`src`, `<link>`, `url(`,
//! `@import`), no console error — and compares a screenshot of the first recording against
//! `tests/data/diagram/` with a tolerance.
//!
//! Needs chromium and root (for the namespace): skipped without them, a failure in CI
//! (`CI` or `SMTPX_INTEROP` set), where `.ci/run` installs chromium.
//! `SMTPX_UPDATE_GOLDENS=1` rewrites the reference screenshot.

use std::path::{Path, PathBuf};
use std::process::Command;

use smtpx::transcript::export::{ExportFormat, export};
use smtpx::transcript::read::read_file;

const WIDTH: u32 = 1100;
const HEIGHT: u32 = 1600;
/// A pixel differs when a channel differs by more than this (anti-aliasing noise).
const CHANNEL_SLACK: i16 = 48;
/// At most this share of pixels may differ (font hinting across builds).
const MOST_DIFFERENT: f64 = 0.01;

fn browser_available() -> bool {
    let found = Command::new("chromium")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let in_ci = std::env::var_os("CI").is_some() || std::env::var_os("SMTPX_INTEROP").is_some();
    if !(found && root) {
        assert!(
            !in_ci,
            "chromium (and root for its network namespace) are required in CI"
        );
        eprintln!("skipped: no chromium or not root");
    }
    found && root
}

/// Runs headless Chromium on `page` in a network namespace of its own (no route to
/// anywhere), with `args`; returns (stdout, stderr).
fn chromium(page: &Path, args: &[&str]) -> (String, String) {
    let profile = tempfile::tempdir().expect("profile dir");
    let output = Command::new("unshare")
        .arg("-n")
        .arg("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
            "--force-device-scale-factor=1",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(page)
        .output()
        .expect("run chromium");
    assert!(output.status.success(), "chromium failed: {output:?}");
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn recordings() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("recordings"))
            .expect("recordings/")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
            .collect();
    files.sort();
    assert!(files.len() >= 3, "{files:?}");
    files
}

#[test]
fn every_recording_renders_whole_with_nothing_fetched_and_no_script() {
    if !browser_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    for file in recordings() {
        let transcript = read_file(&file).expect("read the recording");
        let page = dir
            .path()
            .join(file.file_name().expect("name"))
            .with_extension("html");
        std::fs::write(&page, export(&transcript, ExportFormat::Html)).expect("write the page");
        let (dom, log) = chromium(&page, &["--dump-dom"]);
        let name = file.display();
        // Every event, numbered in order, is in the DOM the browser built.
        let events = transcript.entries.len();
        for n in 1..=events {
            assert!(
                dom.contains(&format!("data-event=\"{n}\"")),
                "{name}: event {n} of {events} missing"
            );
        }
        assert!(
            !dom.contains(&format!("data-event=\"{}\"", events + 1)),
            "{name}"
        );
        assert!(dom.contains("<svg"), "{name}: the diagram");
        assert!(
            dom.contains("Sequence diagram") && dom.contains("Transcript"),
            "{name}"
        );
        // Nothing that runs or fetches.
        let lower = dom.to_ascii_lowercase();
        for fetches in ["<script", " src=", "<link", "@import", "<iframe", "<object"] {
            assert!(!lower.contains(fetches), "{name}: {fetches:?} in the page");
        }
        // `url(#to)` points into the page itself (the diagram's arrow heads).
        for (at, _) in lower.match_indices("url(") {
            assert!(
                lower[at + 4..].starts_with('#'),
                "{name}: a url( that fetches: {}",
                &lower[at..(at + 60).min(lower.len())]
            );
        }
        for error in ["Uncaught", "CONSOLE(", "Refused to"] {
            assert!(
                !log.contains(error),
                "{name}: {error:?} in the browser's log:\n{log}"
            );
        }
    }
}

#[test]
fn the_first_recording_looks_like_its_reference_screenshot() {
    if !browser_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let file = &recordings()[0];
    let transcript = read_file(file).expect("read the recording");
    let page = dir.path().join("page.html");
    std::fs::write(&page, export(&transcript, ExportFormat::Html)).expect("write the page");
    let shot = dir.path().join("shot.png");
    chromium(
        &page,
        &[
            &format!("--screenshot={}", shot.display()),
            &format!("--window-size={WIDTH},{HEIGHT}"),
        ],
    );
    let reference =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/diagram/postfix-submission.png");
    if std::env::var_os("SMTPX_UPDATE_GOLDENS").is_some() {
        std::fs::copy(&shot, &reference).expect("update the reference");
    }
    let (w, h, got) = decode(&shot);
    let (rw, rh, want) = decode(&reference);
    assert_eq!((w, h), (rw, rh), "screenshot size");
    let pixels = got.len() / 4;
    let different = got
        .chunks_exact(4)
        .zip(want.chunks_exact(4))
        .filter(|(a, b)| {
            a.iter()
                .zip(b.iter())
                .any(|(x, y)| (i16::from(*x) - i16::from(*y)).abs() > CHANNEL_SLACK)
        })
        .count();
    let share = different as f64 / pixels as f64;
    assert!(
        share <= MOST_DIFFERENT,
        "{:.2}% of the pixels differ from {} (at most {:.2}%); the new screenshot is {}",
        share * 100.0,
        reference.display(),
        MOST_DIFFERENT * 100.0,
        {
            let kept = std::env::temp_dir().join("smtpx-html-shot.png");
            let _ = std::fs::copy(&shot, &kept);
            kept.display().to_string()
        }
    );
    // And the screenshot is not blank: the page drew something.
    let dark = got.chunks_exact(4).filter(|p| p[0] < 128).count();
    assert!(dark > pixels / 200, "the screenshot is nearly blank");
}

/// RGBA8 pixels of a PNG.
fn decode(path: &Path) -> (u32, u32, Vec<u8>) {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut decoder = png::Decoder::new(std::io::BufReader::new(file));
    decoder.set_transformations(
        png::Transformations::normalize_to_color8() | png::Transformations::ALPHA,
    );
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("a frame");
    buf.truncate(info.buffer_size());
    assert_eq!(info.color_type, png::ColorType::Rgba, "{}", path.display());
    (info.width, info.height, buf)
}
