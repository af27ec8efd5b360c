//! Obligations after leaving: created with the departure or tier change that causes them,
//! listed, and ended when their end date has passed.

use crate::db::WriteTx;
use chrono::{DateTime, Days, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use super::audit;
use super::employees::Scope;
use super::listing::{self, Page, Sort, Window};
use super::schema::{breach_cases, obligations};
use super::{DbConnection, MultiBackend, stored_instant};
use crate::domain::audit::{Actor, NewEvent};
use crate::domain::breaches::CaseStatus;
use crate::domain::obligations::{NewObligation, ObligationKind, ObligationStatus, ends_by};
use crate::domain::people::ClearanceTier;

#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = obligations)]
pub struct Obligation {
    pub id: String,
    pub employee_id: String,
    /// declassification, confidentiality, non_compete or trade_secret.
    pub kind: ObligationKind,
    /// The first counted day (the day after the event).
    #[schema(value_type = String, format = Date)]
    pub starts_on: NaiveDate,
    /// The last day; none for a trade secret ("until public").
    #[schema(value_type = Option<String>, format = Date)]
    pub ends_on: Option<NaiveDate>,
    /// active, ended, waived, rescinded, breached or superseded.
    pub status: ObligationStatus,
    /// The tier whose declassification period this is.
    pub tier: Option<ClearanceTier>,
    pub departure_id: Option<String>,
    pub post_exit_id: Option<String>,
    #[serde(serialize_with = "crate::clock::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::clock::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
}

/// Where an obligation comes from.
#[derive(Debug, Clone, Copy, Default)]
pub struct Source<'a> {
    pub departure_id: Option<&'a str>,
    pub post_exit_id: Option<&'a str>,
}

/// Creates obligations for an employee and records each.
pub fn create_all(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    actor: &Actor,
    employee_id: &str,
    new: &[NewObligation],
    source: Source<'_>,
) -> QueryResult<Vec<String>> {
    let at = stored_instant(now);
    let mut ids = Vec::with_capacity(new.len());
    for o in new {
        let id = uuid::Uuid::now_v7().to_string();
        diesel::insert_into(obligations::table)
            .values((
                obligations::id.eq(&id),
                obligations::employee_id.eq(employee_id),
                obligations::kind.eq(o.kind.as_str()),
                obligations::starts_on.eq(o.starts_on),
                obligations::ends_on.eq(o.ends_on),
                obligations::status.eq(ObligationStatus::Active),
                obligations::tier.eq(o.tier.map(|t| t.as_str())),
                obligations::departure_id.eq(source.departure_id),
                obligations::post_exit_id.eq(source.post_exit_id),
                obligations::created_at.eq(at),
                obligations::updated_at.eq(at),
            ))
            .execute(tx.conn())?;
        ids.push(id);
    }
    let events = ids
        .iter()
        .zip(new)
        .map(|(id, o)| NewEvent {
            actor,
            action: "obligation.created",
            subject_type: "obligation",
            subject_id: id,
            details: json!({
                "employee_id": employee_id, "kind": o.kind, "starts_on": o.starts_on,
                "ends_on": o.ends_on, "tier": o.tier,
            }),
        })
        .collect();
    audit::record_all(tx, now, events)?;
    Ok(ids)
}

#[derive(Debug, Clone, Default)]
pub struct ObligationFilter {
    pub employee_id: Option<String>,
    /// Any part of the person's name, number or email, any case.
    pub q: Option<String>,
    pub kind: Option<ObligationKind>,
    pub status: Option<ObligationStatus>,
    /// Ending from `today` to `today + days` (inclusive).
    pub ending_within: Option<(NaiveDate, u32)>,
    /// The order of the list (default: soonest end first, "until public" last).
    pub sort: Option<ObligationSort>,
}

crate::string_enum! {
    /// What a list of obligations can be sorted by.
    pub enum ObligationSortKey ("a sort key") {
        EndsOn = "ends_on",
        StartsOn = "starts_on",
        Kind = "kind",
        Status = "status",
        /// The person's name.
        Name = "name",
    }
}

/// The order of a list of obligations (`-ends_on` for descending).
pub type ObligationSort = Sort<ObligationSortKey>;

type Boxed = obligations::BoxedQuery<'static, MultiBackend>;

fn filtered(scope: &Scope, filter: &ObligationFilter) -> Boxed {
    let mut q = obligations::table.into_boxed();
    if let Some(condition) = scope.condition("obligations.employee_id") {
        q = q.filter(condition);
    }
    if let Some(e) = &filter.employee_id {
        q = q.filter(obligations::employee_id.eq(e.clone()));
    }
    if let Some(text) = filter.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        q = q.filter(super::employees::matching("obligations.employee_id", text));
    }
    if let Some(k) = filter.kind {
        q = q.filter(obligations::kind.eq(k.as_str()));
    }
    match filter.status {
        // A breached obligation still runs: "active" lists it with the others.
        Some(ObligationStatus::Active) => {
            q = q.filter(obligations::status.eq_any(ObligationStatus::OWED));
        }
        Some(s) => q = q.filter(obligations::status.eq(s.as_str())),
        None => {}
    }
    if let Some((today, days)) = filter.ending_within {
        let until = today
            .checked_add_days(Days::new(u64::from(days)))
            .unwrap_or(NaiveDate::MAX);
        q = q.filter(obligations::ends_on.between(today, until));
    }
    q
}

