//! The terms of a non-compete agreement, beyond its length: who may be bound (Labor Contract
//! Law art. 24), the liquidated damages it names and the penalty of a breach (art. 23, SPC
//! Interpretation (I) art. 40).

use chrono::NaiveDate;

use super::FieldErrors;
use super::breaches::CaseStatus;
use super::obligations::{ObligationKind, ObligationStatus};
use super::problem::Problem;
use crate::problem;

crate::string_enum! {
    /// Why the person may be bound by a non-compete: the law binds only these (art. 24).
    pub enum BoundAs ("a ground for a non-compete") {
        /// 高级管理人员.
        SeniorManagement = "senior_management",
        /// 高级技术人员.
        SeniorTechnical = "senior_technical",
        /// 其他负有保密义务的人员.
        ConfidentialityDuty = "confidentiality_duty",
    }
}

/// Only senior management, senior technical staff and others with a confidentiality duty may
/// be bound (art. 24): an agreement says which, or is not recorded.
pub fn may_be_bound(bound_as: Option<&str>) -> Result<BoundAs, Problem> {
    match bound_as.map(str::trim).filter(|s| !s.is_empty()) {
        None => Err(problem!("non_compete_bound_as_required")),
        Some(text) => text.parse(),
    }
}

/// A penalty of a substantiated breach of the non-compete, as recorded: whether the company
/// claimed the agreed liquidated damages, and what was paid (minor units).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Penalty {
    pub claimed: bool,
    pub claimed_amount: Option<i64>,
    pub claimed_on: Option<NaiveDate>,
    pub paid_amount: Option<i64>,
    pub paid_on: Option<NaiveDate>,
}

/// Why a penalty cannot be recorded on a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PenaltyRefusal {
    /// The case was not substantiated (or was closed without being so).
    NotSubstantiated,
    /// The case is about no obligation, or about one that is not a non-compete.
    NotANonCompete,
}

/// A penalty is recorded on a case that was substantiated, about a non-compete.
pub fn may_record_penalty(
    status: CaseStatus,
    was_substantiated: bool,
    obligation: Option<ObligationKind>,
) -> Result<(), PenaltyRefusal> {
    let substantiated =
        status == CaseStatus::Substantiated || (status == CaseStatus::Closed && was_substantiated);
    if !substantiated {
        return Err(PenaltyRefusal::NotSubstantiated);
    }
    if obligation != Some(ObligationKind::NonCompete) {
        return Err(PenaltyRefusal::NotANonCompete);
    }
    Ok(())
}

/// A penalty as the form gives it, checked: an amount and a date go together, a payment needs
/// a claim, nothing is dated after `today`, and it is paid on or after it was claimed.
pub fn check_penalty(p: &Penalty, today: NaiveDate) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::new();
    for (amount, on, amount_field, on_field) in [
        (
            p.claimed_amount,
            p.claimed_on,
            "claimed_amount",
            "claimed_on",
        ),
        (p.paid_amount, p.paid_on, "paid_amount", "paid_on"),
    ] {
        match (amount, on) {
            (Some(_), None) => errors.add(on_field, problem!("penalty_date_with_amount")),
            (None, Some(_)) => errors.add(amount_field, problem!("penalty_amount_with_date")),
            _ => {}
        }
        if on.is_some_and(|d| d > today) {
            errors.add(on_field, problem!("not_in_the_future"));
        }
    }
    if !p.claimed {
        if p.claimed_amount.is_some() {
            errors.add("claimed_amount", problem!("penalty_not_claimed"));
        }
        if p.paid_amount.is_some() || p.paid_on.is_some() {
            errors.add("paid_amount", problem!("penalty_paid_unclaimed"));
        }
    } else if p.claimed_amount.is_none() {
        errors.add("claimed_amount", problem!("penalty_claim_amount"));
    }
    if let (Some(claimed), Some(paid)) = (p.claimed_on, p.paid_on)
        && paid < claimed
    {
        errors.add("paid_on", problem!("penalty_paid_before_claim"));
    }
    errors.finish()
}

