//! Standard output for the headless commands, as shell tools are expected to treat it: when
//! its reader goes away (`smtpx probe … | head -1`), smtpx ends quietly instead of
//! panicking with "failed printing to stdout: Broken pipe". What a transcript recorded up
//! to then is already on disk: the recorder flushes every line.
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