/// Orders the query: by the chosen key, then by end ("until public" after every date, on
/// both databases) and id, so pages never overlap. When every row has an end (`ends_known`:
/// the filter asks for an end in a range), the end is ordered plainly, so the index on
/// `(ends_on, id)` yields the page without sorting every match.
fn sorted(q: Boxed, sort: Option<ObligationSort>, ends_known: bool) -> Boxed {
    use diesel::dsl::sql;
    use diesel::sql_types::Text;
    let sort = sort.unwrap_or(Sort::asc(ObligationSortKey::EndsOn));
    let by_end = |q: Boxed, descending: bool| match (ends_known, descending) {
        (true, false) => q.then_order_by(obligations::ends_on.asc()),
        (true, true) => q.then_order_by(obligations::ends_on.desc()),
        (false, false) => q
            .then_order_by(obligations::ends_on.is_null().asc())
            .then_order_by(obligations::ends_on.asc()),
        (false, true) => q
            .then_order_by(obligations::ends_on.is_null().desc())
            .then_order_by(obligations::ends_on.desc()),
    };
    let d = sort.descending;
    let q = match sort.key {
        ObligationSortKey::EndsOn => {
            return by_end(q, d).then_order_by(obligations::id.asc());
        }
        ObligationSortKey::StartsOn => listing::order_by!(q, d, obligations::starts_on),
        ObligationSortKey::Kind => listing::order_by!(q, d, obligations::kind),
        ObligationSortKey::Status => listing::order_by!(q, d, obligations::status),
        ObligationSortKey::Name => listing::order_by!(
            q,
            d,
            sql::<Text>("(SELECT e.name FROM employees e WHERE e.id = obligations.employee_id)")
        ),
    };
    by_end(q, false).then_order_by(obligations::id.asc())
}

/// One page of the obligations the scope may see, soonest end first unless sorted otherwise.
pub fn list(
    conn: &mut DbConnection,
    scope: &Scope,
    filter: &ObligationFilter,
    window: Window,
) -> QueryResult<Page<Obligation>> {
    listing::page(
        conn,
        window,
        || filtered(scope, filter),
        |conn, q| {
            sorted(q, filter.sort, filter.ending_within.is_some())
                .select(Obligation::as_select())
                .load(conn)
        },
    )
}

/// Ends the obligations still owed whose last day is before `today`; returns how many. Run
/// daily. A breached one ends on its end date too: the breach stays in its history (its
/// `obligation.breached` event, its linked case, and `was: breached` on the end's event).
pub fn end_due(tx: &mut WriteTx, now: DateTime<Utc>, today: NaiveDate) -> QueryResult<usize> {
    type Due = (String, String, ObligationStatus, Option<NaiveDate>);
    let due: Vec<(String, String, ObligationStatus)> = obligations::table
        .filter(obligations::status.eq_any(ObligationStatus::OWED))
        .filter(obligations::ends_on.lt(today))
        .select((
            obligations::id,
            obligations::employee_id,
            obligations::status,
            obligations::ends_on,
        ))
        .load::<Due>(tx.conn())?
        .into_iter()
        .filter(|(_, _, status, ends_on)| ends_by(*status, *ends_on, today))
        .map(|(id, employee_id, status, _)| (id, employee_id, status))
        .collect();
    if due.is_empty() {
        return Ok(0);
    }
    let ids: Vec<&str> = due.iter().map(|(id, _, _)| id.as_str()).collect();
    diesel::update(obligations::table.filter(obligations::id.eq_any(&ids)))
        .set((
            obligations::status.eq(ObligationStatus::Ended),
            obligations::updated_at.eq(stored_instant(now)),
        ))
        .execute(tx.conn())?;
    let events = due
        .iter()
        .map(|(id, employee_id, was)| NewEvent {
            actor: &Actor::System,
            action: "obligation.ended",
            subject_type: "obligation",
            subject_id: id,
            details: json!({ "employee_id": employee_id, "on": today, "was": was }),
        })
        .collect();
    audit::record_all(tx, now, events)?;
    Ok(due.len())
}

/// One obligation as [`held_by`] answers it.
pub type Held = (String, ObligationKind, ObligationStatus, Option<String>);

/// A person's obligations as a rehire weighs them: id, kind, status and the departure that
/// created each (none for one from leaving a post while employed).
pub fn held_by(conn: &mut DbConnection, employee_id: &str) -> QueryResult<Vec<Held>> {
    obligations::table
        .filter(obligations::employee_id.eq(employee_id))
        .order(obligations::id.asc())
        .select((
            obligations::id,
            obligations::kind,
            obligations::status,
            obligations::departure_id,
        ))
        .load(conn)
}

