//! Periods counted the way the PRC Civil Code counts them (第二百零一条、第二百零二条):
//! the day of the event is not counted — counting starts the next day — and a period of
//! months or years ends on the corresponding day of its final month, or on that month's last
//! day when it has no such day. Whole calendar dates in the company's time zone.

use chrono::{Days, Months, NaiveDate};

/// A counted period: its first counted day and its last day, both inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

/// The period of `months` months after the event on `event_on`.
pub fn months_after(event_on: NaiveDate, months: u32) -> Period {
    let starts_on = event_on.checked_add_days(Days::new(1)).unwrap_or(event_on);
    // chrono's month arithmetic already clamps to the last day of a shorter month, which is
    // the Code's rule for a month without the corresponding day.
    let ends_on = event_on
        .checked_add_months(Months::new(months))
        .unwrap_or(NaiveDate::MAX);
    Period { starts_on, ends_on }
}

/// The period of `years` years after the event.
pub fn years_after(event_on: NaiveDate, years: u32) -> Period {
    months_after(event_on, years * 12)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_day_of_the_event_is_not_counted() {
        let p = years_after(d(2026, 3, 15), 1);
        assert_eq!(p.starts_on, d(2026, 3, 16));
        assert_eq!(p.ends_on, d(2027, 3, 15));
    }

    #[test]
    fn a_period_ends_on_the_corresponding_day_of_its_final_month() {
        assert_eq!(years_after(d(2026, 12, 31), 3).ends_on, d(2029, 12, 31));
        assert_eq!(months_after(d(2026, 1, 15), 1).ends_on, d(2026, 2, 15));
    }

    #[test]
    fn without_a_corresponding_day_the_period_ends_on_the_last_day_of_the_month() {
        // 29 February has no corresponding day in a common year.
        assert_eq!(years_after(d(2028, 2, 29), 1).ends_on, d(2029, 2, 28));
        assert_eq!(years_after(d(2028, 2, 29), 4).ends_on, d(2032, 2, 29));
        assert_eq!(months_after(d(2026, 1, 31), 1).ends_on, d(2026, 2, 28));
        assert_eq!(months_after(d(2028, 1, 31), 1).ends_on, d(2028, 2, 29));
        assert_eq!(months_after(d(2026, 8, 31), 1).ends_on, d(2026, 9, 30));
        assert_eq!(months_after(d(2026, 12, 31), 2).ends_on, d(2027, 2, 28));
    }

    #[test]
    fn a_longer_period_never_ends_earlier() {
        let mut day = d(2027, 1, 1);
        while day < d(2029, 1, 1) {
            let mut last = day;
            for months in 0..=36 {
                let end = months_after(day, months).ends_on;
                assert!(end >= last, "{day} + {months}");
                last = end;
            }
            day = day.succ_opt().unwrap();
        }
    }
}
