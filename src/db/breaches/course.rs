//! The case's course: its steps from status to status, the changes security records, and the
//! decision (a substantiated case marks its obligation breached).

use crate::db::WriteTx;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::json;

use super::{CaseDetail, find, get};
use crate::db::audit;
use crate::db::schema::{breach_cases, breach_steps, obligations};
use crate::db::users::User;
use crate::db::{Locked, lock_row, stored_instant};
use crate::domain::FieldErrors;
use crate::domain::audit::{Actor, NewEvent};
use crate::domain::breaches::{
    BREACHABLE, CaseRefusal, CaseState, CaseStatus, Consequence, Named, change_case,
};
use crate::domain::obligations::ObligationStatus;
use crate::error::{Error, Result};
use crate::problem;

pub(super) fn add_step(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    case_id: &str,
    actor_id: Option<&str>,
    from: Option<CaseStatus>,
    to: CaseStatus,
    reason: &str,
) -> QueryResult<()> {
    diesel::insert_into(breach_steps::table)
        .values((
            breach_steps::id.eq(uuid::Uuid::now_v7().to_string()),
            breach_steps::case_id.eq(case_id),
            breach_steps::at.eq(stored_instant(now)),
            breach_steps::actor_id.eq(actor_id),
            breach_steps::from_status.eq(from.map(|s| s.as_str())),
            breach_steps::to_status.eq(to.as_str()),
            breach_steps::reason.eq(reason),
        ))
        .execute(tx.conn())?;
    Ok(())
}

pub use crate::domain::breaches::CaseChange;

impl From<CaseRefusal> for Error {
    fn from(refusal: CaseRefusal) -> Error {
        match refusal {
            CaseRefusal::Step(step) => {
                let mut errors = FieldErrors::new();
                if let Some(from) = step.not_next {
                    // One text a state: Chinese names the states, and the steps they go to.
                    errors.add(
                        "status",
                        match from {
                            CaseStatus::Reported => problem!("case_goes_to_from_reported"),
                            CaseStatus::Triaged => problem!("case_goes_to_from_triaged"),
                            CaseStatus::Investigating => {
                                problem!("case_goes_to_from_investigating")
                            }
                            CaseStatus::Substantiated => {
                                problem!("case_goes_to_from_substantiated")
                            }
                            CaseStatus::Unfounded => problem!("case_goes_to_from_unfounded"),
                            CaseStatus::Closed => problem!("case_final"),
                        },
                    );
                }
                if step.no_reason {
                    errors.add("reason", crate::problem!("step_reason_required"));
                }
                if step.no_severity {
                    errors.add("severity", crate::problem!("triage_sets_severity"));
                }
                Error::Validation(errors)
            }
            CaseRefusal::NoSuchEmployee => {
                Error::field("employee_id", crate::problem!("no_employee_with_id"))
            }
            CaseRefusal::NoSuchObligation => {
                Error::field("obligation_id", crate::problem!("no_obligation_with_id"))
            }
            CaseRefusal::ObligationOfAnother => {
                Error::field("obligation_id", crate::problem!("obligation_of_another"))
            }
        }
    }
}

