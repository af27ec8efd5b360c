//! A case's course (DOMAIN "Breaches"): reported → triaged → investigating → substantiated or
//! unfounded → closed, each step with a reason, and what security records along the way.

use chrono::NaiveDate;

use super::{
    CaseStatus, Consequence, Fault, Gravity, Severity, authority_report_due, suggested_consequence,
};
use crate::domain::obligations::ObligationStatus;

impl CaseStatus {
    /// The steps a security officer may take from here.
    pub fn next(self) -> &'static [CaseStatus] {
        use CaseStatus::*;
        match self {
            Reported => &[Triaged],
            Triaged => &[Investigating],
            Investigating => &[Substantiated, Unfounded],
            Substantiated | Unfounded => &[Closed],
            Closed => &[],
        }
    }
}

/// Why a step of a case is refused: every reason at once, each on its field.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StepRefusal {
    /// The step is not one the case may take from the status it is in (that status).
    pub not_next: Option<CaseStatus>,
    /// A step is taken with a reason, kept with it.
    pub no_reason: bool,
    /// Triage sets a severity.
    pub no_severity: bool,
}

/// Why security's change to a case is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseRefusal {
    Step(StepRefusal),
    /// No employee has the id the change names.
    NoSuchEmployee,
    /// No obligation has the id the change names.
    NoSuchObligation,
    /// The obligation belongs to another employee than the case names.
    ObligationOfAnother,
}

/// Checks a step of a case: allowed from its status, with a reason, and with a severity when
/// triaging.
pub fn check_step(
    from: CaseStatus,
    to: CaseStatus,
    reason: &str,
    severity: Option<Severity>,
) -> Result<(), StepRefusal> {
    let refusal = StepRefusal {
        not_next: (!from.next().contains(&to)).then_some(from),
        no_reason: reason.trim().is_empty(),
        no_severity: to == CaseStatus::Triaged && severity.is_none(),
    };
    if refusal == StepRefusal::default() {
        Ok(())
    } else {
        Err(refusal)
    }
}

/// What security changes on a case; every field optional.
#[derive(Debug, Default, Clone)]
pub struct CaseChange {
    pub status: Option<CaseStatus>,
    pub reason: String,
    pub severity: Option<Severity>,
    pub fault: Option<Fault>,
    pub gravity: Option<Gravity>,
    pub caused_loss: Option<bool>,
    pub decision: Option<String>,
    pub state_secret: Option<bool>,
    pub reward: Option<String>,
    pub employee_id: Option<String>,
    pub obligation_id: Option<String>,
}

/// A case as it stands: what a change keeps unless it says otherwise.
#[derive(Debug, Clone, Copy)]
pub struct CaseState<'a> {
    pub status: CaseStatus,
    pub severity: Option<Severity>,
    pub fault: Option<Fault>,
    pub gravity: Option<Gravity>,
    pub caused_loss: Option<bool>,
    pub decision: Option<&'a str>,
    pub state_secret: bool,
    pub reward: Option<&'a str>,
    pub employee_id: Option<&'a str>,
    pub obligation_id: Option<&'a str>,
    /// The day the leak came to light: the day reported, or the day the case was opened.
    pub known_on: NaiveDate,
}

/// What the register says of the ids a change names.
#[derive(Debug, Clone, Copy)]
pub struct Named<'a> {
    /// An employee has the id the change names (true when it names none).
    pub employee_known: bool,
    /// For an obligation the change names: its employee, or `None` when no obligation has
    /// the id. `None` here when the change names no obligation.
    pub obligation_of: Option<Option<&'a str>>,
}

/// The case after a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseUpdate {
    pub status: CaseStatus,
    /// The step taken (from, to), kept with the change's reason.
    pub step: Option<(CaseStatus, CaseStatus)>,
    pub severity: Option<Severity>,
    pub fault: Option<Fault>,
    pub gravity: Option<Gravity>,
    pub caused_loss: Option<bool>,
    /// What the ladder suggests, once fault, gravity and loss are all known.
    pub suggested: Option<Consequence>,
    pub decision: Option<String>,
    pub state_secret: bool,
    pub authority_report_due: Option<NaiveDate>,
    pub reward: Option<String>,
    pub employee_id: Option<String>,
    pub obligation_id: Option<String>,
    /// The obligation a substantiated case marks breached (when it is one of
    /// [`BREACHABLE`]).
    pub breaches: Option<String>,
}

/// The statuses of an obligation a substantiated case marks breached: a running one, or one
/// that has since ended (the breach happened while it ran).
pub const BREACHABLE: &[ObligationStatus] = &[ObligationStatus::Active, ObligationStatus::Ended];

