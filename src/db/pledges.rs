//! Pledge texts with their versions, signed pledges, and who still owes an entry pledge.

use crate::db::WriteTx;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::dsl::{exists, max, not};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use super::audit;
use super::employees::{self, Employee};
use super::listing::{self, Page, Window};
use super::schema::{employees as employees_table, pledge_texts, pledges};
use super::{DbConnection, is_unique_violation, stored_instant};
use crate::domain::audit::{Actor, NewEvent};
use crate::domain::people::{ClearanceTier, EmployeeStatus};
use crate::domain::pledges::{PledgeKind, Signature, SigningMethod};
use crate::error::{Error, Result};
use crate::problem;

#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = pledge_texts)]
pub struct PledgeText {
    pub id: String,
    /// entry, key_post or exit.
    pub kind: PledgeKind,
    /// 1, 2, … per kind.
    pub version: i32,
    pub title_zh: String,
    pub body_zh: String,
    pub title_en: String,
    pub body_en: String,
    #[serde(serialize_with = "crate::clock::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    pub created_by: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = pledges)]
pub struct Pledge {
    pub id: String,
    pub employee_id: String,
    pub pledge_text_id: String,
    pub kind: PledgeKind,
    /// e_signed, paper or refused.
    pub method: SigningMethod,
    #[schema(value_type = String, format = Date)]
    pub signed_on: NaiveDate,
    pub typed_name: Option<String>,
    pub scan_ref: Option<String>,
    pub refusal_reason: Option<String>,
    pub recorded_by: String,
    #[serde(serialize_with = "crate::clock::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub recorded_at: NaiveDateTime,
    /// The scan of a pledge signed on paper, when one is kept (served to HR and security at
    /// `/employees/{id}/pledges/{pledge_id}/scan`).
    pub scan_id: Option<String>,
}

/// The texts of one language pair, as an admin writes them.
pub struct NewText<'a> {
    pub kind: PledgeKind,
    pub title_zh: &'a str,
    pub body_zh: &'a str,
    pub title_en: &'a str,
    pub body_en: &'a str,
}

/// Adds the next version of a kind's text.
pub fn add_text(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    actor_id: &str,
    text: &NewText<'_>,
) -> Result<PledgeText> {
    let latest: Option<i32> = pledge_texts::table
        .filter(pledge_texts::kind.eq(text.kind.as_str()))
        .select(max(pledge_texts::version))
        .first(tx.conn())?;
    let version = latest.unwrap_or(0) + 1;
    let id = uuid::Uuid::now_v7().to_string();
    diesel::insert_into(pledge_texts::table)
        .values((
            pledge_texts::id.eq(&id),
            pledge_texts::kind.eq(text.kind.as_str()),
            pledge_texts::version.eq(version),
            pledge_texts::title_zh.eq(text.title_zh),
            pledge_texts::body_zh.eq(text.body_zh),
            pledge_texts::title_en.eq(text.title_en),
            pledge_texts::body_en.eq(text.body_en),
            pledge_texts::created_at.eq(stored_instant(now)),
            pledge_texts::created_by.eq(actor_id),
        ))
        .execute(tx.conn())
        .map_err(|e| {
            if is_unique_violation(&e) {
                Error::refused(problem!("pledge_version_race"))
            } else {
                e.into()
            }
        })?;
    audit::record(
        tx,
        now,
        NewEvent {
            actor: &Actor::User(actor_id.to_string()),
            action: "pledge_text.added",
            subject_type: "pledge_text",
            subject_id: &id,
            details: json!({ "kind": text.kind, "version": version }),
        },
    )?;
    Ok(pledge_texts::table
        .find(&id)
        .select(PledgeText::as_select())
        .first(tx.conn())?)
}

/// Texts, newest version first within each kind.
pub fn texts(conn: &mut DbConnection, kind: Option<PledgeKind>) -> QueryResult<Vec<PledgeText>> {
    let mut q = pledge_texts::table.into_boxed();
    if let Some(k) = kind {
        q = q.filter(pledge_texts::kind.eq(k.as_str()));
    }
    q.order((pledge_texts::kind, pledge_texts::version.desc()))
        .select(PledgeText::as_select())
        .load(conn)
}

