//! The sandbox's clock: the current Unix time; calendar arithmetic is
//! [`crate::proto::civil`].
//!
//! Layer: sandbox (server side).

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch (0 if the clock is before 1970).
pub fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

pub use crate::proto::civil::Civil;
