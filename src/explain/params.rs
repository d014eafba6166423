//! EHLO keyword parameters in plain words: `SIZE 104857600` → "100 MiB limit".
//!
//! Layer: explain (sans-IO).

use crate::proto::capability::Extension;

use super::lookup::sasl_mechanism;

/// The parameters of an EHLO line in plain words, for the keywords whose parameters mean
/// something. `None` when the keyword takes none or smtpx does not know what they mean.
pub fn capability_params(extension: &Extension) -> Option<String> {
    let params = &extension.params;
    let words = match extension.keyword.to_ascii_uppercase().as_str() {
        "SIZE" => size(params.first()),
        "AUTH" => auth(params, extension.legacy_form),
        "LIMITS" => limits(params)?,
        "DELIVERBY" => match params.first() {
            Some(n) if is_number(n) => format!("shortest delivery deadline accepted: {n} s"),
            Some(other) => format!("{other:?} is not a number of seconds (RFC 2852)"),
            None => "no minimum deadline announced".to_owned(),
        },
        "MT-PRIORITY" => match params.first().map(|p| p.to_ascii_uppercase()) {
            Some(p) if ["MIXER", "STANAG4406", "NSEP"].contains(&p.as_str()) => {
                format!("priority assignment policy {p} (RFC 6710)")
            }
            Some(p) => format!("priority assignment policy {p} (not one RFC 6710 defines)"),
            None => "no priority assignment policy named".to_owned(),
        },
        "FUTURERELEASE" => future_release(params),
        "BURL" => list(
            "URL schemes the server can fetch",
            params,
            "no URL schemes listed",
        ),
        "NO-SOLICITING" => list(
            "solicitation keywords refused",
            params,
            "no keywords listed",
        ),
        "XCLIENT" | "XFORWARD" => list("attributes", params, "no attributes listed"),
        "X-EXPS" => list("methods", params, "no methods listed"),
        _ => return None,
    };
    Some(words)
}

fn is_number(word: &str) -> bool {
    !word.is_empty() && word.bytes().all(|b| b.is_ascii_digit())
}

/// [RFC 1870 §3](https://www.rfc-editor.org/rfc/rfc1870#section-3): an optional decimal
/// number of octets; 0 means no fixed limit.
fn size(param: Option<&String>) -> String {
    match param {
        None => "no limit announced".to_owned(),
        Some(p) => match p.parse::<u64>() {
            Ok(0) => "no fixed limit (SIZE 0)".to_owned(),
            Ok(n) if n < 1024 => format!("{n} octet limit"),
            Ok(n) => format!("{} limit ({n} octets)", human_size(n)),
            Err(_) => format!("{p:?} is not a number of octets (RFC 1870 §3)"),
        },
    }
}

/// Octets in binary units, one decimal place when not whole: `104857600` → `100 MiB`,
/// `35882577` → `34.2 MiB`.
pub fn human_size(octets: u64) -> String {
    const UNITS: [(&str, u64); 3] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
    for (unit, size) in UNITS {
        if octets >= size {
            // Precision loss above 2^53 octets is irrelevant for a display value.
            let value = format!("{:.1}", octets as f64 / size as f64);
            let value = value.strip_suffix(".0").unwrap_or(&value);
            return format!("{value} {unit}");
        }
    }
    format!("{octets} octets")
}

fn auth(mechanisms: &[String], legacy_form: bool) -> String {
    if mechanisms.is_empty() {
        return "no mechanisms listed".to_owned();
    }
    let described: Vec<String> = mechanisms
        .iter()
        .map(|m| {
            let item = sasl_mechanism(m);
            let title = if item.is_known() {
                item.title
            } else {
                "unknown mechanism".to_owned()
            };
            format!("{} ({title})", m.to_ascii_uppercase())
        })
        .collect();
    let mut words = format!("mechanisms: {}", described.join(", "));
    if legacy_form {
        words.push_str("; in the pre-standard AUTH= form kept for old clients");
    }
    words
}

/// [RFC 9422](https://www.rfc-editor.org/rfc/rfc9422): `NAME=value` pairs.
fn limits(params: &[String]) -> Option<String> {
    if params.is_empty() {
        return Some("no limits listed".to_owned());
    }
    let described: Vec<String> = params
        .iter()
        .map(|p| {
            let (name, value) = p.split_once('=').unwrap_or((p.as_str(), ""));
            match name.to_ascii_uppercase().as_str() {
                "RCPTMAX" => format!("at most {value} recipients per transaction"),
                "MAILMAX" => format!("at most {value} mail transactions per session"),
                "RCPTDOMAINMAX" => {
                    format!("at most {value} recipient domains per transaction")
                }
                _ => format!("{p} (a limit smtpx does not know)"),
            }
        })
        .collect();
    Some(described.join("; "))
}

/// [RFC 4865](https://www.rfc-editor.org/rfc/rfc4865): the longest hold in
/// seconds and the latest release date-time.
fn future_release(params: &[String]) -> String {
    match params {
        [interval, until, ..] if is_number(interval) => {
            let seconds: u64 = interval.parse().unwrap_or(u64::MAX);
            format!(
                "holds messages for up to {interval} s ({} days), until {until} at the latest",
                seconds / 86_400
            )
        }
        [] => "no hold limits listed".to_owned(),
        _ => format!("parameters {:?} do not match RFC 4865", params.join(" ")),
    }
}

fn list(what: &str, params: &[String], empty: &str) -> String {
    if params.is_empty() {
        empty.to_owned()
    } else {
        format!("{what}: {}", params.join(", "))
    }
}
