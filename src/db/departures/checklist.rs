//! Departures: the checklist from the custody list and the standard lines, each line
//! confirmed by the manager or HR (a handover signed for by the successor), and completion,
//! which ends the employment and creates the obligations in the same transaction.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use super::audit;
use super::carriers::{self, Custody};
use super::clearance::record_post_exit;
use super::employees::{self, Employee, Scope};
use super::obligations::{self, Source};
use super::schema::{departure_lines, departures, employees as employees_table, users};
use super::users::User;
use super::{DbConnection, MultiBackend, stored_instant};
use crate::domain::audit::{Actor, NewEvent};
use crate::domain::carriers::CarrierStatus;
use crate::domain::departures::{
    DepartureReason, DepartureSort, DepartureSortKey, DepartureStatus, LineKind, LineStatus,
    check_outcome, is_resolved,
};
use crate::domain::obligations::{after_departure, non_compete};
use crate::domain::people::{ClearanceTier, EmployeeStatus};
use crate::domain::policy::Policy;
use crate::domain::users::Role;
use crate::error::{Error, Result};

#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = departures)]
pub struct Departure {
    pub id: String,
    pub employee_id: String,
    #[schema(value_type = String, format = Date)]
    pub notice_date: NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub last_working_day: NaiveDate,
    pub reason: DepartureReason,
    pub successor_id: Option<String>,
    /// in_progress or completed.
    pub status: DepartureStatus,
    pub started_by: String,
    #[serde(serialize_with = "crate::clock::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub started_at: NaiveDateTime,
    pub completed_by: Option<String>,
    #[serde(serialize_with = "crate::clock::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub completed_at: Option<NaiveDateTime>,
    pub override_reason: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = departure_lines)]
pub struct DepartureLine {
    pub id: String,
    #[serde(skip)]
    pub departure_id: String,
    pub position: i32,
    /// carrier, secrets_handover, accounts_revoked, exit_pledge, exit_interview or custom.
    pub kind: LineKind,
    pub carrier_id: Option<String>,
    pub title: String,
    /// Copies the register says the person holds.
    pub expected_count: i32,
    /// open, returned, handed_over, destroyed, missing or done.
    pub status: LineStatus,
    pub counted: Option<i32>,
    pub note: String,
    pub handed_to_id: Option<String>,
    pub confirmed_by: Option<String>,
    #[serde(serialize_with = "crate::clock::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub confirmed_at: Option<NaiveDateTime>,
    pub received_by: Option<String>,
    #[serde(serialize_with = "crate::clock::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub received_at: Option<NaiveDateTime>,
}

impl DepartureLine {
    fn status(&self) -> LineStatus {
        self.status
    }

