//! How values are written on pages and in CSV files: one format for each kind of value,
//! whatever the page.

use chrono::NaiveDateTime;
use chrono_tz::Tz;

pub use crate::domain::money::money;

/// An amount as a form's number box takes it back: no grouping, two decimals (8000.00).
pub fn amount_input(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let minor = minor.unsigned_abs();
    format!("{sign}{}.{:02}", minor / 100, minor % 100)
}

/// `[value, catalog key]` pairs for a select, from a closed set of values (an enum's `ALL`):
/// the key of `v` is `<prefix>.<v>`.
pub fn options<V: std::fmt::Display>(prefix: &str, values: &[V]) -> Vec<[String; 2]> {
    values
        .iter()
        .map(|v| [v.to_string(), format!("{prefix}.{v}")])
        .collect()
}

/// An instant kept in UTC, as RFC 3339 (what the `|datetime` filter and CSV files read).
pub fn instant(at: NaiveDateTime) -> String {
    at.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// An instant kept in UTC as the company's local date and time: 2028-02-29 23:59.
pub fn local(tz: Tz, at: NaiveDateTime) -> String {
    at.and_utc()
        .with_timezone(&tz)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_written_with_grouped_thousands_and_two_decimals() {
        assert_eq!(money(2_100_000), "21,000.00");
        assert_eq!(money(800_000), "8,000.00");
        assert_eq!(money(123_405), "1,234.05");
        assert_eq!(money(5), "0.05");
        assert_eq!(money(-12_345_678), "-123,456.78");
    }

    #[test]
    fn an_amount_in_a_form_box_is_written_as_the_box_reads_it_back() {
        assert_eq!(amount_input(800_000), "8000.00");
        assert_eq!(amount_input(123_405), "1234.05");
        assert_eq!(amount_input(5), "0.05");
        assert_eq!(amount_input(-5), "-0.05");
    }

    #[test]
    fn an_instant_is_written_in_utc_or_in_company_time_across_a_leap_day() {
        let at = chrono::NaiveDate::from_ymd_opt(2028, 2, 28)
            .unwrap()
            .and_hms_opt(16, 30, 0)
            .unwrap();
        assert_eq!(instant(at), "2028-02-28T16:30:00Z");
        assert_eq!(local(chrono_tz::Asia::Shanghai, at), "2028-02-29 00:30");
    }
}
