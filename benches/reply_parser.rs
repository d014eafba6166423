//! Reply parser throughput (target: at least 300 MB/s on a mixed corpus of
//! multi-line replies).
//!
//! The corpus is built here, deterministically: 220 greetings, EHLO capability lists of
//! 8–20 lines, long multi-line 5xx rejections, short 250/354 replies, bare-LF variants,
//! and replies with bytes that are not UTF-8 — the mix an explorer sees, weighted towards
//! multi-line replies. Three ways in:
//!
//! - `parser`: [`ReplyParser::parse`] over the whole corpus slice (the parser alone);
//! - `reader_8k`: [`ReplyReader`] fed 8 KiB at a time, draining replies after each push —
//!   what `net::Connection::read_reply` does with each socket read;
//! - `parse_all`: [`Reply::parse_all`], the one-shot entry used by transcripts.
//!
//! Run: `cargo bench --bench reply_parser`. Throughput is divan's `BytesCount` column.

use std::sync::LazyLock;

use divan::Bencher;
use divan::counter::BytesCount;
use smtpx::proto::reply::{Limits, Reply, ReplyParser, ReplyReader};

fn main() {
    divan::main();
}

/// About 1 MiB of replies, the same bytes on every run.
static CORPUS: LazyLock<Vec<u8>> = LazyLock::new(|| corpus(1 << 20));

/// Builds at least `size` bytes of mixed replies.
fn corpus(size: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(size + 4096);
    // A small deterministic generator (xorshift) so that the mix is irregular but fixed.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut i = 0usize;
    while out.len() < size {
        let pick = next() % 100;
        let mut reply = match pick {
            0..=14 => greeting(i),
            15..=44 => ehlo(i, 8 + (next() % 13) as usize),
            45..=59 => rejection(i, 2 + (next() % 5) as usize),
            60..=84 => short(i),
            85..=94 => non_utf8(i),
            _ => help(i),
        };
        // One reply in five arrives with bare LF line ends (a broken server or proxy).
        if next() % 5 == 0 {
            reply = bare_lf(&reply);
        }
        out.extend_from_slice(&reply);
        i += 1;
    }
    out
}

fn greeting(i: usize) -> Vec<u8> {
    format!("220 mx{i}.example.com ESMTP Postfix (Debian/GNU) ready at node {i}\r\n").into_bytes()
}

fn ehlo(i: usize, lines: usize) -> Vec<u8> {
    const KEYWORDS: &[&str] = &[
        "PIPELINING",
        "SIZE 35882577",
        "ETRN",
        "STARTTLS",
        "AUTH PLAIN LOGIN CRAM-MD5 XOAUTH2",
        "AUTH=PLAIN LOGIN",
        "ENHANCEDSTATUSCODES",
        "8BITMIME",
        "DSN",
        "SMTPUTF8",
        "CHUNKING",
        "BINARYMIME",
        "DELIVERBY 3600",
        "MT-PRIORITY MIXER",
        "LIMITS RCPTMAX=100 MAILMAX=50",
        "REQUIRETLS",
        "X-EXPS GSSAPI NTLM",
        "VRFY",
        "HELP",
    ];
    let mut s = format!(
        "250-mx{i}.example.com Hello client.example.org [203.0.113.{}]\r\n",
        i % 250
    );
    for k in 0..lines.saturating_sub(2) {
        s.push_str(&format!("250-{}\r\n", KEYWORDS[(i + k) % KEYWORDS.len()]));
    }
    s.push_str("250 SMTPUTF8\r\n");
    s.into_bytes()
}

fn rejection(i: usize, lines: usize) -> Vec<u8> {
    let text = "5.7.1 Service unavailable; client host [198.51.100.23] blocked using \
                zen.spamhaus.org; https://www.spamhaus.org/query/ip/198.51.100.23 — see the \
                policy at https://postmaster.example.com/policy for how to request delisting";
    let mut s = String::new();
    for k in 0..lines {
        let sep = if k + 1 == lines { ' ' } else { '-' };
        s.push_str(&format!("554{sep}{text} (ref {i}-{k})\r\n"));
    }
    s.into_bytes()
}

fn short(i: usize) -> Vec<u8> {
    match i % 4 {
        0 => b"250 2.1.0 Ok\r\n".to_vec(),
        1 => b"250 2.1.5 Ok\r\n".to_vec(),
        2 => b"354 End data with <CR><LF>.<CR><LF>\r\n".to_vec(),
        _ => format!("250 2.0.0 Ok: queued as 4Xk{i:08X}\r\n").into_bytes(),
    }
}

fn non_utf8(i: usize) -> Vec<u8> {
    let mut s = format!("250-mx{i}.example.com bonjour, caf").into_bytes();
    s.extend_from_slice(b"\xe9 cr\xe8me \xff\xfe latin-1 greeting\r\n");
    s.extend_from_slice(b"250-8BITMIME\r\n250 SIZE 10240000\r\n");
    s
}

fn help(i: usize) -> Vec<u8> {
    let mut s = String::new();
    for (k, cmd) in [
        "HELO", "EHLO", "MAIL", "RCPT", "DATA", "RSET", "NOOP", "QUIT",
    ]
    .iter()
    .enumerate()
    {
        s.push_str(&format!(
            "214-{cmd}: see RFC 5321 section 4.1.1.{k} ({i})\r\n"
        ));
    }
    s.push_str("214 End of HELP info\r\n");
    s.into_bytes()
}

fn bare_lf(reply: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(reply.len());
    let mut i = 0;
    while i < reply.len() {
        if reply[i] == b'\r' && reply.get(i + 1) == Some(&b'\n') {
            i += 1;
            continue;
        }
        out.push(reply[i]);
        i += 1;
    }
    out
}

/// The parser alone over the whole corpus.
#[divan::bench]
fn parser(bencher: Bencher) {
    let input = CORPUS.as_slice();
    bencher.counter(BytesCount::of_slice(input)).bench(|| {
        let mut parser = ReplyParser::new(Limits::default());
        let mut at = 0;
        let mut replies = 0usize;
        while let Ok((consumed, Some(reply))) = parser.parse(&input[at..]) {
            at += consumed;
            replies += reply.lines.len();
            divan::black_box(&reply);
        }
        assert_eq!(at, input.len(), "the corpus parses to the end");
        replies
    });
}

/// Socket-sized pushes into the reader, replies drained after each, as the transport does.
#[divan::bench]
fn reader_8k(bencher: Bencher) {
    let input = CORPUS.as_slice();
    bencher.counter(BytesCount::of_slice(input)).bench(|| {
        let mut reader = ReplyReader::new(Limits::default());
        let mut replies = 0usize;
        for chunk in input.chunks(8192) {
            reader.push(chunk);
            while let Ok(Some(reply)) = reader.next_reply() {
                replies += 1;
                divan::black_box(&reply);
            }
        }
        assert!(!reader.in_progress(), "the corpus ends on a reply boundary");
        replies
    });
}

/// The one-shot parse used by the transcript reader.
#[divan::bench]
fn parse_all(bencher: Bencher) {
    let input = CORPUS.as_slice();
    bencher
        .counter(BytesCount::of_slice(input))
        .bench(|| Reply::parse_all(input).map(|r| r.len()).unwrap_or(0));
}