/// Security's change to a case: a step it may take (see [`check_step`]); the employee and
/// obligation it names exist, and the obligation is the named employee's (linking an
/// obligation names its employee). What the change leaves out stays as it was; the ladder's
/// suggestion and the report due at the secrecy administration follow the findings; a
/// substantiated case marks its obligation breached, whenever the link is made.
pub fn change_case(
    case: &CaseState<'_>,
    c: &CaseChange,
    named: &Named<'_>,
) -> Result<CaseUpdate, CaseRefusal> {
    if let Some(to) = c.status {
        check_step(case.status, to, &c.reason, c.severity).map_err(CaseRefusal::Step)?;
    }
    if !named.employee_known {
        return Err(CaseRefusal::NoSuchEmployee);
    }
    let obligation_employee = match named.obligation_of {
        None => None,
        Some(None) => return Err(CaseRefusal::NoSuchObligation),
        Some(Some(owner)) => Some(owner),
    };
    let employee = c.employee_id.as_deref().or(case.employee_id);
    if let (Some(employee), Some(owner)) = (employee, obligation_employee)
        && employee != owner
    {
        return Err(CaseRefusal::ObligationOfAnother);
    }
    let severity = c.severity.or(case.severity);
    let fault = c.fault.or(case.fault);
    let gravity = c.gravity.or(case.gravity);
    let caused_loss = c.caused_loss.or(case.caused_loss);
    let suggested = match (fault, gravity, caused_loss) {
        (Some(f), Some(g), Some(l)) => Some(suggested_consequence(f, g, l)),
        _ => None,
    };
    let state_secret = c.state_secret.unwrap_or(case.state_secret);
    let status = c.status.unwrap_or(case.status);
    let obligation_id = c
        .obligation_id
        .clone()
        .or(case.obligation_id.map(str::to_string));
    Ok(CaseUpdate {
        status,
        step: c.status.map(|to| (case.status, to)),
        severity,
        fault,
        gravity,
        caused_loss,
        suggested,
        decision: c.decision.clone().or(case.decision.map(str::to_string)),
        state_secret,
        // Counted from when the leak came to light, however late the flag is set.
        authority_report_due: authority_report_due(state_secret, severity, case.known_on),
        reward: c.reward.clone().or(case.reward.map(str::to_string)),
        employee_id: obligation_employee.or(employee).map(str::to_string),
        breaches: obligation_id
            .clone()
            .filter(|_| status == CaseStatus::Substantiated),
        obligation_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_case_moves_reported_triaged_investigating_decided_closed_each_step_with_a_reason() {
        use CaseStatus::*;
        assert!(check_step(Reported, Triaged, "looks real", Some(Severity::High)).is_ok());
        let e = check_step(Reported, Triaged, "x", None).unwrap_err();
        assert!(e.no_severity && !e.no_reason && e.not_next.is_none());
        let e = check_step(Reported, Substantiated, "", None).unwrap_err();
        assert_eq!(e.not_next, Some(Reported));
        assert!(e.no_reason && !e.no_severity);
        assert!(check_step(Investigating, Unfounded, "no evidence", None).is_ok());
        assert!(check_step(Investigating, Substantiated, "found", None).is_ok());
        assert!(check_step(Substantiated, Closed, "done", None).is_ok());
        assert_eq!(
            check_step(Closed, Reported, "again", None).unwrap_err(),
            StepRefusal {
                not_next: Some(Closed),
                ..StepRefusal::default()
            }
        );
        assert!(
            Closed.next().is_empty(),
            "a closed case cannot change any more"
        );
    }

    fn reported(known_on: NaiveDate) -> CaseState<'static> {
        CaseState {
            status: CaseStatus::Reported,
            severity: None,
            fault: None,
            gravity: None,
            caused_loss: None,
            decision: None,
            state_secret: false,
            reward: None,
            employee_id: Some("e1"),
            obligation_id: None,
            known_on,
        }
    }

    const NOTHING_NAMED: Named<'static> = Named {
        employee_known: true,
        obligation_of: None,
    };

    #[test]
    fn a_step_refused_names_every_fault_and_changes_nothing() {
        let change = CaseChange {
            status: Some(CaseStatus::Closed),
            employee_id: Some("nobody".into()),
            ..CaseChange::default()
        };
        let named = Named {
            employee_known: false,
            ..NOTHING_NAMED
        };
        // The step is judged first, with all its faults together.
        assert_eq!(
            change_case(&reported(d(2028, 2, 29)), &change, &named),
            Err(CaseRefusal::Step(StepRefusal {
                not_next: Some(CaseStatus::Reported),
                no_reason: true,
                no_severity: false,
            }))
        );
    }

    #[test]
    fn a_case_names_only_an_employee_and_an_obligation_in_the_register() {
        let case = reported(d(2028, 2, 29));
        let names_employee = CaseChange {
            employee_id: Some("nobody".into()),
            ..CaseChange::default()
        };
        let unknown = Named {
            employee_known: false,
            ..NOTHING_NAMED
        };
        assert_eq!(
            change_case(&case, &names_employee, &unknown),
            Err(CaseRefusal::NoSuchEmployee)
        );
        let names_obligation = CaseChange {
            obligation_id: Some("o-none".into()),
            ..CaseChange::default()
        };
        let no_obligation = Named {
            obligation_of: Some(None),
            ..NOTHING_NAMED
        };
        assert_eq!(
            change_case(&case, &names_obligation, &no_obligation),
            Err(CaseRefusal::NoSuchObligation)
        );
    }

    #[test]
    fn an_obligation_linked_to_a_case_belongs_to_the_employee_the_case_names() {
        let case = reported(d(2028, 2, 29));
        let link = CaseChange {
            obligation_id: Some("o2".into()),
            ..CaseChange::default()
        };
        let of = |owner| Named {
            obligation_of: Some(Some(owner)),
            ..NOTHING_NAMED
        };
        assert_eq!(
            change_case(&case, &link, &of("e2")),
            Err(CaseRefusal::ObligationOfAnother)
        );
        let update = change_case(&case, &link, &of("e1")).unwrap();
        assert_eq!(update.obligation_id.as_deref(), Some("o2"));
        // A case naming nobody yet takes the obligation's employee.
        let anonymous = CaseState {
            employee_id: None,
            ..case
        };
        let update = change_case(&anonymous, &link, &of("e2")).unwrap();
        assert_eq!(update.employee_id.as_deref(), Some("e2"));
    }

    #[test]
    fn a_change_keeps_what_it_leaves_out_and_the_ladder_follows_the_findings() {
        let case = CaseState {
            status: CaseStatus::Investigating,
            severity: Some(Severity::Medium),
            fault: Some(Fault::Negligent),
            decision: Some("warned"),
            reward: Some("500"),
            ..reported(d(2028, 2, 29))
        };
        let findings = CaseChange {
            gravity: Some(Gravity::Minor),
            ..CaseChange::default()
        };
        let update = change_case(&case, &findings, &NOTHING_NAMED).unwrap();
        assert_eq!(update.status, CaseStatus::Investigating);
        assert_eq!(update.step, None);
        assert_eq!(update.severity, Some(Severity::Medium));
        assert_eq!(update.suggested, None, "the loss is not known yet");
        assert_eq!(update.decision.as_deref(), Some("warned"));
        assert_eq!(update.reward.as_deref(), Some("500"));
        let loss = CaseChange {
            caused_loss: Some(true),
            ..findings
        };
        let update = change_case(&case, &loss, &NOTHING_NAMED).unwrap();
        assert_eq!(update.suggested, Some(Consequence::FineAndDemotion));
    }

    #[test]
    fn a_state_secret_flag_set_late_is_due_the_day_after_the_leak_came_to_light() {
        let case = CaseState {
            severity: Some(Severity::High),
            ..reported(d(2028, 2, 29))
        };
        let flag = CaseChange {
            state_secret: Some(true),
            ..CaseChange::default()
        };
        let update = change_case(&case, &flag, &NOTHING_NAMED).unwrap();
        assert!(update.state_secret);
        assert_eq!(update.authority_report_due, Some(d(2028, 3, 1)));
        let low = CaseChange {
            severity: Some(Severity::Low),
            ..flag
        };
        let update = change_case(&case, &low, &NOTHING_NAMED).unwrap();
        assert_eq!(update.authority_report_due, None);
    }

    #[test]
    fn a_substantiated_case_marks_its_obligation_breached_whenever_the_link_is_made() {
        let investigating = CaseState {
            status: CaseStatus::Investigating,
            obligation_id: Some("o1"),
            ..reported(d(2028, 12, 31))
        };
        let substantiate = CaseChange {
            status: Some(CaseStatus::Substantiated),
            reason: "proved".into(),
            ..CaseChange::default()
        };
        let update = change_case(&investigating, &substantiate, &NOTHING_NAMED).unwrap();
        assert_eq!(
            update.step,
            Some((CaseStatus::Investigating, CaseStatus::Substantiated))
        );
        assert_eq!(update.breaches.as_deref(), Some("o1"));
        // Linked after the decision: marked then.
        let substantiated = CaseState {
            status: CaseStatus::Substantiated,
            obligation_id: None,
            ..investigating
        };
        let link = CaseChange {
            obligation_id: Some("o3".into()),
            ..CaseChange::default()
        };
        let named = Named {
            obligation_of: Some(Some("e1")),
            ..NOTHING_NAMED
        };
        let update = change_case(&substantiated, &link, &named).unwrap();
        assert_eq!(update.breaches.as_deref(), Some("o3"));
        let unfounded = CaseChange {
            status: Some(CaseStatus::Unfounded),
            ..substantiate
        };
        let update = change_case(&investigating, &unfounded, &NOTHING_NAMED).unwrap();
        assert_eq!(update.breaches, None);
        assert_eq!(
            BREACHABLE,
            [ObligationStatus::Active, ObligationStatus::Ended]
        );
    }
}