    pub fn resolved(&self) -> bool {
        is_resolved(self.status(), self.received_at.is_some())
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DepartureDetail {
    #[serde(flatten)]
    pub departure: Departure,
    pub lines: Vec<DepartureLine>,
    /// Lines not yet resolved (a handover counts once signed for).
    pub open_lines: usize,
}

pub struct NewDeparture {
    pub employee_id: String,
    pub notice_date: NaiveDate,
    pub last_working_day: NaiveDate,
    pub reason: DepartureReason,
    pub successor_id: Option<String>,
}

fn find(conn: &mut DbConnection, id: &str) -> Result<Departure> {
    departures::table
        .find(id)
        .select(Departure::as_select())
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound)
}

fn lines_of(conn: &mut DbConnection, id: &str) -> QueryResult<Vec<DepartureLine>> {
    departure_lines::table
        .filter(departure_lines::departure_id.eq(id))
        .order(departure_lines::position.asc())
        .select(DepartureLine::as_select())
        .load(conn)
}

fn detail(conn: &mut DbConnection, departure: Departure) -> Result<DepartureDetail> {
    let lines = lines_of(conn, &departure.id)?;
    let open_lines = lines.iter().filter(|l| !l.resolved()).count();
    Ok(DepartureDetail {
        departure,
        lines,
        open_lines,
    })
}

/// A departure the scope may see (a manager: their reports' departures).
pub fn get(conn: &mut DbConnection, scope: &Scope, id: &str) -> Result<DepartureDetail> {
    let departure = find(conn, id)?;
    if !employees::visible(conn, scope, &departure.employee_id)? {
        return Err(Error::Forbidden);
    }
    detail(conn, departure)
}

/// What a list of departures is filtered and sorted by.
#[derive(Debug, Clone, Default)]
pub struct DepartureFilter {
    pub status: Option<DepartureStatus>,
    /// Part of the departing person's name, number or email, any case.
    pub q: Option<String>,
    /// Only departures with a carrier confirmed missing whose loss case is not yet closed.
    pub open_loss: bool,
    pub sort: DepartureSort,
}

/// `departures.id` of the departures with a line confirmed missing whose loss case is still
/// open (neither closed nor found unfounded).
const WITH_OPEN_LOSS: &str = "departures.id IN (SELECT l.departure_id FROM departure_lines l \
     JOIN breach_cases b ON b.departure_line_id = l.id \
     WHERE l.status = 'missing' AND b.status NOT IN ('closed', 'unfounded'))";

/// One page of the departures the scope may see, and how many match.
pub fn list(
    conn: &mut DbConnection,
    scope: &Scope,
    filter: &DepartureFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<Departure>, i64)> {
    // No join: the person's name and search text come from subqueries, so the count and the
    // default order run on the departures' own index whatever the number of people.
    let query = || {
        let mut q = departures::table.into_boxed::<MultiBackend>();
        if let Some(condition) = scope.condition("departures.employee_id") {
            q = q.filter(condition);
        }
        if let Some(s) = filter.status {
            q = q.filter(departures::status.eq(s.as_str()));
        }
        if let Some(text) = filter.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            q = q.filter(employees::matching("departures.employee_id", text));
        }
        if filter.open_loss {
            q = q.filter(diesel::dsl::sql::<diesel::sql_types::Bool>(WITH_OPEN_LOSS));
        }
        q
    };
    let total = query().count().get_result(conn)?;
    let name = || {
        diesel::dsl::sql::<diesel::sql_types::Text>(
            "(SELECT e.name FROM employees e WHERE e.id = departures.employee_id)",
        )
    };
    let sorted = match (filter.sort.key, filter.sort.descending) {
        (DepartureSortKey::LastWorkingDay, false) => {
            query().order(departures::last_working_day.asc())
        }
        (DepartureSortKey::LastWorkingDay, true) => {
            query().order(departures::last_working_day.desc())
        }
        (DepartureSortKey::NoticeDate, false) => query().order(departures::notice_date.asc()),
        (DepartureSortKey::NoticeDate, true) => query().order(departures::notice_date.desc()),
        (DepartureSortKey::StartedAt, false) => query().order(departures::started_at.asc()),
        (DepartureSortKey::StartedAt, true) => query().order(departures::started_at.desc()),
        (DepartureSortKey::Name, false) => query().order(name().asc()),
        (DepartureSortKey::Name, true) => query().order(name().desc()),
    };
    let items = sorted
        .then_order_by(departures::id.asc())
        .offset(offset)
        .limit(limit)
        .select(Departure::as_select())
        .load(conn)?;
    Ok((items, total))
}

/// Who an id names, for pages: an employee's number and name, or a user's name.
#[derive(Debug, Clone, Serialize)]
pub struct Named {
    pub id: String,
    /// The employee number (empty for a user).
    pub no: String,
    pub name: String,
}

/// The employees with these ids, in one query.
pub fn employees_named(
    conn: &mut DbConnection,
    ids: &[&str],
) -> QueryResult<std::collections::HashMap<String, Named>> {
    let rows: Vec<(String, String, String)> = employees_table::table
        .filter(employees_table::id.eq_any(ids))
        .select((
            employees_table::id,
            employees_table::employee_no,
            employees_table::name,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, no, name)| (id.clone(), Named { id, no, name }))
        .collect())
}

/// The users with these ids, in one query.
pub fn users_named(
    conn: &mut DbConnection,
    ids: &[&str],
) -> QueryResult<std::collections::HashMap<String, Named>> {
    let rows: Vec<(String, String)> = users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::name))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, name)| {
            (
                id.clone(),
                Named {
                    id,
                    no: String::new(),
                    name,
                },
            )
        })
        .collect())
}

