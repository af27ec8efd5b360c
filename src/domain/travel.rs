//! Travel abroad (出境) of classified personnel and of people in their declassification period
//! (Law on Guarding State Secrets art. 45, 46): only with approval. Security decides; the
//! tiers the policy names need a second approval by a unit leader; the return is reported,
//! and a trip taken without approval is a breach.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use super::FieldErrors;
use super::clearance::Decision;
use super::people::ClearanceTier;
use crate::problem;

crate::string_enum! {
    /// Where a trip stands.
    pub enum TripStatus ("a trip status") {
        /// Asked for; security decides.
        Requested = "requested",
        /// Security approved; a unit leader's second approval is still needed.
        AwaitingSecondApproval = "awaiting_second_approval",
        Approved = "approved",
        Refused = "refused",
        /// Security recorded a trip taken without an approval (a breach).
        Unapproved = "unapproved",
    }
}

impl TripStatus {
    /// Still waiting for a decision.
    pub const PENDING: &'static [TripStatus] =
        &[TripStatus::Requested, TripStatus::AwaitingSecondApproval];
}

/// The travel settings of the policy (policies saved before they existed get the defaults).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TravelPolicy {
    /// The tiers whose trips need a unit leader's approval after security's.
    pub second_approval_tiers: Vec<ClearanceTier>,
    /// Days after a trip's end before an unreported return, or a travel document not back
    /// with security, is flagged.
    pub report_back_days: u32,
}

impl Default for TravelPolicy {
    fn default() -> TravelPolicy {
        TravelPolicy {
            second_approval_tiers: vec![ClearanceTier::Core],
            report_back_days: 7,
        }
    }
}

/// The longest wait for a return the policy may set.
pub const MAX_REPORT_BACK_DAYS: u32 = 90;

impl TravelPolicy {
    pub fn check(&self, errors: &mut FieldErrors) {
        if self.report_back_days > MAX_REPORT_BACK_DAYS {
            errors.add(
                "travel.report_back_days",
                problem!("between", min = 0, max = MAX_REPORT_BACK_DAYS),
            );
        }
    }

    /// Whether a trip of someone of `tier` needs the second approval.
    pub fn needs_second_approval(&self, tier: ClearanceTier) -> bool {
        self.second_approval_tiers.contains(&tier)
    }
}

/// Why a trip may not be asked for, decided or recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TripRefusal {
    /// The last day is before the first.
    EndsBeforeItStarts,
    /// The person is not serving classified staff and no period of theirs runs on any day
    /// of the trip: nobody's approval is needed, or can be given.
    OutsideAnyPeriod,
    /// The decision was taken already, or is not this role's to take now.
    NotAwaiting(TripStatus),
    /// The second approval is a unit leader's (an administrator's).
    SecondApprovalIsALeaders,
    /// Nobody gives both approvals.
    SameApprover,
    /// Only an approved trip comes back, or takes a document out.
    NotApproved,
    /// The return was recorded already.
    AlreadyReturned,
    /// An approved trip covers these dates: it was not taken without approval.
    CoveredByAnApproval,
}

/// Whom a trip is asked for, as it stands on the day of the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Traveller {
    /// The tier of a person serving on a classified post (none when not serving, or no tier).
    pub serving_tier: ClearanceTier,
    /// The running declassification periods: first day, last day (none: open), tier.
    pub periods: Vec<(NaiveDate, Option<NaiveDate>, Option<ClearanceTier>)>,
}

impl Traveller {
    /// The tier whose rules the trip falls under: the serving tier, else the highest tier of
    /// a period running on any day of the trip; none when neither.
    pub fn tier_for(&self, from: NaiveDate, to: NaiveDate) -> Option<ClearanceTier> {
        if self.serving_tier != ClearanceTier::None {
            return Some(self.serving_tier);
        }
        self.periods
            .iter()
            .filter(|(start, end, _)| *start <= to && end.is_none_or(|e| e >= from))
            .map(|(_, _, tier)| tier.unwrap_or(ClearanceTier::General))
            .max_by_key(|t| rank(*t))
    }
}

fn rank(tier: ClearanceTier) -> u8 {
    match tier {
        ClearanceTier::None => 0,
        ClearanceTier::General => 1,
        ClearanceTier::Important => 2,
        ClearanceTier::Core => 3,
    }
}

/// A trip may be asked for by serving classified staff, or for days on which a period of the
/// person runs; the answer is the tier whose policy decides it.
pub fn may_request(
    traveller: &Traveller,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<ClearanceTier, TripRefusal> {
    if to < from {
        return Err(TripRefusal::EndsBeforeItStarts);
    }
    traveller
        .tier_for(from, to)
        .ok_or(TripRefusal::OutsideAnyPeriod)
}

/// Who decides a trip now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decider {
    Security,
    /// A unit leader (the administrator role).
    Leader,
}