/// Paying the liquidated damages does not end the non-compete (SPC Interpretation (I) art.
/// 40): the obligation keeps the status it had, and runs to its end.
pub fn status_after_penalty(status: ObligationStatus) -> ObligationStatus {
    status
}

/// The region whose minimum wage applies wherever the policy names none of its own (a policy
/// saved with one minimum wage for all keeps it as this region).
pub const EVERY_REGION: &str = "*";

/// A minimum monthly wage of a region, in force from a day (the policy keeps them all, so a
/// past day finds the one of its time).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct MinimumWage {
    /// As agreements name it (e.g. 上海市), or `*` for every region not listed.
    pub region: String,
    /// Minor units (fen).
    pub monthly_minor_units: i64,
    #[schema(value_type = String, format = Date)]
    pub effective_from: NaiveDate,
}

/// The list checked: a region named (at most 100 characters), an amount not negative, one
/// entry a region and day.
pub fn check_minimum_wages(wages: &[MinimumWage], errors: &mut FieldErrors) {
    for (n, w) in wages.iter().enumerate() {
        let region = w.region.trim();
        if region.is_empty() || region.chars().count() > 100 {
            errors.add(
                &format!("minimum_wages.{n}.region"),
                problem!("length_between", min = 1, max = 100),
            );
        }
        if w.monthly_minor_units < 0 {
            errors.add(
                &format!("minimum_wages.{n}.monthly_minor_units"),
                problem!("cannot_be_negative"),
            );
        }
        if wages[..n]
            .iter()
            .any(|o| o.region.trim() == region && o.effective_from == w.effective_from)
        {
            errors.add(
                &format!("minimum_wages.{n}.effective_from"),
                problem!("minimum_wage_twice", region = region.to_string()),
            );
        }
    }
}

/// A region an agreement names is one the policy lists, unless it has an entry for every
/// region or lists none at all.
pub fn check_region(wages: &[MinimumWage], region: &str) -> Result<(), Problem> {
    let listed = |name: &str| wages.iter().any(|w| w.region.trim() == name);
    if wages.is_empty() || listed(region.trim()) || listed(EVERY_REGION) {
        return Ok(());
    }
    let mut names: Vec<&str> = wages.iter().map(|w| w.region.trim()).collect();
    names.dedup();
    Err(problem!(
        "region_without_minimum_wage",
        value = format!("{region:?}"),
        choices = names.join(", ")
    ))
}

/// The minimum wage in force in `region` on `day` (the latest that took effect by then): the
/// region's own, else that of every region (`*`), else none (0).
pub fn minimum_wage_on(wages: &[MinimumWage], region: Option<&str>, day: NaiveDate) -> i64 {
    let latest = |name: &str| {
        wages
            .iter()
            .filter(|w| w.region.trim() == name && w.effective_from <= day)
            .max_by_key(|w| w.effective_from)
            .map(|w| w.monthly_minor_units)
    };
    region
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .and_then(latest)
        .or_else(|| latest(EVERY_REGION))
        .unwrap_or(0)
}

/// What a non-compete owes each month: the amount agreed, which stands even below the floor;
/// where none was agreed, the floor itself — `floor_percent` (30) of the average monthly
/// wage of the 12 months before leaving, not below the minimum wage (SPC Interpretation (I)
/// art. 36). None when nothing was agreed and there is nothing to compute it from.
pub fn owed_monthly(agreed: Option<i64>, floor: i64) -> Option<i64> {
    agreed.or((floor > 0).then_some(floor))
}

