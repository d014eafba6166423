//! A chain as PEM ([RFC 7468 §5](https://www.rfc-editor.org/rfc/rfc7468#section-5)), leaf
//! first, exactly the DER bytes the server sent: what `--save-chain` and `/cert save` write.
//!
//! Layer: transport (pure: no files here).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// `-----BEGIN CERTIFICATE-----` blocks, 64 base64 characters a line.
pub fn chain_pem(chain: &[Vec<u8>]) -> String {
    let mut out = String::new();
    for der in chain {
        out.push_str("-----BEGIN CERTIFICATE-----\n");
        let text = STANDARD.encode(der);
        for line in text.as_bytes().chunks(64) {
            // base64 output is ASCII, so every chunk is valid UTF-8.
            out.push_str(&String::from_utf8_lossy(line));
            out.push('\n');
        }
        out.push_str("-----END CERTIFICATE-----\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_round_trips_through_rustls_pemfile() {
        let chain = vec![vec![0x30; 100], vec![1, 2, 3]];
        let pem = chain_pem(&chain);
        assert!(pem.lines().all(|l| l.len() <= 64));
        let back: Vec<Vec<u8>> = rustls_pemfile::certs(&mut pem.as_bytes())
            .filter_map(Result::ok)
            .map(|c| c.as_ref().to_vec())
            .collect();
        assert_eq!(back, chain);
    }
}
