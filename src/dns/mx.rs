//! Mail routing from MX records ([RFC 5321 §5.1](https://www.rfc-editor.org/rfc/rfc5321#section-5.1)):
//! preference order with equal preferences shuffled, the implicit MX when a domain has none,
//! and the null MX of [RFC 7505](https://www.rfc-editor.org/rfc/rfc7505).
//!
//! Layer: transport (pure part) — no I/O here; the lookups are in the parent module.

use serde::Serialize;

/// One mail exchanger, in the order a sender tries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MxHost {
    /// `None` for the implicit MX (the domain itself, no MX record).
    pub preference: Option<u16>,
    pub host: String,
}

/// Where mail for a domain goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Route {
    /// `MX 0 .`: the domain accepts no mail ([RFC 7505 §3](https://www.rfc-editor.org/rfc/rfc7505#section-3));
    /// a sender must not fall back to the domain's address.
    NullMx,
    /// No MX records: the domain itself is the mail exchanger with preference 0
    /// ([RFC 5321 §5.1](https://www.rfc-editor.org/rfc/rfc5321#section-5.1)).
    Implicit { host: MxHost },
    /// MX hosts in the order to try them.
    Exchangers { hosts: Vec<MxHost> },
}

impl Route {
    /// The hosts to try, in order (none for a null MX).
    pub fn hosts(&self) -> Vec<MxHost> {
        match self {
            Route::NullMx => Vec::new(),
            Route::Implicit { host } => vec![host.clone()],
            Route::Exchangers { hosts } => hosts.clone(),
        }
    }
}

/// The route for `domain` from its MX records (preference, exchange). `seed` drives the
/// shuffle of equal preferences ([RFC 5321 §5.1](https://www.rfc-editor.org/rfc/rfc5321#section-5.1):
/// "the sender-SMTP MUST randomize them to spread the load").
pub fn route(domain: &str, records: &[(u16, String)], seed: u64) -> Route {
    if records.is_empty() {
        return Route::Implicit {
            host: MxHost {
                preference: None,
                host: domain.to_ascii_lowercase(),
            },
        };
    }
    // RFC 7505 §3: a null MX is the only MX record. One beside real hosts is a mistake of
    // the domain; the real hosts still route and the "." entry is never tried.
    let real: Vec<&(u16, String)> = records.iter().filter(|(_, h)| h != ".").collect();
    if real.is_empty() {
        return Route::NullMx;
    }
    let mut hosts: Vec<MxHost> = real
        .iter()
        .map(|(p, h)| MxHost {
            preference: Some(*p),
            host: h.clone(),
        })
        .collect();
    hosts.sort_by_key(|h| h.preference);
    hosts.dedup();
    let mut rng = seed | 1;
    let mut start = 0;
    while start < hosts.len() {
        let pref = hosts[start].preference;
        let end = hosts[start..]
            .iter()
            .position(|h| h.preference != pref)
            .map_or(hosts.len(), |n| start + n);
        // Fisher–Yates over the run of equal preferences.
        for i in (start + 1..end).rev() {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            let span = (i - start + 1) as u64;
            let j = start + (rng % span) as usize;
            hosts.swap(i, j);
        }
        start = end;
    }
    Route::Exchangers { hosts }
}

/// A seed for [`route`] that differs between runs.
pub fn random_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64),
    );
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mx(p: u16, h: &str) -> (u16, String) {
        (p, h.to_string())
    }

    #[test]
    fn no_mx_records_make_the_domain_its_own_exchanger() {
        let r = route("Example.TEST", &[], 1);
        assert_eq!(r.hosts()[0].host, "example.test");
        assert!(matches!(r, Route::Implicit { .. }));
    }

    #[test]
    fn a_lone_dot_is_the_null_mx_and_routes_nowhere() {
        assert_eq!(route("x.test", &[mx(0, ".")], 1), Route::NullMx);
        assert!(route("x.test", &[mx(0, ".")], 1).hosts().is_empty());
    }

    #[test]
    fn a_dot_beside_real_hosts_is_skipped() {
        let r = route("x.test", &[mx(0, "."), mx(10, "mx.x.test")], 1);
        assert_eq!(r.hosts().len(), 1);
    }

    #[test]
    fn lower_preference_comes_first() {
        let r = route("x.test", &[mx(20, "b"), mx(10, "a"), mx(30, "c")], 7);
        let order: Vec<_> = r.hosts().into_iter().map(|h| h.host).collect();
        assert_eq!(order, ["a", "b", "c"]);
    }

    #[test]
    fn equal_preferences_are_shuffled_and_kept_after_lower_ones() {
        let records = [
            mx(10, "a"),
            mx(20, "b"),
            mx(20, "c"),
            mx(20, "d"),
            mx(30, "e"),
        ];
        let mut seen = std::collections::HashSet::new();
        for seed in 0..64 {
            let hosts: Vec<_> = route("x.test", &records, seed)
                .hosts()
                .into_iter()
                .map(|h| h.host)
                .collect();
            assert_eq!(hosts[0], "a");
            assert_eq!(hosts[4], "e");
            let mut middle = hosts[1..4].to_vec();
            seen.insert(middle.clone());
            middle.sort();
            assert_eq!(middle, ["b", "c", "d"]);
        }
        assert!(seen.len() > 1, "equal preferences never changed order");
    }
}