/// A departure as a list shows it: who leaves, who succeeds, and how far the checklist is.
#[derive(Debug, Serialize)]
pub struct DepartureRow {
    #[serde(flatten)]
    pub departure: Departure,
    pub employee: Option<Named>,
    pub successor: Option<Named>,
    pub lines: usize,
    pub open_lines: usize,
}

/// The rows of a list page, with two more queries whatever their number.
pub fn rows(conn: &mut DbConnection, found: Vec<Departure>) -> QueryResult<Vec<DepartureRow>> {
    let ids: Vec<&str> = found.iter().map(|d| d.id.as_str()).collect();
    let people: Vec<&str> = found
        .iter()
        .flat_map(|d| std::iter::once(d.employee_id.as_str()).chain(d.successor_id.as_deref()))
        .collect();
    let named = employees_named(conn, &people)?;
    let states: Vec<(String, String, Option<NaiveDateTime>)> = departure_lines::table
        .filter(departure_lines::departure_id.eq_any(&ids))
        .select((
            departure_lines::departure_id,
            departure_lines::status,
            departure_lines::received_at,
        ))
        .load(conn)?;
    let mut counts: std::collections::HashMap<&str, (usize, usize)> = Default::default();
    for (departure_id, status, received_at) in &states {
        let entry = counts.entry(departure_id.as_str()).or_default();
        entry.0 += 1;
        let status: LineStatus = status.parse().unwrap_or(LineStatus::Open);
        if !is_resolved(status, received_at.is_some()) {
            entry.1 += 1;
        }
    }
    let counts: std::collections::HashMap<String, (usize, usize)> = counts
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    Ok(found
        .into_iter()
        .map(|d| {
            let (lines, open_lines) = counts.get(&d.id).copied().unwrap_or_default();
            DepartureRow {
                employee: named.get(&d.employee_id).cloned(),
                successor: d.successor_id.as_ref().and_then(|s| named.get(s).cloned()),
                departure: d,
                lines,
                open_lines,
            }
        })
        .collect())
}

/// An open checklist line of a departure, with whom it concerns (for a manager's list).
#[derive(Debug, Serialize)]
pub struct TeamLine {
    #[serde(flatten)]
    pub line: DepartureLine,
    pub departure_id: String,
    pub employee_name: String,
    pub last_working_day: NaiveDate,
}

/// The open lines of the departures in progress of a manager's reports (direct or indirect),
/// soonest last working day first, at most `limit`, and how many there are.
pub fn open_lines_of_team(
    conn: &mut DbConnection,
    manager_employee_id: &str,
    limit: i64,
) -> QueryResult<(Vec<TeamLine>, i64)> {
    let team = Scope::Team(Some(manager_employee_id.to_string()));
    let query = || {
        let mut q = departure_lines::table
            .inner_join(departures::table.inner_join(employees_table::table))
            .filter(departures::status.eq(DepartureStatus::InProgress))
            .filter(departure_lines::status.eq(LineStatus::Open))
            .into_boxed::<MultiBackend>();
        if let Some(condition) = team.condition("departures.employee_id") {
            q = q.filter(condition);
        }
        q
    };
    let total = query().count().get_result(conn)?;
    let found: Vec<(DepartureLine, String, NaiveDate)> = query()
        .order((
            departures::last_working_day.asc(),
            departures::id.asc(),
            departure_lines::position.asc(),
        ))
        .limit(limit)
        .select((
            DepartureLine::as_select(),
            employees_table::name,
            departures::last_working_day,
        ))
        .load(conn)?;
    Ok((
        found
            .into_iter()
            .map(|(line, employee_name, last_working_day)| TeamLine {
                departure_id: line.departure_id.clone(),
                line,
                employee_name,
                last_working_day,
            })
            .collect(),
        total,
    ))
}

#[allow(clippy::too_many_arguments)]
fn insert_line(
    conn: &mut DbConnection,
    departure_id: &str,
    position: i32,
    kind: LineKind,
    carrier_id: Option<&str>,
    title: &str,
    expected_count: i32,
) -> QueryResult<usize> {
    diesel::insert_into(departure_lines::table)
        .values((
            departure_lines::id.eq(uuid::Uuid::now_v7().to_string()),
            departure_lines::departure_id.eq(departure_id),
            departure_lines::position.eq(position),
            departure_lines::kind.eq(kind.as_str()),
            departure_lines::carrier_id.eq(carrier_id),
            departure_lines::title.eq(title),
            departure_lines::expected_count.eq(expected_count),
            departure_lines::status.eq(LineStatus::Open),
            departure_lines::note.eq(""),
        ))
        .execute(conn)
}

