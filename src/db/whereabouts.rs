//! Where former employees work now (离职去向): the competitor list HR keeps, and each new
//! employer recorded by HR or reported by the person through their link. A record the
//! running restrictions forbid opens one breach case about the obligation it breaches (not a
//! second one for the same employer and obligation), and HR and security are told.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use super::employees::Employee;
use super::reminders::{Recipient, plan_one};
use super::schema::{competitors, employees, obligations, whereabouts};
use super::users::User;
use super::{DbConnection, WriteTx, audit, stored_instant};
use crate::domain::audit::{Actor, NewEvent};
use crate::domain::breaches::{CaseSource, NewReport};
use crate::domain::obligations::{ObligationKind, ObligationStatus};
use crate::domain::people::ClearanceTier;
use crate::domain::reminders::ReminderKind;
use crate::domain::users::Role;
use crate::domain::whereabouts::{
    self as rule, EmployerKind, ListedCompetitor, NewWhereabouts, RunningDuty,
};
use crate::error::{Error, Result};
use crate::problem;

/// A competitor on the list HR keeps.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = competitors)]
pub struct Competitor {
    pub id: String,
    pub name: String,
    /// The unified social credit code (统一社会信用代码), if known.
    pub credit_code: Option<String>,
    pub added_by: String,
    #[serde(serialize_with = "crate::clock::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub added_at: NaiveDateTime,
}

/// A new employer of a person, as recorded.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = whereabouts)]
pub struct Whereabouts {
    pub id: String,
    pub employee_id: String,
    pub employer: String,
    pub post: String,
    pub credit_code: Option<String>,
    /// competitor, foreign or other.
    pub kind: EmployerKind,
    /// Whether the kind was given by hand (else it came from the competitor list).
    pub kind_by_hand: bool,
    #[schema(value_type = String, format = Date)]
    pub starts_on: NaiveDate,
    #[schema(value_type = Option<String>, format = Date)]
    pub ends_on: Option<NaiveDate>,
    /// The HR user who recorded it; none when the person reported it through their link.
    pub recorded_by: Option<String>,
    #[serde(serialize_with = "crate::clock::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub recorded_at: NaiveDateTime,
    /// The obligation the new employer breaches, if the running restrictions forbid it.
    pub obligation_id: Option<String>,
    /// The breach case it opened (or the one already open for that employer and obligation).
    pub breach_case_id: Option<String>,
}

/// The competitor list, by name.
pub fn competitor_list(conn: &mut DbConnection) -> QueryResult<Vec<Competitor>> {
    competitors::table
        .order((competitors::name.asc(), competitors::id.asc()))
        .select(Competitor::as_select())
        .load(conn)
}

/// HR adds a competitor; a name already listed (as normalized) is refused on `name`.
pub fn add_competitor(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    user: &User,
    name: &str,
    credit_code: Option<String>,
) -> Result<Competitor> {
    let key = rule::normalized_name(name);
    let taken: i64 = competitors::table
        .filter(competitors::name_key.eq(&key))
        .count()
        .get_result(tx.conn())?;
    if key.is_empty() {
        return Err(Error::field("name", problem!("not_valid")));
    }
    if taken > 0 {
        return Err(Error::field("name", problem!("competitor_already_listed")));
    }
    let id = uuid::Uuid::now_v7().to_string();
    diesel::insert_into(competitors::table)
        .values((
            competitors::id.eq(&id),
            competitors::name.eq(name),
            competitors::name_key.eq(&key),
            competitors::credit_code.eq(&credit_code),
            competitors::added_by.eq(&user.id),
            competitors::added_at.eq(stored_instant(now)),
        ))
        .execute(tx.conn())?;
    audit::record(
        tx,
        now,
        NewEvent {
            actor: &Actor::User(user.id.clone()),
            action: "competitor.added",
            subject_type: "competitor",
            subject_id: &id,
            details: json!({ "name": name, "credit_code": credit_code }),
        },
    )?;
    Ok(competitors::table
        .find(&id)
        .select(Competitor::as_select())
        .first(tx.conn())?)
}

