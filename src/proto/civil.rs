//! Calendar dates from Unix seconds, without a date crate: RFC 5322 dates for messages and
//! trace headers, readable UTC times for certificates, sortable stamps for file names.
//! Always UTC.
//!
//! Layer: protocol core. Pure arithmetic: the caller reads the clock and passes the seconds.

/// A UTC calendar date and time of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    /// 0 = Sunday.
    pub weekday: u32,
}

impl Civil {
    /// The calendar date of a Unix time (Howard Hinnant's `civil_from_days`).
    pub fn from_unix(secs: i64) -> Civil {
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        // Every narrowing below is of a value already reduced into a small range.
        Civil {
            year,
            month: month as u32,
            day: day as u32,
            hour: (rem / 3600) as u32,
            minute: (rem % 3600 / 60) as u32,
            second: (rem % 60) as u32,
            weekday: (days + 4).rem_euclid(7) as u32,
        }
    }

    /// `Fri, 28 Nov 2025 04:15:00 +0000`
    /// ([RFC 5322 §3.3](https://www.rfc-editor.org/rfc/rfc5322#section-3.3)).
    pub fn rfc5322(&self) -> String {
        const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        format!(
            "{}, {:02} {} {} {:02}:{:02}:{:02} +0000",
            DAYS[self.weekday as usize % 7],
            self.day,
            MONTHS[(self.month as usize + 11) % 12],
            self.year,
            self.hour,
            self.minute,
            self.second
        )
    }

    /// `2025-11-28T04:15:00Z` ([RFC 3339](https://www.rfc-editor.org/rfc/rfc3339)).
    pub fn iso8601(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }

    /// `2025-11-28 04:15:00 UTC`, for people (certificate validity).
    pub fn readable(&self) -> String {
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }

    /// `20251128T041500Z`, for file names that sort by time.
    pub fn compact(&self) -> String {
        format!(
            "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_and_known_dates_convert() {
        let epoch = Civil::from_unix(0);
        assert_eq!(
            (epoch.year, epoch.month, epoch.day, epoch.weekday),
            (1970, 1, 1, 4)
        );
        // 2024-02-29 12:34:56 UTC, a Thursday.
        let leap = Civil::from_unix(1_709_210_096);
        assert_eq!(leap.rfc5322(), "Thu, 29 Feb 2024 12:34:56 +0000");
        assert_eq!(leap.compact(), "20240229T123456Z");
        assert_eq!(leap.iso8601(), "2024-02-29T12:34:56Z");
        assert_eq!(leap.readable(), "2024-02-29 12:34:56 UTC");
        assert_eq!(Civil::from_unix(-1).readable(), "1969-12-31 23:59:59 UTC");
        let y2k = Civil::from_unix(946_684_799);
        assert_eq!(y2k.rfc5322(), "Fri, 31 Dec 1999 23:59:59 +0000");
    }
}