fn set_employee_status(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    id: &str,
    status: EmployeeStatus,
) -> QueryResult<usize> {
    diesel::update(employees_table::table.find(id))
        .set((
            employees_table::status.eq(status.as_str()),
            employees_table::updated_at.eq(stored_instant(now)),
        ))
        .execute(conn)
}

/// Starts a departure: the employee becomes departing and gets the checklist: a line per
/// carrier in their custody, then the standard lines. Call inside a write transaction.
pub fn start(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    user: &User,
    new: &NewDeparture,
) -> Result<DepartureDetail> {
    super::lock_row(conn, super::Locked::Employee, &new.employee_id)?;
    let employee = employees::find(conn, &new.employee_id)?
        .ok_or_else(|| Error::field("employee_id", "no employee has this id"))?;
    if employee.status != EmployeeStatus::Active {
        return Err(Error::Conflict(format!(
            "the employee is {}; only an active employee can start a departure",
            employee.status
        )));
    }
    if let Some(successor) = &new.successor_id {
        if *successor == employee.id {
            return Err(Error::field("successor_id", "must be someone else"));
        }
        if employees::find(conn, successor)?.is_none() {
            return Err(Error::field("successor_id", "no employee has this id"));
        }
    }
    let id = uuid::Uuid::now_v7().to_string();
    diesel::insert_into(departures::table)
        .values((
            departures::id.eq(&id),
            departures::employee_id.eq(&employee.id),
            departures::notice_date.eq(new.notice_date),
            departures::last_working_day.eq(new.last_working_day),
            departures::reason.eq(new.reason.as_str()),
            departures::successor_id.eq(&new.successor_id),
            departures::status.eq(DepartureStatus::InProgress),
            departures::started_by.eq(&user.id),
            departures::started_at.eq(stored_instant(now)),
        ))
        .execute(conn)?;
    let held = carriers::custody_of(conn, &employee.id)?;
    let mut position = 0;
    for carrier in &held {
        position += 1;
        let title = if carrier.description.is_empty() {
            carrier.tag.clone()
        } else {
            format!("{} · {}", carrier.tag, carrier.description)
        };
        insert_line(
            conn,
            &id,
            position,
            LineKind::Carrier,
            Some(&carrier.id),
            &title,
            carrier.copies,
        )?;
    }
    let (_, policy) = super::policy::current(conn)?;
    for line in &policy.checklist {
        position += 1;
        insert_line(conn, &id, position, line.kind, None, &line.title, 1)?;
    }
    set_employee_status(conn, now, &employee.id, EmployeeStatus::Departing)?;
    audit::record(
        conn,
        now,
        NewEvent {
            actor: &Actor::User(user.id.clone()),
            action: "departure.started",
            subject_type: "departure",
            subject_id: &id,
            details: json!({
                "employee_id": employee.id, "notice_date": new.notice_date,
                "last_working_day": new.last_working_day, "reason": new.reason,
                "successor_id": new.successor_id, "carriers": held.len(),
            }),
        },
    )?;
    let departure = find(conn, &id)?;
    detail(conn, departure)
}

/// Adds a line to a departure in progress. Call inside a write transaction.
pub fn add_line(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    user: &User,
    id: &str,
    title: &str,
) -> Result<DepartureDetail> {
    super::lock_row(conn, super::Locked::Departure, id)?;
    let departure = in_progress(conn, id)?;
    let last: Option<i32> = departure_lines::table
        .filter(departure_lines::departure_id.eq(id))
        .select(diesel::dsl::max(departure_lines::position))
        .first(conn)?;
    insert_line(
        conn,
        id,
        last.unwrap_or(0) + 1,
        LineKind::Custom,
        None,
        title,
        1,
    )?;
    audit::record(
        conn,
        now,
        NewEvent {
            actor: &Actor::User(user.id.clone()),
            action: "departure.line_added",
            subject_type: "departure",
            subject_id: id,
            details: json!({ "title": title }),
        },
    )?;
    detail(conn, departure)
}

