//! Extending a declassification period (002 第十一条 "必要时可适当延长"): HR or security asks,
//! a security officer other than the one who asked decides. Both the request and the
//! decision check the period as it stands then: running, the new end after its current end
//! and within the policy's ceiling for the tier.

use chrono::NaiveDate;

use super::clearance::{ChangeStatus, Decision};
use super::obligations::{ObligationKind, ObligationStatus};
use super::people::ClearanceTier;
use super::periods::months_after;
use super::policy::ExtensionCeilings;

/// Why an extension may not be asked for or decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtensionRefusal {
    /// Only a declassification period is extended.
    NotExtendable,
    /// The period no longer runs: ended, superseded, waived, or past its last day.
    NotRunning,
    /// The new end must be after the period's current end.
    NotAfterTheEnd,
    /// The period with its extensions may not run longer than the tier's ceiling (in months
    /// from the day the person left the post), that is, past `latest`.
    BeyondCeiling { months: u32, latest: NaiveDate },
    /// The request was decided already.
    AlreadyDecided(ChangeStatus),
    /// Nobody decides their own request.
    OwnRequest,
}

/// The period an extension is about, as it stands.
#[derive(Debug, Clone, Copy)]
pub struct Period {
    pub kind: ObligationKind,
    pub status: ObligationStatus,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    /// The tier whose period it is.
    pub tier: Option<ClearanceTier>,
}

/// The last day a period may reach with its extensions: the ceiling counted, as the period
/// itself, from the day the person left the post (the day before its first day).
pub fn latest_end(starts_on: NaiveDate, ceiling_months: u32) -> NaiveDate {
    let left_on = starts_on.pred_opt().unwrap_or(starts_on);
    months_after(left_on, ceiling_months).ends_on
}

/// A period may be extended to `new_end` while it runs on `today` — breached or not: a breach
/// is the usual reason — to a day after its current end and not past its tier's ceiling.
pub fn may_extend(
    period: &Period,
    new_end: NaiveDate,
    today: NaiveDate,
    ceilings: &ExtensionCeilings,
) -> Result<(), ExtensionRefusal> {
    if period.kind != ObligationKind::Declassification {
        return Err(ExtensionRefusal::NotExtendable);
    }
    let runs = ObligationStatus::OWED.contains(&period.status)
        && period.ends_on.is_none_or(|end| end >= today);
    if !runs {
        return Err(ExtensionRefusal::NotRunning);
    }
    if period.ends_on.is_some_and(|end| new_end <= end) {
        return Err(ExtensionRefusal::NotAfterTheEnd);
    }
    if let Some(months) = period.tier.and_then(|t| ceilings.months(t)) {
        let latest = latest_end(period.starts_on, months);
        if new_end > latest {
            return Err(ExtensionRefusal::BeyondCeiling { months, latest });
        }
    }
    Ok(())
}

/// What a decision is taken on.
#[derive(Debug, Clone, Copy)]
pub struct Request {
    pub status: ChangeStatus,
    /// The one deciding asked for it.
    pub own_request: bool,
    pub new_end: NaiveDate,
}

