//! Changing a clearance tier through its chain (002 第五条, 第六条): the department proposes,
//! HR or the department head (a manager above the person) reviews, the security officer
//! approves, and at least two people besides the proposer decide. Only an approved change
//! takes effect.

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
    /// Nobody decides their own proposal, at either step.
    OwnProposal,
    /// Whoever reviewed a change does not approve it too (two people at least, 002 第五条).
    OwnReview,
    /// A manager reviews only the changes of people below them in the reporting line.
    OutsideTheLine,
    /// The step is another role's: HR or the department head reviews, security approves.
    NotTheirStep(Step),
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

impl ChainRefusal {
    /// The catalog key (under `sec.clearance.why.`) saying why the reader may not take the
    /// step, for the refusals that are about who they are.
    pub fn why_key(self) -> Option<&'static str> {
        Some(match self {
            ChainRefusal::OwnRecord => "own_record",
            ChainRefusal::OwnProposal => "own_proposal",
            ChainRefusal::OwnReview => "own_review",
            ChainRefusal::OutsideTheLine => "outside_the_line",
            ChainRefusal::NotTheirStep(Step::Review) => "not_a_reviewer",
            ChainRefusal::NotTheirStep(Step::Approval) => "not_an_approver",
            _ => return None,
        })
    }
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

/// Who the one deciding is, as far as the chain is concerned.
#[derive(Debug, Clone, Copy, Default)]
pub struct Decider {
    pub hr: bool,
    pub security: bool,
    pub manager: bool,
    /// A manager above the person in the reporting line (their department head).
    pub manager_above: bool,
    /// The one deciding proposed the change.
    pub proposed: bool,
    /// The one deciding took the review step of the change.
    pub reviewed: bool,
    /// The one deciding is the person whose tier it is.
    pub own_record: bool,
}

impl ChangeStatus {
    /// The step the change waits for, if it is still in its chain.
    pub fn next_step(self) -> Option<Step> {
        match self {
            ChangeStatus::Proposed => Some(Step::Review),
            ChangeStatus::Reviewed => Some(Step::Approval),
            ChangeStatus::Approved | ChangeStatus::Rejected => None,
        }
    }
}

