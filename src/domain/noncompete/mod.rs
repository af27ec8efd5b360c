//! The non-compete (竞业限制) rules of the PRC Labor Contract Law: at most 24 months after
//! departure (art. 24, the cap is a policy setting), monthly compensation during it (art. 23),
//! and the former employee's right to rescind once the company has left three months unpaid
//! (SPC interpretation; the grace is a policy setting). The ledger says which months are paid,
//! due or late, and when to warn HR.

use chrono::NaiveDate;

use super::departures::DepartureStatus;
use super::problem::Problem;
use crate::problem;

mod ledger;
pub use ledger::*;

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

/// Where a departure stands when the company waives the non-compete before it begins.
#[derive(Debug, Clone, Copy)]
pub struct BeforeTerm {
    pub departure: DepartureStatus,
    /// The completion has taken effect: the non-compete runs (or ran) from the next day.
    pub in_effect: bool,
    pub last_working_day: NaiveDate,
    pub has_agreement: bool,
    pub already_waived: bool,
}

/// The employer's waiver on or before the last working day (SPC Interpretation (I) art. 39):
/// the term has not begun, so nothing extra is owed and the non-compete never runs. Once the
/// term has begun the waiver is made on the running obligation, which owes three more months.
pub fn waiver_before_term(at: BeforeTerm, today: NaiveDate) -> Result<(), Problem> {
    if !at.has_agreement {
        return Err(problem!("no_non_compete_agreement"));
    }
    if at.already_waived {
        return Err(problem!("non_compete_waived"));
    }
    let open = at.departure == DepartureStatus::InProgress
        || (at.departure == DepartureStatus::Completed && !at.in_effect);
    if !open || today > at.last_working_day {
        return Err(problem!("non_compete_term_begun"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn before(departure: DepartureStatus, in_effect: bool) -> BeforeTerm {
        BeforeTerm {
            departure,
            in_effect,
            last_working_day: NaiveDate::from_ymd_opt(2028, 2, 29).unwrap(),
            has_agreement: true,
            already_waived: false,
        }
    }

    #[test]
    fn the_employers_waiver_on_or_before_the_last_working_day_owes_nothing_extra() {
        let leap_day = NaiveDate::from_ymd_opt(2028, 2, 29).unwrap();
        let next = NaiveDate::from_ymd_opt(2028, 3, 1).unwrap();
        // Up to the end of the last working day, while in progress or completed but not in
        // effect, the waiver is made before the term.
        for at in [
            before(DepartureStatus::InProgress, false),
            before(DepartureStatus::Completed, false),
        ] {
            assert_eq!(waiver_before_term(at, leap_day), Ok(()));
            assert_eq!(
                waiver_before_term(at, next),
                Err(problem!("non_compete_term_begun"))
            );
        }
        // In effect, the term has begun: the waiver on the obligation owes three months.
        assert_eq!(
            waiver_before_term(before(DepartureStatus::Completed, true), leap_day),
            Err(problem!("non_compete_term_begun"))
        );
        let term = crate::domain::periods::Period {
            starts_on: next,
            ends_on: NaiveDate::from_ymd_opt(2030, 2, 28).unwrap(),
        };
        assert!(!waiver_owes_extra(term, leap_day) && waiver_owes_extra(term, next));
        let none = BeforeTerm {
            has_agreement: false,
            ..before(DepartureStatus::InProgress, false)
        };
        assert_eq!(
            waiver_before_term(none, leap_day),
            Err(problem!("no_non_compete_agreement"))
        );
        let twice = BeforeTerm {
            already_waived: true,
            ..before(DepartureStatus::InProgress, false)
        };
        assert_eq!(
            waiver_before_term(twice, leap_day),
            Err(problem!("non_compete_waived"))
        );
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
