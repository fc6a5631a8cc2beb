//! Numbers and instants formatted for people: the one place every output
//! takes its durations, byte counts and wall-clock times from, so they read the same on
//! the terminal, in Markdown and in HTML.

/// Formats milliseconds since the Unix epoch as `2026-11-26 05:52:08 UTC`.
pub fn fmt_unix_ms(ms: u64) -> String {
    let secs = ms / 1000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// Formats microseconds for people: `850µs`, `12.3ms`, `4.50s`, `2m05s`,
/// `24h00m00s`.
pub fn fmt_us(us: u64) -> String {
    match us {
        0..1_000 => format!("{us}µs"),
        1_000..10_000 => format!("{:.2}ms", us as f64 / 1e3),
        10_000..1_000_000 => format!("{:.1}ms", us as f64 / 1e3),
        1_000_000..60_000_000 => format!("{:.2}s", us as f64 / 1e6),
        60_000_000..3_600_000_000 => {
            let s = us / 1_000_000;
            format!("{}m{:02}s", s / 60, s % 60)
        }
        _ => {
            let s = us / 1_000_000;
            format!("{}h{:02}m{:02}s", s / 3600, s / 60 % 60, s % 60)
        }
    }
}

/// Formats a number of bytes (or bytes per second) for people, in binary
/// units: `512 B`, `1.50 KiB`, `12.3 MiB`, `2.00 GiB`.
pub fn fmt_bytes(bytes: f64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if bytes < 1024.0 || !bytes.is_finite() {
        return format!("{bytes:.0} B");
    }
    let mut v = bytes;
    let mut unit = "B";
    for u in UNITS {
        if v < 1024.0 {
            break;
        }
        v /= 1024.0;
        unit = u;
    }
    if v < 10.0 {
        format!("{v:.2} {unit}")
    } else if v < 100.0 {
        format!("{v:.1} {unit}")
    } else {
        format!("{v:.0} {unit}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_wall_clock() {
        assert_eq!(fmt_unix_ms(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(fmt_unix_ms(951_782_400_000), "2000-02-29 00:00:00 UTC");
        assert_eq!(fmt_unix_ms(1_795_672_311_426), "2026-11-26 05:51:51 UTC");
    }

    #[test]
    fn formats_durations() {
        for (us, want) in [
            (0, "0µs"),
            (999, "999µs"),
            (1_234, "1.23ms"),
            (12_345, "12.3ms"),
            (4_500_000, "4.50s"),
            (125_000_000, "2m05s"),
            (3_599_999_999, "59m59s"),
            (3_600_000_000, "1h00m00s"),
            (86_400_000_000, "24h00m00s"),
            (90_061_000_000, "25h01m01s"),
        ] {
            assert_eq!(fmt_us(us), want);
        }
    }

    #[test]
    fn formats_bytes() {
        for (bytes, want) in [
            (0.0, "0 B"),
            (1023.0, "1023 B"),
            (1024.0, "1.00 KiB"),
            (1536.0, "1.50 KiB"),
            (12.3 * 1024.0 * 1024.0, "12.3 MiB"),
            (500.0 * 1024.0 * 1024.0, "500 MiB"),
            (2.0 * 1024.0 * 1024.0 * 1024.0, "2.00 GiB"),
            (1e20, "88818 PiB"),
        ] {
            assert_eq!(fmt_bytes(bytes), want, "{bytes}");
        }
    }
}