fn in_progress(conn: &mut DbConnection, id: &str) -> Result<Departure> {
    let departure = find(conn, id)?;
    if departure.status != DepartureStatus::InProgress {
        return Err(Error::Conflict("the departure is already completed".into()));
    }
    Ok(departure)
}

fn find_line(conn: &mut DbConnection, departure_id: &str, line_id: &str) -> Result<DepartureLine> {
    departure_lines::table
        .filter(departure_lines::departure_id.eq(departure_id))
        .filter(departure_lines::id.eq(line_id))
        .select(DepartureLine::as_select())
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound)
}

/// The departing person never confirms their own lines; HR confirms any, a manager their
/// reports'. Forbidden when this user may not.
pub fn may_confirm(conn: &mut DbConnection, user: &User, employee: &Employee) -> Result<()> {
    if user.employee_no.as_deref() == Some(employee.employee_no.as_str()) {
        return Err(Error::Forbidden);
    }
    if user.has_any_role(&[Role::Hr]) {
        return Ok(());
    }
    let scope = Scope::of(conn, user)?;
    if user.has_any_role(&[Role::Manager])
        && matches!(scope, Scope::Team(_))
        && employees::visible(conn, &scope, &employee.id)?
    {
        return Ok(());
    }
    Err(Error::Forbidden)
}

/// What the confirmer says of a line.
pub struct Confirmation<'a> {
    pub outcome: LineStatus,
    pub note: &'a str,
    pub count: Option<i32>,
}

/// Confirms a line; the carrier register follows. Call inside a write transaction.
pub fn confirm(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    user: &User,
    id: &str,
    line_id: &str,
    c: &Confirmation<'_>,
) -> Result<DepartureDetail> {
    super::lock_row(conn, super::Locked::Departure, id)?;
    let departure = in_progress(conn, id)?;
    let employee = employees::find(conn, &departure.employee_id)?.ok_or(Error::NotFound)?;
    may_confirm(conn, user, &employee)?;
    let line = find_line(conn, id, line_id)?;
    if line.status() != LineStatus::Open {
        return Err(Error::Conflict(format!(
            "the line is already {}",
            line.status
        )));
    }
    let kind: LineKind = line.kind;
    check_outcome(kind, c.outcome).map_err(|m| Error::field("outcome", m))?;
    let mut handed_to = None;
    match c.outcome {
        LineStatus::Returned => {
            // Counted against the register's copies: a short count is a missing carrier.
            match c.count {
                Some(n) if n == line.expected_count => {}
                Some(n) => {
                    return Err(Error::field(
                        "count",
                        format!(
                            "{n} counted but the register holds {} copies; confirm as missing \
                             if some are not returned",
                            line.expected_count
                        ),
                    ));
                }
                None => return Err(Error::field("count", "count the copies returned")),
            }
        }
        LineStatus::HandedOver => {
            let successor = departure.successor_id.clone().ok_or_else(|| {
                Error::field(
                    "outcome",
                    "the departure names no successor to hand over to",
                )
            })?;
            // The successor signs for it, with their account or the link this email carries.
            super::reminders::plan_one(
                conn,
                now,
                super::reminders::Recipient::Employee(&successor),
                crate::domain::reminders::ReminderKind::Handover,
                line_id,
                now,
            )?;
            handed_to = Some(successor);
        }
        LineStatus::Destroyed => {
            let carrier_id = line.carrier_id.as_deref().unwrap_or_default();
            let held = carriers::get(conn, &Scope::All, carrier_id)?;
            if held.carrier.status != CarrierStatus::Destroyed {
                return Err(Error::Conflict(
                    "record the destruction in the carrier register first (security, two \
                     witnesses)"
                        .into(),
                ));
            }
        }
        _ => {}
    }
    if c.outcome == LineStatus::Returned
        && let Some(carrier_id) = &line.carrier_id
    {
        carriers::move_custody(conn, now, &user.id, carrier_id, &Custody::Return, c.note)?;
    }
    diesel::update(departure_lines::table.find(line_id))
        .set((
            departure_lines::status.eq(c.outcome.as_str()),
            departure_lines::counted.eq(c.count),
            departure_lines::note.eq(c.note),
            departure_lines::handed_to_id.eq(&handed_to),
            departure_lines::confirmed_by.eq(&user.id),
            departure_lines::confirmed_at.eq(stored_instant(now)),
        ))
        .execute(conn)?;
    let action = if c.outcome == LineStatus::Missing {
        // A missing carrier is a loss (000 篇3 第八条): recorded at once, and HR and security
        // are emailed (the notices are planned in this same transaction).
        super::reminders::plan_loss_notices(conn, now, line_id)?;
        // … and becomes a breach case (失密), handled like any report.
        let report = crate::domain::breaches::NewReport {
            person: employee.name.clone(),
            what: format!(
                "Confirmed missing at the departure of {}: {}. {}",
                employee.name, line.title, c.note
            )
            .trim()
            .to_string(),
            // The instant is the case's creation time; the company date is not known here.
            discovered_on: None,
            carriers: line.title.clone(),
            contact: String::new(),
        };
        super::breaches::open(
            conn,
            now,
            super::breaches::Opening {
                source: crate::domain::breaches::CaseSource::Loss,
                reporter: None,
                employee_id: Some(&employee.id),
                departure_line_id: Some(line_id),
            },
            &report,
        )?;
        "departure.loss_reported"
    } else {
        "departure.line_confirmed"
    };
    audit::record(
        conn,
        now,
        NewEvent {
            actor: &Actor::User(user.id.clone()),
            action,
            subject_type: "departure",
            subject_id: id,
            details: json!({
                "line_id": line_id, "title": line.title, "carrier_id": line.carrier_id,
                "outcome": c.outcome, "count": c.count, "note": c.note,
            }),
        },
    )?;
    detail(conn, departure)
}

