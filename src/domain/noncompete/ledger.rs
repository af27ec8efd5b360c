//! The non-compete's ledger: which months are paid, due or late, when to warn HR, and how
//! it ends early (waiver, rescission).

use chrono::{Datelike, Months, NaiveDate};

use crate::domain::obligations::{ObligationKind, ObligationStatus};
use crate::domain::periods::Period;
use crate::domain::problem::Problem;
use crate::problem;

/// A calendar month of the term, as HR records payments: "2026-03".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    pub year: i32,
    pub month: u32,
}

impl YearMonth {
    pub fn of(date: NaiveDate) -> YearMonth {
        YearMonth {
            year: date.year(),
            month: date.month(),
        }
    }

    pub fn parse(text: &str) -> Result<YearMonth, Problem> {
        let bad = || problem!("not_a_month", value = format!("{text:?}"));
        let (y, m) = text.trim().split_once('-').ok_or_else(bad)?;
        let (year, month) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
        if y.len() != 4 || !(1..=12).contains(&month) {
            return Err(bad());
        }
        Ok(YearMonth { year, month })
    }

    fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    /// The last day of the month: its compensation is late after it.
    pub fn last_day(self) -> NaiveDate {
        self.first_day()
            .checked_add_months(Months::new(1))
            .and_then(|d| d.pred_opt())
            .unwrap_or(NaiveDate::MAX)
    }

    fn next(self) -> YearMonth {
        YearMonth::of(
            self.first_day()
                .checked_add_months(Months::new(1))
                .unwrap_or(NaiveDate::MAX),
        )
    }
}

impl std::fmt::Display for YearMonth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

crate::string_enum! {
    pub enum MonthStatus ("a month status") {
        Paid = "paid",
        /// Running, or not begun: nothing owed yet.
        Due = "due",
        /// Ended without a payment.
        Late = "late",
    }
}

/// The calendar months the term touches, each with its status on `today`.
pub fn ledger(term: Period, paid: &[YearMonth], today: NaiveDate) -> Vec<(YearMonth, MonthStatus)> {
    let mut months = Vec::new();
    let mut month = YearMonth::of(term.starts_on);
    let last = YearMonth::of(term.ends_on);
    while month <= last {
        let status = if paid.contains(&month) {
            MonthStatus::Paid
        } else if today > month.last_day() {
            MonthStatus::Late
        } else {
            MonthStatus::Due
        };
        months.push((month, status));
        month = month.next();
    }
    months
}

/// What HR must hear about unpaid compensation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentAlert {
    /// One month short of the grace: pay now, or the former employee may rescind.
    RescissionNear { late_months: usize },
    /// The grace is reached: the former employee may rescind the non-compete.
    MayRescind { late_months: usize },
}

