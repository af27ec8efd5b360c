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

    #[test]
    fn paying_the_penalty_does_not_end_the_non_compete() {
        for status in [ObligationStatus::Breached, ObligationStatus::Active] {
            assert_eq!(status_after_penalty(status), status);
        }
    }
}
