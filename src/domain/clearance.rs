//! Changing a clearance tier through its chain (002 第五条, 第六条): the department proposes,
//! HR reviews, the security officer approves. Only an approved change takes effect.

use super::people::{ClearanceTier, EmployeeStatus};
use super::problem::Problem;
use crate::problem;

crate::string_enum! {
    pub enum ChangeStatus ("a status") {
        Proposed = "proposed",
        Reviewed = "reviewed",
        Approved = "approved",
        Rejected = "rejected",
    }
}

impl ChangeStatus {
    /// Still waiting for a step of the chain.
    pub fn is_open(self) -> bool {
        matches!(self, ChangeStatus::Proposed | ChangeStatus::Reviewed)
    }
}

crate::string_enum! {
    pub enum Decision ("a decision") {
        Approve = "approve",
        Reject = "reject",
    }
}

/// A decision at a step, with its reason.
#[derive(Debug, Clone, Copy)]
pub struct Verdict<'a> {
    pub decision: Decision,
    pub reason: &'a str,
}

/// The step a decision is taken at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Review,
    Approval,
}

impl Step {
    /// The status a change must have for this step.
    pub fn expects(self) -> ChangeStatus {
        match self {
            Step::Review => ChangeStatus::Proposed,
            Step::Approval => ChangeStatus::Reviewed,
        }
    }

    /// The status after the decision.
    pub fn outcome(self, decision: Decision) -> ChangeStatus {
        match (self, decision) {
            (_, Decision::Reject) => ChangeStatus::Rejected,
            (Step::Review, Decision::Approve) => ChangeStatus::Reviewed,
            (Step::Approval, Decision::Approve) => ChangeStatus::Approved,
        }
    }
}

/// Why a step of the chain may not be taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChainRefusal {
    /// Nobody acts on a change about their own record.
    OwnRecord,
    /// Nobody decides their own proposal.
    OwnProposal,
    /// Tiers change only while the person is employed.
    NotEmployed(EmployeeStatus),
    /// The proposed tier is the person's tier already.
    AlreadyTheTier,
    /// Another change for the person is still in its chain.
    ChangeWaiting,
    /// The change is not at the step being taken.
    WrongStep {
        is: ChangeStatus,
        expected: ChangeStatus,
    },
}

/// What a proposal is decided on.
#[derive(Debug, Clone, Copy)]
pub struct Proposal {
    pub employee_status: EmployeeStatus,
    pub current: ClearanceTier,
    pub proposed: ClearanceTier,
    /// The proposer is the person whose tier it is.
    pub own_record: bool,
    /// A change for the person is still proposed or reviewed.
    pub change_waiting: bool,
}

/// A new tier may be proposed for someone employed, other than the proposer, when it differs
/// from their tier and no other change is in its chain.
pub fn may_propose(p: &Proposal) -> Result<(), ChainRefusal> {
    if p.own_record {
        return Err(ChainRefusal::OwnRecord);
    }
    if !p.employee_status.is_employed() {
        return Err(ChainRefusal::NotEmployed(p.employee_status));
    }
    if p.current == p.proposed {
        return Err(ChainRefusal::AlreadyTheTier);
    }
    if p.change_waiting {
        return Err(ChainRefusal::ChangeWaiting);
    }
    Ok(())
}

/// What a step is decided on.
#[derive(Debug, Clone, Copy)]
pub struct StepTaken {
    pub step: Step,
    pub decision: Decision,
    /// The change's status now.
    pub status: ChangeStatus,
    /// The one deciding proposed the change.
    pub own_proposal: bool,
    /// The one deciding is the person whose tier it is.
    pub own_record: bool,
}

/// The status a step leaves the change in: the step must be the change's next one, and is
/// taken neither by its proposer nor by the person concerned.
pub fn take_step(t: &StepTaken) -> Result<ChangeStatus, ChainRefusal> {
    if t.status != t.step.expects() {
        return Err(ChainRefusal::WrongStep {
            is: t.status,
            expected: t.step.expects(),
        });
    }
    if t.own_proposal {
        return Err(ChainRefusal::OwnProposal);
    }
    if t.own_record {
        return Err(ChainRefusal::OwnRecord);
    }
    Ok(t.step.outcome(t.decision))
}

/// Every step gives its reason.
pub fn check_reason(text: &str) -> Result<String, Problem> {
    let text = text.trim();
    if text.is_empty() {
        Err(problem!("reason_required"))
    } else if text.chars().count() > 2000 {
        Err(problem!("too_long", max = 2000))
    } else {
        Ok(text.to_string())
    }
}