/// Records that an employee signed (or refused) a pledge text.
pub fn record(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    actor_id: &str,
    employee_id: &str,
    pledge_text_id: &str,
    signature: &Signature,
) -> Result<Pledge> {
    employees::find(tx, employee_id)?.ok_or(Error::NotFound)?;
    let kind: String = pledge_texts::table
        .find(pledge_text_id)
        .select(pledge_texts::kind)
        .first(tx.conn())
        .optional()?
        .ok_or_else(|| Error::field("pledge_text_id", problem!("no_pledge_text_with_id")))?;
    let id = uuid::Uuid::now_v7().to_string();
    diesel::insert_into(pledges::table)
        .values((
            pledges::id.eq(&id),
            pledges::employee_id.eq(employee_id),
            pledges::pledge_text_id.eq(pledge_text_id),
            pledges::kind.eq(&kind),
            pledges::method.eq(signature.method.as_str()),
            pledges::signed_on.eq(signature.signed_on),
            pledges::typed_name.eq(&signature.typed_name),
            pledges::scan_ref.eq(&signature.scan_ref),
            pledges::refusal_reason.eq(&signature.refusal_reason),
            pledges::recorded_by.eq(actor_id),
            pledges::recorded_at.eq(stored_instant(now)),
        ))
        .execute(tx.conn())?;
    audit::record(
        tx,
        now,
        NewEvent {
            actor: &Actor::User(actor_id.to_string()),
            action: if signature.method == SigningMethod::Refused {
                "pledge.refused"
            } else {
                "pledge.signed"
            },
            subject_type: "employee",
            subject_id: employee_id,
            details: json!({
                "pledge_id": id, "pledge_text_id": pledge_text_id, "kind": kind,
                "method": signature.method, "signed_on": signature.signed_on,
                "refusal_reason": signature.refusal_reason,
            }),
        },
    )?;
    Ok(pledges::table
        .find(&id)
        .select(Pledge::as_select())
        .first(tx.conn())?)
}

/// An employee's pledges, newest first.
pub fn of_employee(conn: &mut DbConnection, employee_id: &str) -> QueryResult<Vec<Pledge>> {
    pledges::table
        .filter(pledges::employee_id.eq(employee_id))
        .order((pledges::signed_on.desc(), pledges::recorded_at.desc()))
        .select(Pledge::as_select())
        .load(conn)
}

/// People in a classified tier, still employed, with no signed entry pledge: HR's to-do list.
pub fn missing_entry(conn: &mut DbConnection, window: Window) -> QueryResult<Page<Employee>> {
    let query = || {
        let signed = pledges::table
            .filter(pledges::employee_id.eq(employees_table::id))
            .filter(pledges::kind.eq(PledgeKind::Entry))
            .filter(pledges::method.ne(SigningMethod::Refused));
        employees_table::table
            .filter(employees_table::clearance_tier.eq_any(ClearanceTier::classified()))
            .filter(employees_table::status.eq_any([
                EmployeeStatus::Active.as_str(),
                EmployeeStatus::Departing.as_str(),
            ]))
            .filter(not(exists(signed)))
            .into_boxed()
    };
    listing::page(conn, window, query, |conn, q| {
        q.order((employees_table::department, employees_table::name))
            .select(Employee::as_select())
            .load(conn)
    })
}

/// Whether an exit pledge of the employee is on record for a departure noticed on `notice_date`:
/// signed (on screen or on paper) or refused with its reason on or after that day.
pub fn exit_pledge_on_record(
    conn: &mut DbConnection,
    employee_id: &str,
    notice_date: NaiveDate,
) -> QueryResult<bool> {
    diesel::select(exists(
        pledges::table
            .filter(pledges::employee_id.eq(employee_id))
            .filter(pledges::kind.eq(PledgeKind::Exit))
            .filter(pledges::signed_on.ge(notice_date)),
    ))
    .get_result(conn)
}

/// The newest version of a kind's text, if any.
pub fn latest_text_id(conn: &mut DbConnection, kind: PledgeKind) -> QueryResult<Option<String>> {
    pledge_texts::table
        .filter(pledge_texts::kind.eq(kind.as_str()))
        .order(pledge_texts::version.desc())
        .select(pledge_texts::id)
        .first(conn)
        .optional()
}