/// Who signs for a handover.
pub enum Receiver<'a> {
    /// The successor's own user account (linked by employee number).
    User(&'a User),
    /// The signed link emailed to the successor: whoever holds it is the successor.
    Link,
}

/// The successor signs for a handover (签收); a handed-over carrier passes into their custody.
/// Call inside a write transaction.
pub fn receive(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    by: Receiver<'_>,
    id: &str,
    line_id: &str,
) -> Result<DepartureDetail> {
    super::lock_row(conn, super::Locked::Departure, id)?;
    let line = find_line(conn, id, line_id)?;
    let successor_id = line.handed_to_id.clone().unwrap_or_default();
    let successor = employees::find(conn, &successor_id)?;
    // Who may sign comes first: anyone else learns nothing of the line's state.
    let (actor, user_id) = match by {
        Receiver::User(user) => {
            let signs = successor
                .as_ref()
                .is_some_and(|s| user.employee_no.as_deref() == Some(s.employee_no.as_str()));
            if !signs {
                return Err(Error::Forbidden);
            }
            (Actor::User(user.id.clone()), Some(user.id.clone()))
        }
        Receiver::Link => (Actor::System, None),
    };
    let departure = in_progress(conn, id)?;
    if line.status() != LineStatus::HandedOver || line.received_at.is_some() {
        return Err(Error::Conflict(
            "the line is not waiting for a receipt".into(),
        ));
    }
    if successor.is_none() {
        return Err(Error::NotFound);
    }
    if let Some(carrier_id) = &line.carrier_id {
        // The register names a user for each move: the successor's, or (by link) the one who
        // confirmed the handover, with a note saying how it was signed for.
        let (mover, note) = match &user_id {
            Some(u) => (u.clone(), "签收 · signed for"),
            None => (
                line.confirmed_by.clone().unwrap_or_default(),
                "签收（邮件链接）· signed for through the emailed link",
            ),
        };
        let change = Custody::Transfer {
            to: successor_id.clone(),
        };
        carriers::move_custody(conn, now, &mover, carrier_id, &change, note)?;
    }
    diesel::update(departure_lines::table.find(line_id))
        .set((
            departure_lines::received_by.eq(&user_id),
            departure_lines::received_at.eq(stored_instant(now)),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        now,
        NewEvent {
            actor: &actor,
            action: "departure.handover_received",
            subject_type: "departure",
            subject_id: id,
            details: json!({
                "line_id": line_id, "title": line.title, "successor_id": successor_id,
                "through": if user_id.is_some() { "account" } else { "emailed link" },
            }),
        },
    )?;
    detail(conn, departure)
}

/// A line waiting for its successor's signature, with the departing person's name (for the
/// receipt page).
pub fn awaiting_receipt(
    conn: &mut DbConnection,
    line_id: &str,
) -> Result<Option<(DepartureLine, String, Employee)>> {
    let Some(line) = departure_lines::table
        .find(line_id)
        .select(DepartureLine::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let departure = find(conn, &line.departure_id)?;
    let leaver = employees::find(conn, &departure.employee_id)?.ok_or(Error::NotFound)?;
    let successor_id = line.handed_to_id.clone().unwrap_or_default();
    let Some(successor) = employees::find(conn, &successor_id)? else {
        return Ok(None);
    };
    Ok(Some((line, leaver.name, successor)))
}

/// Completes a departure: with every line resolved, or with an override reason (the open
/// lines stay visible). The person becomes departed (or retired), their user accounts are
/// disabled, and their obligations are created — all in this transaction.
pub fn complete(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    user: &User,
    policy: &Policy,
    id: &str,
    override_reason: Option<&str>,
    trade_secret: bool,
) -> Result<DepartureDetail> {
    super::lock_row(conn, super::Locked::Departure, id)?;
    let departure = in_progress(conn, id)?;
    let open = lines_of(conn, id)?.iter().filter(|l| !l.resolved()).count();
    let override_reason = override_reason.map(str::trim).filter(|r| !r.is_empty());
    if open > 0 && override_reason.is_none() {
        return Err(Error::Conflict(format!(
            "{open} checklist lines are still open: resolve them, or complete with an \
             override_reason"
        )));
    }
    let employee = employees::find(conn, &departure.employee_id)?.ok_or(Error::NotFound)?;
    let tier_held = employee.tier();
    let actor = Actor::User(user.id.clone());
    diesel::update(departures::table.find(id))
        .set((
            departures::status.eq(DepartureStatus::Completed),
            departures::completed_by.eq(&user.id),
            departures::completed_at.eq(stored_instant(now)),
            departures::override_reason.eq(override_reason.filter(|_| open > 0)),
        ))
        .execute(conn)?;
    let final_status = if departure.reason == DepartureReason::Retirement {
        EmployeeStatus::Retired
    } else {
        EmployeeStatus::Departed
    };
    set_employee_status(conn, now, &employee.id, final_status)?;
    diesel::update(employees_table::table.find(&employee.id))
        .set(employees_table::clearance_tier.eq(ClearanceTier::None))
        .execute(conn)?;
    let disabled =
        diesel::update(users::table.filter(users::employee_no.eq(&employee.employee_no)))
            .set(users::active.eq(false))
            .execute(conn)?;
    let post_exit = if tier_held.is_classified() {
        Some(record_post_exit(
            conn,
            now,
            &actor,
            &employee.id,
            departure.last_working_day,
            tier_held,
            ClearanceTier::None,
            "departure",
            None,
        )?)
    } else {
        None
    };
    let mut owed = after_departure(
        policy,
        tier_held,
        departure.notice_date,
        departure.last_working_day,
        trade_secret,
    );
    if let Some(agreement) = super::noncompete::agreement_of(conn, &employee.id)? {
        let months = u32::try_from(agreement.months).unwrap_or(0);
        owed.push(non_compete(departure.last_working_day, months));
    }
    let source = Source {
        departure_id: Some(id),
        post_exit_id: post_exit.as_deref(),
    };
    obligations::create_all(conn, now, &actor, &employee.id, &owed, source)?;
    audit::record(
        conn,
        now,
        NewEvent {
            actor: &actor,
            action: "departure.completed",
            subject_type: "departure",
            subject_id: id,
            details: json!({
                "employee_id": employee.id, "status": final_status, "open_lines": open,
                "override_reason": override_reason, "users_disabled": disabled,
                "tier_held": tier_held,
            }),
        },
    )?;
    let departure = find(conn, id)?;
    detail(conn, departure)
}