/// HR takes a competitor off the list; one not on it is already off (nothing recorded).
/// Records made while it was listed keep their kind.
pub fn remove_competitor(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    user: &User,
    id: &str,
) -> Result<bool> {
    let found: Option<Competitor> = competitors::table
        .find(id)
        .select(Competitor::as_select())
        .first(tx.conn())
        .optional()?;
    let Some(c) = found else {
        return Ok(false);
    };
    diesel::delete(competitors::table.find(id)).execute(tx.conn())?;
    audit::record(
        tx,
        now,
        NewEvent {
            actor: &Actor::User(user.id.clone()),
            action: "competitor.removed",
            subject_type: "competitor",
            subject_id: id,
            details: json!({ "name": c.name, "credit_code": c.credit_code }),
        },
    )?;
    Ok(true)
}

/// A person's new employers, the latest first.
pub fn of_employee(conn: &mut DbConnection, employee_id: &str) -> QueryResult<Vec<Whereabouts>> {
    whereabouts::table
        .filter(whereabouts::employee_id.eq(employee_id))
        .order((
            whereabouts::starts_on.desc(),
            whereabouts::recorded_at.desc(),
        ))
        .select(Whereabouts::as_select())
        .load(conn)
}

/// The person's duties that restrain a new employer (non-competes, declassification periods).
fn duties(conn: &mut DbConnection, employee_id: &str) -> QueryResult<Vec<RunningDuty>> {
    type Row = (
        String,
        ObligationKind,
        ObligationStatus,
        NaiveDate,
        Option<NaiveDate>,
        Option<ClearanceTier>,
    );
    let rows: Vec<Row> = obligations::table
        .filter(obligations::employee_id.eq(employee_id))
        .filter(
            obligations::kind
                .eq_any([ObligationKind::NonCompete, ObligationKind::Declassification]),
        )
        .order(obligations::starts_on.asc())
        .select((
            obligations::id,
            obligations::kind,
            obligations::status,
            obligations::starts_on,
            obligations::ends_on,
            obligations::tier,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, kind, status, starts_on, ends_on, tier)| RunningDuty {
            id,
            kind,
            status,
            starts_on,
            ends_on,
            tier,
        })
        .collect())
}

