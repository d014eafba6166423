//! Teaching and testing behaviours (all off by default): greylisting, recipient rejection by
//! pattern, random temporary failures — the decisions that need shared state or randomness,
//! kept behind the [`Policy`] trait so the sans-IO session can be driven by a fake in tests.
//! (Timing behaviours — greeting delay, slow replies — live in the connection driver; dropping
//! the connection after a command is a plain setting of the session.)
//!
//! Layer: sandbox (server side). No I/O; `std::sync::Mutex` guards short critical sections.

use std::collections::HashSet;
use std::sync::Mutex;

/// Decisions the session asks for. Implemented by [`RuntimePolicy`]; tests use fakes.
pub trait Policy: Send + Sync {
    /// `true`: answer this RCPT with `451 4.7.1` (greylisted, first attempt).
    fn greylist(&self, sender: &str, recipient: &str) -> bool;
    /// `true`: answer this RCPT with `550 5.1.1`.
    fn reject_recipient(&self, recipient: &str) -> bool;
    /// `true`: answer this MAIL with `451 4.3.0`.
    fn tempfail(&self) -> bool;
    /// A fresh random number (CRAM-MD5 challenges).
    fn nonce(&self) -> u64;
}

/// Upper bound on remembered (sender, recipient) pairs; when full the set is cleared, so a
/// flood of unique pairs cannot grow memory without bound.
const GREYLIST_CAPACITY: usize = 100_000;

/// The policy of a running sandbox, built from [`Behaviours`](super::Behaviours).
#[derive(Debug)]
pub struct RuntimePolicy {
    greylist: Option<Mutex<HashSet<(String, String)>>>,
    reject_patterns: Vec<String>,
    tempfail_rate: f64,
    rng: Mutex<XorShift64>,
}

impl RuntimePolicy {
    pub fn new(
        greylist: bool,
        reject_patterns: Vec<String>,
        tempfail_rate: f64,
        seed: u64,
    ) -> Self {
        RuntimePolicy {
            greylist: greylist.then(|| Mutex::new(HashSet::new())),
            reject_patterns,
            tempfail_rate: tempfail_rate.clamp(0.0, 1.0),
            rng: Mutex::new(XorShift64::new(seed)),
        }
    }

    fn random(&self) -> u64 {
        // A poisoned lock only means another session panicked mid-draw; the state is still a
        // valid u64, so keep using it.
        let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        rng.next_u64()
    }
}

impl Policy for RuntimePolicy {
    /// Greylisting as taught: the first attempt for a (sender, recipient) pair is deferred,
    /// the retry is accepted. Unlike a real greylister there is no minimum retry delay.
    fn greylist(&self, sender: &str, recipient: &str) -> bool {
        let Some(seen) = &self.greylist else {
            return false;
        };
        let mut seen = seen.lock().unwrap_or_else(|e| e.into_inner());
        if seen.len() >= GREYLIST_CAPACITY {
            seen.clear();
        }
        seen.insert((sender.to_ascii_lowercase(), recipient.to_ascii_lowercase()))
    }

    fn reject_recipient(&self, recipient: &str) -> bool {
        self.reject_patterns
            .iter()
            .any(|pattern| glob_match(pattern, recipient))
    }

    fn tempfail(&self) -> bool {
        if self.tempfail_rate <= 0.0 {
            return false;
        }
        unit_interval(self.random()) < self.tempfail_rate
    }

    fn nonce(&self) -> u64 {
        self.random()
    }
}

/// Maps 64 random bits to `[0, 1)`.
fn unit_interval(bits: u64) -> f64 {
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

/// xorshift64* (Vigna): tiny, seedable, good enough for teaching behaviours. Not for secrets.
#[derive(Debug, Clone)]
pub struct XorShift64 {
    state: u64,
}

impl XorShift64 {
    /// A zero seed would stay zero forever; it is replaced by a fixed odd constant.
    pub fn new(seed: u64) -> Self {
        XorShift64 {
            state: if seed == 0 {
                0x9E37_79B9_7F4A_7C15
            } else {
                seed
            },
        }
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.state = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// A seed from the clock and the process id, for runs without `--seed`.
pub fn seed_from_time() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    nanos ^ (u64::from(std::process::id()) << 32)
}

/// Case-insensitive glob: `*` matches any run of characters, `?` exactly one; everything
/// else matches itself. E.g. `*@blocked.test`, `spam?@*`.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let t: Vec<char> = text.to_lowercase().chars().collect();
    // Iterative matcher with one backtrack point: linear memory, O(p·t) worst case.
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&c) if c == '?' || c == t[ti] => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_matches_like_a_shell_pattern_ignoring_case() {
        let cases = [
            ("*@blocked.test", "bob@blocked.test", true),
            ("*@blocked.test", "Bob@BLOCKED.test", true),
            ("*@blocked.test", "bob@blocked.test.example", false),
            ("*@blocked.test", "bob@ok.test", false),
            ("spam?@*", "spam1@x", true),
            ("spam?@*", "spam@x", false),
            ("*", "", true),
            ("a*b*c", "axxbyyc", true),
            ("a*b*c", "axxbyy", false),
            ("exact@x", "exact@x", true),
        ];
        for (pattern, text, expected) in cases {
            assert_eq!(glob_match(pattern, text), expected, "{pattern} vs {text}");
        }
    }

    #[test]
    fn greylist_defers_first_attempt_and_accepts_retry() {
        let policy = RuntimePolicy::new(true, vec![], 0.0, 1);
        assert!(policy.greylist("a@x", "b@y"));
        assert!(!policy.greylist("a@x", "B@Y"));
        assert!(policy.greylist("a@x", "c@y"));
        let off = RuntimePolicy::new(false, vec![], 0.0, 1);
        assert!(!off.greylist("a@x", "b@y"));
    }

    #[test]
    fn tempfail_rate_one_always_fails_and_zero_never() {
        let always = RuntimePolicy::new(false, vec![], 1.0, 7);
        let never = RuntimePolicy::new(false, vec![], 0.0, 7);
        for _ in 0..1000 {
            assert!(always.tempfail());
            assert!(!never.tempfail());
        }
    }

    #[test]
    fn seeded_generator_is_reproducible() {
        let mut a = XorShift64::new(42);
        let mut b = XorShift64::new(42);
        for _ in 0..10 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
        assert_ne!(XorShift64::new(0).next_u64(), 0);
    }
}
