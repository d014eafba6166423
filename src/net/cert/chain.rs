//! How the chain a server sent links together, certificate by certificate, leaf first: is each
//! one issued by the next (issuer name equals the next subject, and the authority key id
//! equals the next subject key id when both are present —
//! [RFC 5280 §4.2.1.1](https://www.rfc-editor.org/rfc/rfc5280#section-4.2.1.1)), and what
//! about the last one's issuer: sent (self-signed root), a built-in root (servers need not
//! send roots, [RFC 8446 §4.4.2](https://www.rfc-editor.org/rfc/rfc8446#section-4.4.2)), or
//! missing — the classic "intermediate not configured" mistake.
//!
//! This describes; webpki decides trust (see `verify.rs`).
//!
//! Layer: transport.

use x509_parser::prelude::{FromDer, X509Certificate};

use super::CertSummary;

/// How certificate `i` relates to what follows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    /// The next certificate is its issuer (names and key ids agree).
    IssuedByNext,
    /// The next certificate has the issuer's name but a different key id.
    KeyIdMismatch,
    /// The next certificate is not its issuer: out of order or unrelated.
    NextIsNotIssuer,
    /// The last certificate names itself as issuer: a root (or a self-signed leaf).
    SelfIssued,
    /// The last certificate's issuer was not sent; `known_root` says whether it is one of
    /// the built-in webpki roots.
    IssuerNotSent { known_root: bool },
    /// The last certificate's issuer was not sent, and the chain was verified against the
    /// anchors of `--ca-file`: a private CA the client holds, which a server need not send.
    IssuerIsConfiguredAnchor,
    /// Could not be decoded.
    Unknown,
}

impl Link {
    /// Whether this link is a mistake in the chain as sent.
    pub fn is_problem(&self) -> bool {
        matches!(
            self,
            Link::KeyIdMismatch | Link::NextIsNotIssuer | Link::IssuerNotSent { known_root: false }
        )
    }

    /// Words for the link below a certificate; `issuer` is its (escaped) issuer name.
    pub fn describe(&self, issuer: &str) -> String {
        match self {
            Link::IssuedByNext => "↓ issued by the next certificate".to_string(),
            Link::KeyIdMismatch => {
                "↓ next has the issuer's name but NOT its key id: wrong intermediate".to_string()
            }
            Link::NextIsNotIssuer => format!(
                "↓ next is NOT its issuer ({issuer}): chain out of order or unrelated certificate"
            ),
            Link::SelfIssued => "self-issued: a root or a self-signed certificate".to_string(),
            Link::IssuerNotSent { known_root: true } => {
                format!("issuer {issuer} not sent: a built-in root (normal)")
            }
            Link::IssuerNotSent { known_root: false } => format!(
                "issuer {issuer} NOT sent and not a built-in root: intermediate missing, or a private CA (--ca-file)"
            ),
            Link::IssuerIsConfiguredAnchor => {
                format!("issuer {issuer} not sent: the CA of --ca-file, which verified it (normal)")
            }
            Link::Unknown => "link unknown (certificate not decodable)".to_string(),
        }
    }
}

/// The links of [`links`], where a chain verified against `--ca-file` (`by_ca_file`) ends
/// at that anchor instead of "intermediate missing".
pub fn links_verified(chain: &[Vec<u8>], summaries: &[CertSummary], by_ca_file: bool) -> Vec<Link> {
    let mut out = links(chain, summaries);
    if by_ca_file
        && let Some(last) = out.last_mut()
        && *last == (Link::IssuerNotSent { known_root: false })
    {
        *last = Link::IssuerIsConfiguredAnchor;
    }
    out
}

/// The link below each certificate of `chain` (same length, leaf first).
pub fn links(chain: &[Vec<u8>], summaries: &[CertSummary]) -> Vec<Link> {
    let parsed: Vec<Option<X509Certificate<'_>>> = chain
        .iter()
        .map(|der| X509Certificate::from_der(der).ok().map(|(_, c)| c))
        .collect();
    (0..parsed.len())
        .map(|i| {
            let Some(cert) = &parsed[i] else {
                return Link::Unknown;
            };
            let issuer = cert.issuer().as_raw();
            if let Some(next) = parsed.get(i + 1) {
                let Some(next) = next else {
                    return Link::Unknown;
                };
                if next.subject().as_raw() != issuer {
                    return Link::NextIsNotIssuer;
                }
                let aki = summaries
                    .get(i)
                    .and_then(|s| s.ext.authority_key_id.as_ref());
                let ski = summaries
                    .get(i + 1)
                    .and_then(|s| s.ext.subject_key_id.as_ref());
                return match (aki, ski) {
                    (Some(a), Some(s)) if a != s => Link::KeyIdMismatch,
                    _ => Link::IssuedByNext,
                };
            }
            if cert.subject().as_raw() == issuer {
                Link::SelfIssued
            } else {
                Link::IssuerNotSent {
                    known_root: is_builtin_root(issuer),
                }
            }
        })
        .collect()
}

/// Whether a DER Name is the subject of a webpki root. Trust anchors keep the Name's
/// contents without the outer SEQUENCE header, so the header is stripped first.
fn is_builtin_root(name_der: &[u8]) -> bool {
    let Some(contents) = sequence_contents(name_der) else {
        return false;
    };
    webpki_roots::TLS_SERVER_ROOTS
        .iter()
        .any(|anchor| anchor.subject.as_ref() == contents)
}

fn sequence_contents(der: &[u8]) -> Option<&[u8]> {
    let (&tag, rest) = der.split_first()?;
    let (&first, rest) = rest.split_first()?;
    if tag != 0x30 {
        return None;
    }
    let (len, body) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let len = rest
            .get(..n)?
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, rest.get(n..)?)
    };
    (body.len() == len).then_some(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_headers_short_and_long() {
        assert_eq!(sequence_contents(&[0x30, 0x01, 0xaa]), Some(&[0xaa][..]));
        let mut long = vec![0x30, 0x81, 0x80];
        long.extend([0u8; 0x80]);
        assert_eq!(sequence_contents(&long).map(<[u8]>::len), Some(0x80));
        assert_eq!(sequence_contents(&[0x31, 0x00]), None);
        assert_eq!(sequence_contents(&[0x30, 0x02, 0x00]), None);
    }

    #[test]
    fn garbage_links_are_unknown() {
        let chain = vec![b"junk".to_vec()];
        assert_eq!(links(&chain, &[]), vec![Link::Unknown]);
    }
}