/// Whether the decider may take the step (002 第五条: the department head reviews, the unit
/// leader approves). At least two people other than the proposer: the proposer decides
/// neither step and the reviewer does not approve, so one user holding every role cannot
/// take a change through alone. The review is HR's or a manager's above the person in the
/// reporting line; the approval is security's. Who asks is checked before the change's
/// state, so a stranger to the change hears the same whatever its state.
pub fn may_take(step: Step, status: ChangeStatus, d: &Decider) -> Result<(), ChainRefusal> {
    if d.own_record {
        return Err(ChainRefusal::OwnRecord);
    }
    if d.proposed {
        return Err(ChainRefusal::OwnProposal);
    }
    match step {
        Step::Review if d.hr || d.manager_above => {}
        Step::Review if d.manager => return Err(ChainRefusal::OutsideTheLine),
        Step::Approval if d.security => {
            if d.reviewed {
                return Err(ChainRefusal::OwnReview);
            }
        }
        _ => return Err(ChainRefusal::NotTheirStep(step)),
    }
    if status != step.expects() {
        return Err(ChainRefusal::WrongStep {
            is: status,
            expected: step.expects(),
        });
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
    pub decider: Decider,
}

/// The status a step leaves the change in, when the decider may take it (`may_take`).
pub fn take_step(t: &StepTaken) -> Result<ChangeStatus, ChainRefusal> {
    may_take(t.step, t.status, &t.decider)?;
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

    fn hr() -> Decider {
        Decider {
            hr: true,
            ..Decider::default()
        }
    }

    fn security() -> Decider {
        Decider {
            security: true,
            ..Decider::default()
        }
    }

    fn step(step: Step, status: ChangeStatus) -> StepTaken {
        StepTaken {
            step,
            decision: Decision::Approve,
            status,
            decider: match step {
                Step::Review => hr(),
                Step::Approval => security(),
            },
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
            decider: Decider {
                proposed: true,
                ..hr()
            },
            ..review
        };
        assert_eq!(take_step(&own), Err(ChainRefusal::OwnProposal));
        let mine = StepTaken {
            decider: Decider {
                own_record: true,
                ..hr()
            },
            ..review
        };
        assert_eq!(take_step(&mine), Err(ChainRefusal::OwnRecord));
    }

    /// Every role at once: HR, security and a manager above the person.
    fn everything() -> Decider {
        Decider {
            hr: true,
            security: true,
            manager: true,
            manager_above: true,
            ..Decider::default()
        }
    }

    #[test]
    fn the_proposer_decides_neither_step() {
        let proposer = Decider {
            proposed: true,
            ..everything()
        };
        assert_eq!(
            may_take(Step::Review, ChangeStatus::Proposed, &proposer),
            Err(ChainRefusal::OwnProposal)
        );
        assert_eq!(
            may_take(Step::Approval, ChangeStatus::Reviewed, &proposer),
            Err(ChainRefusal::OwnProposal)
        );
    }

    #[test]
    fn the_reviewer_may_not_approve() {
        let reviewer = Decider {
            reviewed: true,
            ..everything()
        };
        assert_eq!(
            may_take(Step::Approval, ChangeStatus::Reviewed, &reviewer),
            Err(ChainRefusal::OwnReview)
        );
        // Another security officer may.
        assert_eq!(
            may_take(Step::Approval, ChangeStatus::Reviewed, &security()),
            Ok(())
        );
    }

    #[test]
    fn one_user_holding_every_role_cannot_take_a_change_through_alone() {
        // Whoever proposed it, the one with every role can take at most one step of it: the
        // review of someone else's proposal, and then not the approval.
        let all = everything();
        assert_eq!(may_take(Step::Review, ChangeStatus::Proposed, &all), Ok(()));
        let after = Decider {
            reviewed: true,
            ..all
        };
        assert_eq!(
            may_take(Step::Approval, ChangeStatus::Reviewed, &after),
            Err(ChainRefusal::OwnReview)
        );
    }

    #[test]
    fn a_manager_above_the_person_may_review() {
        let head = Decider {
            manager: true,
            manager_above: true,
            ..Decider::default()
        };
        assert_eq!(
            may_take(Step::Review, ChangeStatus::Proposed, &head),
            Ok(())
        );
        assert_eq!(
            may_take(Step::Approval, ChangeStatus::Reviewed, &head),
            Err(ChainRefusal::NotTheirStep(Step::Approval)),
            "the approval is security's"
        );
    }

    #[test]
    fn a_manager_outside_the_line_may_not_review() {
        let outside = Decider {
            manager: true,
            ..Decider::default()
        };
        assert_eq!(
            may_take(Step::Review, ChangeStatus::Proposed, &outside),
            Err(ChainRefusal::OutsideTheLine)
        );
        // Whatever the change's state: who asks comes first.
        assert_eq!(
            may_take(Step::Review, ChangeStatus::Reviewed, &outside),
            Err(ChainRefusal::OutsideTheLine)
        );
    }

    #[test]
    fn hr_and_the_department_head_review_and_security_approves() {
        assert_eq!(
            may_take(Step::Review, ChangeStatus::Proposed, &security()),
            Err(ChainRefusal::NotTheirStep(Step::Review))
        );
        assert_eq!(
            may_take(Step::Approval, ChangeStatus::Reviewed, &hr()),
            Err(ChainRefusal::NotTheirStep(Step::Approval))
        );
        assert_eq!(ChangeStatus::Proposed.next_step(), Some(Step::Review));
        assert_eq!(ChangeStatus::Reviewed.next_step(), Some(Step::Approval));
        assert_eq!(ChangeStatus::Approved.next_step(), Option::None);
        assert_eq!(ChainRefusal::OwnReview.why_key(), Some("own_review"));
        assert_eq!(ChainRefusal::ChangeWaiting.why_key(), Option::None);
    }

    #[test]
    fn every_step_needs_a_reason() {
        assert!(check_reason("  ").is_err());
        assert_eq!(check_reason(" 调入核心岗位 ").unwrap(), "调入核心岗位");
    }
}