/// A change to a lower tier, or to none, means the person left a classified post (脱离涉密岗位)
/// and owes the declassification period of the tier they held.
pub fn leaves_classified_post(from: ClearanceTier, to: ClearanceTier) -> bool {
    from.is_classified() && to < from
}

#[cfg(test)]
mod tests {
    use super::*;
    use ClearanceTier::*;

    #[test]
    fn only_a_lowered_or_removed_tier_leaves_a_classified_post() {
        assert!(leaves_classified_post(Core, General));
        assert!(leaves_classified_post(General, None));
        assert!(!leaves_classified_post(General, Core));
        assert!(!leaves_classified_post(None, General));
        assert!(!leaves_classified_post(None, None));
    }

    #[test]
    fn the_chain_runs_proposed_then_reviewed_then_approved() {
        assert_eq!(Step::Review.expects(), ChangeStatus::Proposed);
        assert_eq!(
            Step::Review.outcome(Decision::Approve),
            ChangeStatus::Reviewed
        );
        assert_eq!(Step::Approval.expects(), ChangeStatus::Reviewed);
        assert_eq!(
            Step::Approval.outcome(Decision::Approve),
            ChangeStatus::Approved
        );
        assert_eq!(
            Step::Approval.outcome(Decision::Reject),
            ChangeStatus::Rejected
        );
        assert!(ChangeStatus::Reviewed.is_open());
        assert!(!ChangeStatus::Rejected.is_open());
    }

    fn proposal() -> Proposal {
        Proposal {
            employee_status: EmployeeStatus::Active,
            current: General,
            proposed: Core,
            own_record: false,
            change_waiting: false,
        }
    }

    #[test]
    fn a_tier_is_proposed_only_for_someone_else_employed_with_no_change_waiting() {
        assert_eq!(may_propose(&proposal()), Ok(()));
        let departing = Proposal {
            employee_status: EmployeeStatus::Departing,
            ..proposal()
        };
        assert_eq!(may_propose(&departing), Ok(()), "working their notice");
        for status in [EmployeeStatus::Departed, EmployeeStatus::Retired] {
            let gone = Proposal {
                employee_status: status,
                ..proposal()
            };
            assert_eq!(may_propose(&gone), Err(ChainRefusal::NotEmployed(status)));
        }
        let own = Proposal {
            own_record: true,
            ..proposal()
        };
        assert_eq!(may_propose(&own), Err(ChainRefusal::OwnRecord));
        let same = Proposal {
            proposed: General,
            ..proposal()
        };
        assert_eq!(may_propose(&same), Err(ChainRefusal::AlreadyTheTier));
        let waiting = Proposal {
            change_waiting: true,
            ..proposal()
        };
        assert_eq!(may_propose(&waiting), Err(ChainRefusal::ChangeWaiting));
    }

    fn step(step: Step, status: ChangeStatus) -> StepTaken {
        StepTaken {
            step,
            decision: Decision::Approve,
            status,
            own_proposal: false,
            own_record: false,
        }
    }

    #[test]
    fn nobody_takes_a_step_of_their_own_proposal_or_their_own_record_or_out_of_turn() {
        let review = step(Step::Review, ChangeStatus::Proposed);
        assert_eq!(take_step(&review), Ok(ChangeStatus::Reviewed));
        let approval = step(Step::Approval, ChangeStatus::Reviewed);
        assert_eq!(take_step(&approval), Ok(ChangeStatus::Approved));
        let rejected = StepTaken {
            decision: Decision::Reject,
            ..approval
        };
        assert_eq!(take_step(&rejected), Ok(ChangeStatus::Rejected));
        let early = step(Step::Approval, ChangeStatus::Proposed);
        assert_eq!(
            take_step(&early),
            Err(ChainRefusal::WrongStep {
                is: ChangeStatus::Proposed,
                expected: ChangeStatus::Reviewed
            })
        );
        let own = StepTaken {
            own_proposal: true,
            ..review
        };
        assert_eq!(take_step(&own), Err(ChainRefusal::OwnProposal));
        let mine = StepTaken {
            own_record: true,
            ..review
        };
        assert_eq!(take_step(&mine), Err(ChainRefusal::OwnRecord));
    }

    #[test]
    fn every_step_needs_a_reason() {
        assert!(check_reason("  ").is_err());
        assert_eq!(check_reason(" 调入核心岗位 ").unwrap(), "调入核心岗位");
    }
}
