//! The case's course: its steps from status to status, the changes security records, and the
//! decision (a substantiated case marks its obligation breached).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::json;

use super::{CaseDetail, find, get};
use crate::db::audit;
use crate::db::schema::{breach_cases, breach_steps, obligations};
use crate::db::users::User;
use crate::db::{DbConnection, Locked, lock_row, stored_instant};
use crate::domain::audit::{Actor, NewEvent};
use crate::domain::breaches::{
    CaseStatus, Consequence, Fault, Gravity, Severity, authority_report_due, check_step,
    suggested_consequence,
};
use crate::domain::obligations::ObligationStatus;
use crate::error::{Error, Result};

pub(super) fn add_step(
    conn: &mut DbConnection,
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
        .execute(conn)?;
    Ok(())
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

/// Security takes a step or records findings. A substantiated case linked to an obligation
/// marks it breached. Call inside a write transaction.
pub fn change(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    tz: chrono_tz::Tz,
    user: &User,
    id: &str,
    c: &CaseChange,
) -> Result<CaseDetail> {
    lock_row(conn, Locked::Breach, id)?;
    let case = find(conn, id)?;
    let from: CaseStatus = case.status;
    if let Some(to) = c.status {
        check_step(from, to, &c.reason, c.severity)?;
    }
    if let Some(e) = &c.employee_id
        && crate::db::employees::find(conn, e)?.is_none()
    {
        return Err(Error::field("employee_id", "no employee has this id"));
    }
    let obligation_employee: Option<String> = match &c.obligation_id {
        None => None,
        Some(o) => Some(
            obligations::table
                .find(o)
                .select(obligations::employee_id)
                .first(conn)
                .optional()?
                .ok_or_else(|| Error::field("obligation_id", "no obligation has this id"))?,
        ),
    };
    let named = c.employee_id.clone().or(case.employee_id.clone());
    if let (Some(named), Some(owner)) = (&named, &obligation_employee)
        && named != owner
    {
        return Err(Error::field(
            "obligation_id",
            "this obligation belongs to another employee than the case names",
        ));
    }
    let employee_id = obligation_employee.or(named);
    let obligation_id = c.obligation_id.clone().or(case.obligation_id.clone());
    let severity = c.severity.or(case.severity);
    let fault = c.fault.or(case.fault);
    let gravity = c.gravity.or(case.gravity);
    let caused_loss = c.caused_loss.or(case.caused_loss);
    let suggested = match (fault, gravity, caused_loss) {
        (Some(f), Some(g), Some(l)) => Some(suggested_consequence(f, g, l)),
        _ => None,
    };
    let state_secret = c.state_secret.unwrap_or(case.state_secret);
    // Counted from when the leak came to light, however late the flag is set.
    let known_on = case
        .discovered_on
        .unwrap_or_else(|| crate::clock::company_date(case.created_at.and_utc(), tz));
    let due = authority_report_due(state_secret, severity, known_on);
    let status = c.status.unwrap_or(from);
    diesel::update(breach_cases::table.find(id))
        .set((
            breach_cases::status.eq(status.as_str()),
            breach_cases::severity.eq(&severity),
            breach_cases::fault.eq(&fault),
            breach_cases::gravity.eq(&gravity),
            breach_cases::caused_loss.eq(caused_loss),
            breach_cases::suggested.eq(suggested.map(Consequence::as_str)),
            breach_cases::decision.eq(c.decision.clone().or(case.decision.clone())),
            breach_cases::state_secret.eq(state_secret),
            breach_cases::authority_report_due.eq(due),
            breach_cases::reward.eq(c.reward.clone().or(case.reward.clone())),
            breach_cases::employee_id.eq(&employee_id),
            breach_cases::obligation_id.eq(&obligation_id),
            breach_cases::updated_at.eq(stored_instant(now)),
        ))
        .execute(conn)?;
    if let Some(to) = c.status {
        add_step(
            conn,
            now,
            id,
            Some(&user.id),
            Some(from),
            to,
            c.reason.trim(),
        )?;
    }
    audit::record(
        conn,
        now,
        NewEvent {
            actor: &Actor::User(user.id.clone()),
            action: "breach.changed",
            subject_type: "breach",
            subject_id: id,
            details: json!({
                "from": from, "to": status, "reason": c.reason.trim(), "severity": severity,
                "suggested": suggested, "decision": c.decision, "state_secret": state_secret,
                "authority_report_due": due, "reward": c.reward, "obligation_id": obligation_id,
            }),
        },
    )?;
    // A substantiated case marks its obligation breached, whenever the link is made; an
    // obligation that has since ended is marked too (the breach happened while it ran).
    if status == CaseStatus::Substantiated
        && let Some(o) = &obligation_id
    {
        let marked = diesel::update(
            obligations::table
                .find(o)
                .filter(obligations::status.eq_any([
                    ObligationStatus::Active.as_str(),
                    ObligationStatus::Ended.as_str(),
                ])),
        )
        .set((
            obligations::status.eq(ObligationStatus::Breached),
            obligations::updated_at.eq(stored_instant(now)),
        ))
        .execute(conn)?;
        if marked == 1 {
            audit::record(
                conn,
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
    get(conn, id)
}