/// The status a decision leaves a request in: only a request still proposed is decided, and
/// not by whoever asked. An approval checks the period again as it stands now (another
/// request approved since, or the period's end, may have made this one wrong).
pub fn decide(
    request: &Request,
    decision: Decision,
    period: &Period,
    today: NaiveDate,
    ceilings: &ExtensionCeilings,
) -> Result<ChangeStatus, ExtensionRefusal> {
    if request.status != ChangeStatus::Proposed {
        return Err(ExtensionRefusal::AlreadyDecided(request.status));
    }
    if request.own_request {
        return Err(ExtensionRefusal::OwnRequest);
    }
    Ok(match decision {
        Decision::Approve => {
            may_extend(period, request.new_end, today, ceilings)?;
            ChangeStatus::Approved
        }
        Decision::Reject => ChangeStatus::Rejected,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// A general-tier period of someone who left on 29 February 2028.
    fn running(ends_on: NaiveDate) -> Period {
        Period {
            kind: ObligationKind::Declassification,
            status: ObligationStatus::Active,
            starts_on: day(2028, 3, 1),
            ends_on: Some(ends_on),
            tier: Some(ClearanceTier::General),
        }
    }

    fn today() -> NaiveDate {
        day(2028, 6, 1)
    }

    fn check(period: &Period, new_end: NaiveDate) -> Result<(), ExtensionRefusal> {
        may_extend(period, new_end, today(), &ExtensionCeilings::default())
    }

    #[test]
    fn only_a_running_declassification_period_is_extended_and_only_past_its_end() {
        let end = day(2029, 2, 28);
        assert_eq!(check(&running(end), day(2029, 3, 1)), Ok(()));
        assert_eq!(
            check(&running(end), end),
            Err(ExtensionRefusal::NotAfterTheEnd)
        );
        assert_eq!(
            check(&running(end), day(2029, 2, 27)),
            Err(ExtensionRefusal::NotAfterTheEnd)
        );
        let confidentiality = Period {
            kind: ObligationKind::Confidentiality,
            ..running(end)
        };
        assert_eq!(
            check(&confidentiality, day(2029, 6, 1)),
            Err(ExtensionRefusal::NotExtendable)
        );
        for status in [
            ObligationStatus::Ended,
            ObligationStatus::Superseded,
            ObligationStatus::Waived,
        ] {
            let gone = Period {
                status,
                ..running(end)
            };
            assert_eq!(
                check(&gone, day(2029, 6, 1)),
                Err(ExtensionRefusal::NotRunning),
                "{status}"
            );
        }
        // Past its last day it no longer runs, even before the nightly job ends it.
        let past = running(day(2028, 5, 31));
        assert_eq!(
            check(&past, day(2029, 1, 1)),
            Err(ExtensionRefusal::NotRunning)
        );
    }

    #[test]
    fn a_breached_period_can_be_extended() {
        let breached = Period {
            status: ObligationStatus::Breached,
            ..running(day(2029, 2, 28))
        };
        assert_eq!(check(&breached, day(2029, 8, 31)), Ok(()));
    }

    #[test]
    fn a_period_with_its_extensions_stays_within_the_ceiling_of_its_tier() {
        // General: 24 months from leaving on 29 February 2028, so 28 February 2030 at most.
        let p = running(day(2029, 2, 28));
        assert_eq!(latest_end(p.starts_on, 24), day(2030, 2, 28));
        assert_eq!(check(&p, day(2030, 2, 28)), Ok(()));
        assert_eq!(
            check(&p, day(2030, 3, 1)),
            Err(ExtensionRefusal::BeyondCeiling {
                months: 24,
                latest: day(2030, 2, 28)
            })
        );
        let core = Period {
            tier: Some(ClearanceTier::Core),
            ..p
        };
        assert_eq!(check(&core, day(2033, 2, 28)), Ok(()), "core: 60 months");
        assert!(check(&core, day(2033, 3, 1)).is_err());
    }

    fn request(new_end: NaiveDate) -> Request {
        Request {
            status: ChangeStatus::Proposed,
            own_request: false,
            new_end,
        }
    }

    #[test]
    fn a_request_is_decided_once_and_never_by_whoever_asked() {
        let p = running(day(2029, 2, 28));
        let c = ExtensionCeilings::default();
        let r = request(day(2029, 8, 31));
        let decided = |r: &Request, d| decide(r, d, &p, today(), &c);
        assert_eq!(decided(&r, Decision::Approve), Ok(ChangeStatus::Approved));
        assert_eq!(decided(&r, Decision::Reject), Ok(ChangeStatus::Rejected));
        let own = Request {
            own_request: true,
            ..r
        };
        assert_eq!(
            decided(&own, Decision::Approve),
            Err(ExtensionRefusal::OwnRequest)
        );
        let done = Request {
            status: ChangeStatus::Approved,
            ..r
        };
        assert_eq!(
            decided(&done, Decision::Reject),
            Err(ExtensionRefusal::AlreadyDecided(ChangeStatus::Approved))
        );
    }

    #[test]
    fn the_decision_checks_the_period_as_it_stands_when_it_is_made() {
        let c = ExtensionCeilings::default();
        // Two requests against an end of 28 February 2029: to 31 December 2029, then to
        // 31 August 2029. The later end approved first, the earlier one would shorten it.
        let now = running(day(2029, 12, 31));
        assert_eq!(
            decide(
                &request(day(2029, 8, 31)),
                Decision::Approve,
                &now,
                today(),
                &c
            ),
            Err(ExtensionRefusal::NotAfterTheEnd)
        );
        // Rejecting it is still possible.
        assert_eq!(
            decide(
                &request(day(2029, 8, 31)),
                Decision::Reject,
                &now,
                today(),
                &c
            ),
            Ok(ChangeStatus::Rejected)
        );
        // A period that ended while the request waited is not extended any more.
        let ended = Period {
            status: ObligationStatus::Ended,
            ..running(day(2029, 2, 28))
        };
        assert_eq!(
            decide(
                &request(day(2029, 8, 31)),
                Decision::Approve,
                &ended,
                day(2029, 3, 5),
                &c
            ),
            Err(ExtensionRefusal::NotRunning)
        );
    }
}
