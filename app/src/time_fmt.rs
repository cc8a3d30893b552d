//! Message times as people read them, computed the same way on the server and in the browser.

/// `(year, month, day, hour, minute)` of a Unix time in milliseconds, shifted by `offset_min`.
fn civil(ts_ms: i64, offset_min: i32) -> (i64, u32, u32, u32, u32) {
    let secs = ts_ms.div_euclid(1000) + i64::from(offset_min) * 60;
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        year,
        month,
        day,
        (sod / 3600) as u32,
        ((sod % 3600) / 60) as u32,
    )
}

/// `14:05`, the time of day shown beside a message.
pub fn clock(ts_ms: i64, offset_min: i32) -> String {
    let (_, _, _, h, m) = civil(ts_ms, offset_min);
    format!("{h:02}:{m:02}")
}

/// `2026-11-22 14:05`, the full time shown on hover.
pub fn full(ts_ms: i64, offset_min: i32) -> String {
    let (y, mo, d, h, m) = civil(ts_ms, offset_min);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{m:02}")
}

/// The machine-readable UTC time for `<time datetime=…>`.
pub fn iso_utc(ts_ms: i64) -> String {
    let (y, mo, d, h, m) = civil(ts_ms, 0);
    let s = ts_ms.div_euclid(1000).rem_euclid(60);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{m:02}:{s:02}Z")
}

/// The local day of a Unix time in milliseconds: days since 1970-01-01, shifted by
/// `offset_min`. Messages of one day share it.
pub fn day(ts_ms: i64, offset_min: i32) -> i64 {
    (ts_ms.div_euclid(1000) + i64::from(offset_min) * 60).div_euclid(86_400)
}

const WEEKDAYS: [&str; 7] = [
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A day divider's words: "Today", "Yesterday", "Monday, 30 November", or with the year when it
/// is not this one ("Friday, 5 December 2025"). `now_ms` is the reader's clock.
pub fn day_label(ts_ms: i64, offset_min: i32, now_ms: i64) -> String {
    let (d, today) = (day(ts_ms, offset_min), day(now_ms, offset_min));
    if d == today {
        return "Today".into();
    }
    if d == today - 1 {
        return "Yesterday".into();
    }
    let (y, mo, dd, _, _) = civil(ts_ms, offset_min);
    let (this_year, ..) = civil(now_ms, offset_min);
    let weekday = WEEKDAYS[d.rem_euclid(7) as usize];
    let month = MONTHS[(mo - 1) as usize];
    if y == this_year {
        format!("{weekday}, {dd} {month}")
    } else {
        format!("{weekday}, {dd} {month} {y}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_named_from_the_readers_today() {
        // 2026-11-22T00:21:49Z, a Sunday.
        let t = 1_795_306_909_000;
        let hour = 3_600_000;
        assert_eq!(day_label(t, 0, t + hour), "Today");
        assert_eq!(day_label(t, 0, t + 24 * hour), "Yesterday");
        assert_eq!(day_label(t, 0, t + 72 * hour), "Sunday, 22 November");
        // An hour behind UTC it was still Saturday.
        assert_eq!(day_label(t, -60, t + 72 * hour), "Saturday, 21 November");
        assert_eq!(
            day_label(t, 0, t + 400 * 24 * hour),
            "Sunday, 22 November 2026"
        );
        assert_eq!(day(t, 0), day(t + hour, 0));
    }

    #[test]
    fn formats_known_instants() {
        // 2026-11-22T00:21:49Z
        let t = 1_795_306_909_000;
        assert_eq!(iso_utc(t), "2026-11-22T00:21:49Z");
        assert_eq!(clock(t, 0), "00:21");
        assert_eq!(full(t, 60), "2026-11-22 01:21");
        assert_eq!(full(t, -60), "2026-11-21 23:21");
        assert_eq!(iso_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(full(951_782_400_000, 0), "2000-02-29 00:00");
    }
}
