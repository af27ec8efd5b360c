//! The penalty of a substantiated breach of a non-compete (Labor Contract Law art. 23): whether
//! the liquidated damages were claimed, and what was paid, with the dates — audited. Paying it
//! does not end the non-compete (SPC Interpretation (I) art. 40): the obligation is left as it
//! is.

use crate::db::WriteTx;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use super::find;
use crate::db::audit;
use crate::db::schema::{breach_penalties, breach_steps, obligations};
use crate::db::{DbConnection, Locked, lock_row, stored_instant};
use crate::domain::audit::{Actor, NewEvent};
use crate::domain::breaches::CaseStatus;
use crate::domain::noncompete_terms::{
    Penalty, PenaltyRefusal, check_penalty, may_record_penalty, status_after_penalty,
};
use crate::domain::obligations::{ObligationKind, ObligationStatus};
use crate::error::{Error, Result};
use crate::problem;

/// The penalty recorded on a case: amounts in minor units.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = breach_penalties)]
pub struct PenaltyRecord {
    pub case_id: String,
    /// Whether the company claimed the agreed liquidated damages.
    pub claimed: bool,
    pub claimed_amount: Option<i64>,
    #[schema(value_type = Option<String>, format = Date)]
    pub claimed_on: Option<NaiveDate>,
    pub paid_amount: Option<i64>,
    #[schema(value_type = Option<String>, format = Date)]
    pub paid_on: Option<NaiveDate>,
    pub recorded_by: String,
    #[serde(serialize_with = "crate::clock::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub recorded_at: NaiveDateTime,
}

impl From<PenaltyRefusal> for Error {
    fn from(refusal: PenaltyRefusal) -> Error {
        Error::refused(match refusal {
            PenaltyRefusal::NotSubstantiated => problem!("penalty_case_not_substantiated"),
            PenaltyRefusal::NotANonCompete => problem!("penalty_case_not_non_compete"),
        })
    }
}

/// A case's penalty as read: what the agreement names and what was recorded.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CasePenalty {
    /// Whether the case is about a non-compete obligation (only then has it a penalty).
    pub about_non_compete: bool,
    /// The liquidated damages the agreement of the person concerned names (minor units).
    pub agreed_liquidated_damages: Option<i64>,
    /// None until recorded.
    pub penalty: Option<PenaltyRecord>,
}

/// The case's penalty, and the damages its person's agreement names.
pub fn case_penalty(conn: &mut DbConnection, case_id: &str) -> Result<CasePenalty> {
    let case = find(conn, case_id)?;
    let linked: Option<(String, ObligationKind)> = match &case.obligation_id {
        Some(o) => obligations::table
            .find(o)
            .select((obligations::employee_id, obligations::kind))
            .first(conn)
            .optional()?,
        None => None,
    };
    let about_non_compete = linked
        .as_ref()
        .is_some_and(|(_, kind)| *kind == ObligationKind::NonCompete);
    let employee = linked.map(|(e, _)| e).or(case.employee_id);
    let agreed_liquidated_damages = match employee {
        Some(e) => {
            crate::db::noncompete::agreement_of(conn, &e)?.and_then(|a| a.liquidated_damages)
        }
        None => None,
    };
    Ok(CasePenalty {
        about_non_compete,
        agreed_liquidated_damages,
        penalty: penalty_of(conn, case_id)?,
    })
}

/// The penalty recorded on a case, if any.
pub fn penalty_of(conn: &mut DbConnection, case_id: &str) -> QueryResult<Option<PenaltyRecord>> {
    breach_penalties::table
        .find(case_id)
        .select(PenaltyRecord::as_select())
        .first(conn)
        .optional()
}

/// Records (or corrects) the penalty of a substantiated case about a non-compete, checked as
/// [`check_penalty`] says on `today`; the non-compete itself is left running.
pub fn record_penalty(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    today: NaiveDate,
    actor_id: &str,
    case_id: &str,
    p: &Penalty,
) -> Result<PenaltyRecord> {
    lock_row(tx, Locked::Breach, case_id)?;
    let case = find(tx, case_id)?;
    let was_substantiated: i64 = breach_steps::table
        .filter(breach_steps::case_id.eq(case_id))
        .filter(breach_steps::to_status.eq(CaseStatus::Substantiated.as_str()))
        .count()
        .get_result(tx.conn())?;
    let obligation: Option<(ObligationKind, ObligationStatus)> = match &case.obligation_id {
        None => None,
        Some(o) => obligations::table
            .find(o)
            .select((obligations::kind, obligations::status))
            .first(tx.conn())
            .optional()?,
    };
    may_record_penalty(
        case.status,
        was_substantiated > 0,
        obligation.map(|(kind, _)| kind),
    )?;
    check_penalty(p, today).map_err(Error::Validation)?;
    let before = penalty_of(tx, case_id)?;
    diesel::delete(breach_penalties::table.find(case_id)).execute(tx.conn())?;
    diesel::insert_into(breach_penalties::table)
        .values((
            breach_penalties::case_id.eq(case_id),
            breach_penalties::claimed.eq(p.claimed),
            breach_penalties::claimed_amount.eq(p.claimed_amount),
            breach_penalties::claimed_on.eq(p.claimed_on),
            breach_penalties::paid_amount.eq(p.paid_amount),
            breach_penalties::paid_on.eq(p.paid_on),
            breach_penalties::recorded_by.eq(actor_id),
            breach_penalties::recorded_at.eq(stored_instant(now)),
        ))
        .execute(tx.conn())?;
    audit::record(
        tx,
        now,
        NewEvent {
            actor: &Actor::User(actor_id.to_string()),
            action: "breach.penalty_recorded",
            subject_type: "breach",
            subject_id: case_id,
            details: json!({
                "case": case.code,
                "obligation_id": case.obligation_id,
                "claimed": p.claimed,
                "claimed_amount": p.claimed_amount, "claimed_on": p.claimed_on,
                "paid_amount": p.paid_amount, "paid_on": p.paid_on,
                "before": before.as_ref().map(|b| json!({
                    "claimed": b.claimed, "claimed_amount": b.claimed_amount,
                    "claimed_on": b.claimed_on, "paid_amount": b.paid_amount, "paid_on": b.paid_on,
                })),
                // The duty goes on after payment: the obligation keeps its status.
                "obligation_status": obligation.map(|(_, status)| status_after_penalty(status)),
            }),
        },
    )?;
    penalty_of(tx, case_id)?.ok_or(Error::NotFound)
}