/// Records a new employer of `employee` (by HR, or through the person's link when `by` is
/// none). Its kind comes from the competitor list unless given by hand; when the person's
/// running restrictions forbid it, it opens a breach case about the obligation it breaches —
/// one for an employer and obligation, however often it is recorded — and HR and security
/// are told.
pub fn record(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    today: NaiveDate,
    by: Option<&User>,
    employee: &Employee,
    new: &NewWhereabouts,
) -> Result<Whereabouts> {
    super::lock_row(tx, super::Locked::Employee, &employee.id)?;
    let list: Vec<ListedCompetitor> = competitor_list(tx)?
        .into_iter()
        .map(|c| ListedCompetitor {
            name: c.name,
            credit_code: c.credit_code,
        })
        .collect();
    let kind = rule::kind_of(new, &list);
    let duties = duties(tx, &employee.id)?;
    let (_, policy) = super::policy::current(tx)?;
    let breached = rule::breached_duty(
        kind,
        new.starts_on,
        new.ends_on,
        &duties,
        &policy.whereabouts,
    );
    let key = rule::normalized_name(&new.employer);
    let id = uuid::Uuid::now_v7().to_string();
    diesel::insert_into(whereabouts::table)
        .values((
            whereabouts::id.eq(&id),
            whereabouts::employee_id.eq(&employee.id),
            whereabouts::employer.eq(&new.employer),
            whereabouts::employer_key.eq(&key),
            whereabouts::post.eq(&new.post),
            whereabouts::credit_code.eq(&new.credit_code),
            whereabouts::kind.eq(kind),
            whereabouts::kind_by_hand.eq(new.kind.is_some()),
            whereabouts::starts_on.eq(new.starts_on),
            whereabouts::ends_on.eq(new.ends_on),
            whereabouts::recorded_by.eq(by.map(|u| u.id.as_str())),
            whereabouts::recorded_at.eq(stored_instant(now)),
            whereabouts::obligation_id.eq(breached.map(|d| d.id.as_str())),
        ))
        .execute(tx.conn())?;
    let mut case_id = None;
    if let Some(duty) = breached {
        let open: Option<Option<String>> = whereabouts::table
            .filter(whereabouts::employee_id.eq(&employee.id))
            .filter(whereabouts::employer_key.eq(&key))
            .filter(whereabouts::obligation_id.eq(&duty.id))
            .filter(whereabouts::breach_case_id.is_not_null())
            .select(whereabouts::breach_case_id)
            .first(tx.conn())
            .optional()?;
        let case = match open.flatten() {
            Some(case) => case,
            None => {
                let report = NewReport {
                    person: employee.name.clone(),
                    // Names and a day only: the case page shows it in either language.
                    what: format!(
                        "{} → {} {} ({})",
                        employee.name, new.employer, new.post, new.starts_on
                    )
                    .replace("  ", " "),
                    discovered_on: Some(today),
                    carriers: String::new(),
                    contact: String::new(),
                };
                let (case, _) = super::breaches::open(
                    tx,
                    now,
                    super::breaches::Opening {
                        source: CaseSource::Employer,
                        reporter: None,
                        employee_id: Some(&employee.id),
                        departure_line_id: None,
                        obligation_id: Some(&duty.id),
                    },
                    &report,
                )?;
                for user in super::users::active_with_roles(tx, &[Role::Hr, Role::Security])? {
                    plan_one(
                        tx,
                        now,
                        Recipient::User(&user.id),
                        ReminderKind::ForbiddenEmployer,
                        &id,
                        now,
                    )?;
                }
                case
            }
        };
        diesel::update(whereabouts::table.find(&id))
            .set(whereabouts::breach_case_id.eq(&case))
            .execute(tx.conn())?;
        case_id = Some(case);
    }
    let actor = match by {
        Some(u) => Actor::User(u.id.clone()),
        None => Actor::System,
    };
    audit::record(
        tx,
        now,
        NewEvent {
            actor: &actor,
            action: "whereabouts.recorded",
            subject_type: "employee",
            subject_id: &employee.id,
            details: json!({
                "whereabouts_id": id, "employer": new.employer, "post": new.post,
                "kind": kind, "starts_on": new.starts_on, "ends_on": new.ends_on,
                "through_link": by.is_none(), "obligation_id": breached.map(|d| &d.id),
                "case_id": case_id,
            }),
        },
    )?;
    Ok(whereabouts::table
        .find(&id)
        .select(Whereabouts::as_select())
        .first(tx.conn())?)
}

/// What the notice to HR and security about a forbidden new employer says.
#[derive(Debug, Clone)]
pub struct ForbiddenNotice {
    pub employee_id: String,
    pub employee_name: String,
    pub employer: String,
    pub post: String,
    pub kind: EmployerKind,
    pub starts_on: NaiveDate,
    pub obligation_kind: Option<ObligationKind>,
    pub case_id: Option<String>,
}

/// The notice of the record `id`.
pub fn notice(conn: &mut DbConnection, id: &str) -> QueryResult<ForbiddenNotice> {
    let (w, name): (Whereabouts, String) = whereabouts::table
        .inner_join(employees::table)
        .filter(whereabouts::id.eq(id))
        .select((Whereabouts::as_select(), employees::name))
        .first(conn)?;
    let obligation_kind = match &w.obligation_id {
        Some(o) => obligations::table
            .find(o)
            .select(obligations::kind)
            .first(conn)
            .optional()?,
        None => None,
    };
    Ok(ForbiddenNotice {
        employee_id: w.employee_id,
        employee_name: name,
        employer: w.employer,
        post: w.post,
        kind: w.kind,
        starts_on: w.starts_on,
        obligation_kind,
        case_id: w.breach_case_id,
    })
}
