//! Timestamps as milliseconds since the Unix epoch: one integer type that SQLite and PostgreSQL
//! store alike. The `time` crate turns them into text for the JSON API and the test sender.

use std::time::Duration;

use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::UtcDateTime;

/// `2026-11-28T13:05:09.123Z`: RFC 3339 in UTC, always with milliseconds.
const RFC3339_MS: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

/// Now, in milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> i64 {
    let ms = UtcDateTime::now().unix_timestamp_nanos() / 1_000_000;
    i64::try_from(ms).unwrap_or(i64::MAX)
}

/// `instant` in milliseconds since the Unix epoch.
pub(crate) fn system_ms(instant: std::time::SystemTime) -> i64 {
    let ms = UtcDateTime::from(instant).unix_timestamp_nanos() / 1_000_000;
    i64::try_from(ms).unwrap_or(i64::MAX)
}

/// `ms` plus `duration`, saturating.
pub(crate) fn after(ms: i64, duration: Duration) -> i64 {
    ms.saturating_add(i64::try_from(duration.as_millis()).unwrap_or(i64::MAX))
}

/// RFC 3339 in UTC with milliseconds (`2026-11-28T13:05:09.123Z`), for the JSON API.
pub(crate) fn rfc3339(ms: i64) -> String {
    format(ms, RFC3339_MS)
}

/// `ms` in `format`. An instant past the year 9999 either way (a saturated deadline, say) is
/// shown as the last millisecond of that year, or the first of -9999: RFC 3339 has four-digit
/// years.
fn format(ms: i64, format: &[BorrowedFormatItem<'_>]) -> String {
    let instant =
        UtcDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).unwrap_or(if ms < 0 {
            UtcDateTime::MIN
        } else {
            UtcDateTime::MAX
        });
    instant
        .format(format)
        .expect("a UtcDateTime has every component these formats name")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(rfc3339(1_795_871_109_123), "2026-11-28T13:05:09.123Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59.999Z");
    }

    #[test]
    fn saturated_instants_stay_four_digit_years() {
        assert_eq!(
            rfc3339(after(now_ms(), Duration::MAX)),
            "9999-12-31T23:59:59.999Z"
        );
        assert_eq!(rfc3339(i64::MIN), "-9999-01-01T00:00:00.000Z");
    }

    #[test]
    fn system_times_in_milliseconds() {
        let instant = std::time::UNIX_EPOCH + Duration::from_millis(1_795_871_109_123);
        assert_eq!(system_ms(instant), 1_795_871_109_123);
    }

    #[test]
    fn now_is_the_system_clock_in_milliseconds() {
        let system = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64;
        assert!((now_ms() - system).abs() < 1000, "{} vs {system}", now_ms());
    }
}
