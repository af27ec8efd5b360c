//! Properties of the domain rules over many generated dates and lengths (not only the
//! examples the unit tests name): periods counted as the Civil Code counts them, tiers in
//! order, and the non-compete ledger's months.

use chrono::{Datelike, Days, NaiveDate};
use proptest::prelude::*;
use tuomi::domain::noncompete::{MonthStatus, Owed, Paid, ledger};
use tuomi::domain::obligations::{after_departure, declassification};
use tuomi::domain::people::ClearanceTier;
use tuomi::domain::periods::{months_after, years_after};
use tuomi::domain::policy::Policy;

/// Any date from 1990 to 2100, leap days and month ends included.
fn a_date() -> impl Strategy<Value = NaiveDate> {
    (0u64..(111 * 366)).prop_map(|n| {
        NaiveDate::from_ymd_opt(1990, 1, 1)
            .unwrap()
            .checked_add_days(Days::new(n))
            .unwrap()
    })
}

fn last_day_of_month(date: NaiveDate) -> u32 {
    let first_next = if date.month() == 12 {
        NaiveDate::from_ymd_opt(date.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(date.year(), date.month() + 1, 1)
    };
    first_next.unwrap().pred_opt().unwrap().day()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn a_period_never_ends_before_it_starts_and_starts_the_day_after_the_event(
        event in a_date(), months in 1u32..=120
    ) {
        let p = months_after(event, months);
        prop_assert!(p.ends_on >= p.starts_on);
        prop_assert_eq!(p.starts_on, event.succ_opt().unwrap());
    }

    #[test]
    fn a_period_ends_on_the_corresponding_day_or_the_last_day_of_a_shorter_month(
        event in a_date(), months in 1u32..=120
    ) {
        let end = months_after(event, months).ends_on;
        let total = event.year() * 12 + event.month0() as i32 + months as i32;
        prop_assert_eq!(end.year(), total.div_euclid(12));
        prop_assert_eq!(end.month0() as i32, total.rem_euclid(12));
        prop_assert_eq!(end.day(), event.day().min(last_day_of_month(end)));
    }

    #[test]
    fn a_longer_period_never_ends_earlier(event in a_date(), a in 1u32..=120, b in 1u32..=120) {
        let (short, long) = (a.min(b), a.max(b));
        prop_assert!(months_after(event, short).ends_on <= months_after(event, long).ends_on);
    }

    #[test]
    fn a_later_event_never_ends_earlier(event in a_date(), days in 0u64..4000, years in 1u32..=5) {
        let later = event.checked_add_days(Days::new(days)).unwrap();
        prop_assert!(years_after(event, years).ends_on <= years_after(later, years).ends_on);
    }

    #[test]
    fn a_higher_tier_owes_a_longer_declassification_period(left_on in a_date()) {
        let policy = Policy::default();
        let end = |tier| declassification(&policy, tier, left_on).map(|o| o.ends_on.unwrap());
        prop_assert!(end(ClearanceTier::None).is_none());
        prop_assert!(end(ClearanceTier::General) < end(ClearanceTier::Important));
        prop_assert!(end(ClearanceTier::Important) < end(ClearanceTier::Core));
    }

    #[test]
    fn everyone_leaving_owes_confidentiality_and_a_cleared_person_also_a_period(
        notice in a_date(), gap in 0u64..120, tier_index in 0usize..4, trade_secret: bool
    ) {
        let tiers = [ClearanceTier::None, ClearanceTier::General, ClearanceTier::Important, ClearanceTier::Core];
        let tier = tiers[tier_index];
        let last_day = notice.checked_add_days(Days::new(gap)).unwrap();
        let owed = after_departure(&Policy::default(), tier, last_day, last_day, trade_secret);
        let expected = 1 + usize::from(tier != ClearanceTier::None) + usize::from(trade_secret);
        prop_assert_eq!(owed.len(), expected);
        for o in &owed {
            prop_assert!(o.starts_on > last_day.min(notice));
            if let Some(end) = o.ends_on {
                prop_assert!(end >= o.starts_on);
            }
        }
    }

    #[test]
    fn the_ledger_has_one_line_for_each_term_month(
        left in a_date(), months in 1u32..=36, today in a_date(), paid_mask in any::<u64>(),
        due_after_days in 0u32..=60
    ) {
        let term = months_after(left, months);
        let owed = Owed { monthly: 800_000, due_after_days, ended_on: None, extra_months: 0 };
        let all = ledger(term, &owed, &[], today);
        prop_assert_eq!(all.lines.len() as u32, months);
        let first = all.lines[0].month.unwrap();
        let last = all.lines[all.lines.len() - 1].month.unwrap();
        prop_assert_eq!(first.starts_on, term.starts_on);
        prop_assert_eq!(last.ends_on, term.ends_on);
        // Covered months are paid (in two parts); an uncovered month is late exactly when its
        // due date has passed.
        let paid: Vec<Paid> = (1..=months)
            .filter(|n| paid_mask & (1 << (n % 64)) != 0)
            .flat_map(|n| [Paid { line: n, amount: 300_000 }, Paid { line: n, amount: 500_000 }])
            .collect();
        for line in ledger(term, &owed, &paid, today).lines {
            let expected = if paid.iter().any(|p| p.line == line.number) {
                MonthStatus::Paid
            } else if today > line.due_on {
                MonthStatus::Late
            } else {
                MonthStatus::Due
            };
            prop_assert_eq!(line.status, expected);
            prop_assert_eq!(line.due_on, line.month.unwrap().ends_on + Days::new(due_after_days.into()));
        }
    }
}