/// The status a decision leaves a trip in: security decides a request, approving it to the
/// end or to the leader's second approval when the tier needs one; the leader decides only
/// after security and is not the one who approved first.
pub fn decide(
    status: TripStatus,
    decider: Decider,
    decision: Decision,
    needs_second: bool,
    same_as_first_approver: bool,
) -> Result<TripStatus, TripRefusal> {
    match (status, decider) {
        (TripStatus::Requested, Decider::Security) => Ok(match decision {
            Decision::Reject => TripStatus::Refused,
            Decision::Approve if needs_second => TripStatus::AwaitingSecondApproval,
            Decision::Approve => TripStatus::Approved,
        }),
        (TripStatus::AwaitingSecondApproval, Decider::Leader) => {
            if same_as_first_approver {
                return Err(TripRefusal::SameApprover);
            }
            Ok(match decision {
                Decision::Reject => TripStatus::Refused,
                Decision::Approve => TripStatus::Approved,
            })
        }
        (TripStatus::Requested, Decider::Leader) => Err(TripRefusal::NotAwaiting(status)),
        (TripStatus::AwaitingSecondApproval, Decider::Security) => {
            Err(TripRefusal::SecondApprovalIsALeaders)
        }
        (other, _) => Err(TripRefusal::NotAwaiting(other)),
    }
}

/// The return of a trip is recorded once, for an approved trip.
pub fn may_record_return(
    status: TripStatus,
    returned_on: Option<NaiveDate>,
) -> Result<(), TripRefusal> {
    if status != TripStatus::Approved {
        return Err(TripRefusal::NotApproved);
    }
    if returned_on.is_some() {
        return Err(TripRefusal::AlreadyReturned);
    }
    Ok(())
}

/// The day after which something due back at a trip's end plus the policy's days is late.
pub fn due_back_by(ends_on: NaiveDate, days: u32) -> NaiveDate {
    ends_on
        .checked_add_days(Days::new(days.into()))
        .unwrap_or(NaiveDate::MAX)
}

/// An approved trip whose return is not reported once `days` have passed after its end.
pub fn is_overdue(
    status: TripStatus,
    ends_on: NaiveDate,
    returned_on: Option<NaiveDate>,
    today: NaiveDate,
    days: u32,
) -> bool {
    status == TripStatus::Approved && returned_on.is_none() && today > due_back_by(ends_on, days)
}

/// What recording a trip taken without approval does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnapprovedTrip {
    /// The trip is kept as unapproved and a breach case is opened about the person.
    OpensCase,
}

