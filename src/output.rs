//! Standard output for the headless commands, as shell tools are expected to treat it: when
//! its reader goes away (`smtpx probe … | head -1`), smtpx ends quietly instead of
//! panicking with "failed printing to stdout: Broken pipe". What a transcript recorded up
//! to then is already on disk: the recorder flushes every line.
//!
//! JSON that smtpx writes (probe `--json`, exports, scan and explain `--json`, transcripts)
//! goes through [`safe_json`]: serde escapes only C0 controls, so DEL, C1 controls, bidi
//! and zero-width characters from a server would otherwise reach whoever `cat`s the file.
//!
//! Layer: a leaf utility (std only), used by the front ends through [`outln!`](crate::outln)
//! and [`out!`](crate::out).

use std::fmt;
use std::io::{self, Write};

/// Writes `args` to standard output; a reader that has gone ends the process quietly
/// (exit status 0, as ripgrep and other tools do). Any other write error is ignored: the
/// session must not stop because a terminal hiccuped.
pub fn write(args: fmt::Arguments<'_>) {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    if let Err(e) = out.write_fmt(args).and_then(|()| out.flush()) {
        quit_if_reader_gone(&e);
    }
}

/// Ends the process quietly when `error` says standard output's reader has gone.
pub fn quit_if_reader_gone(error: &io::Error) {
    if error.kind() == io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
}

/// Serialized JSON with every character that a terminal would act on or that disguises
/// text ([`crate::proto::text::is_hostile`]) written as a `\uXXXX` escape; serde already
/// escapes C0 controls. Structural JSON is ASCII, so these can only stand inside strings,
/// where the escape means the same character to every JSON reader.
pub fn safe_json(json: String) -> String {
    if !json.bytes().any(|b| b >= 0x7f) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        // Below DEL only structure (newlines of pretty output) or serde's own escapes stand.
        if c >= '\u{7f}' && crate::proto::text::is_hostile(c) {
            // Every such character is in the Basic Multilingual Plane: one \u escape.
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// `println!` for the headless commands: see [the module](crate::output).
#[macro_export]
macro_rules! outln {
    () => {
        $crate::output::write(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::output::write(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `print!` for the headless commands: see [the module](crate::output).
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::output::write(format_args!($($arg)*))
    };
}

#[cfg(test)]
mod tests {
    use super::safe_json;

    #[test]
    fn hostile_characters_are_escaped_and_read_back_the_same() {
        let hostile = "a\u{7f}b\u{85}c\u{9b}[2J\u{202e}d\u{2066}e\u{200b}f\u{feff}g\u{2028}h é ✓";
        let json = safe_json(serde_json::to_string(&hostile).expect("serializes"));
        for c in json.chars() {
            assert!(
                c.is_ascii() || c == 'é' || c == '✓',
                "{c:?} left raw in {json}"
            );
        }
        assert!(
            json.contains("\\u009b") && json.contains("\\u202e"),
            "{json}"
        );
        let back: String = serde_json::from_str(&json).expect("still JSON");
        assert_eq!(back, hostile);
    }

    #[test]
    fn plain_json_is_unchanged() {
        let json = r#"{"a":"b","c":[1,2]}"#.to_string();
        assert_eq!(safe_json(json.clone()), json);
    }
}