/// The compensation of an agreement on its last working day, as shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Compensation {
    /// The amount agreed a month (minor units), none when none was agreed.
    pub agreed: Option<i64>,
    /// The minimum wage in force on the last working day where the contract was performed.
    pub minimum_wage: i64,
    /// The policy's share (30%) of the average wage, not below the minimum wage.
    pub floor: i64,
    /// What each month of the term owes: the agreed amount, else the floor.
    pub owed_monthly: Option<i64>,
    /// The agreed amount is below the floor (it stands, with a warning).
    pub below_floor: bool,
}

/// The compensation an agreement owes when the person leaves on `last_working_day`.
pub fn compensation(
    agreed: Option<i64>,
    average_wage: Option<i64>,
    floor_percent: u32,
    wages: &[MinimumWage],
    region: Option<&str>,
    last_working_day: NaiveDate,
) -> Compensation {
    let minimum_wage = minimum_wage_on(wages, region, last_working_day);
    let floor = super::noncompete::compensation_floor(average_wage, floor_percent, minimum_wage);
    Compensation {
        agreed,
        minimum_wage,
        floor,
        owed_monthly: owed_monthly(agreed, floor),
        below_floor: agreed.is_some_and(|a| a < floor),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn only_people_who_may_be_bound_can_be_bound_by_a_non_compete() {
        assert_eq!(
            may_be_bound(Some("senior_management")),
            Ok(BoundAs::SeniorManagement)
        );
        assert_eq!(
            may_be_bound(Some(" senior_technical ")),
            Ok(BoundAs::SeniorTechnical)
        );
        assert_eq!(
            may_be_bound(Some("confidentiality_duty")),
            Ok(BoundAs::ConfidentialityDuty)
        );
        let missing = may_be_bound(None).unwrap_err();
        assert_eq!(missing, problem!("non_compete_bound_as_required"));
        assert!(
            crate::catalog::english(&missing).contains("art. 24"),
            "the refusal names the law"
        );
        assert_eq!(may_be_bound(Some(" ")), Err(missing));
        let other = crate::catalog::english(&may_be_bound(Some("intern")).unwrap_err());
        assert!(other.contains("senior_management"), "{other}");
    }

    fn penalty() -> Penalty {
        Penalty {
            claimed: true,
            claimed_amount: Some(5_000_000),
            claimed_on: Some(d(2028, 2, 29)),
            paid_amount: Some(5_000_000),
            paid_on: Some(d(2028, 3, 31)),
        }
    }

    #[test]
    fn the_penalty_of_a_substantiated_non_compete_breach_is_recorded_claimed_and_paid() {
        use CaseStatus::*;
        let nc = Some(ObligationKind::NonCompete);
        assert_eq!(may_record_penalty(Substantiated, true, nc), Ok(()));
        assert_eq!(may_record_penalty(Closed, true, nc), Ok(()));
        for status in [Reported, Triaged, Investigating, Unfounded] {
            assert_eq!(
                may_record_penalty(status, false, nc),
                Err(PenaltyRefusal::NotSubstantiated)
            );
        }
        assert_eq!(
            may_record_penalty(Closed, false, nc),
            Err(PenaltyRefusal::NotSubstantiated),
            "closed as unfounded"
        );
        for other in [None, Some(ObligationKind::Confidentiality)] {
            assert_eq!(
                may_record_penalty(Substantiated, true, other),
                Err(PenaltyRefusal::NotANonCompete)
            );
        }

        let today = d(2028, 3, 31);
        assert_eq!(check_penalty(&penalty(), today), Ok(()));
        let not_claimed = Penalty {
            claimed: false,
            claimed_amount: None,
            claimed_on: None,
            paid_amount: None,
            paid_on: None,
        };
        assert_eq!(check_penalty(&not_claimed, today), Ok(()));
        let fields = |p: Penalty| -> Vec<String> {
            check_penalty(&p, today)
                .unwrap_err()
                .0
                .into_keys()
                .collect()
        };
        assert_eq!(
            fields(Penalty {
                claimed: false,
                ..penalty()
            }),
            ["claimed_amount", "paid_amount"],
            "nothing claimed, nothing paid"
        );
        assert_eq!(
            fields(Penalty {
                paid_on: Some(d(2028, 2, 28)),
                ..penalty()
            }),
            ["paid_on"],
            "paid before it was claimed"
        );
        assert_eq!(
            fields(Penalty {
                paid_on: Some(d(2028, 4, 1)),
                ..penalty()
            }),
            ["paid_on"],
            "in the future"
        );
        assert_eq!(
            fields(Penalty {
                paid_on: None,
                ..penalty()
            }),
            ["paid_on"],
            "an amount needs its date"
        );
        assert_eq!(
            fields(Penalty {
                claimed_amount: None,
                ..penalty()
            }),
            ["claimed_amount"]
        );
    }

    fn wage(region: &str, yuan: i64, from: NaiveDate) -> MinimumWage {
        MinimumWage {
            region: region.into(),
            monthly_minor_units: yuan * 100,
            effective_from: from,
        }
    }

    #[test]
    fn compensation_where_none_was_agreed_is_thirty_percent_of_the_wage_not_below_the_minimum_wage()
    {
        use crate::domain::noncompete::compensation_floor;
        let wages = [
            wage("上海市", 2690, d(2024, 7, 1)),
            wage("上海市", 2740, d(2025, 7, 1)),
            wage(EVERY_REGION, 2000, d(2000, 1, 1)),
        ];
        // The minimum wage in force on the last working day.
        assert_eq!(
            minimum_wage_on(&wages, Some("上海市"), d(2025, 6, 30)),
            269_000
        );
        assert_eq!(
            minimum_wage_on(&wages, Some("上海市"), d(2025, 7, 1)),
            274_000
        );
        assert_eq!(
            minimum_wage_on(&wages, Some("北京市"), d(2025, 7, 1)),
            200_000,
            "a region the policy does not list: every region's"
        );
        assert_eq!(minimum_wage_on(&wages, None, d(2025, 7, 1)), 200_000);
        assert_eq!(
            minimum_wage_on(&wages[..2], Some("北京市"), d(2028, 2, 29)),
            0
        );
        assert_eq!(
            minimum_wage_on(&wages, Some("上海市"), d(2024, 2, 29)),
            200_000,
            "before Shanghai's first"
        );

        // 30% of 20,000 is 6,000, above the minimum wage.
        let floor = compensation_floor(Some(2_000_000), 30, 274_000);
        assert_eq!(owed_monthly(None, floor), Some(600_000));
        // 30% of 8,000 is 2,400, below Shanghai's 2,740: the minimum wage.
        let floor = compensation_floor(Some(800_000), 30, 274_000);
        assert_eq!(owed_monthly(None, floor), Some(274_000));
        // An agreed amount below the floor stands (with a warning).
        assert_eq!(owed_monthly(Some(250_000), floor), Some(250_000));
        assert_eq!(owed_monthly(None, 0), None, "nothing to compute from");
    }

    #[test]
    fn minimum_wages_are_checked_per_region_and_day() {
        let mut errors = FieldErrors::new();
        check_minimum_wages(
            &[
                wage("上海市", 2690, d(2024, 7, 1)),
                wage(" ", 2690, d(2024, 7, 1)),
                wage("上海市", -1, d(2024, 7, 1)),
            ],
            &mut errors,
        );
        let fields: Vec<&str> = errors.0.keys().map(String::as_str).collect();
        assert_eq!(
            fields,
            [
                "minimum_wages.1.region",
                "minimum_wages.2.effective_from",
                "minimum_wages.2.monthly_minor_units"
            ]
        );
    }

    #[test]
    fn paying_the_penalty_does_not_end_the_non_compete() {
        for status in [ObligationStatus::Breached, ObligationStatus::Active] {
            assert_eq!(status_after_penalty(status), status);
        }
    }
}