/// A trip recorded as taken without approval opens a breach case — unless an approved trip
/// of the person covers its days (`approved` are the approved trips' first and last days).
pub fn taken_without_approval(
    from: NaiveDate,
    to: NaiveDate,
    approved: &[(NaiveDate, NaiveDate)],
) -> Result<UnapprovedTrip, TripRefusal> {
    if to < from {
        return Err(TripRefusal::EndsBeforeItStarts);
    }
    if approved.iter().any(|(f, t)| *f <= from && to <= *t) {
        return Err(TripRefusal::CoveredByAnApproval);
    }
    Ok(UnapprovedTrip::OpensCase)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn former(periods: Vec<(NaiveDate, Option<NaiveDate>, Option<ClearanceTier>)>) -> Traveller {
        Traveller {
            serving_tier: ClearanceTier::None,
            periods,
        }
    }

    #[test]
    fn core_tier_trips_need_a_second_approval() {
        let policy = TravelPolicy::default();
        assert!(policy.needs_second_approval(ClearanceTier::Core));
        assert!(!policy.needs_second_approval(ClearanceTier::Important));
        assert!(!policy.needs_second_approval(ClearanceTier::General));
        let first = decide(
            TripStatus::Requested,
            Decider::Security,
            Decision::Approve,
            true,
            false,
        );
        assert_eq!(first, Ok(TripStatus::AwaitingSecondApproval));
        assert_eq!(
            decide(
                TripStatus::AwaitingSecondApproval,
                Decider::Leader,
                Decision::Approve,
                true,
                false
            ),
            Ok(TripStatus::Approved)
        );
        assert_eq!(
            decide(
                TripStatus::Requested,
                Decider::Security,
                Decision::Approve,
                false,
                false
            ),
            Ok(TripStatus::Approved),
            "one approval for the other tiers"
        );
    }

    #[test]
    fn the_second_approval_is_a_leaders_after_securitys_and_not_the_same_persons() {
        let d = |s, who, same| decide(s, who, Decision::Approve, true, same);
        assert_eq!(
            d(TripStatus::Requested, Decider::Leader, false),
            Err(TripRefusal::NotAwaiting(TripStatus::Requested))
        );
        assert_eq!(
            d(TripStatus::AwaitingSecondApproval, Decider::Security, false),
            Err(TripRefusal::SecondApprovalIsALeaders)
        );
        assert_eq!(
            d(TripStatus::AwaitingSecondApproval, Decider::Leader, true),
            Err(TripRefusal::SameApprover)
        );
        for done in [
            TripStatus::Approved,
            TripStatus::Refused,
            TripStatus::Unapproved,
        ] {
            assert_eq!(
                d(done, Decider::Security, false),
                Err(TripRefusal::NotAwaiting(done))
            );
        }
        assert_eq!(
            decide(
                TripStatus::AwaitingSecondApproval,
                Decider::Leader,
                Decision::Reject,
                true,
                false
            ),
            Ok(TripStatus::Refused)
        );
    }

    #[test]
    fn a_trip_outside_any_running_period_is_refused() {
        // A general period from 1 March 2028 to 28 February 2029.
        let t = former(vec![(
            day(2028, 3, 1),
            Some(day(2029, 2, 28)),
            Some(ClearanceTier::General),
        )]);
        assert_eq!(
            may_request(&t, day(2029, 3, 1), day(2029, 3, 10)),
            Err(TripRefusal::OutsideAnyPeriod)
        );
        assert_eq!(
            may_request(&t, day(2029, 2, 28), day(2029, 3, 10)),
            Ok(ClearanceTier::General),
            "its last day counts"
        );
        assert_eq!(
            may_request(&former(vec![]), day(2029, 1, 1), day(2029, 1, 2)),
            Err(TripRefusal::OutsideAnyPeriod)
        );
        assert_eq!(
            may_request(&t, day(2028, 6, 2), day(2028, 6, 1)),
            Err(TripRefusal::EndsBeforeItStarts)
        );
    }

    #[test]
    fn serving_classified_staff_ask_for_any_dates_under_their_tier() {
        let t = Traveller {
            serving_tier: ClearanceTier::Important,
            periods: vec![],
        };
        assert_eq!(
            may_request(&t, day(2030, 1, 1), day(2030, 1, 5)),
            Ok(ClearanceTier::Important)
        );
        // A former employee with two periods running: the higher tier decides.
        let two = former(vec![
            (day(2028, 3, 1), None, Some(ClearanceTier::General)),
            (
                day(2028, 3, 1),
                Some(day(2031, 2, 28)),
                Some(ClearanceTier::Core),
            ),
        ]);
        assert_eq!(
            may_request(&two, day(2029, 1, 1), day(2029, 1, 9)),
            Ok(ClearanceTier::Core)
        );
    }

    #[test]
    fn a_trip_not_reported_back_within_seven_days_is_overdue() {
        let days = TravelPolicy::default().report_back_days;
        assert_eq!(days, 7);
        // Ends on leap day 2028: due back by 7 March.
        let end = day(2028, 2, 29);
        let overdue = |status, returned, today| is_overdue(status, end, returned, today, days);
        assert!(!overdue(TripStatus::Approved, None, day(2028, 3, 7)));
        assert!(overdue(TripStatus::Approved, None, day(2028, 3, 8)));
        assert!(!overdue(
            TripStatus::Approved,
            Some(day(2028, 3, 1)),
            day(2028, 3, 8)
        ));
        assert!(!overdue(TripStatus::Refused, None, day(2028, 3, 8)));
        assert!(!overdue(TripStatus::Requested, None, day(2028, 3, 8)));
    }

    #[test]
    fn a_return_is_recorded_once_and_only_for_an_approved_trip() {
        assert_eq!(may_record_return(TripStatus::Approved, None), Ok(()));
        assert_eq!(
            may_record_return(TripStatus::Approved, Some(day(2028, 1, 1))),
            Err(TripRefusal::AlreadyReturned)
        );
        assert_eq!(
            may_record_return(TripStatus::Requested, None),
            Err(TripRefusal::NotApproved)
        );
    }

    #[test]
    fn a_trip_taken_without_approval_opens_a_case() {
        let approved = [(day(2028, 5, 1), day(2028, 5, 10))];
        assert_eq!(
            taken_without_approval(day(2028, 6, 1), day(2028, 6, 3), &approved),
            Ok(UnapprovedTrip::OpensCase)
        );
        // Longer than the approved trip: the days past it were not approved.
        assert_eq!(
            taken_without_approval(day(2028, 5, 1), day(2028, 5, 12), &approved),
            Ok(UnapprovedTrip::OpensCase)
        );
        assert_eq!(
            taken_without_approval(day(2028, 5, 2), day(2028, 5, 9), &approved),
            Err(TripRefusal::CoveredByAnApproval)
        );
    }

    #[test]
    fn the_policy_bounds_the_days_to_report_back() {
        let mut errors = FieldErrors::new();
        TravelPolicy {
            report_back_days: MAX_REPORT_BACK_DAYS + 1,
            ..TravelPolicy::default()
        }
        .check(&mut errors);
        assert!(errors.finish().is_err());
        let mut errors = FieldErrors::new();
        TravelPolicy::default().check(&mut errors);
        assert!(errors.finish().is_ok());
    }
}