/// Put back into a classified post through the tier chain: the person's running 脱密期 end as
/// superseded (002 第十二条), each with its event.
pub fn supersede_on_return_to_post(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    actor: &Actor,
    employee_id: &str,
    to: crate::domain::people::ClearanceTier,
) -> QueryResult<usize> {
    let held = held_by(tx, employee_id)?;
    let owed: Vec<crate::domain::people::Owed<'_>> = held
        .iter()
        .map(
            |(id, kind, status, departure_id)| crate::domain::people::Owed {
                id,
                kind: *kind,
                status: *status,
                from_departure: departure_id.is_some(),
            },
        )
        .collect();
    let ids = crate::domain::people::superseded_on_return_to_post(to, &owed);
    supersede(
        tx,
        now,
        actor,
        employee_id,
        &ids,
        "returned_to_classified_post",
    )
}

/// Supersedes obligations (kept, not deleted), each with its event naming the `cause`
/// (`rehired`, `returned_to_classified_post`).
pub fn supersede(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    actor: &Actor,
    employee_id: &str,
    ids: &[&str],
    cause: &str,
) -> QueryResult<usize> {
    diesel::update(obligations::table.filter(obligations::id.eq_any(ids)))
        .set((
            obligations::status.eq(ObligationStatus::Superseded),
            obligations::updated_at.eq(stored_instant(now)),
        ))
        .execute(tx.conn())?;
    let events = ids
        .iter()
        .map(|id| NewEvent {
            actor,
            action: "obligation.superseded",
            subject_type: "obligation",
            subject_id: id,
            details: json!({ "employee_id": employee_id, "cause": cause }),
        })
        .collect();
    audit::record_all(tx, now, events)?;
    Ok(ids.len())
}

/// One step of an obligation's history.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HistoryEntry {
    /// RFC 3339, UTC.
    pub at: String,
    /// A user id, or "system".
    pub actor: String,
    /// obligation.created, obligation.extended, obligation.ended, non_compete.paid, …
    pub action: String,
    pub details: serde_json::Value,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ObligationDetail {
    #[serde(flatten)]
    pub obligation: Obligation,
    pub history: Vec<HistoryEntry>,
}

/// What a person still owes, the soonest ending first.
pub fn owed_by(conn: &mut DbConnection, employee_id: &str) -> QueryResult<Vec<Obligation>> {
    obligations::table
        .filter(obligations::employee_id.eq(employee_id))
        .filter(obligations::status.eq_any(ObligationStatus::OWED))
        .order(obligations::ends_on.asc())
        .select(Obligation::as_select())
        .load(conn)
}

/// The first day of the person's lifelong duty to keep the state secrets they knew, once a
/// declassification period of theirs has ended (Law on Guarding State Secrets art. 46).
pub fn lasting_duty_from(
    conn: &mut DbConnection,
    employee_id: &str,
) -> QueryResult<Option<NaiveDate>> {
    let periods: Vec<(ObligationKind, ObligationStatus, Option<NaiveDate>)> = obligations::table
        .filter(obligations::employee_id.eq(employee_id))
        .filter(obligations::kind.eq(ObligationKind::Declassification))
        .select((obligations::kind, obligations::status, obligations::ends_on))
        .load(conn)?;
    Ok(crate::domain::obligations::lasting_duty_from(periods))
}

/// One obligation by id, whoever may see it (callers check the scope).
pub fn find(conn: &mut DbConnection, id: &str) -> crate::error::Result<Obligation> {
    obligations::table
        .find(id)
        .select(Obligation::as_select())
        .first(conn)
        .optional()?
        .ok_or(crate::error::Error::NotFound)
}

/// An obligation the scope may see, with its full history.
pub fn get(
    conn: &mut DbConnection,
    scope: &Scope,
    id: &str,
) -> crate::error::Result<ObligationDetail> {
    use crate::error::Error;
    let obligation = find(conn, id)?;
    if !super::employees::visible(conn, scope, &obligation.employee_id)? {
        return Err(Error::Forbidden);
    }
    let history = audit::of_subject(conn, "obligation", id)?
        .into_iter()
        .map(|e| HistoryEntry {
            at: e
                .at
                .and_utc()
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            actor: e.actor_id.unwrap_or(e.actor_type),
            action: e.action,
            details: serde_json::from_str(&e.details).unwrap_or(serde_json::Value::Null),
        })
        .collect();
    Ok(ObligationDetail {
        obligation,
        history,
    })
}

/// A breach case linked to an obligation, as its page lists it.
#[derive(Debug, Clone, Queryable, Serialize)]
pub struct LinkedCase {
    pub id: String,
    pub code: String,
    pub status: CaseStatus,
}

/// The breach cases linked to an obligation, oldest first.
pub fn linked_cases(conn: &mut DbConnection, obligation_id: &str) -> QueryResult<Vec<LinkedCase>> {
    breach_cases::table
        .filter(breach_cases::obligation_id.eq(obligation_id))
        .order(breach_cases::id.asc())
        .select((breach_cases::id, breach_cases::code, breach_cases::status))
        .load(conn)
}