/// The alert, if any, for a ledger under a grace of `grace_months` unpaid months.
pub fn payment_alert(
    ledger: &[(YearMonth, MonthStatus)],
    grace_months: usize,
) -> Option<PaymentAlert> {
    let late_months = ledger
        .iter()
        .filter(|(_, s)| *s == MonthStatus::Late)
        .count();
    if late_months >= grace_months {
        Some(PaymentAlert::MayRescind { late_months })
    } else if late_months + 1 >= grace_months && late_months > 0 {
        Some(PaymentAlert::RescissionNear { late_months })
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::periods::months_after;

    pub(super) fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    pub(super) fn ym(text: &str) -> YearMonth {
        YearMonth::parse(text).unwrap()
    }

    #[test]
    fn months_are_written_like_2026_03() {
        assert_eq!(ym("2026-03").to_string(), "2026-03");
        assert_eq!(ym("2028-02").last_day(), d(2028, 2, 29));
        for bad in ["2026-13", "26-03", "2026/03", "march"] {
            assert!(YearMonth::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_ledger_knows_which_months_are_paid_due_or_late() {
        // Left on 31 January 2028: the term runs 1 February 2028 – 31 January 2029.
        let term = months_after(d(2028, 1, 31), 12);
        let book = ledger(term, &[ym("2028-02")], d(2028, 4, 15));
        assert_eq!(book.len(), 12, "February 2028 to January 2029");
        assert_eq!(book[0], (ym("2028-02"), MonthStatus::Paid));
        assert_eq!(book[1], (ym("2028-03"), MonthStatus::Late));
        assert_eq!(book[2], (ym("2028-04"), MonthStatus::Due));
        assert_eq!(book[11].0, ym("2029-01"));
    }

    #[test]
    fn hr_is_warned_one_month_before_the_former_employee_may_rescind() {
        let term = months_after(d(2028, 1, 31), 12);
        let alert_on = |today| payment_alert(&ledger(term, &[], today), 3);
        assert_eq!(alert_on(d(2028, 2, 29)), None, "February is still running");
        assert_eq!(
            alert_on(d(2028, 3, 1)),
            None,
            "one month late: no alert under a grace of 3"
        );
        assert_eq!(
            alert_on(d(2028, 4, 1)),
            Some(PaymentAlert::RescissionNear { late_months: 2 })
        );
        assert_eq!(
            alert_on(d(2028, 5, 1)),
            Some(PaymentAlert::MayRescind { late_months: 3 })
        );
    }
}

/// Waiving the non-compete during its term costs three more months of compensation.
pub const WAIVER_EXTRA_MONTHS: i64 = 3;

/// Why a non-compete cannot be paid, waived or rescinded as asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonCompeteRefusal {
    /// The obligation is of another kind.
    NotANonCompete,
    /// It is no longer running: waived, rescinded, breached, superseded or ended.
    NotActive(ObligationStatus),
    /// The month paid lies outside the non-compete's term.
    OutsideTerm,
    /// The former employee rescinds only once `grace_months` months are left unpaid; `unpaid`
    /// are.
    NotYetRescindable { unpaid: usize, grace_months: usize },
}

/// Only a running non-compete is paid, waived or rescinded.
pub fn may_change(kind: ObligationKind, status: ObligationStatus) -> Result<(), NonCompeteRefusal> {
    if kind != ObligationKind::NonCompete {
        return Err(NonCompeteRefusal::NotANonCompete);
    }
    if status != ObligationStatus::Active {
        return Err(NonCompeteRefusal::NotActive(status));
    }
    Ok(())
}

/// Compensation is paid for the months of the term, and only those (art. 23).
pub fn may_pay(term: Period, month: YearMonth) -> Result<(), NonCompeteRefusal> {
    if month < YearMonth::of(term.starts_on) || month > YearMonth::of(term.ends_on) {
        return Err(NonCompeteRefusal::OutsideTerm);
    }
    Ok(())
}

/// How a non-compete ends before its term.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EarlyEnd {
    /// The company releases the former employee.
    Waiver,
    /// The former employee ends it, the company having left the compensation unpaid.
    Rescission,
}

/// What ending a non-compete early changes: its new status, and the compensation still owed
/// for it beyond the months paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ending {
    pub status: ObligationStatus,
    /// Minor units; `None` when nothing more is owed or no agreement says how much.
    pub extra_owed: Option<i64>,
}

/// The company may waive a running non-compete at any time and owes three more months of
/// compensation (SPC interpretation I, art. 39); the former employee may rescind it once
/// `grace_months` months are unpaid (art. 38), and is owed nothing more for it.
pub fn end_early(
    how: EarlyEnd,
    monthly_compensation: Option<i64>,
    ledger: &[(YearMonth, MonthStatus)],
    grace_months: usize,
) -> Result<Ending, NonCompeteRefusal> {
    match how {
        EarlyEnd::Waiver => Ok(Ending {
            status: ObligationStatus::Waived,
            extra_owed: monthly_compensation.map(|m| m * WAIVER_EXTRA_MONTHS),
        }),
        EarlyEnd::Rescission => match payment_alert(ledger, grace_months) {
            Some(PaymentAlert::MayRescind { .. }) => Ok(Ending {
                status: ObligationStatus::Rescinded,
                extra_owed: None,
            }),
            _ => Err(NonCompeteRefusal::NotYetRescindable {
                unpaid: ledger
                    .iter()
                    .filter(|(_, s)| *s == MonthStatus::Late)
                    .count(),
                grace_months,
            }),
        },
    }
}

#[cfg(test)]
mod decision_tests {
    use super::tests::{d, ym};
    use super::*;

    /// A term from 2024-01-31 (a month end, in a leap year) to 2024-12-31.
    fn term() -> Period {
        Period {
            starts_on: d(2024, 1, 31),
            ends_on: d(2024, 12, 31),
        }
    }

    #[test]
    fn only_a_running_non_compete_is_paid_waived_or_rescinded() {
        use ObligationStatus::*;
        assert_eq!(may_change(ObligationKind::NonCompete, Active), Ok(()));
        for status in [Ended, Waived, Rescinded, Breached, Superseded] {
            assert_eq!(
                may_change(ObligationKind::NonCompete, status),
                Err(NonCompeteRefusal::NotActive(status))
            );
        }
        assert_eq!(
            may_change(ObligationKind::Confidentiality, Active),
            Err(NonCompeteRefusal::NotANonCompete)
        );
    }

    #[test]
    fn compensation_is_paid_for_the_months_of_the_term_only() {
        assert_eq!(
            may_pay(term(), ym("2024-01")),
            Ok(()),
            "the first, part month"
        );
        assert_eq!(may_pay(term(), ym("2024-02")), Ok(()), "a leap February");
        assert_eq!(may_pay(term(), ym("2024-12")), Ok(()), "the last month");
        assert_eq!(
            may_pay(term(), ym("2023-12")),
            Err(NonCompeteRefusal::OutsideTerm)
        );
        assert_eq!(
            may_pay(term(), ym("2025-01")),
            Err(NonCompeteRefusal::OutsideTerm)
        );
    }

    #[test]
    fn a_waiver_owes_three_more_months_of_compensation() {
        let ending = end_early(EarlyEnd::Waiver, Some(800_050), &[], 3).unwrap();
        assert_eq!(ending.status, ObligationStatus::Waived);
        assert_eq!(ending.extra_owed, Some(2_400_150));
        let unknown = end_early(EarlyEnd::Waiver, None, &[], 3).unwrap();
        assert_eq!(unknown.extra_owed, None, "no agreement, no amount to name");
    }

    #[test]
    fn the_former_employee_rescinds_only_once_the_grace_of_unpaid_months_is_reached() {
        let paid = [ym("2024-01"), ym("2024-02")];
        // On 2024-06-15 March, April and May are late: three months, the grace.
        let three_late = ledger(term(), &paid, d(2024, 6, 15));
        let ending = end_early(EarlyEnd::Rescission, Some(800_050), &three_late, 3).unwrap();
        assert_eq!(ending.status, ObligationStatus::Rescinded);
        assert_eq!(ending.extra_owed, None);
        // A month earlier only March and April are late.
        let two_late = ledger(term(), &paid, d(2024, 5, 15));
        assert_eq!(
            end_early(EarlyEnd::Rescission, Some(800_050), &two_late, 3),
            Err(NonCompeteRefusal::NotYetRescindable {
                unpaid: 2,
                grace_months: 3
            })
        );
    }
}
