//! The non-compete (竞业限制) rules of the PRC Labor Contract Law: at most 24 months after
//! departure (art. 24, the cap is a policy setting), monthly compensation during it (art. 23),
//! and the former employee's right to rescind once the company has left three months unpaid
//! (SPC interpretation; the grace is a policy setting). The ledger says which months are paid,
//! due or late, and when to warn HR.

use chrono::{Datelike, Months, NaiveDate};

use super::obligations::{ObligationKind, ObligationStatus};
use super::periods::Period;
use super::problem::Problem;
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

/// The longest non-compete the law allows (Labor Contract Law art. 24): a policy may set a
/// lower cap only.
pub const LAW_CAP_MONTHS: u32 = 24;

/// The cap in force: the policy's, never above the law's.
pub fn cap_in_force(policy_cap_months: u32) -> u32 {
    policy_cap_months.min(LAW_CAP_MONTHS)
}

/// An agreed length longer than the cap is refused, saying why.
pub fn check_length(months: u32, cap_months: u32) -> Result<(), Problem> {
    let cap_months = cap_in_force(cap_months);
    if months == 0 {
        Err(problem!("at_least_one_month"))
    } else if months > cap_months {
        Err(problem!(
            "non_compete_over_cap",
            months = months,
            cap = cap_months
        ))
    } else {
        Ok(())
    }
}

/// The term agreed, checked again against the cap in force when the departure completes: a
/// longer one is refused, never silently shortened.
pub fn check_at_completion(months: u32, cap_months: u32) -> Result<(), Problem> {
    let cap = cap_in_force(cap_months);
    if months > cap {
        Err(problem!(
            "non_compete_over_cap_at_completion",
            months = months,
            cap = cap
        ))
    } else {
        Ok(())
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
    fn a_non_compete_longer_than_the_cap_is_refused_with_the_law_named() {
        assert!(check_length(24, 24).is_ok());
        let err = check_length(25, 24).unwrap_err();
        assert_eq!(
            err,
            problem!("non_compete_over_cap", months = 25u32, cap = 24u32)
        );
        let english = crate::catalog::english(&err);
        assert!(
            english.contains("24-month cap") && english.contains("art. 24"),
            "{english}"
        );
        assert_eq!(check_length(0, 24), Err(problem!("at_least_one_month")));
    }

    #[test]
    fn the_cap_is_the_laws() {
        assert_eq!(cap_in_force(36), 24, "a policy cannot raise the law's cap");
        assert_eq!(cap_in_force(12), 12, "a policy may lower it");
        assert!(check_length(25, 36).is_err());
        assert!(check_length(13, 12).is_err());
        assert_eq!(check_at_completion(24, 24), Ok(()));
        assert_eq!(
            check_at_completion(18, 12),
            Err(problem!(
                "non_compete_over_cap_at_completion",
                months = 18u32,
                cap = 12u32
            )),
            "refused at completion under a cap lowered since, never shortened"
        );
        let english = crate::catalog::english(&check_at_completion(30, 36).unwrap_err());
        assert!(english.contains("24"), "{english}");
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

/// An amount of money as the API writes it (8000.5) in minor units (fen, cents).
pub fn minor_units(amount: f64) -> Result<i64, Problem> {
    if !amount.is_finite() || !(0.0..=1e12).contains(&amount) {
        return Err(problem!("amount_not_negative"));
    }
    let cents = (amount * 100.0).round();
    if (cents / 100.0 - amount).abs() > 1e-6 {
        return Err(problem!("more_than_two_decimals"));
    }
    Ok(cents as i64)
}

/// Why a compensation below the floor is recorded with a warning (it is accepted: the
/// agreement stands, HR is told).
pub fn below_floor(compensation: i64, floor: i64, floor_percent: u32) -> Problem {
    let yuan = |minor: i64| format!("{:.2}", minor as f64 / 100.0);
    problem!(
        "compensation_below_floor",
        compensation = yuan(compensation),
        floor = yuan(floor),
        percent = floor_percent
    )
}

/// The floor under the monthly compensation: the policy's share of the last 12 months'
/// average wage (when recorded), and never below the local minimum wage (when set).
pub fn compensation_floor(average_wage: Option<i64>, floor_percent: u32, minimum_wage: i64) -> i64 {
    let share = average_wage.map_or(0, |w| w * i64::from(floor_percent) / 100);
    share.max(minimum_wage)
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
mod money_tests {
    use super::*;

    #[test]
    fn a_compensation_below_the_floor_is_warned_of_with_both_amounts() {
        assert_eq!(
            crate::catalog::english(&below_floor(500_000, 600_000, 30)),
            "the monthly compensation 5000.00 is below the floor of 6000.00 (30% of the average \
             wage, not below the local minimum wage)"
        );
    }

    #[test]
    fn amounts_are_kept_in_minor_units() {
        assert_eq!(minor_units(8000.5), Ok(800_050));
        assert_eq!(minor_units(0.0), Ok(0));
        assert!(minor_units(-1.0).is_err());
        assert!(minor_units(1.005).is_err());
    }

    #[test]
    fn compensation_below_thirty_percent_of_the_average_wage_or_the_minimum_wage_is_below_the_floor()
     {
        assert_eq!(compensation_floor(Some(2_000_000), 30, 250_000), 600_000);
        assert_eq!(
            compensation_floor(Some(500_000), 30, 250_000),
            250_000,
            "never below the minimum wage"
        );
        assert_eq!(compensation_floor(None, 30, 0), 0);
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
