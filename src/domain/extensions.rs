//! Extending a declassification period (002 第十一条 "必要时可适当延长"): HR or security asks,
//! a security officer other than the one who asked decides.

use chrono::NaiveDate;

use super::clearance::{ChangeStatus, Decision};
use super::obligations::{ObligationKind, ObligationStatus};

/// Why an extension may not be asked for or decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtensionRefusal {
    /// Only a running declassification period is extended.
    NotExtendable,
    /// The new end must be after the period's current end.
    NotAfterTheEnd,
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
    pub ends_on: Option<NaiveDate>,
}

/// A period may be extended to `new_end` while it runs, to a day after its end.
pub fn may_extend(period: &Period, new_end: NaiveDate) -> Result<(), ExtensionRefusal> {
    if period.kind != ObligationKind::Declassification || period.status != ObligationStatus::Active
    {
        return Err(ExtensionRefusal::NotExtendable);
    }
    if period.ends_on.is_some_and(|end| new_end <= end) {
        return Err(ExtensionRefusal::NotAfterTheEnd);
    }
    Ok(())
}

/// The status a decision leaves a request in: only a request still proposed is decided, and
/// not by whoever asked.
pub fn decide(
    status: ChangeStatus,
    own_request: bool,
    decision: Decision,
) -> Result<ChangeStatus, ExtensionRefusal> {
    if status != ChangeStatus::Proposed {
        return Err(ExtensionRefusal::AlreadyDecided(status));
    }
    if own_request {
        return Err(ExtensionRefusal::OwnRequest);
    }
    Ok(match decision {
        Decision::Approve => ChangeStatus::Approved,
        Decision::Reject => ChangeStatus::Rejected,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn running(ends_on: NaiveDate) -> Period {
        Period {
            kind: ObligationKind::Declassification,
            status: ObligationStatus::Active,
            ends_on: Some(ends_on),
        }
    }

    #[test]
    fn only_a_running_declassification_period_is_extended_and_only_past_its_end() {
        let end = day(2028, 2, 29);
        assert_eq!(may_extend(&running(end), day(2028, 3, 1)), Ok(()));
        assert_eq!(
            may_extend(&running(end), end),
            Err(ExtensionRefusal::NotAfterTheEnd)
        );
        assert_eq!(
            may_extend(&running(end), day(2028, 2, 28)),
            Err(ExtensionRefusal::NotAfterTheEnd)
        );
        let confidentiality = Period {
            kind: ObligationKind::Confidentiality,
            ..running(end)
        };
        assert_eq!(
            may_extend(&confidentiality, day(2029, 1, 1)),
            Err(ExtensionRefusal::NotExtendable)
        );
        let ended = Period {
            status: ObligationStatus::Ended,
            ..running(end)
        };
        assert_eq!(
            may_extend(&ended, day(2029, 1, 1)),
            Err(ExtensionRefusal::NotExtendable)
        );
    }

    #[test]
    fn a_request_is_decided_once_and_never_by_whoever_asked() {
        assert_eq!(
            decide(ChangeStatus::Proposed, false, Decision::Approve),
            Ok(ChangeStatus::Approved)
        );
        assert_eq!(
            decide(ChangeStatus::Proposed, false, Decision::Reject),
            Ok(ChangeStatus::Rejected)
        );
        assert_eq!(
            decide(ChangeStatus::Proposed, true, Decision::Approve),
            Err(ExtensionRefusal::OwnRequest)
        );
        assert_eq!(
            decide(ChangeStatus::Approved, false, Decision::Reject),
            Err(ExtensionRefusal::AlreadyDecided(ChangeStatus::Approved))
        );
    }
}
