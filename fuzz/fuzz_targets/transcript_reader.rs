//! Fuzz target: the transcript reader (`src/transcript/read/`), transcript layer.
//!
//! Every input is read twice: as a whole file (so the header check itself is fuzzed), and
//! as the event lines of a file whose first line is a valid header (so the fuzzer gets past
//! line 1 and spends its time on events: kinds, fields, base64, durations). Seeds are the
//! shipped recordings; mutations of their event lines land in the second reading.
//! Invariants, beyond "no panic": a line error names a line that exists; entries come in
//! file order after the header; the result does not depend on the reader's buffer size.

#![no_main]

use std::io::BufReader;

use libfuzzer_sys::fuzz_target;
use smtpx::transcript::read::{ReadError, Transcript, read_from};

const HEADER: &[u8] = br#"{"format":"smtpx-transcript","version":1,"smtpx":"0.1.0","target":{"host":"h","port":25},"transport":"plain","started":"2026-01-01T00:00:00Z","started_unix":1767225600}"#;

fuzz_target!(|data: &[u8]| {
    let small_buffer = usize::from(data.first().copied().unwrap_or(1) % 16) + 1;
    let _ = check(data, small_buffer);
    let mut file = HEADER.to_vec();
    file.push(b'\n');
    file.extend_from_slice(data);
    let result = check(&file, small_buffer);
    if let Err(ReadError::NotATranscript(_) | ReadError::Newer { .. } | ReadError::Empty) = result {
        panic!("a valid header was refused");
    }
});

/// Reads `file` with a large and a tiny buffer; both must give the same answer.
fn check(file: &[u8], small_buffer: usize) -> Result<Transcript, ReadError> {
    let lines = file.split(|&b| b == b'\n').count();
    let result = read_from(file);
    let again = read_from(BufReader::with_capacity(small_buffer, file));
    match (&result, &again) {
        (Ok(a), Ok(b)) => {
            assert_eq!(
                a.entries.len(),
                b.entries.len(),
                "buffer size changed the entries"
            );
            assert_eq!(a.warnings, b.warnings, "buffer size changed the warnings");
            let mut previous = 1;
            for entry in &a.entries {
                assert!(
                    entry.line > previous && entry.line <= lines,
                    "entry line out of order"
                );
                previous = entry.line;
            }
        }
        (Err(a), Err(b)) => {
            assert_eq!(
                a.to_string(),
                b.to_string(),
                "buffer size changed the error"
            );
            if let ReadError::Line { line, .. } | ReadError::TooLong { line } = a {
                assert!(
                    *line >= 1 && *line <= lines,
                    "an error names a line that does not exist"
                );
            }
        }
        _ => panic!("buffer size changed whether the file reads"),
    }
    result
}
