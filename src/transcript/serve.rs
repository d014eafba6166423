//! `smtpx replay FILE --serve`: a mock server playing the recorded server side.
//!
//! Not built yet (see the transcript issue): the reader already yields the recorded
//! greeting and the reply to every client command as [`SessionEvent`]s, which is what the
//! server will play back.
//!
//! Layer: front end for transcripts.
//!
//! [`SessionEvent`]: crate::driver::SessionEvent

use std::process::ExitCode;

use super::args::ReplayArgs;
use super::read::Transcript;

/// Says plainly that serving is not available yet (exit code 2).
pub async fn run(_transcript: &Transcript, args: &ReplayArgs) -> ExitCode {
    eprintln!(
        "smtpx replay --serve: not built yet (would listen on {}); \
         `smtpx replay FILE` or `smtpx export FILE` show the recording",
        args.listen
    );
    ExitCode::from(2)
}
