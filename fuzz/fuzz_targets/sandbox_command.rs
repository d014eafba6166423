//! Fuzz target: the sandbox server's command parser (`src/sandbox/parse.rs`), sandbox layer.
//!
//! Input: what a client sent; it is cut into lines at LF and each line loses a CR before
//! the LF, as the sandbox session does before calling `read_command`. Invariants, beyond "no
//! panic": an accepted line is UTF-8 without CR or NUL; every refusal is a 5yz reply whose
//! wire form has exactly one CRLF per line and no other CR or LF (client bytes echoed in a
//! reply must not inject lines); MAIL/RCPT addresses and parameters go through the same
//! checks the session applies; an accepted command that our own encoder can write reads
//! back to the same wire bytes.

#![no_main]

use libfuzzer_sys::fuzz_target;
use smtpx::proto::command::Command;
use smtpx::sandbox::parse::{check_mailbox, mail_params, rcpt_params, read_command};

fuzz_target!(|data: &[u8]| {
    for line in data.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        check_line(line);
    }
});

fn check_line(line: &[u8]) {
    let accepted = match read_command(line) {
        Ok(accepted) => accepted,
        Err(reply) => {
            check_wire(reply.code, &reply.to_wire(), reply.lines.len());
            return;
        }
    };
    let text = std::str::from_utf8(line).expect("accepted a line that is not UTF-8");
    assert!(!text.contains(['\r', '\0']), "accepted a control character");
    match &accepted.command {
        Command::Mail { from, params } => {
            for utf8 in [false, true] {
                let _ = check_mailbox(from, utf8, false);
            }
            if let Err(reply) = mail_params(params) {
                check_wire(reply.code, &reply.to_wire(), reply.lines.len());
            }
        }
        Command::Rcpt { to, params } => {
            for utf8 in [false, true] {
                let _ = check_mailbox(to, utf8, true);
            }
            if let Err(reply) = rcpt_params(params) {
                check_wire(reply.code, &reply.to_wire(), reply.lines.len());
            }
        }
        _ => {}
    }
    // Whatever the encoder accepts must read back to itself (wire bytes are the fixpoint).
    if let Ok(wire) = accepted.command.encode() {
        let again = read_command(wire.strip_suffix(b"\r\n").expect("encode ends in CRLF"))
            .unwrap_or_else(|reply| {
                panic!("our own encoding {wire:?} was refused: {:?}", reply.lines)
            });
        assert_eq!(
            again.command.encode().ok(),
            Some(wire),
            "encoding is not stable"
        );
    }
}

/// A refusal: a 5yz code, and one CRLF-terminated wire line per reply line.
fn check_wire(code: u16, wire: &[u8], lines: usize) {
    assert!((500..=559).contains(&code), "refused with {code}");
    assert!(wire.ends_with(b"\r\n"));
    let crlfs = wire.windows(2).filter(|w| w == b"\r\n").count();
    let crs = wire.iter().filter(|&&b| b == b'\r').count();
    let lfs = wire.iter().filter(|&&b| b == b'\n').count();
    assert!(
        crlfs == crs && crlfs == lfs,
        "CR or LF injected into a reply: {wire:?}"
    );
    assert_eq!(crlfs, lines.max(1));
}