/// Security takes a step or records findings. A substantiated case linked to an obligation
/// marks it breached.
pub fn change(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    tz: chrono_tz::Tz,
    user: &User,
    id: &str,
    c: &CaseChange,
) -> Result<CaseDetail> {
    lock_row(tx, Locked::Breach, id)?;
    let case = find(tx, id)?;
    let employee_known = match &c.employee_id {
        Some(e) => crate::db::employees::find(tx, e)?.is_some(),
        None => true,
    };
    let obligation_of: Option<Option<String>> = match &c.obligation_id {
        None => None,
        Some(o) => Some(
            obligations::table
                .find(o)
                .select(obligations::employee_id)
                .first(tx.conn())
                .optional()?,
        ),
    };
    let known_on = case
        .discovered_on
        .unwrap_or_else(|| crate::clock::company_date(case.created_at.and_utc(), tz));
    let update = change_case(
        &CaseState {
            status: case.status,
            severity: case.severity,
            fault: case.fault,
            gravity: case.gravity,
            caused_loss: case.caused_loss,
            decision: case.decision.as_deref(),
            state_secret: case.state_secret,
            reward: case.reward.as_deref(),
            employee_id: case.employee_id.as_deref(),
            obligation_id: case.obligation_id.as_deref(),
            known_on,
        },
        c,
        &Named {
            employee_known,
            obligation_of: obligation_of.as_ref().map(Option::as_deref),
        },
    )?;
    diesel::update(breach_cases::table.find(id))
        .set((
            breach_cases::status.eq(update.status.as_str()),
            breach_cases::severity.eq(&update.severity),
            breach_cases::fault.eq(&update.fault),
            breach_cases::gravity.eq(&update.gravity),
            breach_cases::caused_loss.eq(update.caused_loss),
            breach_cases::suggested.eq(update.suggested.map(Consequence::as_str)),
            breach_cases::decision.eq(&update.decision),
            breach_cases::state_secret.eq(update.state_secret),
            breach_cases::authority_report_due.eq(update.authority_report_due),
            breach_cases::reward.eq(&update.reward),
            breach_cases::employee_id.eq(&update.employee_id),
            breach_cases::obligation_id.eq(&update.obligation_id),
            breach_cases::updated_at.eq(stored_instant(now)),
        ))
        .execute(tx.conn())?;
    if let Some((from, to)) = update.step {
        add_step(tx, now, id, Some(&user.id), Some(from), to, c.reason.trim())?;
    }
    audit::record(
        tx,
        now,
        NewEvent {
            actor: &Actor::User(user.id.clone()),
            action: "breach.changed",
            subject_type: "breach",
            subject_id: id,
            details: json!({
                "from": case.status, "to": update.status, "reason": c.reason.trim(),
                "severity": update.severity, "suggested": update.suggested,
                "decision": c.decision, "state_secret": update.state_secret,
                "authority_report_due": update.authority_report_due, "reward": c.reward,
                "obligation_id": update.obligation_id,
            }),
        },
    )?;
    if let Some(o) = &update.breaches {
        let marked = diesel::update(
            obligations::table
                .find(o)
                .filter(obligations::status.eq_any(BREACHABLE.iter().map(|s| s.as_str()))),
        )
        .set((
            obligations::status.eq(ObligationStatus::Breached),
            obligations::updated_at.eq(stored_instant(now)),
        ))
        .execute(tx.conn())?;
        if marked == 1 {
            audit::record(
                tx,
                now,
                NewEvent {
                    actor: &Actor::User(user.id.clone()),
                    action: "obligation.breached",
                    subject_type: "obligation",
                    subject_id: o,
                    details: json!({ "case": case.code }),
                },
            )?;
        }
    }
    get(tx, id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::breaches::StepRefusal;

    fn fields(e: Error) -> std::collections::BTreeMap<String, String> {
        match e {
            Error::Validation(errors) => errors
                .0
                .iter()
                .map(|(f, p)| (f.clone(), crate::catalog::english(p)))
                .collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_refused_step_says_where_the_case_can_go_and_what_is_missing() {
        let e = fields(
            CaseRefusal::Step(StepRefusal {
                not_next: Some(CaseStatus::Reported),
                no_reason: true,
                no_severity: true,
            })
            .into(),
        );
        assert_eq!(e["status"], "the case is reported; it can go to triaged");
        assert_eq!(e["reason"], "say why (it is kept with the step)");
        assert_eq!(
            e["severity"],
            "triage sets a severity: low, medium, high or critical"
        );
        let e = fields(
            CaseRefusal::Step(StepRefusal {
                not_next: Some(CaseStatus::Investigating),
                ..StepRefusal::default()
            })
            .into(),
        );
        assert_eq!(
            e["status"],
            "the case is investigating; it can go to substantiated or unfounded"
        );
        let e = fields(
            CaseRefusal::Step(StepRefusal {
                not_next: Some(CaseStatus::Closed),
                ..StepRefusal::default()
            })
            .into(),
        );
        assert_eq!(e["status"], "the case is closed; it cannot change any more");
    }
}
