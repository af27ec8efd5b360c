//! Changing a clearance tier through its chain (002 第五条, 第六条): the department proposes,
//! HR reviews, the security officer approves. Only an approved change takes effect.

use super::people::ClearanceTier;

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

/// Every step gives its reason.
pub fn check_reason(text: &str) -> Result<String, String> {
    let text = text.trim();
    if text.is_empty() {
        Err("is required: say why".into())
    } else if text.chars().count() > 2000 {
        Err("is longer than 2000 characters".into())
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

    #[test]
    fn every_step_needs_a_reason() {
        assert!(check_reason("  ").is_err());
        assert_eq!(check_reason(" 调入核心岗位 ").unwrap(), "调入核心岗位");
    }
}
